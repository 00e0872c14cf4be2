// Octavia's listeners, pools, members and health monitors (Zed API shapes), as the systems that
// build load balancers here create them in one fully populated request: CAPO for a cluster's API
// LB (`<lb>-6443` listener, pool and monitor, a member per control-plane machine) and the
// OpenStack CCM for a Service of type LoadBalancer (`listener_N_<lb>`, `pool_N_<lb>` with
// ROUND_ROBIN, a member per node on the NodePort, `monitor_N_<lb>`). Children follow their LB's
// provisioning status; members are ONLINE once the LB is ACTIVE (NO_MONITOR without a monitor).
// The API serves them read-only: DOCFIX-040 never builds them by hand.

import type { SimContext } from './context.js';
import type { Router } from './http.js';
import { fail, HttpError, ok } from './http.js';
import { page } from './paging.js';
import { isUuid } from './rand.js';
import type { HealthMonitor, Listener, LoadBalancer, Member, Pool, World } from './state.js';
import { octaviaTime } from './timefmt.js';

export interface MemberSpec {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly subnetId: string | null;
}

export interface ListenerSpec {
  readonly name: string;
  readonly protocol: string;
  readonly port: number;
  readonly pool: {
    readonly name: string;
    readonly protocol: string;
    readonly algorithm: 'ROUND_ROBIN' | 'LEAST_CONNECTIONS' | 'SOURCE_IP' | 'SOURCE_IP_PORT';
    readonly members: readonly MemberSpec[];
    readonly monitor?: { readonly name: string; readonly type: string; readonly delay: number; readonly timeout: number; readonly maxRetries: number; readonly maxRetriesDown: number };
  };
}

/** What CAPO builds for a cluster's API server LB (pkg/cloud/services/loadbalancer): members are added as control-plane machines come up. */
export function capoApiListener(lbName: string, port = 6443): ListenerSpec {
  const n = `${lbName}-${port}`;
  return {
    name: n, protocol: 'TCP', port,
    pool: { name: n, protocol: 'TCP', algorithm: 'ROUND_ROBIN', members: [], monitor: { name: n, type: 'TCP', delay: 10, timeout: 5, maxRetries: 5, maxRetriesDown: 3 } },
  };
}

/** What the OpenStack CCM builds for one port of a Service: a listener and a ROUND_ROBIN pool with a member per node on the NodePort. */
export function occmServiceListener(lbName: string, index: number, p: { port: number; nodePort: number; protocol: string }, nodes: readonly { name: string; address: string; subnetId: string | null }[]): ListenerSpec {
  return {
    name: `listener_${index}_${lbName}`, protocol: p.protocol, port: p.port,
    pool: {
      name: `pool_${index}_${lbName}`, protocol: p.protocol, algorithm: 'ROUND_ROBIN',
      members: nodes.map((n) => ({ name: n.name, address: n.address, port: p.nodePort, subnetId: n.subnetId })),
      // create-monitor = true in the cluster's cloud config; the CCM's defaults.
      monitor: { name: `monitor_${index}_${lbName}`, type: 'TCP', delay: 5, timeout: 3, maxRetries: 1, maxRetriesDown: 3 },
    },
  };
}

function child(ctx: SimContext, lb: LoadBalancer, name: string) {
  return { id: ctx.rng.uuid(), name, description: '', projectId: lb.projectId, lbId: lb.id, provisioningStatus: 'PENDING_CREATE', operatingStatus: 'OFFLINE', adminStateUp: true, createdAt: ctx.clock.now(), updatedAt: null, tags: [] };
}

export function addMember(ctx: SimContext, pool: Pool, m: MemberSpec): Member {
  const w = ctx.world;
  const lb = w.loadBalancers.get(pool.lbId);
  if (!lb) throw new Error(`no load balancer ${pool.lbId}`);
  const member: Member = { ...child(ctx, lb, m.name), poolId: pool.id, address: m.address, protocolPort: m.port, subnetId: m.subnetId, weight: 1, backup: false };
  if (lb.provisioningStatus === 'ACTIVE') Object.assign(member, { provisioningStatus: 'ACTIVE', operatingStatus: pool.healthMonitorId ? 'ONLINE' : 'NO_MONITOR' });
  w.members.set(member.id, member);
  pool.memberIds.push(member.id);
  return member;
}

/** Creates the listeners, pools, members and monitors of a new LB (PENDING_CREATE until the LB is ACTIVE). */
export function buildChildren(ctx: SimContext, lb: LoadBalancer, specs: readonly ListenerSpec[]): void {
  const w = ctx.world;
  for (const s of specs) {
    const listener: Listener = { ...child(ctx, lb, s.name), protocol: s.protocol, protocolPort: s.port, defaultPoolId: null, connectionLimit: -1 };
    const pool: Pool = { ...child(ctx, lb, s.pool.name), listenerId: listener.id, protocol: s.pool.protocol, lbAlgorithm: s.pool.algorithm, memberIds: [], healthMonitorId: null };
    listener.defaultPoolId = pool.id;
    w.lbListeners.set(listener.id, listener);
    w.pools.set(pool.id, pool);
    lb.listenerIds.push(listener.id);
    lb.poolIds.push(pool.id);
    const mon = s.pool.monitor;
    if (mon) {
      const hm: HealthMonitor = {
        ...child(ctx, lb, mon.name), poolId: pool.id, type: mon.type, delay: mon.delay, timeout: mon.timeout, maxRetries: mon.maxRetries, maxRetriesDown: mon.maxRetriesDown,
        httpMethod: null, urlPath: null, expectedCodes: null,
      };
      w.healthMonitors.set(hm.id, hm);
      pool.healthMonitorId = hm.id;
    }
    for (const m of s.pool.members) addMember(ctx, pool, m);
  }
}

function childrenOf(w: World, lbId: string): (Listener | Pool | Member | HealthMonitor)[] {
  return [...w.lbListeners.values(), ...w.pools.values(), ...w.members.values(), ...w.healthMonitors.values()].filter((c) => c.lbId === lbId);
}

/** The LB went ACTIVE: so do its children; listeners, pools, monitors and monitored members come ONLINE. */
export function activateChildren(ctx: SimContext, lb: LoadBalancer): void {
  const w = ctx.world;
  const now = ctx.clock.now();
  for (const c of childrenOf(w, lb.id)) {
    if (c.provisioningStatus === 'ACTIVE') continue;
    c.provisioningStatus = 'ACTIVE';
    c.updatedAt = now;
    const unmonitored = 'poolId' in c && 'address' in c && !w.pools.get(c.poolId)?.healthMonitorId;
    c.operatingStatus = unmonitored ? 'NO_MONITOR' : 'ONLINE';
  }
}

export function deleteChildren(w: World, lbId: string): void {
  for (const m of [w.lbListeners, w.pools, w.members, w.healthMonitors] as Map<string, { lbId: string }>[]) {
    for (const [id, c] of m) if (c.lbId === lbId) m.delete(id);
  }
}

const common = (c: Listener | Pool | Member | HealthMonitor) => ({
  id: c.id, name: c.name, project_id: c.projectId, tenant_id: c.projectId, provisioning_status: c.provisioningStatus, operating_status: c.operatingStatus,
  admin_state_up: c.adminStateUp, created_at: octaviaTime(c.createdAt), updated_at: c.updatedAt === null ? null : octaviaTime(c.updatedAt), tags: c.tags,
});

export function renderListener(l: Listener): Record<string, unknown> {
  return {
    ...common(l), description: l.description, protocol: l.protocol, protocol_port: l.protocolPort, connection_limit: l.connectionLimit,
    default_tls_container_ref: null, sni_container_refs: [], default_pool_id: l.defaultPoolId, l7policies: [], insert_headers: {},
    loadbalancers: [{ id: l.lbId }], timeout_client_data: 50000, timeout_member_connect: 5000, timeout_member_data: 50000, timeout_tcp_inspect: 0,
    client_ca_tls_container_ref: null, client_authentication: 'NONE', client_crl_container_ref: null, allowed_cidrs: null, tls_ciphers: null,
    tls_versions: null, alpn_protocols: null,
  };
}

export function renderPool(p: Pool): Record<string, unknown> {
  return {
    ...common(p), description: p.description, lb_algorithm: p.lbAlgorithm, protocol: p.protocol, loadbalancers: [{ id: p.lbId }],
    listeners: p.listenerId ? [{ id: p.listenerId }] : [], members: p.memberIds.map((id) => ({ id })), healthmonitor_id: p.healthMonitorId,
    session_persistence: null, tls_container_ref: null, ca_tls_container_ref: null, crl_container_ref: null, tls_enabled: false, tls_ciphers: null,
    tls_versions: null, alpn_protocols: null,
  };
}

export function renderMember(m: Member): Record<string, unknown> {
  return {
    ...common(m), address: m.address, protocol_port: m.protocolPort, subnet_id: m.subnetId, weight: m.weight, backup: m.backup,
    monitor_address: null, monitor_port: null,
  };
}

export function renderHealthMonitor(h: HealthMonitor): Record<string, unknown> {
  return {
    ...common(h), pools: [{ id: h.poolId }], type: h.type, delay: h.delay, timeout: h.timeout, max_retries: h.maxRetries, max_retries_down: h.maxRetriesDown,
    http_method: h.httpMethod, url_path: h.urlPath, expected_codes: h.expectedCodes, http_version: null, domain_name: null,
  };
}

/** The `statuses` tree of GET /lbaas/loadbalancers/{id}/status. */
export function statusTree(w: World, lb: LoadBalancer): Record<string, unknown> {
  const st = (c: { id: string; name: string; provisioningStatus: string; operatingStatus: string }) => ({ id: c.id, name: c.name, provisioning_status: c.provisioningStatus, operating_status: c.operatingStatus });
  return {
    loadbalancer: {
      ...st(lb),
      listeners: lb.listenerIds.map((id) => w.lbListeners.get(id)).filter((l): l is Listener => l !== undefined).map((l) => ({
        ...st(l),
        pools: [...w.pools.values()].filter((p) => p.listenerId === l.id).map((p) => {
          const hm = p.healthMonitorId ? w.healthMonitors.get(p.healthMonitorId) : undefined;
          return {
            ...st(p),
            ...(hm ? { health_monitor: { ...st(hm), type: hm.type } } : {}),
            members: p.memberIds.map((id) => w.members.get(id)).filter((m): m is Member => m !== undefined).map((m) => ({ ...st(m), address: m.address, protocol_port: m.protocolPort })),
          };
        }),
      })),
    },
  };
}

const PAGING = ['limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'fields', 'page_reverse'];
const BASE_FILTERS = ['id', 'name', 'description', 'provisioning_status', 'operating_status', 'admin_state_up', 'project_id', 'created_at', 'updated_at', 'tags', 'tags-any', 'not-tags', 'not-tags-any'];
const FILTERS: Record<string, ReadonlySet<string>> = {
  listeners: new Set([...BASE_FILTERS, 'loadbalancer_id', 'protocol', 'protocol_port', 'connection_limit', 'default_pool_id', 'timeout_client_data', 'timeout_member_connect', 'timeout_member_data', 'timeout_tcp_inspect']),
  pools: new Set([...BASE_FILTERS, 'loadbalancer_id', 'listener_id', 'protocol', 'lb_algorithm', 'healthmonitor_id', 'tls_enabled']),
  members: new Set([...BASE_FILTERS, 'address', 'protocol_port', 'subnet_id', 'weight', 'backup', 'monitor_address', 'monitor_port']),
  healthmonitors: new Set([...BASE_FILTERS, 'pool_id', 'type', 'delay', 'timeout', 'max_retries', 'max_retries_down', 'http_method', 'url_path', 'expected_codes']),
};

export interface ChildAccess {
  /** The caller's project (undefined: a global reader) and whether it may read at all (403 otherwise). */
  reader(req: Parameters<Parameters<Router['on']>[2]>[0]): { projectId: string | undefined };
  pageSize: number | undefined;
}

/** GET routes for /lbaas/listeners, /lbaas/pools, /lbaas/pools/{id}/members, /lbaas/healthmonitors (under the version). */
export function addChildRoutes(router: Router, ctx: SimContext, access: ChildAccess): void {
  const w = ctx.world;
  type Row = Record<string, unknown> & { id: string };
  const list = (req: Parameters<ChildAccess['reader']>[0], kind: keyof typeof FILTERS, rows: { projectId: string; lbId: string; row: Row; poolId?: string; listenerId?: string | null }[]) => {
    const { projectId } = access.reader(req);
    const allowed = FILTERS[kind] ?? new Set<string>();
    if ([...new Set(req.query.keys())].some((k) => !PAGING.includes(k) && !allowed.has(k))) fail('octavia', 400, 'One or more arguments are either duplicate or invalid');
    let items = rows.filter((r) => projectId === undefined || r.projectId === projectId).map((r) => ({ ...r.row, loadbalancer_id: r.lbId, ...(r.poolId ? { pool_id: r.poolId } : {}), ...(r.listenerId !== undefined ? { listener_id: r.listenerId } : {}) }));
    for (const k of new Set(req.query.keys())) {
      if (PAGING.includes(k)) continue;
      const v = req.query.getAll(k).map((x) => x.toLowerCase());
      items = items.filter((o) => v.includes(String((o as Record<string, unknown>)[k] ?? '').toLowerCase()));
    }
    const p = page(req, items, { style: 'octavia', key: kind, cap: access.pageSize, path: req.path, id: (o) => String(o.id) });
    // The filter-only keys are not part of the real bodies.
    const shaped = p.items.map((o) => {
      const { loadbalancer_id: _l, pool_id: _p, listener_id: _li, ...rest } = o as Record<string, unknown>;
      return rest;
    });
    const fields = req.query.getAll('fields').flatMap((f) => f.split(','));
    return ok({ [kind]: fields.length ? shaped.map((o) => Object.fromEntries(fields.map((f) => [f, o[f]]))) : shaped, ...p.fields });
  };
  const one = <T extends { projectId: string }>(req: Parameters<ChildAccess['reader']>[0], map: Map<string, T>, id: string, what: string): T => {
    const { projectId } = access.reader(req);
    const c = isUuid(id) ? map.get(id) : undefined;
    if (!c) fail('octavia', 404, `${what} ${id} not found.`);
    if (projectId !== undefined && c.projectId !== projectId) fail('octavia', 403, 'Policy does not allow this request to be performed.');
    return c;
  };
  // The members' parent pool is looked up in the pools controller's _lookup, outside WSME: a
  // missing pool answers in pecan's error format (code, title, description; measured on real Zed
  // Octavia: 404 titled "Bad Request"), not in the faultcode/faultstring body of the other routes.
  const parentPool = (req: Parameters<ChildAccess['reader']>[0], id: string): Pool => {
    if (!(isUuid(id) && w.pools.has(id))) throw new HttpError({ status: 404, json: { code: 404, title: 'Bad Request', description: `Pool ${id} not found.` } });
    return one(req, w.pools, id, 'Pool');
  };
  router
    .on('GET', /^\/lbaas\/listeners$/, (req) => list(req, 'listeners', [...w.lbListeners.values()].map((l) => ({ projectId: l.projectId, lbId: l.lbId, row: renderListener(l) as Row }))))
    .on('GET', /^\/lbaas\/listeners\/([^/]+)$/, (req, [id]) => ok({ listener: renderListener(one(req, w.lbListeners, id ?? '', 'Listener')) }))
    .on('GET', /^\/lbaas\/listeners\/([^/]+)\/stats$/, (req, [id]) => {
      one(req, w.lbListeners, id ?? '', 'Listener');
      return ok({ stats: { active_connections: 0, bytes_in: 0, bytes_out: 0, request_errors: 0, total_connections: 0 } });
    })
    .on('GET', /^\/lbaas\/pools$/, (req) => list(req, 'pools', [...w.pools.values()].map((p) => ({ projectId: p.projectId, lbId: p.lbId, listenerId: p.listenerId, row: renderPool(p) as Row }))))
    .on('GET', /^\/lbaas\/pools\/([^/]+)$/, (req, [id]) => ok({ pool: renderPool(one(req, w.pools, id ?? '', 'Pool')) }))
    .on('GET', /^\/lbaas\/pools\/([^/]+)\/members$/, (req, [id]) => {
      const pool = parentPool(req, id ?? '');
      return list(req, 'members', pool.memberIds.map((m) => w.members.get(m)).filter((m): m is Member => m !== undefined).map((m) => ({ projectId: m.projectId, lbId: m.lbId, poolId: m.poolId, row: renderMember(m) as Row })));
    })
    .on('GET', /^\/lbaas\/pools\/([^/]+)\/members\/([^/]+)$/, (req, [pid, mid]) => {
      const pool = parentPool(req, pid ?? '');
      const m = one(req, w.members, mid ?? '', 'Member');
      if (m.poolId !== pool.id) fail('octavia', 404, `Member ${mid ?? ''} not found.`);
      return ok({ member: renderMember(m) });
    })
    .on('GET', /^\/lbaas\/healthmonitors$/, (req) => list(req, 'healthmonitors', [...w.healthMonitors.values()].map((h) => ({ projectId: h.projectId, lbId: h.lbId, poolId: h.poolId, row: renderHealthMonitor(h) as Row }))))
    .on('GET', /^\/lbaas\/healthmonitors\/([^/]+)$/, (req, [id]) => ok({ healthmonitor: renderHealthMonitor(one(req, w.healthMonitors, id ?? '', 'Health Monitor')) }));
}

/**
 * CAPO adds each control-plane machine to its cluster's API LB pool once the server is ACTIVE
 * (member `<lb>-6443-<machine>` on the machine's fixed IP, port 6443).
 */
export function followControlPlaneMembers(ctx: SimContext): () => void {
  const w = ctx.world;
  return w.onTimeline((e) => {
    if (e.kind !== 'nova.server' || e.to !== 'ACTIVE') return;
    const s = w.servers.get(e.id);
    if (!s || !s.name.includes('-control-plane-')) return;
    const c = [...w.clusters.values()].find((x) => x.res.serverIds.includes(s.id));
    const lb = c?.res.lbId ? w.loadBalancers.get(c.res.lbId) : undefined;
    if (!lb) return;
    const fixed = s.addresses.find((a) => a.type === 'fixed')?.addr;
    for (const pool of [...w.pools.values()].filter((p) => p.lbId === lb.id)) {
      const name = `${pool.name}-${s.name}`;
      if (!fixed || pool.memberIds.some((id) => w.members.get(id)?.name === name)) continue;
      const port = Number(/-(\d+)$/.exec(pool.name)?.[1] ?? 6443);
      addMember(ctx, pool, { name, address: fixed, port, subnetId: lb.vipSubnetId });
    }
  });
}
