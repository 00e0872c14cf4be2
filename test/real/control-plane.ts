// The real Zed control plane on loopback (`bash scripts/real-openstack.sh up --profile full`):
// Keystone, Glance, Placement, Nova (fake driver), Neutron, Octavia (noop drivers, heartbeats)
// and Magnum (test driver), for the parity tier. Tests do not start one (70-360 s, 2.4 GB): they
// ask the script's `status --profile full` whether a healthy one runs, mend one that was up
// (`ensure`), and are skipped with the reason when none was, except under CI (ensured, or fails).
// RealClient talks to it over HTTP with a token per user, through the real catalog.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REAL_OPENSTACK_SCRIPT, realOpenStackDir } from './real-openstack.js';
import type { RealOpenStack, RealUser } from './real-openstack.js';

export interface RealAppCred { readonly cloud: string; readonly id: string; readonly name: string; readonly secret: string }

/** real-openstack.json of the full profile. */
export interface RealControlPlane extends RealOpenStack {
  readonly profile: 'full';
  /** http://127.0.0.1:8778 */
  readonly placement: string;
  /** http://127.0.0.1:8774/v2.1 */
  readonly nova: string;
  /** http://127.0.0.1:9696 */
  readonly neutron: string;
  /** http://127.0.0.1:9876 */
  readonly octavia: string;
  /** http://127.0.0.1:9511/v1 */
  readonly magnum: string;
  /** A capi-gate site file for these services (credentials in cloudsFile). */
  readonly siteFile: string;
  /** capi-user's unrestricted application credential (a restricted one cannot create clusters). */
  readonly appCredUnrestricted: RealAppCred;
  /** A second member of capi-mgmt with the creator's roles (certificate policy checks). */
  readonly member2: RealUser & { readonly roles: readonly string[] };
  /** A member of capi-mgmt without load-balancer_member (Octavia's 403). */
  readonly plainMember: RealUser & { readonly roles: readonly string[] };
  /** A member of another project, capi-other (cross-project checks). */
  readonly other: RealUser & { readonly projectId: string; readonly roles: readonly string[] };
  readonly seed: {
    readonly flavors: Readonly<Record<string, string>>;
    readonly externalNetwork: { readonly name: string; readonly id: string; readonly subnetId: string; readonly cidr: string };
    readonly keypair: string;
    readonly mgmtVm: { readonly name: string; readonly id: string; readonly fip: string; readonly networkId: string; readonly subnetId: string };
  };
  /** The test Magnum driver's pacing: Magnum syncs status every syncSeconds, health every healthSyncSeconds. */
  readonly magnumDriver: { readonly createTicks: number; readonly deleteTicks: number; readonly syncSeconds: number; readonly healthSyncSeconds: number; readonly apiAddress: string; readonly callsLog: string };
  readonly octaviaHeartbeatSeconds: number;
  readonly logs: string;
}

export type ControlPlaneAvailability =
  | { readonly ok: true; readonly cp: RealControlPlane }
  | { readonly ok: false; readonly reason: string };

const NOT_UP = 'the real control plane is not up (bash scripts/real-openstack.sh up --profile full)';

function script(cmd: 'status' | 'ensure', dir: string, timeoutMs = 60_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [REAL_OPENSTACK_SCRIPT, cmd, '--profile', 'full', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, REAL_OPENSTACK_DIR: dir } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: 127, out: `${out}\n${e.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

let memo: Promise<ControlPlaneAvailability> | undefined;

/** A healthy full profile in realOpenStackDir(), or why not. Never starts one, never throws. */
export function controlPlaneAvailability(): Promise<ControlPlaneAvailability> {
  memo ??= (async (): Promise<ControlPlaneAvailability> => {
    if (process.platform !== 'linux') return { ok: false, reason: `${NOT_UP}: needs Debian Linux (this is ${process.platform})` };
    const dir = realOpenStackDir();
    let r = await script('status', dir);
    // One that was brought up but is no longer healthy (a daemon died, or another tool re-pointed
    // the catalog, as the simulator's hybrid mode does) is mended by `ensure`; so is a missing one
    // under CI, which asked for it.
    if (r.code !== 0 && (process.env['CI'] || /^profile: full\b/m.test(r.out))) {
      const e = await script('ensure', dir, 900_000);
      r = e.code === 0 ? await script('status', dir) : e;
    }
    if (r.code !== 0) return { ok: false, reason: `${NOT_UP}\n${r.out.split('\n').slice(-30).join('\n')}` };
    try {
      const cp = JSON.parse(readFileSync(join(dir, 'real-openstack.json'), 'utf8')) as RealControlPlane;
      if (cp.profile !== 'full' || !cp.magnum || !cp.seed) return { ok: false, reason: `${NOT_UP}: ${dir}/real-openstack.json is not the full profile's` };
      return { ok: true, cp };
    } catch (e) {
      return { ok: false, reason: `${NOT_UP}: ${dir}/real-openstack.json unreadable: ${(e as Error).message}` };
    }
  })();
  return memo;
}

/** node:test options: skipped with the reason when it is not up, except under CI (it fails there). */
export function controlPlaneTestOptions(a: ControlPlaneAvailability): { skip?: string; timeout: number } {
  if (a.ok || process.env['CI']) return { timeout: 900_000 };
  return { skip: a.reason.split('\n')[0] ?? a.reason, timeout: 900_000 };
}

export function needControlPlane(a: ControlPlaneAvailability): RealControlPlane {
  if (!a.ok) throw new Error(`${a.reason}\nCI starts it in .ci/run (scripts/test.sh with the parity tier).`);
  return a.cp;
}

export type Who = 'admin' | 'tenant' | 'appCred' | 'appCredUnrestricted' | 'member2' | 'plainMember' | 'other';

export interface Reply<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON when the body is JSON, else the text ('' when empty). */
  readonly body: T;
}

interface CatalogEntry { type: string; endpoints: { interface: string; region_id?: string; url: string }[] }

/** One user's token and the real catalog; every call goes to a 127.0.0.1 endpoint. */
export class RealClient {
  private constructor(
    readonly who: Who,
    private readonly token: string,
    readonly userId: string,
    readonly projectId: string,
    readonly roles: readonly string[],
    private readonly endpoints: ReadonlyMap<string, string>,
  ) {}

  static async login(cp: RealControlPlane, who: Who): Promise<RealClient> {
    const identity = (() => {
      if (who === 'appCred' || who === 'appCredUnrestricted') {
        const ac = who === 'appCred' ? cp.appCred : cp.appCredUnrestricted;
        return { auth: { identity: { methods: ['application_credential'], application_credential: { id: ac.id, secret: ac.secret } } } };
      }
      const u: RealUser = cp[who];
      return {
        auth: {
          identity: { methods: ['password'], password: { user: { name: u.username, domain: { name: u.userDomainName }, password: u.password } } },
          scope: { project: { name: u.projectName, domain: { name: u.projectDomainName } } },
        },
      };
    })();
    const r = await fetch(`${cp.keystone}/auth/tokens`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(identity) });
    const text = await r.text();
    if (r.status !== 201) throw new Error(`login as ${who}: HTTP ${r.status} ${text.slice(0, 300)}`);
    const token = r.headers.get('x-subject-token') ?? '';
    const t = (JSON.parse(text) as { token: { user: { id: string }; project: { id: string }; roles: { name: string }[]; catalog: CatalogEntry[] } }).token;
    const endpoints = new Map<string, string>();
    for (const e of t.catalog) {
      const pub = e.endpoints.find((x) => x.interface === 'public' && (x.region_id ?? 'RegionOne') === cp.region);
      if (!pub) continue;
      const host = new URL(pub.url).hostname;
      if (host !== '127.0.0.1') throw new Error(`catalog entry ${e.type} is not on loopback: ${pub.url}`);
      endpoints.set(e.type, pub.url.replace(/\/+$/, ''));
    }
    return new RealClient(who, token, t.user.id, t.project.id, t.roles.map((x) => x.name), endpoints);
  }

  endpoint(service: string): string {
    const e = this.endpoints.get(service);
    if (!e) throw new Error(`no ${service} endpoint in the catalog`);
    return e;
  }

  async call<T = unknown>(service: string, method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { 'X-Auth-Token': this.token, Accept: 'application/json', ...opts.headers };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(`${this.endpoint(service)}${path}`, { method, headers, ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}), signal: AbortSignal.timeout(60_000) });
    const text = await r.text();
    let body: unknown = text;
    if (text && (r.headers.get('content-type') ?? '').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: r.status, headers: r.headers, body: body as T };
  }
}

export const MAGNUM_1_10 = { 'OpenStack-API-Version': 'container-infra 1.10' } as const;

/**
 * Polls read() every intervalMs until done(value) or timeoutMs; returns every distinct value seen
 * in order (the state transitions), the last one last. Throws with that history on timeout.
 */
export async function watch<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, opts: { timeoutMs: number; intervalMs?: number }): Promise<T[]> {
  const seen: T[] = [];
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const v = await read();
    if (seen.length === 0 || JSON.stringify(seen[seen.length - 1]) !== JSON.stringify(v)) seen.push(v);
    if (done(v)) return seen;
    if (Date.now() > deadline) throw new Error(`${what}: not done after ${opts.timeoutMs / 1000} s; seen ${JSON.stringify(seen)}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 1000));
  }
}
