// Where the workload cluster's API LB is: CAPO names it k8s-clusterapi-cluster-<ns>-<stack_id>-kubeapi
// (api-notes §3.5; older CAPO: ...-<stack_id>-kubeapi), ns = magnum-<project id sanitized>.

import type { Cluster, LoadBalancer, OpenStack } from '../openstack/index.js';

export function capiNamespace(projectId: string): string {
  return `magnum-${projectId.toLowerCase().replace(/[^a-z0-9]/g, '')}`;
}

export async function findApiLoadBalancer(os: OpenStack, cluster: Cluster, signal: AbortSignal): Promise<LoadBalancer | undefined> {
  if (!cluster.stackId) return undefined;
  const exact = `k8s-clusterapi-cluster-${capiNamespace(os.projectId)}-${cluster.stackId}-kubeapi`;
  const byName = await os.octavia.listLoadBalancers(os.tenant, { name: exact }, signal);
  if (byName[0]) return byName[0];
  const all = await os.octavia.listLoadBalancers(os.tenant, { projectId: os.projectId }, signal);
  return all.find((lb) => lb.name.endsWith(`${cluster.stackId}-kubeapi`));
}

/** The floating IP on the LB's VIP port (the model's address, e.g. 10.12.7.180). */
export async function apiFloatingIp(os: OpenStack, lb: LoadBalancer, signal: AbortSignal): Promise<string | undefined> {
  if (!lb.vipPortId) return undefined;
  const fips = await os.neutron.listFloatingIps(os.tenant, { port_id: lb.vipPortId }, signal);
  return fips[0]?.floatingIpAddress;
}
