// Real Keystone + Glance (Debian Zed) on 127.0.0.1:5000 / :9292 for tests, brought up by
// scripts/real-openstack.sh. Once per test process (memoized), and once per machine in effect:
// the script's `ensure` takes a machine-wide flock, reuses healthy instances (~0.3-1.5 s) and only
// otherwise installs/starts them (~75 s fresh, ~25 s with the packages installed).
// The services are LEFT RUNNING for the next test file or run; `bash scripts/real-openstack.sh
// stop` stops them. When they cannot run here (not root, no apt): under CI the test fails, else
// it is skipped with the reason.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers.js';

export const REAL_OPENSTACK_SCRIPT = join(REPO_ROOT, 'scripts', 'real-openstack.sh');

export interface RealUser {
  readonly cloud: string;
  readonly username: string;
  readonly password: string;
  readonly userDomainName: string;
  readonly projectName: string;
  readonly projectDomainName: string;
}

/** scripts/real-openstack.sh's real-openstack.json (version 1). */
export interface RealOpenStack {
  readonly version: 1;
  /** basic: Keystone + Glance; full: the whole control plane (see control-plane.ts). */
  readonly profile?: 'basic' | 'full';
  readonly dir: string;
  /** http://127.0.0.1:5000/v3 */
  readonly keystone: string;
  /** http://127.0.0.1:9292 */
  readonly glance: string;
  readonly region: string;
  readonly cloudsFile: string;
  /** admin in admin_domain, project admin (admin_domain); also admin/member/reader on capi-mgmt. */
  readonly admin: RealUser;
  /** capi-user in domain capi with member, reader, load-balancer_member on capi-mgmt. */
  readonly tenant: RealUser & { readonly projectId: string; readonly roles: readonly string[] };
  /** capi-appcred, created by capi-user on capi-mgmt with the same roles. */
  readonly appCred: { readonly cloud: string; readonly id: string; readonly name: string; readonly secret: string };
  /** keystone-manage bootstrap's admin (domain Default, project admin). */
  readonly bootstrap: RealUser;
  readonly image: { readonly name: string; readonly id: string };
  readonly pids: { readonly keystone: number; readonly glance: number };
  readonly startedAt: string;
}

export type RealAvailability =
  | { readonly ok: true; readonly real: RealOpenStack; readonly seconds: number; readonly reused: boolean }
  | { readonly ok: false; readonly reason: string };

/** Where the script keeps its state (the script's default; REAL_OPENSTACK_DIR overrides both). */
export function realOpenStackDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['REAL_OPENSTACK_DIR'] || join(env['TMPDIR'] || tmpdir(), 'capi-gate-real-openstack');
}

function readState(dir: string): RealOpenStack {
  const s = JSON.parse(readFileSync(join(dir, 'real-openstack.json'), 'utf8')) as RealOpenStack;
  if (s.version !== 1 || !s.keystone || !s.tenant?.projectId) throw new Error(`${dir}/real-openstack.json is not a version-1 state file`);
  return s;
}

const EXIT_REASONS: Record<number, string> = {
  3: 'real Keystone/Glance cannot be installed or run here (needs root, Debian and apt-get)',
  4: '127.0.0.1:5000 or :9292 is held by a process scripts/real-openstack.sh did not start',
};

function runScript(dir: string, timeoutMs: number): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [REAL_OPENSTACK_SCRIPT, 'ensure', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, REAL_OPENSTACK_DIR: dir } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: 127, out, err: `${err}\n${e.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

let memo: Promise<RealAvailability> | undefined;

/**
 * Real Keystone + Glance, healthy (started or reused). Never throws: an unavailable machine is
 * { ok: false, reason }. CAPI_GATE_REAL_OPENSTACK=off skips without trying (not honoured under CI).
 */
export function ensureRealOpenStack(opts: { timeoutMs?: number } = {}): Promise<RealAvailability> {
  memo ??= (async (): Promise<RealAvailability> => {
    if (process.env['CAPI_GATE_REAL_OPENSTACK'] === 'off' && !process.env['CI']) return { ok: false, reason: 'CAPI_GATE_REAL_OPENSTACK=off' };
    if (process.platform !== 'linux') return { ok: false, reason: `real Keystone/Glance need Debian Linux (this is ${process.platform})` };
    if (typeof process.getuid === 'function' && process.getuid() !== 0) return { ok: false, reason: `${EXIT_REASONS[3]}; not root` };
    if (!existsSync('/usr/bin/apt-get') && !existsSync('/usr/bin/keystone-manage')) return { ok: false, reason: `${EXIT_REASONS[3]}; no apt-get` };
    const dir = realOpenStackDir();
    const t0 = performance.now();
    const r = await runScript(dir, opts.timeoutMs ?? 600_000);
    const seconds = (performance.now() - t0) / 1000;
    if (r.code !== 0) {
      const base = EXIT_REASONS[r.code ?? -1] ?? `scripts/real-openstack.sh ensure exited ${r.code ?? 'by signal'}`;
      return { ok: false, reason: `${base}\n${r.err.split('\n').slice(-25).join('\n')}` };
    }
    try {
      return { ok: true, real: readState(dir), seconds, reused: /reusing healthy instances/.test(r.err) };
    } catch (e) {
      return { ok: false, reason: `scripts/real-openstack.sh succeeded but its state is unreadable: ${(e as Error).message}` };
    }
  })();
  return memo;
}

/**
 * node:test options for a test that needs the real services: skipped with the reason when they
 * are unavailable, except under CI (process.env.CI), where the test runs and fails (see need()).
 */
export function realTestOptions(a: RealAvailability): { skip?: string } {
  if (a.ok || process.env['CI']) return {};
  return { skip: a.reason.split('\n')[0] ?? a.reason };
}

/** The running services, or the reason they are missing as a failure (CI installs them). */
export function need(a: RealAvailability): RealOpenStack {
  if (!a.ok) throw new Error(`real Keystone/Glance unavailable; CI installs and starts them (scripts/real-openstack.sh): ${a.reason}`);
  return a.real;
}
