// Neutron v2.0 (api-notes §7): networks, subnets, routers, floating IPs, ports and security
// groups — list with filters and delete — plus the router calls of the stuck-delete cleanup
// (remove_router_interface, unset the external gateway). Deletes answer false when the
// resource was already gone; dependency-order 409s come back as ApiError with the NeutronError type.

import { z } from 'zod';
import { CapiGateError } from '../core/errors.js';
import { allPages, nextFromLinks, pageLinks } from './paging.js';
import type { AnySession } from './session.js';

export type NeutronFilters = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

const strList = z.array(z.string()).nullish().transform((v) => v ?? []);
const fixedIps = z
  .array(z.object({ subnet_id: z.string().nullish(), ip_address: z.string().nullish() }))
  .nullish()
  .transform((v) => (v ?? []).map((x) => ({ subnetId: x.subnet_id ?? undefined, ipAddress: x.ip_address ?? undefined })));

const networkSchema = z
  .object({
    id: z.string(),
    name: z.string().nullish(),
    status: z.string().nullish(),
    subnets: strList,
    'router:external': z.boolean().nullish(),
    shared: z.boolean().nullish(),
    project_id: z.string().nullish(),
  })
  .transform((n) => ({
    id: n.id,
    name: n.name ?? '',
    status: n.status ?? undefined,
    subnetIds: n.subnets,
    external: n['router:external'] ?? false,
    shared: n.shared ?? false,
    projectId: n.project_id ?? undefined,
  }));
export type Network = z.output<typeof networkSchema>;

const subnetSchema = z
  .object({
    id: z.string(),
    name: z.string().nullish(),
    network_id: z.string(),
    cidr: z.string(),
    ip_version: z.number().nullish(),
    gateway_ip: z.string().nullish(),
    project_id: z.string().nullish(),
  })
  .transform((s) => ({
    id: s.id,
    name: s.name ?? '',
    networkId: s.network_id,
    cidr: s.cidr,
    ipVersion: s.ip_version ?? undefined,
    gatewayIp: s.gateway_ip ?? undefined,
    projectId: s.project_id ?? undefined,
  }));
export type Subnet = z.output<typeof subnetSchema>;

const routerSchema = z
  .object({
    id: z.string(),
    name: z.string().nullish(),
    status: z.string().nullish(),
    project_id: z.string().nullish(),
    external_gateway_info: z.object({ network_id: z.string().nullish(), external_fixed_ips: fixedIps }).nullish(),
  })
  .transform((r) => ({
    id: r.id,
    name: r.name ?? '',
    status: r.status ?? undefined,
    projectId: r.project_id ?? undefined,
    externalGateway: r.external_gateway_info
      ? { networkId: r.external_gateway_info.network_id ?? undefined, fixedIps: r.external_gateway_info.external_fixed_ips }
      : undefined,
  }));
export type Router = z.output<typeof routerSchema>;

const floatingIpSchema = z
  .object({
    id: z.string(),
    floating_ip_address: z.string(),
    floating_network_id: z.string().nullish(),
    fixed_ip_address: z.string().nullish(),
    port_id: z.string().nullish(),
    router_id: z.string().nullish(),
    status: z.string().nullish(),
    project_id: z.string().nullish(),
  })
  .transform((f) => ({
    id: f.id,
    floatingIpAddress: f.floating_ip_address,
    floatingNetworkId: f.floating_network_id ?? undefined,
    fixedIpAddress: f.fixed_ip_address ?? undefined,
    portId: f.port_id ?? undefined,
    routerId: f.router_id ?? undefined,
    status: f.status ?? undefined,
    projectId: f.project_id ?? undefined,
  }));
export type FloatingIp = z.output<typeof floatingIpSchema>;

const portSchema = z
  .object({
    id: z.string(),
    name: z.string().nullish(),
    network_id: z.string(),
    device_id: z.string().nullish(),
    device_owner: z.string().nullish(),
    fixed_ips: fixedIps,
    status: z.string().nullish(),
    security_groups: strList,
    project_id: z.string().nullish(),
  })
  .transform((p) => ({
    id: p.id,
    name: p.name ?? '',
    networkId: p.network_id,
    deviceId: p.device_id ?? undefined,
    /** network:router_interface, network:router_gateway, network:floatingip, network:dhcp, compute:nova, Octavia. */
    deviceOwner: p.device_owner ?? undefined,
    fixedIps: p.fixed_ips,
    status: p.status ?? undefined,
    securityGroupIds: p.security_groups,
    projectId: p.project_id ?? undefined,
  }));
export type Port = z.output<typeof portSchema>;

const securityGroupSchema = z
  .object({ id: z.string(), name: z.string().nullish(), description: z.string().nullish(), project_id: z.string().nullish() })
  .transform((g) => ({ id: g.id, name: g.name ?? '', description: g.description ?? undefined, projectId: g.project_id ?? undefined }));
export type SecurityGroup = z.output<typeof securityGroupSchema>;

interface Collection<T> {
  readonly path: string;
  readonly key: string;
  readonly what: string;
  readonly schema: z.ZodType<T>;
  /**
   * The attributes Neutron lets a list filter on (is_filter in the neutron_lib definitions).
   * Neutron (filter_validation, on by default since Rocky) answers any other with 400.
   */
  readonly filters: readonly string[];
}

const COMMON = ['id', 'project_id', 'tenant_id', 'description', 'tags'];
const NETWORKS: Collection<Network> = { path: '/networks', key: 'networks', what: 'network', schema: networkSchema, filters: [...COMMON, 'name', 'admin_state_up', 'shared', 'status', 'router:external'] };
const SUBNETS: Collection<Subnet> = { path: '/subnets', key: 'subnets', what: 'subnet', schema: subnetSchema, filters: [...COMMON, 'name', 'cidr', 'gateway_ip', 'ip_version', 'network_id', 'enable_dhcp'] };
const ROUTERS: Collection<Router> = { path: '/routers', key: 'routers', what: 'router', schema: routerSchema, filters: [...COMMON, 'name', 'admin_state_up'] };
const FLOATING_IPS: Collection<FloatingIp> = {
  path: '/floatingips', key: 'floatingips', what: 'floating IP', schema: floatingIpSchema,
  filters: [...COMMON, 'fixed_ip_address', 'floating_ip_address', 'floating_network_id', 'port_id', 'router_id', 'status'],
};
const PORTS: Collection<Port> = { path: '/ports', key: 'ports', what: 'port', schema: portSchema, filters: [...COMMON, 'name', 'device_id', 'device_owner', 'fixed_ips', 'mac_address', 'network_id', 'status'] };
// The URL says security-groups, the body key says security_groups.
const SECURITY_GROUPS: Collection<SecurityGroup> = { path: '/security-groups', key: 'security_groups', what: 'security group', schema: securityGroupSchema, filters: [...COMMON, 'name'] };

/** The filters each list accepts (exported for the tests that hold them to Neutron's). */
export const NEUTRON_LIST_FILTERS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  [NETWORKS, SUBNETS, ROUTERS, FLOATING_IPS, PORTS, SECURITY_GROUPS].map((c) => [c.path.slice(1), c.filters]),
);

/** Every page: Neutron pages when a deployment sets pagination_max_limit (or a client sends limit). */
async function list<T>(c: Collection<T>, s: AnySession, filters: NeutronFilters, signal: AbortSignal): Promise<T[]> {
  const unknown = Object.entries(filters).filter(([k, v]) => v !== undefined && !c.filters.includes(k)).map(([k]) => k);
  if (unknown.length) throw new CapiGateError('CAPI_GATE_INTERNAL', `list ${c.what}s: ${unknown.join(', ')} is not a Neutron filter (Neutron answers 400 to it)`);
  const schema = z.object({ [c.key]: z.array(c.schema), [`${c.key}_links`]: pageLinks });
  return allPages(`${c.what}s`, async (next) => {
    const res = await s.requestJson({ service: 'network', method: 'GET', path: c.path, query: { ...filters, ...next }, operation: `list ${c.what}s`, signal }, schema);
    const data = res.data as Record<string, unknown>;
    return { items: (data[c.key] as T[] | undefined) ?? [], next: nextFromLinks(data[`${c.key}_links`] as z.output<typeof pageLinks>) };
  });
}

async function remove(c: Collection<unknown>, s: AnySession, id: string, signal: AbortSignal): Promise<boolean> {
  const res = await s.request({
    service: 'network',
    method: 'DELETE',
    path: `${c.path}/${encodeURIComponent(id)}`,
    accept: [404],
    operation: `delete ${c.what}`,
    signal,
  });
  return res.status !== 404;
}

export const listNetworks = (s: AnySession, filters: NeutronFilters, signal: AbortSignal): Promise<Network[]> => list(NETWORKS, s, filters, signal);
export const listSubnets = (s: AnySession, filters: NeutronFilters, signal: AbortSignal): Promise<Subnet[]> => list(SUBNETS, s, filters, signal);
export const listRouters = (s: AnySession, filters: NeutronFilters, signal: AbortSignal): Promise<Router[]> => list(ROUTERS, s, filters, signal);
export const listFloatingIps = (s: AnySession, filters: NeutronFilters, signal: AbortSignal): Promise<FloatingIp[]> => list(FLOATING_IPS, s, filters, signal);
export const listPorts = (s: AnySession, filters: NeutronFilters, signal: AbortSignal): Promise<Port[]> => list(PORTS, s, filters, signal);
export const listSecurityGroups = (s: AnySession, filters: NeutronFilters, signal: AbortSignal): Promise<SecurityGroup[]> =>
  list(SECURITY_GROUPS, s, filters, signal);

export const deleteNetwork = (s: AnySession, id: string, signal: AbortSignal): Promise<boolean> => remove(NETWORKS, s, id, signal);
export const deleteSubnet = (s: AnySession, id: string, signal: AbortSignal): Promise<boolean> => remove(SUBNETS, s, id, signal);
export const deleteRouter = (s: AnySession, id: string, signal: AbortSignal): Promise<boolean> => remove(ROUTERS, s, id, signal);
export const deleteFloatingIp = (s: AnySession, id: string, signal: AbortSignal): Promise<boolean> => remove(FLOATING_IPS, s, id, signal);
export const deletePort = (s: AnySession, id: string, signal: AbortSignal): Promise<boolean> => remove(PORTS, s, id, signal);
export const deleteSecurityGroup = (s: AnySession, id: string, signal: AbortSignal): Promise<boolean> => remove(SECURITY_GROUPS, s, id, signal);

/** The one network with this name (e.g. provider-ext); undefined when none. */
export async function findNetworkByName(s: AnySession, name: string, signal: AbortSignal): Promise<Network | undefined> {
  const found = await listNetworks(s, { name }, signal);
  return found.find((n) => n.name === name);
}

/** PUT /routers/{id}/remove_router_interface with a subnet or a port (`openstack router remove subnet`). */
export async function removeRouterInterface(
  s: AnySession,
  routerId: string,
  target: { readonly subnetId: string } | { readonly portId: string },
  signal: AbortSignal,
): Promise<void> {
  await s.request({
    service: 'network',
    method: 'PUT',
    path: `/routers/${encodeURIComponent(routerId)}/remove_router_interface`,
    json: 'subnetId' in target ? { subnet_id: target.subnetId } : { port_id: target.portId },
    operation: 'remove router interface',
    signal,
  });
}

/** PUT /routers/{id} {"router":{"external_gateway_info":{}}} (`openstack router unset --external-gateway`). */
export async function unsetRouterGateway(s: AnySession, routerId: string, signal: AbortSignal): Promise<Router> {
  const res = await s.requestJson(
    {
      service: 'network',
      method: 'PUT',
      path: `/routers/${encodeURIComponent(routerId)}`,
      json: { router: { external_gateway_info: {} } },
      operation: 'unset router gateway',
      signal,
    },
    z.object({ router: routerSchema }),
  );
  return res.data.router;
}

export const neutron = {
  listNetworks,
  listSubnets,
  listRouters,
  listFloatingIps,
  listPorts,
  listSecurityGroups,
  deleteNetwork,
  deleteSubnet,
  deleteRouter,
  deleteFloatingIp,
  deletePort,
  deleteSecurityGroup,
  findNetworkByName,
  removeRouterInterface,
  unsetRouterGateway,
} as const;
export type NeutronClient = typeof neutron;
