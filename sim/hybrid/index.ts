// Hybrid mode (issue 3, item 5): the simulated Magnum, Octavia, Nova and Neutron registered in a
// REAL Keystone's catalog and trusting ITS tokens, with images in a REAL Glance.
//
// How, without touching the simulator's own files: startSim() runs as usual; then
//  1. the world's identities are re-keyed to the real Keystone's ids (domains, projects, users,
//     roles matched by name), so project_id filters, CAPI namespaces and owners line up with the
//     ids capi-gate resolves from the real Keystone;
//  2. each of the four services gets a loopback front (a small reverse proxy) that validates the
//     caller's X-Auth-Token against the real Keystone (GET /v3/auth/tokens + X-Subject-Token,
//     with a service token), mirrors a valid token into the world (tokenAuth() then accepts it
//     unchanged) and removes a rejected one (the service then answers its own 401);
//  3. before Magnum requests the real Glance's images are mirrored into the world (the driver
//     reads kube_version / os_distro from them);
//  4. the fronts are registered in the real catalog (container-infra, load-balancer, compute,
//     network; public/internal/admin in RegionOne), replacing earlier endpoints of those types.
// The in-process alternative (an external-validator hook in sim/index.ts) is described in
// sim/hybrid/README.md.
//
// Imports: node and sim/ only (sim/ never imports the clients under test).

import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { request as httpRequest, createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { SimHandle, SimOptions } from '../index.js';
import { startSim } from '../index.js';
import type { Credential } from '../files.js';
import { cloudsYaml, openrc } from '../files.js';
import { isLoopback } from '../loopback.js';
import type { Image, Token, World } from '../state.js';

export interface RealAccount {
  readonly username: string;
  readonly password: string;
  readonly userDomainName: string;
  readonly projectName: string;
  readonly projectDomainName: string;
}

export interface HybridOptions extends Omit<SimOptions, 'image'> {
  /** The real Keystone, e.g. http://127.0.0.1:5000/v3 (loopback only). */
  readonly keystone: string;
  /** The real Glance root, e.g. http://127.0.0.1:9292 (loopback only). */
  readonly glance: string;
  /** A cloud admin of the real Keystone: registers the catalog entries and validates tokens. */
  readonly admin: RealAccount;
  /** The tenant (cluster creator) account written into clouds.yaml / openrc-tenant. */
  readonly tenant: RealAccount;
  /** An application credential of the tenant, for clouds.yaml's sim-appcred entry. */
  readonly appCred?: { readonly id: string; readonly name: string; readonly secret: string };
  /** Re-validate a token with the real Keystone at most this often (real ms; default 5000). */
  readonly revalidateMs?: number;
  readonly region?: string;
}

export interface HybridStats {
  validations: number;
  mirrored: number;
  rejected: number;
  imageSyncs: number;
  proxied: number;
}

interface ReplacedEndpoint {
  readonly id: string;
  readonly service_id: string;
  readonly interface: string;
  readonly url: string;
  readonly region_id: string;
  readonly enabled: boolean;
}

export interface HybridHandle {
  readonly sim: SimHandle;
  /** Front URLs (what the real catalog lists) and the real services. */
  readonly urls: { readonly keystone: string; readonly glance: string; readonly magnum: string; readonly octavia: string; readonly nova: string; readonly neutron: string };
  /** sim id -> real id, for every identity re-keyed. */
  readonly idMap: ReadonlyMap<string, string>;
  readonly stats: HybridStats;
  /** Written into outDir (site.yaml, clouds.yaml, openrc-*) when outDir was given. */
  readonly files?: { readonly site: string; readonly clouds: string; readonly openrcAdmin: string; readonly openrcTenant: string };
  close(): Promise<void>;
}

type Fronted = 'magnum' | 'octavia' | 'nova' | 'neutron';

/** Catalog type, name and URL suffix of each fronted service (as sim/keystone.ts publishes them). */
const CATALOG: Record<Fronted, { type: string; name: string; suffix: string }> = {
  magnum: { type: 'container-infra', name: 'magnum', suffix: '/v1' },
  octavia: { type: 'load-balancer', name: 'octavia', suffix: '' },
  nova: { type: 'compute', name: 'nova', suffix: '/v2.1' },
  neutron: { type: 'network', name: 'neutron', suffix: '' },
};

function assertLoopbackUrl(url: string, what: string): void {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (!isLoopback(host) && host !== 'localhost') throw new Error(`hybrid mode talks to loopback only; ${what} is ${url}`);
}

function trim(u: string): string {
  return u.replace(/\/+$/, '');
}

// ----------------------------------------------------------------------------- real Keystone
interface RealToken {
  readonly user: { id: string; name: string; domain: { id: string; name: string } };
  readonly project?: { id: string; name: string; domain: { id: string; name: string } };
  readonly roles?: { id: string; name: string }[];
  readonly methods: string[];
  readonly expires_at: string;
  readonly application_credential?: { id: string; name: string; restricted: boolean };
}

class RealKeystone {
  private serviceToken: string | undefined;

  constructor(readonly url: string, private readonly admin: RealAccount) {}

  async passwordToken(a: RealAccount): Promise<{ token: string; body: RealToken }> {
    const res = await fetch(`${this.url}/auth/tokens?nocatalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: a.username, domain: { name: a.userDomainName }, password: a.password } } },
          scope: { project: { name: a.projectName, domain: { name: a.projectDomainName } } },
        },
      }),
    });
    const token = res.headers.get('x-subject-token');
    if (res.status !== 201 || !token) throw new Error(`real keystone refused ${a.username}@${a.userDomainName}: HTTP ${res.status}`);
    return { token, body: ((await res.json()) as { token: RealToken }).token };
  }

  /** An admin call; re-authenticates once on 401. */
  async call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    for (let attempt = 0; ; attempt++) {
      this.serviceToken ??= (await this.passwordToken(this.admin)).token;
      const res = await fetch(`${this.url}${path}`, {
        method,
        headers: { 'x-auth-token': this.serviceToken, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      if (res.status === 401 && attempt === 0) {
        this.serviceToken = undefined;
        continue;
      }
      const text = await res.text();
      return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
    }
  }

  async must<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.call(method, path, body);
    if (r.status >= 300) throw new Error(`real keystone ${method} ${path}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
    return r.json as T;
  }

  /** GET /v3/auth/tokens: the token's body, or undefined when Keystone says it is not valid. */
  async validate(token: string): Promise<RealToken | undefined> {
    for (let attempt = 0; ; attempt++) {
      this.serviceToken ??= (await this.passwordToken(this.admin)).token;
      const res = await fetch(`${this.url}/auth/tokens?nocatalog`, { headers: { 'x-auth-token': this.serviceToken, 'x-subject-token': token } });
      if (res.status === 200) return ((await res.json()) as { token: RealToken }).token;
      await res.arrayBuffer();
      // 401 here means OUR service token went stale (Keystone checks the caller first)
      if (res.status === 401 && attempt === 0) {
        this.serviceToken = undefined;
        continue;
      }
      if (res.status === 404 || res.status === 401) return undefined;
      throw new Error(`real keystone token validation: HTTP ${res.status}`);
    }
  }

  get token(): string | undefined {
    return this.serviceToken;
  }
}

// ----------------------------------------------------------------------------- re-keying
/**
 * Replaces every occurrence of a sim id by the real id in the world: map keys, string fields
 * and string arrays, one level into nested objects (fixedIps, res, gateway, interfaces...).
 */
export function rekeyWorld(world: World, idMap: ReadonlyMap<string, string>): void {
  const fix = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return idMap.get(v) ?? v;
    if (Array.isArray(v)) return v.map((x) => fix(x, depth));
    if (v && typeof v === 'object' && !Buffer.isBuffer(v) && depth < 3) {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) o[k] = fix(o[k], depth + 1);
      return o;
    }
    return v;
  };
  for (const value of Object.values(world)) {
    if (value instanceof Map) {
      const entries = [...value.entries()];
      value.clear();
      // composite keys too (keypairs are keyed `${userId}/${name}`)
      const key = (k: unknown) => (typeof k === 'string' ? k.split('/').map((part) => idMap.get(part) ?? part).join('/') : k);
      for (const [k, v] of entries) value.set(key(k), fix(v, 0));
    }
  }
  world.assignments = world.assignments.map((a) => fix({ ...a }, 0) as typeof a);
}

async function buildIdMap(ks: RealKeystone, world: World): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  const domains = (await ks.must<{ domains: { id: string; name: string }[] }>('GET', '/domains')).domains;
  const domainId = new Map(domains.map((d) => [d.name, d.id]));
  for (const d of world.domains.values()) {
    const real = domainId.get(d.name);
    if (real && real !== d.id) map.set(d.id, real);
  }
  const simDomainName = (id: string) => world.domains.get(id)?.name;
  const projects = (await ks.must<{ projects: { id: string; name: string; domain_id: string }[] }>('GET', '/projects')).projects;
  for (const p of world.projects.values()) {
    const dn = simDomainName(p.domainId);
    const real = projects.find((x) => x.name === p.name && x.domain_id === domainId.get(dn ?? ''));
    if (real && real.id !== p.id) map.set(p.id, real.id);
  }
  const users = (await ks.must<{ users: { id: string; name: string; domain_id: string }[] }>('GET', '/users')).users;
  for (const u of world.users.values()) {
    const dn = simDomainName(u.domainId);
    const real = users.find((x) => x.name === u.name && x.domain_id === domainId.get(dn ?? ''));
    if (real && real.id !== u.id) map.set(u.id, real.id);
  }
  const roles = (await ks.must<{ roles: { id: string; name: string }[] }>('GET', '/roles')).roles;
  for (const r of world.roles.values()) {
    const real = roles.find((x) => x.name === r.name);
    if (real && real.id !== r.id) map.set(r.id, real.id);
  }
  return map;
}

// ----------------------------------------------------------------------------- mirroring
function mirrorToken(sim: SimHandle, value: string, t: RealToken): void {
  const w = sim.world;
  const now = sim.clock.now();
  const ensureDomain = (d: { id: string; name: string }) => {
    if (!w.domains.has(d.id)) w.domains.set(d.id, { id: d.id, name: d.name, description: '', enabled: true });
  };
  ensureDomain(t.user.domain);
  if (!w.users.has(t.user.id)) w.users.set(t.user.id, { id: t.user.id, name: t.user.name, domainId: t.user.domain.id, password: randomBytes(24).toString('base64url'), enabled: true });
  if (t.project) {
    ensureDomain(t.project.domain);
    if (!w.projects.has(t.project.id)) w.projects.set(t.project.id, { id: t.project.id, name: t.project.name, domainId: t.project.domain.id, description: '', enabled: true });
  }
  const roleIds = (t.roles ?? []).map((r) => {
    const known = w.roles.get(r.id) ?? w.roleByName(r.name);
    if (known) return known.id;
    w.roles.set(r.id, { id: r.id, name: r.name });
    return r.id;
  });
  const ac = t.application_credential;
  if (ac && !w.appCreds.has(ac.id) && t.project) {
    w.appCreds.set(ac.id, {
      id: ac.id, name: ac.name, description: 'mirrored from the real keystone', secret: randomBytes(24).toString('base64url'), userId: t.user.id,
      projectId: t.project.id, roleIds, expiresAt: null, unrestricted: !ac.restricted, createdAt: now,
    });
  }
  const token: Token = {
    value, userId: t.user.id, methods: t.methods, ...(t.project ? { projectId: t.project.id } : {}), roleIds,
    ...(ac ? { appCredId: ac.id } : {}),
    // The real Keystone decides validity; the fronts re-validate every revalidateMs (real time).
    issuedAt: now, expiresAt: Number.MAX_SAFE_INTEGER, auditId: randomBytes(16).toString('base64url').slice(0, 22),
  };
  w.tokens.set(value, token);
}

const STANDARD_IMAGE_KEYS = new Set([
  'id', 'name', 'status', 'visibility', 'owner', 'os_hidden', 'protected', 'disk_format', 'container_format', 'size', 'virtual_size', 'checksum',
  'os_hash_algo', 'os_hash_value', 'min_ram', 'min_disk', 'tags', 'created_at', 'updated_at', 'self', 'file', 'schema', 'locations', 'direct_url',
]);

function toSimImage(j: Record<string, unknown>): Image {
  const s = (k: string) => (typeof j[k] === 'string' ? (j[k] as string) : null);
  const n = (k: string) => (typeof j[k] === 'number' ? (j[k] as number) : null);
  const props: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(j)) if (!STANDARD_IMAGE_KEYS.has(k)) props[k] = v;
  return {
    id: String(j['id']), name: s('name'), status: s('status') ?? 'queued', visibility: s('visibility') ?? 'shared', owner: s('owner') ?? '',
    osHidden: j['os_hidden'] === true, protected: j['protected'] === true, diskFormat: s('disk_format'), containerFormat: s('container_format'),
    size: n('size'), virtualSize: n('virtual_size'), checksum: s('checksum'), hashAlgo: s('os_hash_algo'), hashValue: s('os_hash_value'),
    minRam: n('min_ram') ?? 0, minDisk: n('min_disk') ?? 0, tags: Array.isArray(j['tags']) ? (j['tags'] as string[]) : [], props,
    createdAt: Date.parse(s('created_at') ?? '') || Date.now(), updatedAt: Date.parse(s('updated_at') ?? '') || Date.now(),
  };
}

// ----------------------------------------------------------------------------- fronts
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function listen(server: Server, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const a = server.address() as AddressInfo;
      resolve(`http://${host.includes(':') ? `[${host}]` : host}:${a.port}`);
    });
  });
}

export async function startHybrid(o: HybridOptions): Promise<HybridHandle> {
  assertLoopbackUrl(o.keystone, 'the keystone URL');
  assertLoopbackUrl(o.glance, 'the glance URL');
  const host = o.host ?? '127.0.0.1';
  const keystoneUrl = trim(o.keystone).replace(/\/v3$/, '') + '/v3';
  const glanceUrl = trim(o.glance).replace(/\/v2$/, '');
  const region = o.region ?? 'RegionOne';
  const revalidateMs = o.revalidateMs ?? 5000;
  const ks = new RealKeystone(keystoneUrl, o.admin);
  const stats: HybridStats = { validations: 0, mirrored: 0, rejected: 0, imageSyncs: 0, proxied: 0 };

  const { outDir: _outDir, ...simOpts } = o;
  const sim = await startSim({ ...simOpts, image: false, ...(o.outDir ? { outDir: o.outDir } : {}) });
  const servers: Server[] = [];
  const created: string[] = [];
  // The endpoints the fronts replaced: put back on close, so a real control plane that was
  // serving these types (scripts/real-openstack.sh --profile full) serves them again.
  const replaced: Omit<ReplacedEndpoint, 'id'>[] = [];
  const restoreCatalog = async (): Promise<void> => {
    for (const id of created) await ks.call('DELETE', `/endpoints/${id}`).catch(() => undefined);
    for (const e of replaced) await ks.call('POST', '/endpoints', { endpoint: e }).catch(() => undefined);
  };
  try {
    const idMap = await buildIdMap(ks, sim.world);
    rekeyWorld(sim.world, idMap);
    sim.world.tokens.clear();

    const checked = new Map<string, number>();
    const inflight = new Map<string, Promise<void>>();
    const checkToken = (value: string): Promise<void> => {
      const at = checked.get(value);
      if (at !== undefined && Date.now() - at < revalidateMs) return Promise.resolve();
      let p = inflight.get(value);
      if (!p) {
        p = (async () => {
          stats.validations++;
          const t = await ks.validate(value);
          if (t) {
            mirrorToken(sim, value, t);
            stats.mirrored++;
          } else {
            sim.world.tokens.delete(value);
            stats.rejected++;
          }
          checked.set(value, Date.now());
        })().finally(() => inflight.delete(value));
        inflight.set(value, p);
      }
      return p;
    };

    let lastSync = 0;
    const syncedImages = new Set<string>();
    const syncImages = async (force: boolean): Promise<void> => {
      if (!force && Date.now() - lastSync < 1000) return;
      lastSync = Date.now();
      if (!ks.token) await ks.call('GET', '/auth/projects');
      const res = await fetch(`${glanceUrl}/v2/images?limit=1000`, { headers: { 'x-auth-token': ks.token ?? '' } });
      if (res.status !== 200) {
        await res.arrayBuffer();
        return;
      }
      const list = ((await res.json()) as { images: Record<string, unknown>[] }).images;
      const seen = new Set<string>();
      for (const j of list) {
        const img = toSimImage(j);
        seen.add(img.id);
        sim.world.images.set(img.id, img);
        syncedImages.add(img.id);
      }
      for (const id of [...syncedImages]) {
        if (!seen.has(id)) {
          sim.world.images.delete(id);
          syncedImages.delete(id);
        }
      }
      stats.imageSyncs++;
    };
    await syncImages(true);

    const front = async (service: Fronted): Promise<string> => {
      const target = new URL(sim.urls[service]);
      const server = createServer((req: IncomingMessage, res: ServerResponse) => {
        void (async () => {
          try {
            const body = await readBody(req);
            const token = req.headers['x-auth-token'];
            if (typeof token === 'string' && token) await checkToken(token);
            if (service === 'magnum') await syncImages(req.method !== 'GET');
            stats.proxied++;
            const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
            delete headers['transfer-encoding'];
            const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (r) => {
              res.writeHead(r.statusCode ?? 502, r.headers);
              r.pipe(res);
            });
            up.on('error', (e) => {
              if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
              res.end(`hybrid front: ${e.message}`);
            });
            up.end(body);
          } catch (e) {
            if (!res.headersSent) res.writeHead(503, { 'content-type': 'text/plain', connection: 'close' });
            res.end(`hybrid front: ${(e as Error).message}`);
          }
        })();
      });
      servers.push(server);
      return listen(server, host);
    };

    const fronts = {} as Record<Fronted, string>;
    for (const s of Object.keys(CATALOG) as Fronted[]) fronts[s] = await front(s);

    // Register the fronts in the real catalog, replacing earlier endpoints of the same types.
    for (const s of Object.keys(CATALOG) as Fronted[]) {
      const meta = CATALOG[s];
      const found = await ks.must<{ services: { id: string }[] }>('GET', `/services?type=${encodeURIComponent(meta.type)}`);
      const serviceId =
        found.services[0]?.id ??
        (await ks.must<{ service: { id: string } }>('POST', '/services', { service: { type: meta.type, name: meta.name, enabled: true, description: 'capi-gate hybrid sim' } })).service.id;
      const old = await ks.must<{ endpoints: ReplacedEndpoint[] }>('GET', `/endpoints?service_id=${serviceId}`);
      for (const e of old.endpoints) {
        await ks.must('DELETE', `/endpoints/${e.id}`);
        replaced.push({ service_id: serviceId, interface: e.interface, url: e.url, region_id: e.region_id, enabled: e.enabled });
      }
      for (const iface of ['public', 'internal', 'admin']) {
        const e = await ks.must<{ endpoint: { id: string } }>('POST', '/endpoints', {
          endpoint: { service_id: serviceId, interface: iface, url: fronts[s] + meta.suffix, region_id: region, enabled: true },
        });
        created.push(e.endpoint.id);
      }
    }

    // Files: the sim's, with the real clouds and the real Keystone/Glance in the site file.
    let files: HybridHandle['files'];
    if (o.outDir && sim.files) {
      const adminTok = await ks.passwordToken(o.admin);
      const tenantTok = await ks.passwordToken(o.tenant);
      const cred = (a: RealAccount, t: RealToken): Credential => ({ authUrl: keystoneUrl, ...a, projectId: t.project?.id ?? '' });
      const appCred = o.appCred ? { authUrl: keystoneUrl, ...o.appCred } : { authUrl: keystoneUrl, id: 'none', name: 'none', secret: 'none' };
      writeFileSync(sim.files.clouds, cloudsYaml({ admin: cred(o.admin, adminTok.body), tenant: cred(o.tenant, tenantTok.body), appCred }), { mode: 0o600 });
      writeFileSync(sim.files.openrcAdmin, openrc(cred(o.admin, adminTok.body), 'name'), { mode: 0o600 });
      writeFileSync(sim.files.openrcTenant, openrc(cred(o.tenant, tenantTok.body), 'id'), { mode: 0o600 });
      const own: Record<string, string> = {
        keystone: keystoneUrl, glance: `${glanceUrl}/`, magnum: `${fronts.magnum}/`, octavia: `${fronts.octavia}/`, nova: `${fronts.nova}/`, neutron: `${fronts.neutron}/`,
      };
      const si = sim.siteInput;
      const siteInput = {
        ...si,
        site: `${si.site}-hybrid`,
        coreVips: si.coreVips.map((v) => ({ ...v, url: own[v.name] ?? v.url })),
        ...(si.mgmtVm ? { mgmtVm: { ...si.mgmtVm, probe: new URL(keystoneUrl).host } } : {}),
      };
      writeFileSync(
        sim.files.site,
        `# capi-gate HYBRID site: real keystone ${keystoneUrl}, real glance ${glanceUrl}; magnum/octavia/nova/neutron simulated (control ${sim.urls.control}/_sim/)\n${stringify(siteInput)}`,
      );
      files = { site: sim.files.site, clouds: sim.files.clouds, openrcAdmin: sim.files.openrcAdmin, openrcTenant: sim.files.openrcTenant };
    }

    const urls = { keystone: keystoneUrl, glance: glanceUrl, ...fronts };
    let closed = false;
    return {
      sim,
      urls,
      idMap,
      stats,
      ...(files ? { files } : {}),
      close: async () => {
        if (closed) return;
        closed = true;
        await restoreCatalog();
        await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
        for (const s of servers) s.closeAllConnections();
        await sim.close();
      },
    };
  } catch (e) {
    await restoreCatalog();
    for (const s of servers) {
      s.close();
      s.closeAllConnections();
    }
    await sim.close();
    throw e;
  }
}

/** Where capi-gate's site file and clouds live for a hybrid run started with outDir. */
export function hybridSiteFile(outDir: string): string {
  return join(outDir, 'site.yaml');
}
