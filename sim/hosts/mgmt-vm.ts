// The tenant mgmt VM (D-011.3) on its mapped FIP: a real OpenSSH sshd with a real shell where it
// can run (sshd.ts), else this stand-in, an SSH endpoint (ssh2 Server): public-key
// auth for the site's user only (signature verified), `exec` of the runbook's probe
// `timeout N bash -c 'exec 3<>/dev/tcp/H/P' && echo VIP-OK || echo VIP-FAIL` (a real TCP connect
// from here, loopback targets only, with bash's error text on failure), and direct-tcpip
// channels. Keys and known_hosts are written for the site file (private key 0600).

import { chmodSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Server as NetServer, Socket } from 'node:net';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { Connection, Server as SshServer, ServerChannel } from 'ssh2';
import { closeServer, listen } from './net.js';
import type { RealSshd } from './sshd.js';
import { startRealSshd } from './sshd.js';

// ssh2 is CommonJS: its classes come from the default export.
const { Server, utils } = ssh2;

export interface SimMgmtVm {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly files: { readonly privateKey: string; readonly publicKey: string; readonly knownHosts: string };
  readonly hostPublicKey: string;
  /** Who answers SSH: Debian's OpenSSH sshd with a real bash (sim/hosts/sshd.ts), or the in-process stand-in. */
  readonly kind: 'openssh' | 'stand-in';
  /** The server's version string as a client sees it (SSH-2.0-OpenSSH_9.2p1 ... or SSH-2.0-capi-gate-sim-standin). */
  readonly server: string;
  /** Why the stand-in answers instead of a real sshd (undefined for openssh). */
  readonly fallbackReason: string | undefined;
  readonly commands: string[];
  up: boolean;
  setUp(up: boolean): Promise<void>;
  close(): Promise<void>;
}

const PROBE = /^timeout (\d+) bash -c 'exec 3<>\/dev\/tcp\/([A-Za-z0-9.-]+)\/(\d+)'(.*)$/s;

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<{ ok: true; socket: Socket } | { ok: false; reason: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    if (!/^127\./.test(host)) return resolve({ ok: false, reason: 'Network is unreachable', timedOut: false });
    const s = connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ ok: false, reason: 'timed out', timedOut: true });
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve({ ok: true, socket: s });
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: e.code === 'ECONNREFUSED' ? 'Connection refused' : e.code === 'EHOSTUNREACH' ? 'No route to host' : e.message, timedOut: false });
    });
  });
}

async function runCommand(command: string, vmName: string, stream: ServerChannel): Promise<void> {
  const done = (code: number, stdout = '', stderr = '') => {
    if (stdout) stream.write(stdout);
    if (stderr) stream.stderr.write(stderr);
    stream.exit(code);
    stream.end();
  };
  const p = PROBE.exec(command.trim());
  if (p) {
    const [, secs, host = '', port, tail = ''] = p;
    const r = await tcpConnect(host, Number(port), Number(secs) * 1000);
    if (r.ok) r.socket.destroy();
    const rc = r.ok ? 0 : r.timedOut ? 124 : 1;
    const stderr = r.ok || r.timedOut ? '' : `bash: connect: ${r.reason}\nbash: line 1: /dev/tcp/${host}/${port}: ${r.reason}\n`;
    const t = tail.trim();
    if (t === '') return done(rc, '', stderr);
    const okEcho = /^&& echo (VIP-OK)/.exec(t);
    const failEcho = /\|\| echo "?(VIP-FAIL(?: rc=\$\?)?)"?\s*$/.exec(t);
    if (okEcho && failEcho) return done(0, rc === 0 ? 'VIP-OK\n' : `${(failEcho[1] ?? 'VIP-FAIL').replace('$?', String(rc))}\n`, stderr);
    return done(127, '', `bash: line 1: unsupported by the simulated VM: ${t}\n`);
  }
  const echo = /^echo (.*)$/.exec(command.trim());
  if (echo) return done(0, `${(echo[1] ?? '').replace(/^["']|["']$/g, '')}\n`);
  if (command.trim() === 'hostname') return done(0, `${vmName}\n`);
  if (command.trim() === 'true') return done(0);
  return done(127, '', `bash: line 1: ${command.trim().split(/\s+/)[0] ?? ''}: command not found\n`);
}

/**
 * An ed25519 key pair ssh2 can read back. ssh2's generateKeyPairSync('ed25519') yields about 3 keys
 * in 1,000 that its own parseKey rejects ("Malformed OpenSSH private key"; 9 of 3,000 here),
 * which failed a simulated site's start now and then; such a pair is drawn again.
 */
export function ed25519KeyPair(): { private: string; public: string } {
  for (let i = 0; i < 20; i++) {
    const k = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(k.private) instanceof Error) && !(utils.parseKey(k.public) instanceof Error)) return k;
  }
  throw new Error('ssh2 produced 20 unreadable ed25519 keys in a row');
}

export const STAND_IN_IDENT = 'capi-gate-sim-standin';

/**
 * The mgmt VM on its FIP: a real sshd (root, Debian's openssh-server) unless that cannot start
 * here, then the in-process stand-in (`realSshd: false` asks for the stand-in).
 */
export async function startMgmtVm(opts: { host: string; port: number; user: string; vmName: string; outDir: string; realSshd?: boolean }): Promise<SimMgmtVm> {
  const hostKey = ed25519KeyPair();
  const userKey = ed25519KeyPair();
  const writeClientFiles = (port: number) => {
    const privateKey = join(opts.outDir, 'id_ed25519');
    const publicKey = `${privateKey}.pub`;
    const knownHosts = join(opts.outDir, 'known_hosts');
    writeFileSync(privateKey, userKey.private, { mode: 0o600 });
    chmodSync(privateKey, 0o600);
    writeFileSync(publicKey, `${userKey.public} capi-gate-sim\n`);
    writeFileSync(knownHosts, `${port === 22 ? opts.host : `[${opts.host}]:${port}`} ${hostKey.public}\n`);
    return { privateKey, publicKey, knownHosts };
  };
  const real = opts.realSshd === false ? { reason: 'the stand-in was asked for' } : await startRealSshd({
    host: opts.host, port: opts.port, user: opts.user, vmName: opts.vmName, dir: join(opts.outDir, 'mgmt-vm'), hostKeyPem: hostKey.private, authorizedKey: userKey.public,
  });
  if (!('reason' in real)) {
    let daemon: RealSshd | undefined = real;
    const files = writeClientFiles(real.port);
    const seen: string[] = [];
    const vm: SimMgmtVm = {
      host: opts.host, port: real.port, user: opts.user, files, hostPublicKey: hostKey.public, kind: 'openssh', server: real.server, fallbackReason: undefined,
      get commands() { return [...seen, ...(daemon?.commands() ?? [])]; },
      up: true,
      async setUp(up) {
        if (up && !daemon) {
          const again = await startRealSshd({ host: opts.host, port: real.port, user: opts.user, vmName: opts.vmName, dir: join(opts.outDir, 'mgmt-vm'), hostKeyPem: hostKey.private, authorizedKey: userKey.public });
          if ('reason' in again) throw new Error(`the mgmt VM's sshd did not come back: ${again.reason}`);
          daemon = again;
        }
        if (!up && daemon) {
          seen.push(...daemon.commands());
          const d = daemon;
          daemon = undefined;
          await d.stop();
        }
        vm.up = up;
      },
      close: async () => { await daemon?.stop(); },
    };
    return vm;
  }
  const fallbackReason = real.reason;
  const allowed = utils.parseKey(userKey.public);
  if (allowed instanceof Error) throw allowed;
  const commands: string[] = [];
  const connections = new Set<Connection>();

  const onClient = (client: Connection): void => {
    connections.add(client);
    client.on('close', () => connections.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method === 'publickey' && ctx.username === opts.user && ctx.key.algo === allowed.type && ctx.key.data.equals(allowed.getPublicSSH())) {
        if (!ctx.signature) return ctx.accept(); // the "would you accept this key" query
        if (ctx.blob && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
      }
      ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => {
          const stream = acceptExec();
          commands.push(info.command);
          void runCommand(info.command, opts.vmName, stream);
        });
      });
      client.on('tcpip', (accept, reject, info) => {
        void tcpConnect(info.destIP, info.destPort, 6000).then((r) => {
          if (!r.ok) return reject();
          const ch = accept();
          ch.pipe(r.socket).pipe(ch);
          ch.on('close', () => r.socket.destroy());
          r.socket.on('error', () => ch.close());
        });
      });
    });
  };

  let server: SshServer | undefined;
  let port = opts.port;
  const open = async (fallback: boolean) => {
    const s = new Server({ hostKeys: [hostKey.private], ident: STAND_IN_IDENT }, onClient);
    port = await listen(s as unknown as NetServer, opts.host, port, fallback);
    server = s;
  };
  await open(true);

  const files = writeClientFiles(port);

  const vm: SimMgmtVm = {
    host: opts.host, get port() { return port; }, user: opts.user, files, hostPublicKey: hostKey.public, commands, up: true,
    kind: 'stand-in', server: `SSH-2.0-${STAND_IN_IDENT}`, fallbackReason,
    async setUp(up) {
      if (up && !server) await open(false);
      if (!up && server) {
        const s = server;
        server = undefined;
        for (const c of connections) c.end();
        await closeServer(s as unknown as NetServer);
      }
      vm.up = up;
    },
    close: async () => {
      for (const c of connections) c.end();
      if (server) await closeServer(server as unknown as NetServer);
    },
  };
  return vm;
}
