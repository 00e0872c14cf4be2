// scripts/test.sh says what it installs and starts before it does, and --no-real (or
// CAPI_GATE_REAL_OPENSTACK=off) leaves the real Keystone/Glance out. Run on a copy of the script
// beside stub setup.sh, real-openstack.sh and run-tests.mjs that record how they were called.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, tempDir } from '../helpers.js';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function sandbox(): { dir: string; cleanup: () => void } {
  const t = tempDir('capi-gate-test-sh-');
  const s = join(t.dir, 'scripts');
  mkdirSync(s);
  copyFileSync(join(REPO_ROOT, 'scripts', 'test.sh'), join(s, 'test.sh'));
  writeFileSync(join(s, 'setup.sh'), 'DEBS=(tmux chromium)\necho "STUB setup"\n');
  writeFileSync(join(s, 'real-openstack.sh'), 'PKGS=(keystone glance-api)\necho "$*" >> "$(dirname "$0")/real-called"\n');
  writeFileSync(join(s, 'run-tests.mjs'), 'console.log(`STUB run-tests ${JSON.stringify(process.argv.slice(2))} real=${process.env.CAPI_GATE_REAL_OPENSTACK ?? ""}`);\n');
  return t;
}

function testSh(dir: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const base = { ...process.env };
  delete base['CI'];
  delete base['CAPI_GATE_REAL_OPENSTACK'];
  const r = spawnSync('bash', [join(dir, 'scripts', 'test.sh'), ...args], { encoding: 'utf8', env: { ...base, ...env }, timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr, ensured: existsSync(join(dir, 'scripts', 'real-called')) ? readFileSync(join(dir, 'scripts', 'real-called'), 'utf8') : '' };
}

test('scripts/test.sh --no-real: announces it, starts no real service, passes the rest on', () => {
  const t = sandbox();
  try {
    const r = testSh(t.dir, ['--no-real', 'unit', '--filter', 'x']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /no real Keystone\/Glance \(--no-real or CAPI_GATE_REAL_OPENSTACK=off\): the tests that need them are skipped/);
    assert.equal(r.ensured, '', 'real-openstack.sh was not called');
    assert.match(r.out, /STUB run-tests \["unit","--filter","x"\] real=off/);
  } finally {
    t.cleanup();
  }
});

test('scripts/test.sh with CAPI_GATE_REAL_OPENSTACK=off starts no real service either', () => {
  const t = sandbox();
  try {
    const r = testSh(t.dir, ['unit'], { CAPI_GATE_REAL_OPENSTACK: 'off' });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.ensured, '');
    assert.match(r.out, /STUB run-tests \["unit"\] real=off/);
  } finally {
    t.cleanup();
  }
});

test('scripts/test.sh as root says what it installs and starts, and how to stop it, before doing it', { skip: isRoot ? false : 'needs root (the real services start only as root)' }, () => {
  const t = sandbox();
  try {
    const r = testSh(t.dir, ['unit']);
    assert.equal(r.code, 0, r.err);
    const said = r.out.indexOf('what this does to this machine');
    assert.ok(said >= 0 && said < r.out.indexOf('STUB setup'), `announced before setup:\n${r.out}`);
    assert.match(r.out, /installs the Debian packages .*when missing: tmux chromium/);
    assert.match(r.out, /REAL OpenStack Keystone on 127\.0\.0\.1:5000 and Glance on 127\.0\.0\.1:9292/);
    assert.match(r.out, /installs keystone glance-api when missing, writes \/etc\/keystone and \/etc\/glance/);
    assert.match(r.out, /leaves both running afterwards \(~470 MB of memory\)\. Stop them with: bash scripts\/real-openstack\.sh stop/);
    assert.match(r.out, /scripts\/test\.sh --no-real \(or CAPI_GATE_REAL_OPENSTACK=off\)/);
    assert.equal(r.ensured.trim(), 'ensure --profile basic', 'the real services are ensured as before (the basic profile without the parity tier)');
    assert.match(r.out, /STUB run-tests \["unit"\] real=$/m);
  } finally {
    t.cleanup();
  }
});
