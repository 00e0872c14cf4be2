// What a workload cluster leaves in OpenStack when its delete wedges or the cloud controller's
// Service LBs are orphaned (a known upstream gap): everything CAPO named after the CAPI stack id
// (network, subnet, router, security groups, the API LB) and the CCM's kube_service_<cluster>_*
// LBs, with the floating IPs and ports hanging off them. listLeftovers is read-only; the delete
// functions go in dependency order and are idempotent (a resource already gone is success).

import type { LoadBalancer, OpenStack } from '../openstack/index.js';

export interface Leftovers {
  readonly loadBalancers: readonly LoadBalancer[];
  readonly floatingIps: readonly { id: string; address: string; portId?: string }[];
  readonly routers: readonly { id: string; name: string; gateway: boolean }[];
  readonly subnets: readonly { id: string; name: string; networkId: string }[];
  readonly networks: readonly { id: string; name: string }[];
  readonly ports: readonly { id: string; name: string; deviceOwner?: string; networkId: string }[];
  readonly securityGroups: readonly { id: string; name: string }[];
  /** What could not be checked (no Cinder client: volumes). */
  readonly unchecked: readonly string[];
}

export interface LeftoverScope {
  /** The CAPI stack id (Magnum stack_id): CAPO's names contain it. */
  readonly stackId?: string;
  /** The Magnum cluster name: the CCM's Service LBs are kube_service_<cluster>_<ns>_<svc>. */
  readonly clusterName: string;
}

export function leftoverCount(l: Leftovers): number {
  return l.loadBalancers.length + l.floatingIps.length + l.routers.length + l.subnets.length + l.networks.length + l.ports.length + l.securityGroups.length;
}

export function describeLeftovers(l: Leftovers): string[] {
  return [
    ...l.loadBalancers.map((x) => `load balancer ${x.name} ${x.id} (${x.provisioningStatus})`),
    ...l.floatingIps.map((x) => `floating IP ${x.address} ${x.id}`),
    ...l.routers.map((x) => `router ${x.name} ${x.id}`),
    ...l.ports.map((x) => `port ${x.name || x.id} ${x.deviceOwner ?? ''}`.trim()),
    ...l.subnets.map((x) => `subnet ${x.name} ${x.id}`),
    ...l.networks.map((x) => `network ${x.name} ${x.id}`),
    ...l.securityGroups.map((x) => `security group ${x.name} ${x.id}`),
  ];
}

export function serviceLbPrefix(clusterName: string): string {
  return `kube_service_${clusterName}_`;
}

export async function listLeftovers(os: OpenStack, scope: LeftoverScope, signal: AbortSignal): Promise<Leftovers> {
  const mine = (name: string) => (scope.stackId ? name.includes(scope.stackId) : false);
  const project = { project_id: os.projectId };
  const [lbs, networks, routers, groups] = await Promise.all([
    os.octavia.listLoadBalancers(os.tenant, { projectId: os.projectId }, signal),
    os.neutron.listNetworks(os.tenant, project, signal),
    os.neutron.listRouters(os.tenant, project, signal),
    os.neutron.listSecurityGroups(os.tenant, project, signal),
  ]);
  const loadBalancers = lbs.filter((lb) => lb.provisioningStatus !== 'DELETED' && (mine(lb.name) || lb.name.startsWith(serviceLbPrefix(scope.clusterName))));
  const nets = networks.filter((n) => mine(n.name));
  const netIds = new Set(nets.map((n) => n.id));
  const [subnets, ports, fips] = await Promise.all([
    os.neutron.listSubnets(os.tenant, project, signal),
    os.neutron.listPorts(os.tenant, project, signal),
    os.neutron.listFloatingIps(os.tenant, project, signal),
  ]);
  const lbPorts = new Set(loadBalancers.map((lb) => lb.vipPortId).filter((x): x is string => Boolean(x)));
  const clusterPorts = ports.filter((p) => netIds.has(p.networkId));
  const portIds = new Set([...clusterPorts.map((p) => p.id), ...lbPorts]);
  return {
    loadBalancers,
    floatingIps: fips.filter((f) => f.portId && portIds.has(f.portId)).map((f) => ({ id: f.id, address: f.floatingIpAddress, ...(f.portId ? { portId: f.portId } : {}) })),
    routers: routers.filter((r) => mine(r.name)).map((r) => ({ id: r.id, name: r.name, gateway: Boolean(r.externalGateway?.networkId) })),
    subnets: subnets.filter((s) => netIds.has(s.networkId)).map((s) => ({ id: s.id, name: s.name, networkId: s.networkId })),
    networks: nets.map((n) => ({ id: n.id, name: n.name })),
    // Router interfaces and DHCP ports go with their router / network; the rest must be deleted.
    ports: clusterPorts
      .filter((p) => p.deviceOwner !== 'network:router_interface' && p.deviceOwner !== 'network:dhcp' && p.deviceOwner !== 'network:router_gateway')
      .map((p) => ({ id: p.id, name: p.name, networkId: p.networkId, ...(p.deviceOwner ? { deviceOwner: p.deviceOwner } : {}) })),
    securityGroups: groups.filter((g) => mine(g.name)).map((g) => ({ id: g.id, name: g.name })),
    unchecked: ['volumes (no Cinder client: check `openstack volume list` for the cluster\'s PVC volumes)'],
  };
}

export interface SweepAction {
  readonly action: string;
  readonly ok: boolean;
}

/**
 * Deletes load balancers (cascade), each after the floating IPs on its VIP port: the cascade
 * removes the VIP port and would leave its floating IP behind, unattached and unattributable.
 */
export async function deleteLoadBalancers(os: OpenStack, lbs: readonly LoadBalancer[], say: (m: string) => void, signal: AbortSignal): Promise<SweepAction[]> {
  const out: SweepAction[] = [];
  for (const lb of lbs) {
    const fips = lb.vipPortId ? await os.neutron.listFloatingIps(os.tenant, { port_id: lb.vipPortId }, signal) : [];
    for (const f of fips) {
      say(`deleting floating IP ${f.floatingIpAddress} of load balancer ${lb.name}`);
      try {
        await os.neutron.deleteFloatingIp(os.tenant, f.id, signal);
        out.push({ action: `floating ip delete ${f.floatingIpAddress} (on ${lb.name})`, ok: true });
      } catch (e) {
        out.push({ action: `floating ip delete ${f.floatingIpAddress}: ${(e as Error).message.split('\n')[0] ?? ''}`, ok: false });
      }
    }
    say(`deleting load balancer ${lb.name} ${lb.id} (cascade)`);
    try {
      await os.octavia.deleteLoadBalancer(os.tenant, lb.id, { cascade: true }, signal);
      out.push({ action: `loadbalancer delete --cascade ${lb.id} (${lb.name})`, ok: true });
    } catch (e) {
      out.push({ action: `loadbalancer delete --cascade ${lb.id} (${lb.name}): ${(e as Error).message.split('\n')[0] ?? ''}`, ok: false });
    }
  }
  return out;
}

/**
 * The runbook's manual Neutron cleanup, in dependency order: floating IPs, ports, router remove
 * subnet, router unset external gateway, router delete, subnet, network, security groups.
 */
export async function deleteNeutronLeftovers(os: OpenStack, l: Leftovers, say: (m: string) => void, signal: AbortSignal): Promise<SweepAction[]> {
  const out: SweepAction[] = [];
  const step = async (action: string, fn: () => Promise<unknown>): Promise<void> => {
    say(action);
    try {
      await fn();
      out.push({ action, ok: true });
    } catch (e) {
      out.push({ action: `${action}: ${(e as Error).message.split('\n')[0] ?? ''}`, ok: false });
    }
  };
  for (const f of l.floatingIps) await step(`floating ip delete ${f.address}`, () => os.neutron.deleteFloatingIp(os.tenant, f.id, signal));
  for (const p of l.ports) await step(`port delete ${p.id}`, () => os.neutron.deletePort(os.tenant, p.id, signal));
  for (const r of l.routers) {
    for (const s of l.subnets) {
      await step(`router remove subnet ${r.name} ${s.name || s.id}`, () =>
        os.neutron.removeRouterInterface(os.tenant, r.id, { subnetId: s.id }, signal).catch((e: unknown) => {
          // Not attached (already removed, or never was): nothing to do.
          if ((e as { status?: number }).status === 404) return;
          throw e;
        }));
    }
    if (r.gateway) await step(`router unset --external-gateway ${r.name}`, () => os.neutron.unsetRouterGateway(os.tenant, r.id, signal));
    await step(`router delete ${r.name}`, () => os.neutron.deleteRouter(os.tenant, r.id, signal));
  }
  for (const s of l.subnets) await step(`subnet delete ${s.name || s.id}`, () => os.neutron.deleteSubnet(os.tenant, s.id, signal));
  for (const n of l.networks) await step(`network delete ${n.name}`, () => os.neutron.deleteNetwork(os.tenant, n.id, signal));
  for (const g of l.securityGroups) await step(`security group delete ${g.name}`, () => os.neutron.deleteSecurityGroup(os.tenant, g.id, signal));
  return out;
}
