// `capi-gate demo` end to end, and `capi-gate history` over its runs (issues #5 and #7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, tempDir } from './helpers.js';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 300_000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

test('demo runs the whole acceptance: FUNCTIONALLY ACCEPTED by default, ACCEPTED with Snapshot 2, NOT ACCEPTED with a sealed Vault; history lists the three runs', async () => {
  const t = tempDir();
  try {
    const runs = join(t.dir, 'runs');
    const first = cli(['demo', '--time-scale', '0.02', '--runs-dir', runs]);
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, /Verdict: FUNCTIONALLY ACCEPTED/);
    for (const id of ['8.0.prereqs', '8.0.reserved-memory', '8.0.image', '8.0.template', '8.1', '8.2', '8.3', 'D-011.1', 'D-011.2', 'D-011.3', 'D-011.4', 'D-011.5', 'D-011.6', '8.5']) {
      assert.match(first.out, new RegExp(`^\\S+ ${id.replace(/\./g, '\\.')} PASS`, 'm'), `${id} PASS`);
    }
    assert.match(first.out, /D-011\.7 OUTSTANDING/);
    assert.match(first.out, /D-011\.8 DEFERRED/);
    const html = (/Open (\S+report\.html)/.exec(first.out) ?? [])[1];
    assert.ok(html && existsSync(html), 'the HTML report exists');
    assert.match(readFileSync(html, 'utf8'), /id="timeline"/);

    const second = cli(['demo', '--time-scale', '0.02', '--snapshot2', '--runs-dir', runs]);
    assert.equal(second.code, 0, second.out);
    assert.match(second.out, /Verdict: ACCEPTED/);

    const third = cli(['demo', '--time-scale', '0.02', '--scenario', 'vault-sealed', '--runs-dir', runs]);
    const vaultLine = third.out.split('\n').find((l) => / D-011\.6 (PASS|FAIL|ERROR|SKIPPED)/.test(l)) ?? '(no D-011.6 result line)';
    assert.match(vaultLine, /D-011\.6 FAIL/, `${vaultLine}\n--- last lines ---\n${third.out.split('\n').slice(-25).join('\n')}`);
    assert.equal(third.code, 1);
    assert.match(third.out, /Verdict: NOT ACCEPTED/);
    assert.match(third.out, /3 of 5|unseal/i);

    const hist = cli(['history', '--runs-dir', runs]);
    assert.equal(hist.code, 0);
    const rows = hist.out.split('\n').filter((l) => /^\d{8}-\d{6}-[0-9a-f]{4} /.test(l));
    assert.equal(rows.length, 3, hist.out);
    assert.match(rows[0]!, /FUNCTIONALLY ACCEPTED/);
    assert.match(rows[1]!, /\bACCEPTED\b/);
    assert.doesNotMatch(rows[1]!, /FUNCTIONALLY|NOT/);
    assert.match(rows[2]!, /NOT ACCEPTED/);
    assert.equal(readdirSync(runs).filter((d) => d !== 'demo-sites').length, 3);
  } finally {
    t.cleanup();
  }
});
