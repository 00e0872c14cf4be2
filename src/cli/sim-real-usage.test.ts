// `capi-gate sim --openstack ...`: the bad command lines end in a clear error with the right exit
// code before anything is bound or written (no real control plane needed).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../../test/helpers.js';

function cli(args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test('sim --openstack takes sim or real only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-simreal-'));
  const r = cli(['sim', '--openstack', 'cloud', '--out', dir]);
  assert.equal(r.code, 2);
  assert.match(r.out, /CAPI_GATE_USAGE/);
  assert.match(r.out, /--openstack must be sim or real, not "cloud"/);
  assert.doesNotMatch(r.out, /\n\s+at /, 'no stack trace');
});

test('sim --openstack real refuses --site, --seed and --keystone with the reason', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-simreal-'));
  for (const [extra, re] of [
    [['--site', 'x.yaml'], /builds its site from the real control plane/],
    [['--seed', '3'], /--seed does not apply/],
    [['--keystone', 'http://127.0.0.1:5000/v3'], /does not combine with --keystone/],
  ] as const) {
    const r = cli(['sim', '--openstack', 'real', ...extra, '--out', dir]);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, re);
  }
});

test('sim --openstack real without a real control plane: precondition error with the way to start one, nothing written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-simreal-'));
  const out = join(dir, 'out');
  const r = cli(['sim', '--openstack', 'real', '--real-clouds', join(dir, 'nope', 'clouds.yaml'), '--out', out]);
  assert.equal(r.code, 3, r.out);
  assert.match(r.out, /CAPI_GATE_PRECONDITION/);
  assert.match(r.out, /real-openstack\.sh up --profile full/);
  assert.equal(existsSync(join(out, 'site.yaml')), false);
  // a clouds.yaml without the full profile beside it
  writeFileSync(join(dir, 'clouds.yaml'), 'clouds: {}\n');
  const r2 = cli(['sim', '--openstack', 'real', '--real-clouds', join(dir, 'clouds.yaml'), '--out', out]);
  assert.equal(r2.code, 3, r2.out);
  assert.match(r2.out, /holds no full profile/);
});

test('sim --openstack real --scenario: an unknown name lists the real faults and the host scenarios', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-simreal-'));
  const r = cli(['sim', '--openstack', 'real', '--scenario', 'flaky-apis', '--out', dir]);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /api-lb-error, mgmt-vm-oom, stale-appcred, appcred-deleted, stuck-delete/);
});
