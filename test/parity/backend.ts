// The two sides of a parity comparison, as one interface: the real services (the reference) and
// the simulator started in-process from the same names. A Caller logs in to Keystone and calls
// the services through its catalog as any client would; the operation key of every call is
// computed from the URL it went to.
//
// The real control plane is not started here: scripts/real-openstack.sh (`ensure --profile full`)
// owns it. When its state file or a service is missing, realBackend() says why and the tests skip
// (fail under CI).

import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as undiciRequest } from 'undici';
import { versionedEndpoint } from '../../src/openstack/catalog.js';
import type { ServiceType } from '../../src/openstack/catalog.js';
import { loadSite } from '../../src/site/load.js';
import type { Site } from '../../src/site/schema.js';
import { startSim } from '../../sim/index.js';
import type { SimHandle } from '../../sim/index.js';
import { realOpenStackDir } from '../real/real-openstack.js';
import type { Answer } from './compare.js';
import { operationKey } from './shapes.js';

export type Service = 'keystone' | 'glance' | 'magnum' | 'octavia' | 'nova' | 'neutron';

export const SERVICE_TYPES: Record<Service, ServiceType> = {
  keystone: 'identity',
  glance: 'image',
  magnum: 'container-infra',
  octavia: 'load-balancer',
  nova: 'compute',
  neutron: 'network',
};

export interface Call extends Answer {
  /** The operation key of what was sent (operations.json). */
  readonly op: string;
  readonly headers: Record<string, string>;
}

export interface Caller {
  readonly userId: string;
  readonly projectId: string;
  /** Versioned base URL per service. */
  readonly base: Record<Service, string>;
  call(service: Service, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Call>;
}

export interface Login {
  readonly authUrl: string;
  readonly username: string;
  readonly password: string;
  readonly userDomainName: string;
  readonly projectName?: string;
  readonly projectDomainName?: string;
  readonly projectId?: string;
}

export interface Backend {
  readonly kind: 'real' | 'sim';
  /** The site the names below come from (the real control plane's site.yaml, or the simulator's). */
  readonly site: Site;
  readonly admin: Caller;
  /** The cluster creator: member of the capi project. */
  readonly tenant: Caller;
  /** Another member of the same project (never created a cluster). */
  readonly member2: Caller;
  /** A member of another project of the same domain (capi-other). */
  readonly other: Caller;
  /** How member2 logs in (the keystone cases send POST /auth/tokens themselves). */
  readonly member2Login: Login;
  /** For the openstack CLI: its clouds.yaml and the cloud names of the admin and the tenant. */
  readonly cli: { readonly cloudsFile: string; readonly admin: string; readonly tenant: string };
  /** Real milliseconds a simulated duration takes here (the simulator's time scale). */
  readonly scale: number;
  /** What each service's version document says (real side only). */
  readonly versions: Record<string, string>;
  close(): Promise<void>;
}

async function http(url: string, method: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string>; body: unknown }> {
  const res = await undiciRequest(url, {
    method: method as 'GET',
    headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.body.text();
  let json: unknown = text;
  try {
    json = text ? (JSON.parse(text) as unknown) : null;
  } catch {
    json = text;
  }
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) h[k] = Array.isArray(v) ? v.join(', ') : String(v ?? '');
  return { status: res.statusCode, headers: h, body: json };
}

export async function login(who: Login): Promise<Caller> {
  const scope = who.projectId ? { project: { id: who.projectId } } : { project: { name: who.projectName, domain: { name: who.projectDomainName } } };
  const auth = { auth: { identity: { methods: ['password'], password: { user: { name: who.username, domain: { name: who.userDomainName }, password: who.password } } }, scope } };
  const r = await http(`${who.authUrl.replace(/\/$/, '')}/auth/tokens`, 'POST', auth, {});
  if (r.status !== 201) throw new Error(`login ${who.username}: HTTP ${r.status}`);
  const token = r.headers['x-subject-token'] ?? '';
  const t = (r.body as { token: { user: { id: string }; project?: { id: string }; catalog?: { type: string; endpoints: { interface: string; url: string }[] }[] } }).token;
  const base = {} as Record<Service, string>;
  for (const [svc, type] of Object.entries(SERVICE_TYPES) as [Service, ServiceType][]) {
    const url = t.catalog?.find((s) => s.type === type)?.endpoints.find((e) => e.interface === 'public')?.url;
    if (url) base[svc] = versionedEndpoint(type, url);
  }
  base.keystone ??= who.authUrl.replace(/\/$/, '');
  return {
    userId: t.user.id,
    projectId: t.project?.id ?? '',
    base,
    async call(service, method, path, body, headers = {}) {
      const b = base[service];
      if (!b) throw new Error(`${service} is not in the catalog of ${who.username}`);
      const url = `${b}${path}`;
      const res = await http(url, method, body, { 'x-auth-token': token, ...headers });
      return { op: operationKey(service, method, new URL(url).pathname + new URL(url).search), status: res.status, body: res.body, headers: res.headers };
    },
  };
}

/** The version document of each service (what the real one is, for the results file). */
export async function serviceVersions(c: Caller): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const svc of Object.keys(c.base) as Service[]) {
    const root = new URL(c.base[svc]).origin;
    try {
      const r = await http(`${root}/`, 'GET', undefined, svc === 'magnum' ? {} : {});
      const b = r.body as { versions?: unknown; version?: unknown; default_version?: unknown };
      const list = (Array.isArray(b.versions) ? b.versions : Array.isArray((b.versions as { values?: unknown })?.values) ? (b.versions as { values: unknown[] }).values : b.default_version ? [b.default_version] : b.version ? [b.version] : []) as {
        id?: string;
        version?: string;
        max_version?: string;
        status?: string;
      }[];
      const cur = list.find((v) => v.status === 'CURRENT') ?? list[list.length - 1];
      out[svc] = [cur?.id, cur?.max_version || cur?.version].filter(Boolean).join(' max ');
    } catch (e) {
      out[svc] = `unreachable: ${(e as Error).message}`;
    }
  }
  return out;
}

/** real-openstack.json as far as the parity suite reads it. */
interface RealUserState {
  readonly cloud?: string;
  readonly username: string;
  readonly password: string;
  readonly userDomainName: string;
  readonly projectName: string;
  readonly projectDomainName: string;
  readonly projectId?: string;
}

interface RealState {
  readonly keystone: string;
  readonly member2?: RealUserState;
  readonly other?: RealUserState;
  readonly admin: { cloud?: string; username: string; password: string; userDomainName: string; projectName: string; projectDomainName: string };
  readonly tenant: { cloud?: string; username: string; password: string; userDomainName: string; projectName: string; projectDomainName: string; projectId: string };
}

export type Availability<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const FULL_PORTS: Record<Service, number> = { keystone: 5000, glance: 9292, nova: 8774, neutron: 9696, octavia: 9876, magnum: 9511 };

/** Whether the real services this file needs answer (no start, no stop: only a look). */
export async function realAvailable(services: readonly Service[]): Promise<Availability<RealState & { dir: string }>> {
  const dir = realOpenStackDir();
  const file = join(dir, 'real-openstack.json');
  if (!existsSync(file)) return { ok: false, reason: `no ${file}: bring the real control plane up with bash scripts/real-openstack.sh ensure --profile full` };
  for (const s of services) {
    try {
      await http(`http://127.0.0.1:${FULL_PORTS[s]}/`, 'GET', undefined, {});
    } catch {
      return { ok: false, reason: `real ${s} does not answer on 127.0.0.1:${FULL_PORTS[s]} (scripts/real-openstack.sh ensure --profile full)` };
    }
  }
  return { ok: true, value: { ...(JSON.parse(readFileSync(file, 'utf8')) as RealState), dir } };
}

const MEMBER2 = 'capi-parity-member2';
/** The real control plane's second member is capi-user2; the simulator's gets the same name. */
const SIM_MEMBER2 = 'capi-user2';

/** A second member of the project on the real Keystone (created once, its password reset each run). */
async function realMember2(admin: Caller, tenantDomain: string, projectId: string, authUrl: string): Promise<Caller & { how: Login }> {
  const password = randomBytes(18).toString('base64url');
  const doms = await admin.call('keystone', 'GET', `/domains?name=${encodeURIComponent(tenantDomain)}`);
  const domainId = (doms.body as { domains: { id: string }[] }).domains[0]?.id;
  if (!domainId) throw new Error(`no domain ${tenantDomain}`);
  const users = await admin.call('keystone', 'GET', `/users?name=${MEMBER2}&domain_id=${domainId}`);
  let userId = (users.body as { users: { id: string }[] }).users[0]?.id;
  if (!userId) {
    const c = await admin.call('keystone', 'POST', '/users', { user: { name: MEMBER2, domain_id: domainId, password, enabled: true } });
    userId = (c.body as { user: { id: string } }).user.id;
  } else await admin.call('keystone', 'PATCH', `/users/${userId}`, { user: { password } });
  const roles = (await admin.call('keystone', 'GET', '/roles')).body as { roles: { id: string; name: string }[] };
  for (const name of ['member', 'reader', 'load-balancer_member']) {
    const r = roles.roles.find((x) => x.name === name);
    if (r) await admin.call('keystone', 'PUT', `/projects/${projectId}/users/${userId}/roles/${r.id}`);
  }
  const how: Login = { authUrl, username: MEMBER2, password, userDomainName: tenantDomain, projectId };
  return Object.assign(await login(how), { how });
}

export async function realBackend(state: RealState & { dir: string }): Promise<Backend> {
  const siteFile = join(state.dir, 'site.yaml');
  const site = loadSite(siteFile).site;
  const authUrl = state.keystone;
  const admin = await login({ authUrl, ...state.admin });
  const tenant = await login({ authUrl, ...state.tenant, projectId: state.tenant.projectId });
  const member2Login: Login = state.member2 ? { authUrl, ...state.member2, projectId: state.tenant.projectId } : (await realMember2(admin, state.tenant.userDomainName, state.tenant.projectId, authUrl)).how;
  const member2 = await login(member2Login);
  if (!state.other) throw new Error('real-openstack.json names no user of another project (other): scripts/real-openstack.sh --profile full writes it');
  const other = await login({ authUrl, ...state.other });
  const cli = { cloudsFile: join(state.dir, 'clouds.yaml'), admin: state.admin.cloud ?? 'real-admin', tenant: state.tenant.cloud ?? 'real-tenant' };
  return { kind: 'real', site, admin, tenant, member2, other, member2Login, cli, scale: 1, versions: await serviceVersions(admin), close: () => Promise.resolve() };
}

/** The simulator in-process, seeded from the same site (names, flavors, networks, image). */
export async function simBackend(site: Site, timeScale = 0.01): Promise<Backend & { readonly sim: SimHandle }> {
  const outDir = mkdtempSync(join(tmpdir(), 'capi-gate-parity-sim-'));
  const sim = await startSim({ site, timeScale, outDir });
  try {
    const w = sim.world;
    const tenantUser = [...w.users.values()].find((u) => u.name === sim.credentials.tenant.username);
    const password = randomBytes(18).toString('base64url');
    const member2Id = 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5';
    w.users.set(member2Id, { id: member2Id, name: SIM_MEMBER2, domainId: tenantUser?.domainId ?? '', password, enabled: true });
    for (const role of ['member', 'reader', 'load-balancer_member']) if (w.roleByName(role)) w.grant(member2Id, sim.credentials.tenant.projectId, role);
    const admin = await login(sim.credentials.admin);
    const tenant = await login({ ...sim.credentials.tenant, projectId: sim.credentials.tenant.projectId });
    const otherProject = { id: 'b0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5', name: 'capi-other', domainId: tenantUser?.domainId ?? '', description: 'another project', enabled: true };
    w.projects.set(otherProject.id, otherProject);
    const otherId = 'c0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5';
    w.users.set(otherId, { id: otherId, name: 'capi-other-user', domainId: tenantUser?.domainId ?? '', password, enabled: true });
    for (const role of ['member', 'reader', 'load-balancer_member']) if (w.roleByName(role)) w.grant(otherId, otherProject.id, role);
    const other = await login({ authUrl: sim.credentials.tenant.authUrl, username: 'capi-other-user', password, userDomainName: sim.credentials.tenant.userDomainName, projectId: otherProject.id });
    const member2Login: Login = { authUrl: sim.credentials.tenant.authUrl, username: SIM_MEMBER2, password, userDomainName: sim.credentials.tenant.userDomainName, projectId: sim.credentials.tenant.projectId };
    const member2 = await login(member2Login);
    const cli = { cloudsFile: sim.files?.clouds ?? join(outDir, 'clouds.yaml'), admin: sim.credentials.admin.cloud, tenant: sim.credentials.tenant.cloud };
    const close = async () => {
      await sim.close();
      rmSync(outDir, { recursive: true, force: true });
    };
    return { kind: 'sim', sim, site, admin, tenant, member2, other, member2Login, cli, scale: timeScale, versions: {}, close };
  } catch (e) {
    await sim.close();
    rmSync(outDir, { recursive: true, force: true });
    throw e;
  }
}
