// Neutron v2.0 (api-notes §7): networks, subnets, routers (interfaces and the external
// gateway), ports, floating IPs and security groups, with ?name= / ?id= / any-field list
// filters, 404s for names in the path, and the dependency 409s of §7.2 that make the
// stuck-delete cleanup order matter.

import type { Auth } from './auth.js';
import { requireAuth } from './auth.js';
import type { SimContext } from './context.js';
import type { Reply, SimRequest } from './http.js';
import { Router, dispatch, fail, noContent, objectBody, ok } from './http.js';
import { cidrToLoopback, parseCidr, intToIp, toLoopback } from './loopback.js';
import { page } from './paging.js';
import type { FloatingIp, Network, Port, Router as NRouter, SecurityGroup, Subnet, World } from './state.js';
import { zTime } from './timefmt.js';

type Kind = 'networks' | 'subnets' | 'routers' | 'ports' | 'floatingips' | 'security-groups';

const SINGULAR: Record<Kind, string> = {
  networks: 'network', subnets: 'subnet', routers: 'router', ports: 'port', floatingips: 'floatingip', 'security-groups': 'security_group',
};
const LIST_KEY: Record<Kind, string> = {
  networks: 'networks', subnets: 'subnets', routers: 'routers', ports: 'ports', floatingips: 'floatingips', 'security-groups': 'security_groups',
};
const NOT_FOUND: Record<Kind, [string, string]> = {
  networks: ['NetworkNotFound', 'Network'], subnets: ['SubnetNotFound', 'Subnet'], routers: ['RouterNotFound', 'Router'],
  ports: ['PortNotFound', 'Port'], floatingips: ['FloatingIPNotFound', 'Floating IP'], 'security-groups': ['SecurityGroupNotFound', 'Security group'],
};

const common = (projectId: string, createdAt: number) => ({
  project_id: projectId, tenant_id: projectId, tags: [], created_at: zTime(createdAt), updated_at: zTime(createdAt), revision_number: 1,
});

/**
 * A network as `admin` sees it, or a member: the provider:* attributes are admin-only (Zed's
 * policy network:provider:*: rule:admin_only strips them from a member's answer).
 */
export function renderNetwork(n: Network, admin = true): Record<string, unknown> {
  return {
    id: n.id, name: n.name, status: n.status, subnets: n.subnetIds, admin_state_up: true, shared: n.shared, 'router:external': n.external,
    mtu: n.mtu, port_security_enabled: true, availability_zones: ['nova'], availability_zone_hints: [], description: n.description,
    ...(admin ? providerAttributes(n) : {}),
    ipv4_address_scope: null, ipv6_address_scope: null, is_default: false,
    ...common(n.projectId, n.createdAt),
  };
}

/**
 * ML2's segment of a network: the external one flat on a physical network, a tenant one an
 * overlay segment (geneve under OVN, as Charmed OpenStack deploys it; the loopback control plane's
 * ML2 allocates vxlan) with a VNI from the range, fixed per network.
 */
function providerAttributes(n: Network): Record<string, unknown> {
  if (n.external) return { 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': null };
  return { 'provider:network_type': 'geneve', 'provider:physical_network': null, 'provider:segmentation_id': 1001 + (Number.parseInt(n.id.replace(/-/g, '').slice(0, 8), 16) % 1000) };
}

export function renderSubnet(s: Subnet): Record<string, unknown> {
  return {
    id: s.id, name: s.name, network_id: s.networkId, cidr: s.cidr, ip_version: 4, gateway_ip: s.gatewayIp,
    allocation_pools: [{ start: s.poolStart, end: s.poolEnd }], dns_nameservers: s.dns, host_routes: [], enable_dhcp: s.enableDhcp,
    ipv6_ra_mode: null, ipv6_address_mode: null, subnetpool_id: null, description: s.description, service_types: [], segment_id: null,
    ...common(s.projectId, s.createdAt),
  };
}

/** A router as `admin` sees it, or a member: distributed and ha are admin-only (Zed's router policy). */
export function renderRouter(r: NRouter, admin = true): Record<string, unknown> {
  return {
    id: r.id, name: r.name, status: 'ACTIVE', admin_state_up: true, description: r.description, routes: [], availability_zones: ['nova'],
    availability_zone_hints: [], ...(admin ? { distributed: false, ha: false } : {}), flavor_id: null,
    external_gateway_info: r.gateway ? { network_id: r.gateway.networkId, enable_snat: true, external_fixed_ips: [{ subnet_id: r.gateway.subnetId, ip_address: r.gateway.ip }] } : null,
    ...common(r.projectId, r.createdAt),
  };
}

export function renderPort(p: Port): Record<string, unknown> {
  return {
    id: p.id, name: p.name, network_id: p.networkId, mac_address: p.mac, fixed_ips: p.fixedIps.map((f) => ({ subnet_id: f.subnetId, ip_address: f.ip })),
    device_id: p.deviceId, device_owner: p.deviceOwner, status: p.status, admin_state_up: true, security_groups: p.securityGroupIds,
    allowed_address_pairs: [], extra_dhcp_opts: [], port_security_enabled: true, 'binding:vnic_type': 'normal', description: '',
    ...common(p.projectId, p.createdAt),
  };
}

export function renderFip(w: World, f: FloatingIp): Record<string, unknown> {
  const port = f.portId ? w.ports.get(f.portId) : undefined;
  return {
    id: f.id, floating_ip_address: f.address, floating_network_id: f.networkId, router_id: f.routerId, port_id: f.portId,
    fixed_ip_address: f.fixedIp, status: f.portId ? 'ACTIVE' : 'DOWN', description: f.description, dns_domain: '', dns_name: '', qos_policy_id: null,
    port_details: port ? { name: port.name, network_id: port.networkId, mac_address: port.mac, admin_state_up: true, status: port.status, device_id: port.deviceId, device_owner: port.deviceOwner } : null,
    ...common(f.projectId, f.createdAt),
  };
}

export function renderSecurityGroup(g: SecurityGroup): Record<string, unknown> {
  return {
    id: g.id, name: g.name, description: g.description, stateful: true, shared: false,
    // Each rule with its standard attributes (its own standard_attr_id, tags, times, revision).
    security_group_rules: g.rules.map((r) => ({
      id: r.id, direction: r.direction, ethertype: r.ethertype, protocol: r.protocol, port_range_min: r.portMin, port_range_max: r.portMax,
      remote_ip_prefix: r.remoteIpPrefix, remote_address_group_id: null, normalized_cidr: r.remoteIpPrefix, remote_group_id: r.remoteGroupId,
      security_group_id: g.id, standard_attr_id: r.standardAttrId, description: null, project_id: g.projectId, tenant_id: g.projectId,
      tags: [], created_at: zTime(g.createdAt), updated_at: zTime(g.createdAt), revision_number: 0,
    })),
    ...common(g.projectId, g.createdAt),
  };
}

/** Neutron operations the simulated driver and the API share. */
export class NeutronOps {
  constructor(private readonly ctx: SimContext) {}

  private get w(): World {
    return this.ctx.world;
  }

  createNetwork(name: string, projectId: string, opts: { external?: boolean; shared?: boolean } = {}): Network {
    const n: Network = { id: this.ctx.rng.uuid(), name, projectId, external: opts.external ?? false, shared: opts.shared ?? false, subnetIds: [], mtu: 1442, status: 'ACTIVE', createdAt: this.ctx.clock.now(), description: '' };
    this.w.networks.set(n.id, n);
    this.w.record({ kind: 'neutron.network', id: n.id, name, from: null, to: 'ACTIVE' });
    return n;
  }

  /**
   * A subnet the simulated site itself makes (the seeded networks, CAPO's cluster network) lives
   * in the loopback mapping (10.20.16.0/24 -> 127.20.16.0/24), so every address Neutron, Nova,
   * Octavia and Magnum hand out for it is one a client here can reach, and the FIP, the VIP and
   * api_address correlate as on a real site. A subnet a client POSTs keeps its CIDR (`asGiven`).
   */
  createSubnet(name: string, network: Network, cidrIn: string, projectId: string, opts: { poolStart?: string; poolEnd?: string; dns?: string[]; gateway?: string; asGiven?: boolean } = {}): Subnet {
    const map = (ip: string): string => (opts.asGiven ? ip : toLoopback(ip));
    const cidr = opts.asGiven ? cidrIn : cidrToLoopback(cidrIn);
    const c = parseCidr(cidr);
    const s: Subnet = {
      id: this.ctx.rng.uuid(), name, networkId: network.id, projectId, cidr, gatewayIp: opts.gateway ? map(opts.gateway) : c.gateway,
      poolStart: opts.poolStart ? map(opts.poolStart) : intToIp(c.first), poolEnd: opts.poolEnd ? map(opts.poolEnd) : intToIp(c.last), dns: opts.dns ?? [], enableDhcp: !network.external,
      createdAt: this.ctx.clock.now(), nextIp: 0, description: '',
    };
    this.w.subnets.set(s.id, s);
    network.subnetIds.push(s.id);
    this.w.record({ kind: 'neutron.subnet', id: s.id, name, from: null, to: 'created', detail: cidr });
    return s;
  }

  createPort(network: Network, subnet: Subnet | undefined, projectId: string, deviceOwner: string, deviceId: string, opts: { name?: string; ip?: string; sgIds?: string[] } = {}): Port {
    const ip = subnet ? opts.ip ?? this.w.allocateIp(subnet.id) : undefined;
    const p: Port = {
      id: this.ctx.rng.uuid(), name: opts.name ?? '', networkId: network.id, projectId, mac: this.w.mac(),
      fixedIps: subnet && ip ? [{ subnetId: subnet.id, ip }] : [], deviceId, deviceOwner, securityGroupIds: opts.sgIds ?? [],
      createdAt: this.ctx.clock.now(), status: 'ACTIVE',
    };
    this.w.ports.set(p.id, p);
    return p;
  }

  createRouter(name: string, projectId: string): NRouter {
    const r: NRouter = { id: this.ctx.rng.uuid(), name, projectId, gateway: null, interfaces: [], createdAt: this.ctx.clock.now(), description: '' };
    this.w.routers.set(r.id, r);
    this.w.record({ kind: 'neutron.router', id: r.id, name, from: null, to: 'ACTIVE' });
    return r;
  }

  setGateway(r: NRouter, network: Network | null): void {
    if (r.gateway) {
      const inUse = [...this.w.floatingIps.values()].some((f) => f.routerId === r.id && f.networkId === r.gateway?.networkId);
      if (inUse) fail('neutron', 409, `Gateway cannot be updated for router ${r.id}, since a gateway to external network ${r.gateway.networkId} is required by one or more floating IPs.`, 'RouterExternalGatewayInUseByFloatingIp');
      for (const [id, p] of this.w.ports) if (p.deviceId === r.id && p.deviceOwner === 'network:router_gateway') this.w.ports.delete(id);
      r.gateway = null;
    }
    if (network) {
      if (!network.external) fail('neutron', 400, `Bad router request: Network ${network.id} is not an external network.`, 'BadRequest');
      const sn = this.w.subnets.get(network.subnetIds[0] ?? '');
      if (!sn) fail('neutron', 400, `Bad router request: external network ${network.id} has no subnet.`, 'BadRequest');
      const gwStart = parseCidr(sn.cidr).base + 20;
      const port = this.createPort(network, sn, r.projectId, 'network:router_gateway', r.id, { ip: this.w.allocateIp(sn.id, gwStart) });
      r.gateway = { networkId: network.id, subnetId: sn.id, ip: port.fixedIps[0]?.ip ?? '' };
    }
    this.w.record({ kind: 'neutron.router', id: r.id, name: r.name, to: r.gateway ? `gateway ${r.gateway.ip}` : 'gateway cleared' });
  }

  addInterface(r: NRouter, subnet: Subnet): Port {
    if (r.interfaces.some((i) => i.subnetId === subnet.id)) fail('neutron', 400, `Bad router request: Router already has a port on subnet ${subnet.id}.`, 'BadRequest');
    const net = this.w.networks.get(subnet.networkId);
    if (!net) fail('neutron', 404, `Network ${subnet.networkId} could not be found.`, 'NetworkNotFound');
    const port = this.createPort(net, subnet, r.projectId, 'network:router_interface', r.id, { ip: subnet.gatewayIp });
    r.interfaces.push({ subnetId: subnet.id, portId: port.id });
    this.w.record({ kind: 'neutron.router', id: r.id, name: r.name, to: `interface +${subnet.cidr}` });
    return port;
  }

  removeInterface(r: NRouter, subnetId: string): { portId: string; subnetId: string } {
    const itf = r.interfaces.find((i) => i.subnetId === subnetId);
    if (!itf) fail('neutron', 404, `Router ${r.id} does not have an interface with id ${subnetId}`, 'RouterInterfaceNotFoundForSubnet');
    const sn = this.w.subnets.get(subnetId);
    const fipInUse = [...this.w.floatingIps.values()].some((f) => f.routerId === r.id && f.fixedIp !== null && sn !== undefined && inCidr(f.fixedIp, sn.cidr));
    if (fipInUse) fail('neutron', 409, `Router interface for subnet ${subnetId} on router ${r.id} cannot be deleted, as it is required by one or more floating IPs.`, 'RouterInterfaceInUseByFloatingIP');
    r.interfaces = r.interfaces.filter((i) => i !== itf);
    this.w.ports.delete(itf.portId);
    this.w.record({ kind: 'neutron.router', id: r.id, name: r.name, to: `interface -${sn?.cidr ?? subnetId}` });
    return itf;
  }

  deleteRouter(r: NRouter): void {
    if (r.interfaces.length > 0) fail('neutron', 409, `Router ${r.id} still has ports`, 'RouterInUse');
    if (r.gateway) this.setGateway(r, null);
    this.w.routers.delete(r.id);
    this.w.record({ kind: 'neutron.router', id: r.id, name: r.name, from: 'ACTIVE', to: 'deleted' });
  }

  deleteSubnet(s: Subnet): void {
    const holders = [...this.w.ports.values()].filter((p) => p.deviceOwner !== 'network:dhcp' && p.fixedIps.some((f) => f.subnetId === s.id));
    if (holders.length > 0) fail('neutron', 409, `Unable to complete operation on subnet ${s.id}: One or more ports have an IP allocation from this subnet.`, 'SubnetInUse');
    for (const [id, p] of this.w.ports) if (p.fixedIps.some((f) => f.subnetId === s.id)) this.w.ports.delete(id);
    this.w.subnets.delete(s.id);
    const net = this.w.networks.get(s.networkId);
    if (net) net.subnetIds = net.subnetIds.filter((x) => x !== s.id);
    this.w.record({ kind: 'neutron.subnet', id: s.id, name: s.name, from: 'created', to: 'deleted' });
  }

  deleteNetwork(n: Network): void {
    const ports = [...this.w.ports.values()].filter((p) => p.networkId === n.id && p.deviceOwner !== 'network:dhcp');
    if (ports.length > 0) fail('neutron', 409, `Unable to complete operation on network ${n.id}. There are one or more ports still in use on the network.`, 'NetworkInUse');
    for (const sid of [...n.subnetIds]) {
      const s = this.w.subnets.get(sid);
      if (s) this.deleteSubnet(s);
    }
    this.w.networks.delete(n.id);
    this.w.record({ kind: 'neutron.network', id: n.id, name: n.name, from: 'ACTIVE', to: 'deleted' });
  }

  deleteSecurityGroup(g: SecurityGroup, a?: Auth): void {
    if (g.name === 'default' && a && !a.isAdmin) fail('neutron', 409, `Insufficient rights for removing default security group.`, 'SecurityGroupCannotRemoveDefault');
    if ([...this.w.ports.values()].some((p) => p.securityGroupIds.includes(g.id))) fail('neutron', 409, `Security Group ${g.id} in use.`, 'SecurityGroupInUse');
    this.w.securityGroups.delete(g.id);
    for (const other of this.w.securityGroups.values()) other.rules = other.rules.filter((r) => r.remoteGroupId !== g.id);
    this.w.record({ kind: 'neutron.security_group', id: g.id, name: g.name, from: 'created', to: 'deleted' });
  }

  createSecurityGroup(name: string, projectId: string, description = '', ports: number[] = []): SecurityGroup {
    const g: SecurityGroup = {
      id: this.ctx.rng.uuid(), name, projectId, description, createdAt: this.ctx.clock.now(),
      // Neutron gives every new group an egress rule per ethertype.
      rules: [
        ...(['IPv4', 'IPv6'] as const).map((ethertype) => ({ id: this.ctx.rng.uuid(), direction: 'egress', ethertype, protocol: null, portMin: null, portMax: null, remoteIpPrefix: null, remoteGroupId: null, standardAttrId: this.w.nextStandardAttrId() })),
        ...ports.map((p) => ({ id: this.ctx.rng.uuid(), direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', portMin: p, portMax: p, remoteIpPrefix: '0.0.0.0/0', remoteGroupId: null, standardAttrId: this.w.nextStandardAttrId() })),
      ],
    };
    this.w.securityGroups.set(g.id, g);
    this.w.record({ kind: 'neutron.security_group', id: g.id, name, from: null, to: 'created' });
    return g;
  }

  /** Allocates a floating IP on an external network, optionally bound to a port. */
  createFloatingIp(network: Network, projectId: string, port?: Port, preferredHost?: number, description = ''): FloatingIp {
    const sn = this.w.subnets.get(network.subnetIds[0] ?? '');
    if (!sn) fail('neutron', 400, `External network ${network.id} has no subnet.`, 'BadRequest');
    const preferred = preferredHost !== undefined ? parseCidr(sn.cidr).base + preferredHost : undefined;
    const address = this.w.allocateIp(sn.id, preferred);
    const f: FloatingIp = { id: this.ctx.rng.uuid(), address, networkId: network.id, projectId, portId: null, fixedIp: null, routerId: null, createdAt: this.ctx.clock.now(), description };
    this.w.floatingIps.set(f.id, f);
    const fport = this.createPort(network, undefined, projectId, 'network:floatingip', f.id);
    fport.fixedIps = [{ subnetId: sn.id, ip: address }];
    if (port) this.associate(f, port);
    this.w.record({ kind: 'neutron.floatingip', id: f.id, name: address, from: null, to: port ? 'ACTIVE' : 'DOWN', detail: f.fixedIp ?? undefined });
    return f;
  }

  associate(f: FloatingIp, port: Port | null): void {
    if (!port) {
      f.portId = null;
      f.fixedIp = null;
      f.routerId = null;
      return;
    }
    const ip = port.fixedIps[0];
    if (!ip) fail('neutron', 400, `Port ${port.id} has no fixed IP.`, 'BadRequest');
    const router = [...this.w.routers.values()].find((r) => r.gateway?.networkId === f.networkId && r.interfaces.some((i) => i.subnetId === ip.subnetId));
    if (!router) fail('neutron', 404, `External network ${f.networkId} is not reachable from subnet ${ip.subnetId}.`, 'ExternalGatewayForFloatingIPNotFound');
    f.portId = port.id;
    f.fixedIp = ip.ip;
    f.routerId = router.id;
  }

  deleteFloatingIp(f: FloatingIp): void {
    this.w.floatingIps.delete(f.id);
    for (const [id, p] of this.w.ports) if (p.deviceId === f.id && p.deviceOwner === 'network:floatingip') this.w.ports.delete(id);
    this.w.record({ kind: 'neutron.floatingip', id: f.id, name: f.address, to: 'deleted' });
  }
}

function inCidr(ip: string, cidr: string): boolean {
  const c = parseCidr(cidr);
  const n = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  return n >= c.base && n < c.base + 2 ** (32 - c.prefix);
}

function matches(obj: Record<string, unknown>, q: URLSearchParams): boolean {
  for (const key of new Set(q.keys())) {
    if (['fields', 'limit', 'marker', 'sort_key', 'sort_dir', 'page_reverse'].includes(key)) continue;
    const wanted = q.getAll(key);
    const v = obj[key];
    const have = Array.isArray(v) ? v.map(String) : [typeof v === 'boolean' ? String(v) : String(v ?? '')];
    const norm = (s: string) => (s === 'True' || s === 'False' ? s.toLowerCase() : s);
    if (!wanted.some((x) => have.includes(norm(x)))) return false;
  }
  return true;
}

const COMMON_FILTERS = ['id', 'tenant_id', 'project_id', 'description', 'revision_number', 'tags', 'tags-any', 'not-tags', 'not-tags-any'];
/**
 * Neutron Zed (filter_validation = True; ML2 and the L3 plugin support it): a list filter must be
 * an attribute marked is_filter (neutron_lib api definitions and the extensions this site loads),
 * else 400 "['key'] is invalid attribute for filtering".
 */
export const FILTERS: Readonly<Record<Kind, ReadonlySet<string>>> = {
  'networks': new Set([...COMMON_FILTERS, 'name', 'admin_state_up', 'shared', 'status', 'router:external', 'provider:network_type', 'provider:physical_network', 'provider:segmentation_id']),
  'subnets': new Set([...COMMON_FILTERS, 'name', 'cidr', 'enable_dhcp', 'gateway_ip', 'ip_version', 'ipv6_address_mode', 'ipv6_ra_mode', 'network_id', 'shared', 'subnetpool_id', 'segment_id']),
  'ports': new Set([...COMMON_FILTERS, 'name', 'admin_state_up', 'device_id', 'device_owner', 'fixed_ips', 'mac_address', 'network_id', 'status', 'security_groups', 'binding:host_id', 'binding:vnic_type']),
  'routers': new Set([...COMMON_FILTERS, 'name', 'admin_state_up']),
  'floatingips': new Set([...COMMON_FILTERS, 'fixed_ip_address', 'floating_ip_address', 'floating_network_id', 'port_id', 'router_id', 'status']),
  'security-groups': new Set([...COMMON_FILTERS, 'name', 'shared', 'stateful']),
};
const LIST_ARGUMENTS = ['fields', 'sort_key', 'sort_dir', 'limit', 'marker', 'page_reverse'];

export function createNeutron(ctx: SimContext, ops: NeutronOps): (req: SimRequest) => Promise<Reply> {
  const w = ctx.world;

  const all = (kind: Kind): { id: string; projectId: string; render: (admin: boolean) => Record<string, unknown> }[] => {
    switch (kind) {
      case 'networks': return [...w.networks.values()].map((x) => ({ id: x.id, projectId: x.external || x.shared ? '*' : x.projectId, render: (admin) => renderNetwork(x, admin) }));
      case 'subnets': return [...w.subnets.values()].map((x) => ({ id: x.id, projectId: w.networks.get(x.networkId)?.external ? '*' : x.projectId, render: () => renderSubnet(x) }));
      case 'routers': return [...w.routers.values()].map((x) => ({ id: x.id, projectId: x.projectId, render: (admin) => renderRouter(x, admin) }));
      case 'ports': return [...w.ports.values()].map((x) => ({ id: x.id, projectId: x.projectId, render: () => renderPort(x) }));
      case 'floatingips': return [...w.floatingIps.values()].map((x) => ({ id: x.id, projectId: x.projectId, render: () => renderFip(w, x) }));
      case 'security-groups': return [...w.securityGroups.values()].map((x) => ({ id: x.id, projectId: x.projectId, render: () => renderSecurityGroup(x) }));
    }
  };

  const visible = (a: Auth, projectId: string) => a.isAdmin || projectId === '*' || projectId === a.projectId;

  const one = <T>(a: Auth, kind: Kind, map: Map<string, T & { projectId: string }>, id: string): T => {
    const x = map.get(id);
    const pub = kind === 'networks' && x ? ((x as unknown as Network).external || (x as unknown as Network).shared) : false;
    if (!x || !(pub || visible(a, x.projectId))) {
      const [type, label] = NOT_FOUND[kind];
      fail('neutron', 404, `${label} ${id} could not be found.`, type);
    }
    return x;
  };

  const projectOf = (a: Auth, body: Record<string, unknown>): string => {
    const p = (body['project_id'] ?? body['tenant_id']) as string | undefined;
    return p && a.isAdmin ? p : a.projectId ?? '';
  };

  const body = (req: SimRequest, kind: Kind): Record<string, unknown> => {
    const b = objectBody(req)[SINGULAR[kind]];
    if (b === null || typeof b !== 'object') fail('neutron', 400, `Resource body required: ${SINGULAR[kind]}`, 'BadRequest');
    return b as Record<string, unknown>;
  };

  const kindRe = '(networks|subnets|routers|ports|floatingips|security-groups)';

  const router = new Router()
    .on('GET', /^\/$/, () => ok({ versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${ctx.urls.neutron}/v2.0/`, rel: 'self' }] }] }))
    .on('GET', new RegExp(`^/v2\\.0/${kindRe}$`), (req, [k]) => {
      const a = requireAuth(ctx, req);
      const kind = k as Kind;
      const invalid = [...new Set(req.query.keys())].filter((key) => !LIST_ARGUMENTS.includes(key) && !FILTERS[kind].has(key));
      if (invalid.length) fail('neutron', 400, `[${invalid.map((x) => `'${x}'`).join(', ')}] is invalid attribute for filtering`, 'HTTPBadRequest');
      const fields = req.query.getAll('fields');
      const list = all(kind).filter((x) => visible(a, x.projectId)).map((x) => x.render(a.isAdmin)).filter((o) => matches(o, req.query));
      const [type, label] = NOT_FOUND[kind];
      const p = page(req, list, {
        style: 'neutron', key: LIST_KEY[kind], cap: ctx.pageSize, path: req.path, id: (o) => String(o['id']),
        missingMarker: (m) => fail('neutron', 404, `${label} ${m} could not be found.`, type),
      });
      const shaped = fields.length ? p.items.map((o) => Object.fromEntries(fields.map((f) => [f, o[f]]))) : p.items;
      return ok({ [LIST_KEY[kind]]: shaped, ...p.fields });
    })
    .on('GET', new RegExp(`^/v2\\.0/${kindRe}/([^/]+)$`), (req, [k, id]) => {
      const a = requireAuth(ctx, req);
      const kind = k as Kind;
      const x = all(kind).find((o) => o.id === id);
      const pub = x?.projectId === '*';
      if (!x || !(pub || visible(a, x.projectId))) {
        const [type, label] = NOT_FOUND[kind];
        fail('neutron', 404, `${label} ${id ?? ''} could not be found.`, type);
      }
      return ok({ [SINGULAR[kind]]: x.render(a.isAdmin) });
    })
    .on('POST', /^\/v2\.0\/networks$/, (req) => {
      const a = requireAuth(ctx, req);
      const b = body(req, 'networks');
      if (b['router:external'] === true && !a.isAdmin) fail('neutron', 403, '(rule:create_network and rule:create_network:router:external) is disallowed by policy', 'PolicyNotAuthorized');
      return ok({ network: renderNetwork(ops.createNetwork(String(b['name'] ?? ''), projectOf(a, b), { external: b['router:external'] === true, shared: b['shared'] === true }), a.isAdmin) }, 201);
    })
    .on('POST', /^\/v2\.0\/subnets$/, (req) => {
      const a = requireAuth(ctx, req);
      const b = body(req, 'subnets');
      const net = one<Network>(a, 'networks', w.networks, String(b['network_id'] ?? ''));
      if (typeof b['cidr'] !== 'string') fail('neutron', 400, 'Bad subnets request: a cidr must be specified.', 'BadRequest');
      try {
        parseCidr(b['cidr']);
      } catch {
        fail('neutron', 400, `Invalid input for cidr. Reason: '${String(b['cidr'])}' is not a valid IP subnet.`, 'HTTPBadRequest');
      }
      const pools = Array.isArray(b['allocation_pools']) ? (b['allocation_pools'] as { start?: string; end?: string }[]) : [];
      return ok({ subnet: renderSubnet(ops.createSubnet(String(b['name'] ?? ''), net, b['cidr'], projectOf(a, b), {
        ...(pools[0]?.start ? { poolStart: pools[0].start } : {}), ...(pools[0]?.end ? { poolEnd: pools[0].end } : {}),
        ...(Array.isArray(b['dns_nameservers']) ? { dns: (b['dns_nameservers'] as unknown[]).map(String) } : {}),
        ...(typeof b['gateway_ip'] === 'string' ? { gateway: b['gateway_ip'] } : {}), asGiven: true,
      })) }, 201);
    })
    .on('POST', /^\/v2\.0\/routers$/, (req) => {
      const a = requireAuth(ctx, req);
      const b = body(req, 'routers');
      const r = ops.createRouter(String(b['name'] ?? ''), projectOf(a, b));
      const gw = b['external_gateway_info'] as { network_id?: string } | undefined;
      if (gw?.network_id) ops.setGateway(r, one<Network>(a, 'networks', w.networks, gw.network_id));
      return ok({ router: renderRouter(r, a.isAdmin) }, 201);
    })
    .on('PUT', /^\/v2\.0\/routers\/([^/]+)$/, (req, [id]) => {
      const a = requireAuth(ctx, req);
      const r = one<NRouter>(a, 'routers', w.routers, id ?? '');
      const b = body(req, 'routers');
      if (typeof b['name'] === 'string') r.name = b['name'];
      if ('external_gateway_info' in b) {
        const gw = b['external_gateway_info'] as { network_id?: string } | null;
        ops.setGateway(r, gw?.network_id ? one<Network>(a, 'networks', w.networks, gw.network_id) : null);
      }
      return ok({ router: renderRouter(r, a.isAdmin) });
    })
    .on('PUT', /^\/v2\.0\/routers\/([^/]+)\/(add|remove)_router_interface$/, (req, [id, op]) => {
      const a = requireAuth(ctx, req);
      const r = one<NRouter>(a, 'routers', w.routers, id ?? '');
      const b = objectBody(req);
      let subnetId = typeof b['subnet_id'] === 'string' ? b['subnet_id'] : undefined;
      if (!subnetId && typeof b['port_id'] === 'string') subnetId = w.ports.get(b['port_id'])?.fixedIps[0]?.subnetId;
      if (!subnetId) fail('neutron', 400, 'Bad router request: Either subnet_id or port_id must be specified.', 'BadRequest');
      const sn = one<Subnet>(a, 'subnets', w.subnets, subnetId);
      const res = op === 'add' ? { portId: ops.addInterface(r, sn).id, subnetId: sn.id } : ops.removeInterface(r, sn.id);
      return ok({ id: r.id, tenant_id: r.projectId, port_id: res.portId, subnet_id: res.subnetId, subnet_ids: [res.subnetId], network_id: sn.networkId });
    })
    .on('POST', /^\/v2\.0\/floatingips$/, (req) => {
      const a = requireAuth(ctx, req);
      const b = body(req, 'floatingips');
      const net = one<Network>(a, 'networks', w.networks, String(b['floating_network_id'] ?? ''));
      const port = typeof b['port_id'] === 'string' ? one<Port>(a, 'ports', w.ports, b['port_id']) : undefined;
      return ok({ floatingip: renderFip(w, ops.createFloatingIp(net, projectOf(a, b), port, undefined, String(b['description'] ?? ''))) }, 201);
    })
    .on('PUT', /^\/v2\.0\/floatingips\/([^/]+)$/, (req, [id]) => {
      const a = requireAuth(ctx, req);
      const f = one<FloatingIp>(a, 'floatingips', w.floatingIps, id ?? '');
      const b = body(req, 'floatingips');
      if ('port_id' in b) ops.associate(f, typeof b['port_id'] === 'string' ? one<Port>(a, 'ports', w.ports, b['port_id']) : null);
      if (typeof b['description'] === 'string') f.description = b['description'];
      return ok({ floatingip: renderFip(w, f) });
    })
    .on('POST', /^\/v2\.0\/security-groups$/, (req) => {
      const a = requireAuth(ctx, req);
      const b = body(req, 'security-groups');
      return ok({ security_group: renderSecurityGroup(ops.createSecurityGroup(String(b['name'] ?? ''), projectOf(a, b), String(b['description'] ?? ''))) }, 201);
    })
    .on('POST', /^\/v2\.0\/ports$/, (req) => {
      const a = requireAuth(ctx, req);
      const b = body(req, 'ports');
      const net = one<Network>(a, 'networks', w.networks, String(b['network_id'] ?? ''));
      const fixed = Array.isArray(b['fixed_ips']) ? (b['fixed_ips'] as { subnet_id?: string; ip_address?: string }[]) : [];
      const sn = w.subnets.get(fixed[0]?.subnet_id ?? net.subnetIds[0] ?? '');
      const p = ops.createPort(net, sn, projectOf(a, b), String(b['device_owner'] ?? ''), String(b['device_id'] ?? ''), {
        name: String(b['name'] ?? ''), ...(fixed[0]?.ip_address ? { ip: fixed[0].ip_address } : {}),
        ...(Array.isArray(b['security_groups']) ? { sgIds: (b['security_groups'] as unknown[]).map(String) } : {}),
      });
      return ok({ port: renderPort(p) }, 201);
    })
    .on('DELETE', new RegExp(`^/v2\\.0/${kindRe}/([^/]+)$`), (req, [k, id]) => {
      const a = requireAuth(ctx, req);
      const kind = k as Kind;
      const key = id ?? '';
      switch (kind) {
        case 'networks': {
          const n = one<Network>(a, kind, w.networks, key);
          if (n.projectId !== a.projectId && !a.isAdmin) fail('neutron', 403, 'disallowed by policy', 'PolicyNotAuthorized');
          ops.deleteNetwork(n);
          break;
        }
        case 'subnets': ops.deleteSubnet(one<Subnet>(a, kind, w.subnets, key)); break;
        case 'routers': ops.deleteRouter(one<NRouter>(a, kind, w.routers, key)); break;
        case 'floatingips': ops.deleteFloatingIp(one<FloatingIp>(a, kind, w.floatingIps, key)); break;
        case 'security-groups': ops.deleteSecurityGroup(one<SecurityGroup>(a, kind, w.securityGroups, key), a); break;
        case 'ports': {
          const p = one<Port>(a, kind, w.ports, key);
          if (p.deviceOwner === 'network:router_interface' || p.deviceOwner === 'network:router_gateway') {
            fail('neutron', 409, `Port ${p.id} cannot be deleted directly via the port API: has device owner ${p.deviceOwner}.`, 'ServicePortInUse');
          }
          w.ports.delete(p.id);
          for (const f of w.floatingIps.values()) if (f.portId === p.id) ops.associate(f, null);
          break;
        }
      }
      return noContent();
    });

  return (req) => dispatch(router, req);
}
