// Octavia v2 (api-notes §5), served under /v2.0 and /v2: load balancers (list filters on any
// attribute incl. ?id= and ?name=, show, create, cascade delete, failover, status tree) and
// amphorae. Envelopes have exactly one top-level key (osc-lib takes the first). Failover and
// every amphora call are admin-only; writes need the member role of the configured RBAC model.

import type { Auth } from './auth.js';
import { requireAuth } from './auth.js';
import type { OctaviaRbac, SimContext } from './context.js';
import type { Reply, SimRequest } from './http.js';
import { Router, dispatch, fail, noContent, objectBody, ok } from './http.js';
import type { NeutronOps } from './neutron.js';
import { page } from './paging.js';
import { isUuid } from './rand.js';
import type { Amphora, LoadBalancer, Subnet, World } from './state.js';
import type { ListenerSpec } from './octavia-children.js';
import { activateChildren, addChildRoutes, buildChildren, deleteChildren, statusTree } from './octavia-children.js';
import { octaviaTime } from './timefmt.js';

export const POLICY_DENIED = 'Policy does not allow this request to be performed.';

const ADMIN_ROLES = ['admin', 'load-balancer_admin'];

export function canRead(a: Pick<Auth, 'roles' | 'isAdmin'>, rbac: OctaviaRbac): boolean {
  if (a.isAdmin || a.roles.has('load-balancer_admin') || a.roles.has('load-balancer_global_observer')) return true;
  const legacy = ['load-balancer_observer', 'load-balancer_member'].some((r) => a.roles.has(r));
  const modern = ['reader', 'member'].some((r) => a.roles.has(r));
  return rbac === 'legacy' ? legacy : rbac === 'new' ? modern : legacy || modern;
}

export function canWrite(a: Pick<Auth, 'roles' | 'isAdmin'>, rbac: OctaviaRbac): boolean {
  if (a.isAdmin || a.roles.has('load-balancer_admin')) return true;
  const legacy = a.roles.has('load-balancer_member');
  const modern = a.roles.has('member');
  return rbac === 'legacy' ? legacy : rbac === 'new' ? modern : legacy || modern;
}

export function isLbAdmin(a: Pick<Auth, 'roles' | 'isAdmin'>): boolean {
  return a.isAdmin || ADMIN_ROLES.some((r) => a.roles.has(r));
}

export function renderLb(lb: LoadBalancer): Record<string, unknown> {
  return {
    id: lb.id, name: lb.name, description: lb.description, provisioning_status: lb.provisioningStatus, operating_status: lb.operatingStatus,
    admin_state_up: lb.adminStateUp, project_id: lb.projectId, tenant_id: lb.projectId, created_at: octaviaTime(lb.createdAt),
    updated_at: lb.updatedAt === null ? null : octaviaTime(lb.updatedAt), vip_address: lb.vipAddress, vip_port_id: lb.vipPortId,
    vip_subnet_id: lb.vipSubnetId, vip_network_id: lb.vipNetworkId, vip_qos_policy_id: null,
    additional_vips: [], listeners: lb.listenerIds.map((id) => ({ id })), pools: lb.poolIds.map((id) => ({ id })), provider: lb.provider,
    flavor_id: null, availability_zone: null, tags: lb.tags,
  };
}

/** An amphora; its ha_port_id is its LB's VIP port. */
export function renderAmphora(w: World, a: Amphora): Record<string, unknown> {
  return {
    id: a.id, loadbalancer_id: a.lbId, compute_id: a.computeId, lb_network_ip: a.lbNetworkIp, vrrp_ip: a.vrrpIp, ha_ip: a.haIp,
    vrrp_port_id: a.vrrpPortId, ha_port_id: w.loadBalancers.get(a.lbId)?.vipPortId ?? null, cert_expiration: octaviaTime(a.createdAt + 365 * 86_400_000), cert_busy: false, role: a.role,
    status: a.status, vrrp_interface: null, vrrp_id: 1, vrrp_priority: null, cached_zone: 'nova', created_at: octaviaTime(a.createdAt),
    updated_at: octaviaTime(a.updatedAt), image_id: a.imageId, compute_flavor: 'amphora',
  };
}

/** LB lifecycles, shared by the API and the simulated driver. */
export class OctaviaOps {
  constructor(private readonly ctx: SimContext, private readonly neutron: NeutronOps) {}

  private setStatus(lb: LoadBalancer, prov: string, oper?: string, detail?: string): void {
    const from = `${lb.provisioningStatus}/${lb.operatingStatus}`;
    lb.provisioningStatus = prov;
    if (oper) lb.operatingStatus = oper;
    lb.updatedAt = this.ctx.clock.now();
    this.ctx.world.record({ kind: 'octavia.loadbalancer', id: lb.id, name: lb.name, from, to: `${lb.provisioningStatus}/${lb.operatingStatus}`, ...(detail ? { detail } : {}) });
  }

  private newAmphora(lb: LoadBalancer, status: string): Amphora {
    const n = this.ctx.clock.now();
    const amp: Amphora = {
      id: this.ctx.rng.uuid(), lbId: lb.id, computeId: this.ctx.rng.uuid(), lbNetworkIp: `172.31.${this.ctx.rng.int(0, 255)}.${this.ctx.rng.int(2, 254)}`,
      vrrpIp: lb.vipAddress, haIp: lb.vipAddress, role: 'STANDALONE', status, createdAt: n, updatedAt: n, imageId: this.ctx.rng.uuid(),
      // The amphora's own port on the VIP network (octavia-lb-vrrp-*; not modelled as a Neutron port).
      vrrpPortId: this.ctx.rng.uuid(),
    };
    this.ctx.world.amphorae.set(amp.id, amp);
    return amp;
  }

  /** A fully populated create (what CAPO and the CCM send): `listeners` with their pools, members and monitors. */
  create(name: string, projectId: string, subnet: Subnet, opts: { description?: string; vipAddress?: string; tags?: string[]; listeners?: readonly ListenerSpec[] } = {}, onActive?: (lb: LoadBalancer) => void): LoadBalancer {
    const w = this.ctx.world;
    const net = w.networks.get(subnet.networkId);
    if (!net) fail('octavia', 400, `Validation failure: network ${subnet.networkId} not found.`);
    const id = this.ctx.rng.uuid();
    const port = this.neutron.createPort(net, subnet, projectId, 'Octavia', `lb-${id}`, { name: `octavia-lb-${id}`, ...(opts.vipAddress ? { ip: opts.vipAddress } : {}) });
    const lb: LoadBalancer = {
      id, name, description: opts.description ?? '', projectId, provisioningStatus: 'PENDING_CREATE', operatingStatus: 'OFFLINE', adminStateUp: true,
      vipAddress: port.fixedIps[0]?.ip ?? '', vipPortId: port.id, vipSubnetId: subnet.id, vipNetworkId: net.id, provider: 'amphora',
      listenerIds: [], poolIds: [], createdAt: this.ctx.clock.now(), updatedAt: null, tags: opts.tags ?? [],
    };
    w.loadBalancers.set(id, lb);
    buildChildren(this.ctx, lb, opts.listeners ?? []);
    w.record({ kind: 'octavia.loadbalancer', id, name, from: null, to: 'PENDING_CREATE/OFFLINE', detail: `vip ${lb.vipAddress}` });
    const amp = this.newAmphora(lb, 'BOOTING');
    this.ctx.clock.after(this.ctx.durations.lbCreate, `lb ${id} create`, () => {
      if (w.loadBalancers.get(id) !== lb || lb.provisioningStatus !== 'PENDING_CREATE') return;
      amp.status = 'ALLOCATED';
      amp.updatedAt = this.ctx.clock.now();
      activateChildren(this.ctx, lb);
      // Real Octavia: ACTIVE/OFFLINE until the health manager takes the amphora's first heartbeat
      // (the parity tier: PENDING_CREATE/OFFLINE > ACTIVE/OFFLINE > ACTIVE/ONLINE).
      this.setStatus(lb, 'ACTIVE', 'OFFLINE');
      onActive?.(lb);
      this.ctx.clock.after(this.ctx.durations.lbHeartbeat, `lb ${id} first heartbeat`, () => {
        if (w.loadBalancers.get(id) !== lb || lb.provisioningStatus !== 'ACTIVE' || lb.operatingStatus !== 'OFFLINE') return;
        this.setStatus(lb, 'ACTIVE', 'ONLINE', 'first amphora heartbeat');
      });
    });
    return lb;
  }

  delete(lb: LoadBalancer, onGone?: () => void): void {
    const w = this.ctx.world;
    this.setStatus(lb, 'PENDING_DELETE');
    for (const amp of w.amphorae.values()) if (amp.lbId === lb.id) amp.status = 'PENDING_DELETE';
    this.ctx.clock.after(this.ctx.durations.lbDelete, `lb ${lb.id} delete`, () => {
      if (w.loadBalancers.get(lb.id) !== lb) return;
      w.loadBalancers.delete(lb.id);
      deleteChildren(w, lb.id);
      for (const [id, amp] of w.amphorae) if (amp.lbId === lb.id) w.amphorae.delete(id);
      for (const f of w.floatingIps.values()) if (f.portId === lb.vipPortId) this.neutron.associate(f, null);
      w.ports.delete(lb.vipPortId);
      w.record({ kind: 'octavia.loadbalancer', id: lb.id, name: lb.name, from: 'PENDING_DELETE', to: 'DELETED' });
      onGone?.();
    });
  }

  /** Failover (§5.2): ACTIVE or ERROR only; the replacement amphora is built before the old one is reaped. */
  failover(lb: LoadBalancer): void {
    if (lb.provisioningStatus !== 'ACTIVE' && lb.provisioningStatus !== 'ERROR') {
      fail('octavia', 409, `Invalid state ${lb.provisioningStatus} of loadbalancer resource ${lb.id}`);
    }
    const w = this.ctx.world;
    const old = [...w.amphorae.values()].filter((x) => x.lbId === lb.id);
    this.setStatus(lb, 'PENDING_UPDATE', undefined, 'failover');
    const fresh = this.newAmphora(lb, 'BOOTING');
    for (const o of old) o.status = 'PENDING_DELETE';
    this.ctx.clock.after(this.ctx.durations.failover, `lb ${lb.id} failover`, () => {
      if (w.loadBalancers.get(lb.id) !== lb || lb.provisioningStatus !== 'PENDING_UPDATE') return;
      fresh.status = 'ALLOCATED';
      fresh.updatedAt = this.ctx.clock.now();
      for (const o of old) w.amphorae.delete(o.id);
      this.setStatus(lb, 'ACTIVE', 'ONLINE', 'failover complete');
    });
  }
}

const PAGING_ARGUMENTS = ['limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'fields', 'page_reverse'];
const TAG_FILTERS = ['tags', 'tags-any', 'not-tags', 'not-tags-any'];
/** Zed's load balancer and amphora data-model fields, by their API names (api/common/pagination.py). */
export const LB_FILTERS: ReadonlySet<string> = new Set(['id', 'name', 'description', 'provisioning_status', 'operating_status', 'admin_state_up', 'project_id', 'created_at', 'updated_at', 'vip_address', 'vip_port_id', 'vip_subnet_id', 'vip_network_id', 'vip_qos_policy_id', 'provider', 'flavor_id', 'availability_zone', ...TAG_FILTERS]);
export const AMPHORA_FILTERS: ReadonlySet<string> = new Set(['id', 'loadbalancer_id', 'compute_id', 'lb_network_ip', 'vrrp_ip', 'ha_ip', 'vrrp_port_id', 'ha_port_id', 'cert_expiration', 'cert_busy', 'role', 'status', 'vrrp_interface', 'vrrp_id', 'vrrp_priority', 'cached_zone', 'created_at', 'updated_at', 'image_id', 'compute_flavor', 'project_id']);

function forbid(): never {
  fail('octavia', 403, POLICY_DENIED);
}

export function createOctavia(ctx: SimContext, ops: OctaviaOps): (req: SimRequest) => Promise<Reply> {
  const w = ctx.world;

  const lbOf = (req: SimRequest, id: string, need: 'read' | 'write'): { a: Auth; lb: LoadBalancer } => {
    const a = requireAuth(ctx, req);
    const lb = isUuid(id) ? w.loadBalancers.get(id) : undefined;
    if (!lb) fail('octavia', 404, `Load Balancer ${id} not found.`);
    // Octavia loads the LB whatever its project, then asks the policy about that project: another
    // project's LB is a 403, not a 404 (a global observer may read it).
    const owner = lb.projectId === a.projectId;
    const observer = need === 'read' && a.roles.has('load-balancer_global_observer');
    if (!isLbAdmin(a) && !observer && !(owner && (need === 'read' ? canRead(a, ctx.octaviaRbac) : canWrite(a, ctx.octaviaRbac)))) forbid();
    return { a, lb };
  };

  const filterList = <T>(req: SimRequest, items: Record<string, unknown>[], key: string, filters: ReadonlySet<string>): Reply => {
    const q = req.query;
    let list = items;
    // PaginationHelper.apply: a filter that is not a field of the data model is a 400.
    if ([...new Set(q.keys())].some((k) => !PAGING_ARGUMENTS.includes(k) && !filters.has(k))) fail('octavia', 400, 'One or more arguments are either duplicate or invalid');
    for (const k of new Set(q.keys())) {
      if (PAGING_ARGUMENTS.includes(k)) continue;
      const v = q.getAll(k);
      list = list.filter((o) => v.includes(typeof o[k] === 'boolean' ? String(o[k]) : String(o[k] ?? '')) || v.map((x) => x.toLowerCase()).includes(String(o[k]).toLowerCase()));
    }
    const p = page(req, list, { style: 'octavia', key, cap: ctx.pageSize, path: req.path, id: (o) => String(o['id']) });
    const fields = q.getAll('fields').flatMap((f) => f.split(','));
    const shaped = fields.length ? p.items.map((o) => Object.fromEntries(fields.map((f) => [f, o[f]]))) : p.items;
    return ok({ [key]: shaped as T[], ...p.fields });
  };

  const router = new Router()
    // The provider drivers (octavia/api/v2/controllers/provider.py: rule load-balancer:read).
    .on('GET', /^\/lbaas\/providers$/, (req) => {
      const a = requireAuth(ctx, req);
      if (!isLbAdmin(a) && !canRead(a, ctx.octaviaRbac) && !a.roles.has('load-balancer_global_observer')) forbid();
      return ok({ providers: [{ name: 'amphora', description: 'The Octavia Amphora driver.' }, { name: 'octavia', description: 'Deprecated alias of the Octavia Amphora driver.' }] });
    })
    .on('GET', /^\/lbaas\/loadbalancers$/, (req) => {
      const a = requireAuth(ctx, req);
      const admin = isLbAdmin(a) || a.roles.has('load-balancer_global_observer');
      if (!admin && !canRead(a, ctx.octaviaRbac)) forbid();
      // _auth_get_all: without the global right, a project_id other than the caller's is a 403.
      const asked = req.query.get('project_id');
      if (!admin && asked !== null && asked !== a.projectId) forbid();
      const items = [...w.loadBalancers.values()].filter((lb) => admin || lb.projectId === a.projectId).map(renderLb);
      return filterList(req, items, 'loadbalancers', LB_FILTERS);
    })
    .on('POST', /^\/lbaas\/loadbalancers$/, (req) => {
      const a = requireAuth(ctx, req);
      if (!canWrite(a, ctx.octaviaRbac)) forbid();
      const b = (objectBody(req)['loadbalancer'] ?? {}) as Record<string, unknown>;
      const provider = b['provider'];
      if (provider !== undefined && provider !== null && provider !== 'amphora' && provider !== 'octavia') fail('octavia', 400, `Provider '${String(provider)}' is not enabled.`);
      let subnet: Subnet | undefined;
      if (typeof b['vip_subnet_id'] === 'string') subnet = w.subnets.get(b['vip_subnet_id']);
      else if (typeof b['vip_network_id'] === 'string') subnet = w.subnets.get(w.networks.get(b['vip_network_id'])?.subnetIds[0] ?? '');
      else if (typeof b['vip_port_id'] === 'string') subnet = w.subnets.get(w.ports.get(b['vip_port_id'])?.fixedIps[0]?.subnetId ?? '');
      else fail('octavia', 400, 'Validation failure: VIP must contain one of: vip_port_id, vip_network_id, vip_subnet_id.');
      if (!subnet) fail('octavia', 400, 'Validation failure: the VIP subnet, network or port was not found.');
      const lb = ops.create(String(b['name'] ?? ''), a.projectId, subnet, {
        description: String(b['description'] ?? ''), ...(typeof b['vip_address'] === 'string' ? { vipAddress: b['vip_address'] } : {}),
        ...(Array.isArray(b['tags']) ? { tags: (b['tags'] as unknown[]).map(String) } : {}),
      });
      return ok({ loadbalancer: renderLb(lb) }, 201);
    })
    .on('GET', /^\/lbaas\/loadbalancers\/([^/]+)$/, (req, [id]) => ok({ loadbalancer: renderLb(lbOf(req, id ?? '', 'read').lb) }))
    .on('PUT', /^\/lbaas\/loadbalancers\/([^/]+)$/, (req, [id]) => {
      const { lb } = lbOf(req, id ?? '', 'write');
      if (lb.provisioningStatus.startsWith('PENDING')) fail('octavia', 409, `Load Balancer ${lb.id} is immutable and cannot be updated.`);
      const b = (objectBody(req)['loadbalancer'] ?? {}) as Record<string, unknown>;
      if (typeof b['name'] === 'string') lb.name = b['name'];
      if (typeof b['description'] === 'string') lb.description = b['description'];
      if (typeof b['admin_state_up'] === 'boolean') lb.adminStateUp = b['admin_state_up'];
      lb.updatedAt = ctx.clock.now();
      return ok({ loadbalancer: renderLb(lb) });
    })
    .on('DELETE', /^\/lbaas\/loadbalancers\/([^/]+)$/, (req, [id]) => {
      const { lb } = lbOf(req, id ?? '', 'write');
      if (lb.provisioningStatus.startsWith('PENDING')) fail('octavia', 409, `Invalid state ${lb.provisioningStatus} of loadbalancer resource ${lb.id}`);
      const cascade = ['true', 'True', '1'].includes(req.query.get('cascade') ?? '');
      if (!cascade && (lb.listenerIds.length > 0 || lb.poolIds.length > 0)) fail('octavia', 400, `Validation failure: Cannot delete Load Balancer ${lb.id} - it has children`);
      ops.delete(lb);
      return noContent();
    })
    .on('PUT', /^\/lbaas\/loadbalancers\/([^/]+)\/failover$/, (req, [id]) => {
      const a = requireAuth(ctx, req);
      if (!isLbAdmin(a)) forbid();
      const { lb } = lbOf(req, id ?? '', 'write');
      ops.failover(lb);
      return { status: 202, text: '' };
    })
    .on('GET', /^\/lbaas\/loadbalancers\/([^/]+)\/status$/, (req, [id]) => {
      const { lb } = lbOf(req, id ?? '', 'read');
      return ok({ statuses: statusTree(w, lb) });
    })
    .on('GET', /^\/octavia\/amphorae$/, (req) => {
      const a = requireAuth(ctx, req);
      if (!isLbAdmin(a)) forbid();
      return filterList(req, [...w.amphorae.values()].map((x) => renderAmphora(w, x)), 'amphorae', AMPHORA_FILTERS);
    })
    .on('GET', /^\/octavia\/amphorae\/([^/]+)$/, (req, [id]) => {
      const a = requireAuth(ctx, req);
      if (!isLbAdmin(a)) forbid();
      const amp = w.amphorae.get(id ?? '');
      if (!amp) fail('octavia', 404, `Amphora ${id ?? ''} not found.`);
      return ok({ amphora: renderAmphora(w, amp) });
    })
    .on('PUT', /^\/octavia\/amphorae\/([^/]+)\/failover$/, (req, [id]) => {
      const a = requireAuth(ctx, req);
      if (!isLbAdmin(a)) forbid();
      const amp = w.amphorae.get(id ?? '');
      if (!amp) fail('octavia', 404, `Amphora ${id ?? ''} not found.`);
      const lb = w.loadBalancers.get(amp.lbId);
      if (lb) ops.failover(lb);
      return { status: 202, text: '' };
    });

  addChildRoutes(router, ctx, {
    pageSize: ctx.pageSize,
    reader: (req) => {
      const a = requireAuth(ctx, req);
      if (isLbAdmin(a) || a.roles.has('load-balancer_global_observer')) return { projectId: undefined };
      if (!canRead(a, ctx.octaviaRbac)) forbid();
      return { projectId: a.projectId };
    },
  });

  return (req) => {
    if (req.path === '/' && req.method === 'GET') {
      return Promise.resolve(ok({
        versions: [
          { id: 'v2.0', status: 'SUPPORTED', updated: '2016-12-11T00:00:00Z', links: [{ href: `${ctx.urls.octavia}/v2`, rel: 'self' }] },
          { id: 'v2.27', status: 'CURRENT', updated: '2023-05-05T00:00:00Z', links: [{ href: `${ctx.urls.octavia}/v2`, rel: 'self' }] },
        ],
      }));
    }
    const m = /^(\/v2(?:\.0)?)(\/.*)$/.exec(req.path);
    if (!m) fail('octavia', 404, `The resource could not be found.`);
    // The handlers see the path under the version, and a base that ends with the version the
    // client used (/v2 or /v2.0), so a next link points where the client asked.
    return dispatch(router, { ...req, path: m[2] ?? '/', base: `${req.base}${m[1] ?? ''}` });
  };
}
