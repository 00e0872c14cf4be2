// D-011.3 (Option B): from the jumphost, SSH to the tenant mgmt VM at the FIP read from its env
// file (DOCFIX-038), then from the VM a TCP connect to the Keystone VIP -- the runbook's own
// `timeout 6 bash -c 'exec 3<>/dev/tcp/H/P' && echo VIP-OK || echo VIP-FAIL`. The host key is
// checked against the site's known_hosts before any credential is offered; an unknown or changed
// key stops the check (no trust-on-first-use). When the VM has no bash/timeout (exit 127) the
// probe falls back to an SSH direct-tcpip channel, which makes the VM's sshd do the connect.

import { readFileSync } from 'node:fs';
import type * as Ssh2 from 'ssh2';
import type { Client as SshClient } from 'ssh2';
import type { ConnectConfig } from 'ssh2';
import { CapiGateError } from '../core/errors.js';
import { redactor } from '../core/redact.js';
import { openStallWindow, stallSpoiled } from '../core/stall.js';
import { isHostLiteral, readFip } from './env-file.js';
import { algorithmsFor, blobKeyType, findHostKeys, hostEntryName, verifyHostKey } from './known-hosts.js';
import type { HostKeyVerdict } from './known-hosts.js';

/**
 * ssh2, loaded on the first probe: only D-011.3 needs it, and loading it (its ciphers, a test
 * signature at load) is ~15 ms of every CLI start otherwise. It is CommonJS: its named exports
 * are not visible to ESM at run time, hence `default`.
 */
async function loadSsh2(): Promise<typeof Ssh2.default> {
  return (await import('ssh2')).default;
}

export interface MgmtVmSettings {
  readonly user: string;
  readonly fipEnvFile: string;
  readonly fipVariable: string;
  readonly sshPort: number;
  readonly sshKey: string;
  readonly knownHosts: string;
  /** HOST:PORT the VM must reach (the Keystone VIP). */
  readonly probe: string;
}

export interface VipFromVmResult {
  readonly fip: string;
  readonly sshPort: number;
  readonly user: string;
  readonly target: string;
  readonly hostKeyFingerprint: string;
  /** The SSH server's identification line (SSH-2.0-OpenSSH_9.2p1 ...): which sshd answered. */
  readonly server?: string;
  readonly method: 'exec' | 'direct-tcpip';
  readonly command: string | undefined;
  readonly outcome: 'VIP-OK' | 'VIP-FAIL';
  /** Why the connect failed, when it did ("Connection refused", "timed out after 6s"). */
  readonly error: string | undefined;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

export interface MgmtVmClient {
  probeVip(signal: AbortSignal): Promise<VipFromVmResult>;
}

export function parseHostPort(hp: string): { host: string; port: number } {
  const i = hp.lastIndexOf(':');
  const host = hp.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(hp.slice(i + 1));
  if (i <= 0 || !isHostLiteral(host) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CapiGateError('CAPI_GATE_PRECONDITION', `mgmtVm.probe: ${JSON.stringify(hp)} is not HOST:PORT`, { hint: 'Use the Keystone VIP, e.g. 10.12.4.50:5000.' });
  }
  return { host, port };
}

/** The runbook's probe, with the failing status kept (`rc=124` is a timeout, `rc=1` a refusal). */
export function probeCommand(host: string, port: number, timeoutS: number): string {
  if (!isHostLiteral(host) || !Number.isInteger(port)) throw new TypeError('unsafe probe target');
  return `timeout ${timeoutS} bash -c 'exec 3<>/dev/tcp/${host}/${port}' && echo VIP-OK || echo "VIP-FAIL rc=$?"`;
}

/** Reads the probe's output: VIP-OK, or VIP-FAIL with the reason bash printed. */
export function interpretProbe(stdout: string, stderr: string, timeoutS: number): { outcome: 'VIP-OK' | 'VIP-FAIL'; error: string | undefined } | undefined {
  if (/^VIP-OK\s*$/m.test(stdout)) return { outcome: 'VIP-OK', error: undefined };
  const m = /^VIP-FAIL(?: rc=(\d+))?\s*$/m.exec(stdout);
  if (!m) return undefined;
  const rc = Number(m[1] ?? NaN);
  const bashSaid = stderr.split(/\r?\n/).map((l) => l.replace(/^bash: (line \d+: )?/, '').trim()).filter((l) => l !== '');
  const why = rc === 124 ? `timed out after ${timeoutS}s` : bashSaid[bashSaid.length - 1] ?? (Number.isNaN(rc) ? 'connect failed' : `exit ${rc}`);
  return { outcome: 'VIP-FAIL', error: why };
}

function readText(file: string, setting: string, hint: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new CapiGateError('CAPI_GATE_PRECONDITION', `${setting}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { hint, cause: e });
  }
}

export function createMgmtVmClient(o: { settings: MgmtVmSettings; env: NodeJS.ProcessEnv; probeTimeoutMs: number; connectTimeoutMs: number }): MgmtVmClient {
  const s = o.settings;
  const probeOnce = async (signal: AbortSignal): Promise<VipFromVmResult> => {
    const started = Date.now();
    const { host: tHost, port: tPort } = parseHostPort(s.probe);
    const fip = readFip(s.fipEnvFile, s.fipVariable);
    const known = findHostKeys(
      readText(s.knownHosts, 'mgmtVm.knownHosts', 'Point mgmtVm.knownHosts at a known_hosts file that holds the mgmt VM host key.'),
      fip, s.sshPort,
    );
    const entry = hostEntryName(fip, s.sshPort);
    if (known.filter((k) => !k.revoked).length === 0) {
      throw new CapiGateError('CAPI_GATE_PRECONDITION', `host key of ${entry} is not in ${s.knownHosts}: refusing to connect to an unknown host`, {
        hint: `Verify the VM's host key out of band (console log of ${entry}), then add it: ssh-keyscan -p ${s.sshPort} ${fip} >> ${s.knownHosts}. The FIP changes per rebuild (DOCFIX-038), so the entry must be refreshed with it.`,
      });
    }
    const keyText = readText(s.sshKey, 'mgmtVm.sshKey', 'Point mgmtVm.sshKey at the private key the mgmt VM accepts.');
    redactor.add(keyText);
    const { Client, utils } = await loadSsh2();
    const parsed = utils.parseKey(keyText);
    const agent = o.env['SSH_AUTH_SOCK'];
    const keyUsable = !(parsed instanceof Error);
    if (!keyUsable && !agent) {
      throw new CapiGateError('CAPI_GATE_CREDENTIALS', `mgmtVm.sshKey: ${s.sshKey} cannot be used: ${parsed.message}`, {
        hint: 'Use an unencrypted key for the acceptance run, or load the key into ssh-agent (SSH_AUTH_SOCK).',
      });
    }
    const timeoutS = Math.max(1, Math.ceil(o.probeTimeoutMs / 1000));
    const types = [...new Set(known.filter((k) => !k.revoked).map((k) => k.type))];
    let verdict: HostKeyVerdict | undefined;
    let presentedType = '';
    let server: string | undefined;
    const conn = new Client();
    const config: ConnectConfig = {
      host: fip,
      port: s.sshPort,
      username: s.user,
      ...(keyUsable ? { privateKey: keyText } : {}),
      ...(agent ? { agent } : {}),
      readyTimeout: o.connectTimeoutMs,
      // ssh2 reports the server's identification line only through its debug hook.
      debug: (msg: string) => {
        const m = /^Remote ident: '(.*)'$/.exec(msg);
        if (m) server = m[1];
      },
      algorithms: { serverHostKey: types.flatMap(algorithmsFor) as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] },
      hostVerifier: (key: Buffer) => {
        verdict = verifyHostKey(known, key);
        presentedType = blobKeyType(key);
        return verdict.ok;
      },
    };
    const onAbort = () => conn.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        conn.once('ready', () => resolve());
        // `on`, not `once`: ssh2 may emit a second error (e.g. "Connection lost before
        // handshake" after its ready timeout); an unheard 'error' event kills the process.
        conn.on('error', (e: Error & { level?: string }) => reject(e));
        conn.once('close', () => reject(new Error('connection closed before authentication')));
        conn.connect(config);
      }).catch((e: unknown) => {
        if (signal.aborted) throw new CapiGateError('CAPI_GATE_ABORTED', 'interrupted while connecting to the mgmt VM', { cause: e });
        if (verdict && !verdict.ok) {
          const what = verdict.reason === 'mismatch' ? 'HOST KEY MISMATCH (REMOTE HOST IDENTIFICATION HAS CHANGED)' : verdict.reason === 'revoked' ? 'a REVOKED host key' : 'an unknown host key';
          throw new CapiGateError('CAPI_GATE_PRECONDITION', `${entry} presented ${what}: ${presentedType} ${verdict.fingerprint} is not the key ${s.knownHosts} holds for it`, {
            hint: `If the mgmt VM was rebuilt, verify the new key out of band and replace its line in ${s.knownHosts} (ssh-keygen -R '${entry}' -f ${s.knownHosts}); otherwise treat this as a possible man-in-the-middle.`,
            cause: e,
          });
        }
        const msg = (e as Error).message ?? String(e);
        if ((e as { level?: string }).level === 'client-authentication') {
          throw new CapiGateError('CAPI_GATE_CREDENTIALS', `SSH to ${s.user}@${entry}: the key was refused (${msg})`, {
            hint: `Check that ${s.sshKey} is the key authorised for ${s.user} on ${s.sshPort === 22 ? fip : entry}.`,
            cause: e,
          });
        }
        throw new CapiGateError('CAPI_GATE_TRANSPORT', `SSH to ${s.user}@${entry} failed: ${msg}`, {
          hint: 'Is the mgmt VM running? After a host OOM it stays SHUTOFF (D-041: openstack server start it by hand). Check the FIP in the env file is the current one (DOCFIX-038).',
          playbook: 'oom-manual-start',
          cause: e,
        });
      });
      const fp = verdict?.ok ? verdict.fingerprint : '';
      const command = probeCommand(tHost, tPort, timeoutS);
      const ex = await execOnce(conn, command, o.probeTimeoutMs + 5000);
      const read = interpretProbe(ex.stdout, ex.stderr, timeoutS);
      const base = { fip, sshPort: s.sshPort, user: s.user, target: `${tHost}:${tPort}`, hostKeyFingerprint: fp, ...(server ? { server } : {}) };
      if (read && !/rc=127/.test(ex.stdout)) {
        return { ...base, method: 'exec', command, ...read, stdout: ex.stdout, stderr: ex.stderr, elapsedMs: Date.now() - started };
      }
      // No bash or timeout on the VM: let its sshd make the connection instead.
      const fwd = await forwardOnce(conn, tHost, tPort, o.probeTimeoutMs);
      return { ...base, method: 'direct-tcpip', command: undefined, outcome: fwd.ok ? 'VIP-OK' : 'VIP-FAIL', error: fwd.error, stdout: ex.stdout, stderr: ex.stderr, elapsedMs: Date.now() - started };
    } finally {
      signal.removeEventListener('abort', onAbort);
      conn.end();
    }
  };
  return {
    async probeVip(signal) {
      // Two kinds of SSH trouble are the moment's, not the VM's, and are tried again:
      // - a handshake that timed out while this process itself could not run for much of its
      //   deadline measured the jumphost, not the VM: once more, and if again, say so (inconclusive);
      // - a connection dropped before the SSH handshake: sshd's MaxStartups (10:30:100 by default)
      //   drops unauthenticated connections at random past 10 at once, as a plain `ssh` shows with
      //   "kex_exchange_identification: Connection reset": up to DROP_RETRIES more, a jittered pause apart.
      let stalls: number[] = [];
      let drops = 0;
      for (;;) {
        const stall = openStallWindow();
        try {
          return await probeOnce(signal);
        } catch (e) {
          const stalledMs = stall.close();
          if (signal.aborted || !(e instanceof CapiGateError) || e.code !== 'CAPI_GATE_TRANSPORT') throw e;
          if (/timed out/i.test(e.message) && stallSpoiled(stalledMs, o.connectTimeoutMs)) {
            stalls = [...stalls, stalledMs];
            if (stalls.length < 2) continue;
            throw new CapiGateError('CAPI_GATE_TRANSPORT', `inconclusive: ${e.message}, twice, while this machine stalled ${stalls.map((x) => `${x}ms`).join(' and ')} of the ${o.connectTimeoutMs}ms deadline`, {
              hint: 'The jumphost was too busy to measure the SSH handshake (capi-gate could not run for much of it): the mgmt VM was not measured. Rerun D-011.3 when it is quieter (capi-gate run --only D-011.3), or with fewer acceptances at once.',
              cause: e,
            });
          }
          if (DROPPED.test(e.message) && drops < DROP_RETRIES) {
            drops++;
            await sleepAbortable(DROP_PAUSE_MS * 2 ** (drops - 1) * (0.5 + Math.random()), signal);
            continue;
          }
          if (drops > 0 && DROPPED.test(e.message)) {
            throw new CapiGateError('CAPI_GATE_TRANSPORT', `${e.message} (${drops + 1} tries: the VM's sshd drops the connection before the SSH handshake)`, {
              hint: `Is the mgmt VM's sshd up and not throttling (MaxStartups: many unauthenticated connections at once make sshd drop new ones)? ${e.hint ?? ''}`.trim(),
              ...(e.playbook ? { playbook: e.playbook } : {}),
              cause: e,
            });
          }
          throw e;
        } finally {
          stall.close();
        }
      }
    },
  };
}

/** ssh2's words for a connection closed before the SSH identification (sshd's MaxStartups drop, a reset). */
const DROPPED = /Connection lost before handshake|ECONNRESET|connection closed before authentication/i;
const DROP_RETRIES = 3;
const DROP_PAUSE_MS = 400;

function sleepAbortable(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new CapiGateError('CAPI_GATE_ABORTED', 'interrupted while waiting to connect to the mgmt VM again'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function execOnce(conn: SshClient, command: string, timeoutMs: number): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    conn.exec(command, (err, stream) => {
      if (err) return reject(new CapiGateError('CAPI_GATE_TRANSPORT', `cannot run the probe on the mgmt VM: ${err.message}`, { cause: err }));
      let stdout = '';
      let stderr = '';
      let code: number | undefined;
      const timer = setTimeout(() => {
        stream.close();
        reject(new CapiGateError('CAPI_GATE_TIMEOUT', `the probe on the mgmt VM did not finish within ${timeoutMs}ms`));
      }, timeoutMs);
      stream.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      stream.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      stream.on('exit', (c: number | null) => (code = c ?? undefined));
      stream.on('close', () => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  });
}

function forwardOnce(conn: SshClient, host: string, port: number, timeoutMs: number): Promise<{ ok: boolean; error: string | undefined }> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, error: `timed out after ${timeoutMs}ms` }), timeoutMs);
    conn.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
      clearTimeout(timer);
      if (err) return resolve({ ok: false, error: err.message });
      stream.close();
      resolve({ ok: true, error: undefined });
    });
  });
}
