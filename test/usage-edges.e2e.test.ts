// Usage errors of `plan` and `cleanup`, as an operator meets them: a stable code, a one-line hint,
// exit 2, and no stack trace; a cluster name Magnum would refuse stops `run` before any call.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, EXAMPLE_SITE, tempDir } from './helpers.js';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000, input: '' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

for (const [args, code, message] of [
  [['plan'], 'CAPI_GATE_USAGE', /plan needs --site FILE/],
  [['plan', '--site', EXAMPLE_SITE, '--only', '9.9'], 'CAPI_GATE_USAGE', /unknown step id\(s\): 9\.9/],
  [['plan', '--site', EXAMPLE_SITE, '--only', ''], 'CAPI_GATE_USAGE', /--only was given no step id/],
  [['plan', '--site', EXAMPLE_SITE, '--skip', ' , '], 'CAPI_GATE_USAGE', /--skip was given no step id/],
  [['plan', '--site', EXAMPLE_SITE, '--only', '8.0', '--skip', '8.0'], 'CAPI_GATE_USAGE', /--only 8\.0 --skip 8\.0 selects no step/],
  [['cleanup'], 'CAPI_GATE_USAGE', /cleanup needs --site FILE/],
] as const) {
  test(`capi-gate ${args.join(' ')}: ${code}, a hint, exit 2`, () => {
    const r = cli([...args]);
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.err, new RegExp(`^${code}: `, 'm'));
    assert.match(r.err, message);
    assert.match(r.err, /^ {2}Hint: \S/m);
    assert.doesNotMatch(r.err, /\n\s+at /);
  });
}

test('run with a cluster name Magnum refuses: exit 2 with file:line, before any API call', () => {
  const t = tempDir('capi-gate-e2e-name-');
  try {
    const site = join(t.dir, 'site.yaml');
    const text = readFileSync(EXAMPLE_SITE, 'utf8').replace(/^( {2}name: )capi-test-1$/m, '$1"capi test/1"');
    writeFileSync(site, text);
    const line = text.split('\n').findIndex((l) => l.includes('capi test/1')) + 1;
    // No clouds.yaml and no reachable cloud: an API call would fail differently.
    const r = cli(['run', '--site', site, '--runs-dir', join(t.dir, 'runs')]);
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.err, new RegExp(`CAPI_GATE_SITE_INVALID: .*\\n.*site\\.yaml:${line}: cluster\\.name: must start with a letter`));
    assert.match(r.err, /Hint: /);
  } finally {
    t.cleanup();
  }
});
