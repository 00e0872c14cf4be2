// D-011.3 against real OpenSSH: Debian's sshd started on a loopback address (real-components.md
// §5) with its own host key; the client verifies that key against a known_hosts file, logs in with
// a key, and the runbook's probe runs in the real bash of this machine against a local listener.
// And the reverse: the real `ssh` client against the simulated mgmt VM (sim/hosts).

import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCapiGateError } from '../core/errors.js';
import { createMgmtVmClient } from './ssh.js';
import type { MgmtVmSettings } from './ssh.js';
import { exampleSite } from '../../test/helpers.js';
import { startHostSims } from '../../sim/hosts/index.js';

/** A missing program fails the test in CI (CI installs it) and skips it elsewhere, saying why. */
function need(t: TestContext, ...files: string[]): boolean {
  const missing = files.filter((f) => !existsSync(f) && spawnSync('sh', ['-c', `command -v ${f}`]).status !== 0);
  if (missing.length === 0) return true;
  const why = `${missing.join(', ')} not installed (apt-get install -y openssh-server openssh-client)`;
  if (process.env['CI']) assert.fail(`CI must install it: ${why}`);
  t.skip(why);
  return false;
}

const HOST = '127.214.0.1';
const PORT = 2222;

function startSshd(dir: string): { stop: () => void; knownHosts: string; userKey: string } {
  mkdirSync('/run/sshd', { recursive: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'hostkey')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'userkey')]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'userkey.pub')), { mode: 0o600 });
  writeFileSync(join(dir, 'sshd_config'), [
    `Port ${PORT}`, `ListenAddress ${HOST}`, `HostKey ${join(dir, 'hostkey')}`, `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes', 'PermitRootLogin prohibit-password', 'UsePAM no', 'StrictModes no', '',
  ].join('\n'));
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[${HOST}]:${PORT} ${readFileSync(join(dir, 'hostkey.pub'), 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
  execFileSync('/usr/sbin/sshd', ['-f', join(dir, 'sshd_config'), '-E', join(dir, 'sshd.log')]);
  for (let i = 0; i < 50 && !existsSync(join(dir, 'sshd.pid')); i++) execFileSync('sleep', ['0.05']);
  const pid = Number(readFileSync(join(dir, 'sshd.pid'), 'utf8'));
  return { knownHosts, userKey: join(dir, 'userkey'), stop: () => { try { process.kill(pid); } catch { /* gone */ } } };
}

function listenOn(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer((c) => c.destroy());
    s.once('error', reject);
    s.listen(port, host, () => resolve(s));
  });
}

test('real sshd: host key verified from known_hosts, key login, the runbook probe in real bash -> VIP-OK / VIP-FAIL', async (t) => {
  if (!need(t, '/usr/sbin/sshd', 'ssh-keygen', 'bash', 'timeout')) return;
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-sshd-'));
  const sshd = startSshd(dir);
  const vip = await listenOn('127.214.4.50', 5000);
  try {
    writeFileSync(join(dir, 'capi-mgmt-net.env'), `export MGMT_FIP=${HOST}\n`);
    const settings: MgmtVmSettings = { user: 'root', fipEnvFile: join(dir, 'capi-mgmt-net.env'), fipVariable: 'MGMT_FIP', sshPort: PORT, sshKey: sshd.userKey, knownHosts: sshd.knownHosts, probe: '127.214.4.50:5000' };
    const client = createMgmtVmClient({ settings, env: {}, probeTimeoutMs: 3000, connectTimeoutMs: 10_000 });
    const ok = await client.probeVip(new AbortController().signal);
    assert.equal(ok.outcome, 'VIP-OK');
    assert.equal(ok.method, 'exec');
    assert.match(ok.hostKeyFingerprint, /^SHA256:/);
    const expectedFp = execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'hostkey.pub')], { encoding: 'utf8' }).split(' ')[1];
    assert.equal(ok.hostKeyFingerprint, expectedFp);

    await new Promise<void>((r) => vip.close(() => r()));
    const fail = await client.probeVip(new AbortController().signal);
    assert.equal(fail.outcome, 'VIP-FAIL');
    assert.match(fail.error ?? '', /Connection refused/);

    // A known_hosts entry with another key for this host: refused before any credential is offered.
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'otherkey')]);
    writeFileSync(join(dir, 'known_hosts.bad'), `[${HOST}]:${PORT} ${readFileSync(join(dir, 'otherkey.pub'), 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
    const bad = createMgmtVmClient({ settings: { ...settings, knownHosts: join(dir, 'known_hosts.bad') }, env: {}, probeTimeoutMs: 3000, connectTimeoutMs: 10_000 });
    await assert.rejects(bad.probeVip(new AbortController().signal), (e: unknown) => isCapiGateError(e, 'CAPI_GATE_PRECONDITION') && /HOST KEY MISMATCH/.test(e.message));
    // A key the server does not know: CREDENTIALS.
    const wrongKey = createMgmtVmClient({ settings: { ...settings, sshKey: join(dir, 'otherkey') }, env: {}, probeTimeoutMs: 3000, connectTimeoutMs: 10_000 });
    await assert.rejects(wrongKey.probeVip(new AbortController().signal), (e: unknown) => isCapiGateError(e, 'CAPI_GATE_CREDENTIALS'));
    assert.doesNotMatch(readFileSync(join(dir, 'sshd.log'), 'utf8'), /PRIVATE KEY/);
  } finally {
    vip.close();
    sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('real ssh client against the simulated mgmt VM: known_hosts strict, key auth, the runbook probe prints VIP-OK', async (t) => {
  if (!need(t, 'ssh')) return;
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-simvm-'));
  const map = (ip: string) => ip.replace(/^10\.12\./, '127.215.');
  const h = await startHostSims({ site: exampleSite().site, outDir: dir, mapAddress: map, imageBytes: 1024 });
  try {
    const o = h.siteOverlay.mgmtVm;
    const fip = readFileSync(o.fipEnvFile, 'utf8').match(/MGMT_FIP=(\S+)/)?.[1] ?? '';
    // The simulated VM lives in this process: the client must run asynchronously (no spawnSync).
    const run = (key: string, cmd: string) => new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile('ssh', ['-p', String(o.sshPort), '-i', key, '-o', `UserKnownHostsFile=${o.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', `${o.user}@${fip}`, cmd], { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => {
        resolve({ status: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
      });
      child.stdin?.end();
    });
    const ssh = (cmd: string) => run(o.sshKey, cmd);
    const r = await ssh(`timeout 6 bash -c 'exec 3<>/dev/tcp/${o.probe.replace(':', '/')}' && echo VIP-OK || echo VIP-FAIL`);
    assert.equal(r.stdout, 'VIP-OK\n', r.stderr);
    await h.setVipUp('keystone', false);
    const down = await ssh(`timeout 6 bash -c 'exec 3<>/dev/tcp/${o.probe.replace(':', '/')}' && echo VIP-OK || echo VIP-FAIL`);
    assert.equal(down.stdout, 'VIP-FAIL\n');
    assert.match(down.stderr, /Connection refused/);
    // The simulated VM refuses a key it does not know, like sshd.
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'stranger')]);
    const denied = await run(join(dir, 'stranger'), 'true');
    assert.equal(denied.status, 255);
    assert.match(denied.stderr, /Permission denied \(publickey\)/);
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
