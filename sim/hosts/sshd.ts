// The mgmt VM as a real host: Debian's OpenSSH sshd (run as root) bound to the VM's mapped FIP,
// public-key login for the site's user only, and a real bash whose PATH holds a small set of
// tools (bash, sh, timeout, nc, curl, cat, ...), so D-011.3's probe is a real TCP connect made by
// a real shell. Every command is recorded before bash runs it (a ForceCommand wrapper, as an
// audited host does). Only loopback is bound; nothing here dials anything.
//
// Machine state it needs, made idempotently: /run/sshd (privilege separation), the site's user
// as a system user when the machine has none (home under /var/lib/capi-gate-sim), and
// /var/lib/capi-gate-sim/bin with the tools. When any of it is impossible (not root, no sshd),
// startRealSshd says why and the caller falls back to the in-process stand-in.

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { assertLoopback } from './net.js';

export const SSHD = '/usr/sbin/sshd';
const STATE = '/var/lib/capi-gate-sim';
const BIN = join(STATE, 'bin');
/** The VM's PATH: what a minimal cloud image offers for the runbook's probe and its follow-ups. */
const TOOLS = ['bash', 'sh', 'timeout', 'nc', 'curl', 'cat', 'ls', 'env', 'id', 'whoami', 'uname', 'date', 'sleep', 'grep', 'sed', 'awk', 'head', 'tail', 'wc', 'cut', 'tr', 'sort', 'ip', 'ss', 'ps', 'ping', 'getent', 'true', 'false'];

export interface RealSshd {
  readonly port: number;
  readonly pid: number;
  readonly server: string;
  /** The commands run over SSH, oldest first. */
  commands(): string[];
  stop(): Promise<void>;
}

function toolPath(name: string): string | undefined {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) if (existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

/** The tools dir, the session wrapper and the hostname stand-in (shared by every simulated VM on the machine). */
function ensureToolsDir(): string {
  mkdirSync(BIN, { recursive: true, mode: 0o755 });
  chmodSync(STATE, 0o755);
  chmodSync(BIN, 0o755);
  for (const t of TOOLS) {
    const target = toolPath(t);
    try {
      if (target && !existsSync(join(BIN, t))) symlinkSync(target, join(BIN, t));
    } catch (e) {
      // Another simulator starting at the same moment linked it first.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  // `hostname` answers the VM's name (from the session environment), not this machine's.
  writeFileSync(join(BIN, 'hostname'), '#!/bin/sh\necho "${CAPI_GATE_SIM_VM_NAME:-localhost}"\n', { mode: 0o755 });
  // The ForceCommand: record the command (NUL-separated), then let bash run it as sshd would.
  const session = join(BIN, '.capi-gate-session');
  writeFileSync(session, [
    '#!/bin/bash',
    '# capi-gate simulated mgmt VM: record the command, then run it in bash as sshd would.',
    'if [ -n "${CAPI_GATE_SIM_LOG-}" ]; then printf \'%s\\0\' "${SSH_ORIGINAL_COMMAND-}" >> "$CAPI_GATE_SIM_LOG" 2>/dev/null; fi',
    'if [ -n "${SSH_ORIGINAL_COMMAND-}" ]; then exec /bin/bash -c "$SSH_ORIGINAL_COMMAND"; fi',
    'exec /bin/bash -l',
    '',
  ].join('\n'), { mode: 0o755 });
  chmodSync(session, 0o755);
  return BIN;
}

function ensureUser(user: string): string | undefined {
  if (!/^[a-z_][a-z0-9_-]{0,30}$/.test(user)) return `the site's mgmt VM user ${JSON.stringify(user)} is not a valid system user name`;
  const locked = () => /^[^:]*:!/.test(spawnSync('getent', ['shadow', user], { encoding: 'utf8' }).stdout ?? '');
  if (spawnSync('getent', ['passwd', user]).status === 0) {
    // Without PAM, sshd refuses a locked account even for a key; a user this machine already has is left as it is.
    return locked() ? `the machine's user ${user} is locked (sshd without PAM refuses it)` : undefined;
  }
  const home = join(STATE, 'home', user);
  mkdirSync(join(STATE, 'home'), { recursive: true, mode: 0o755 });
  const r = spawnSync('useradd', ['--system', '--user-group', '--create-home', '--home-dir', home, '--shell', '/bin/bash', user], { encoding: 'utf8' });
  // Another simulator starting at the same moment may have made it first.
  if (r.status !== 0 && spawnSync('getent', ['passwd', user]).status !== 0) return `useradd ${user} failed: ${(r.stderr || r.error?.message || '').trim()}`;
  // No password, but not locked: key login only, as a cloud image's default user.
  const p = spawnSync('usermod', ['-p', '*', user], { encoding: 'utf8' });
  return p.status === 0 ? undefined : `usermod -p '*' ${user} failed: ${(p.stderr || '').trim()}`;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect({ host, port });
    const done = (ok: boolean) => { c.destroy(); resolve(ok); };
    c.once('connect', () => done(true));
    c.once('error', () => done(false));
    c.setTimeout(500, () => done(false));
  });
}

/** The server's identification line (RFC 4253 4.2), e.g. SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10. */
function banner(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const c = connect({ host, port });
    let text = '';
    const done = () => { c.destroy(); resolve(text.split('\r\n')[0]?.split('\n')[0]?.trim() || 'SSH-2.0-OpenSSH'); };
    c.on('data', (d: Buffer) => { text += d.toString('latin1'); if (text.includes('\n')) done(); });
    c.once('error', done);
    c.setTimeout(1000, done);
  });
}

/** Why a real sshd cannot run here, or undefined when it can. */
export function realSshdUnavailable(): string | undefined {
  if (process.env['CAPI_GATE_SIM_SSHD'] === 'stand-in') return 'CAPI_GATE_SIM_SSHD=stand-in';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not root (sshd needs root to switch to the VM user)';
  if (!existsSync(SSHD)) return `${SSHD} is not installed (Debian package openssh-server)`;
  return undefined;
}

/**
 * Starts sshd on host:port (the port falls back to a free one when busy). Resolves with the
 * running daemon, or with the reason it could not start (the caller then uses the stand-in).
 */
export async function startRealSshd(o: { host: string; port: number; user: string; vmName: string; dir: string; hostKeyPem: string; authorizedKey: string }): Promise<RealSshd | { reason: string }> {
  assertLoopback(o.host);
  const why = realSshdUnavailable() ?? ensureUser(o.user);
  if (why) return { reason: why };
  const bin = ensureToolsDir();
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  mkdirSync(o.dir, { recursive: true });
  const hostKey = join(o.dir, 'ssh_host_ed25519_key');
  writeFileSync(hostKey, o.hostKeyPem, { mode: 0o600 });
  chmodSync(hostKey, 0o600);
  const authorized = join(o.dir, 'authorized_keys');
  writeFileSync(authorized, `${o.authorizedKey}\n`, { mode: 0o600 });
  // The session log is written by the VM user: a file of its own in the shared state dir.
  const logDir = join(STATE, 'sessions');
  mkdirSync(logDir, { recursive: true, mode: 0o733 });
  chmodSync(logDir, 0o733);
  const sessionLog = join(logDir, `${o.host}-${process.pid}-${Date.now()}.log`);
  closeSync(openSync(sessionLog, 'w', 0o622));
  chmodSync(sessionLog, 0o622);

  const tryPort = async (port: number): Promise<RealSshd | { reason: string }> => {
    const config = join(o.dir, 'sshd_config');
    writeFileSync(config, [
      '# capi-gate simulated mgmt VM (sim/hosts/sshd.ts)',
      `ListenAddress ${o.host}:${port}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(o.dir, 'sshd.pid')}`,
      `AllowUsers ${o.user}`,
      // Read as root, so the key file may live in a directory the VM user cannot enter.
      `AuthorizedKeysCommand /bin/cat ${authorized}`,
      'AuthorizedKeysCommandUser root',
      'AuthorizedKeysFile none',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin no',
      'UsePAM no',
      'StrictModes no',
      'AllowTcpForwarding yes',
      'X11Forwarding no',
      'PrintMotd no',
      'PrintLastLog no',
      `SetEnv PATH=${bin} CAPI_GATE_SIM_VM_NAME=${o.vmName} CAPI_GATE_SIM_LOG=${sessionLog}`,
      `ForceCommand ${join(bin, '.capi-gate-session')}`,
      'LogLevel INFO',
      '',
    ].join('\n'));
    const log = join(o.dir, 'sshd.log');
    // -D: sshd stays this process's child; setpriv --pdeathsig ends it should the simulator die without closing it.
    const argv = ['-D', '-f', config, '-E', log];
    const child: ChildProcess = existsSync('/usr/bin/setpriv') ? spawn('/usr/bin/setpriv', ['--pdeathsig', 'TERM', SSHD, ...argv], { stdio: 'ignore' }) : spawn(SSHD, argv, { stdio: 'ignore' });
    let exited: number | null | undefined;
    child.once('exit', (code) => { exited = code; });
    child.once('error', () => { exited = -1; });
    for (let i = 0; i < 60 && exited === undefined; i++) {
      if (await accepts(o.host, port)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (exited !== undefined || !(await accepts(o.host, port))) {
      child.kill('SIGKILL');
      const text = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-2).join(' / ') : '';
      return { reason: `sshd did not start on ${o.host}:${port}${text ? `: ${text}` : ''}` };
    }
    const server = await banner(o.host, port);
    return {
      port, pid: child.pid ?? 0, server,
      commands: () => {
        const text = existsSync(sessionLog) ? readFileSync(sessionLog, 'utf8') : '';
        return text.split('\0').slice(0, -1);
      },
      stop: () => new Promise<void>((resolve) => {
        if (exited !== undefined) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        child.once('exit', () => { clearTimeout(timer); resolve(); });
        child.kill('SIGTERM');
      }),
    };
  };
  const first = await tryPort(o.port);
  if (!('reason' in first)) return first;
  if (!/Address already in use|Cannot bind|bind to port/i.test(first.reason)) return first;
  return tryPort(await freePort(o.host));
}
