// The simulated OpenStack cloud controller manager's load-balancer part, over a CloudPort: for a
// Service of type LoadBalancer, an Octavia LB named kube_service_<cluster>_<ns>_<name> on the
// cluster subnet with one listener per Service port (pool members: the nodes' addresses at the
// node port), then a floating IP from the external network on its VIP port. The kube simulator
// binds the floating IP's loopback mapping. Delete: the LB (cascade), then its floating IPs.

import type { LoadBalancerHooks } from '../kube/lb.js';
import { toLoopback } from '../loopback.js';
import type { CloudPort, SubnetRef } from './port.js';

export interface CcmCluster {
  /** The cloud as the cluster's application credential (the CCM's cloud-config). */
  cloud(): Promise<CloudPort>;
  /** The cluster's subnet (where the VIP goes); throws when the cluster has none. */
  subnet(): Promise<SubnetRef>;
  /** The external network's name or id (floating IPs come from it). */
  readonly externalNetwork: string;
  /** The nodes that back a Service (the pool members): their names where known, their fixed addresses. */
  members(): readonly { readonly name?: string; readonly address: string }[];
}

export function ccmLoadBalancerHooks(c: CcmCluster): LoadBalancerHooks {
  return {
    async create(req) {
      const cloud = await c.cloud();
      const subnet = await c.subnet();
      const existing = (await cloud.loadBalancersNamed(req.lbName)).find((x) => x.provisioningStatus !== 'PENDING_DELETE');
      if (existing) {
        const f = (await cloud.floatingIpsOfLoadBalancer(existing))[0];
        if (f) return { lbId: existing.id, ip: toLoopback(f.address) };
      }
      const ext = await cloud.externalNetwork(c.externalNetwork);
      const members = c.members();
      const lb = await cloud.createLoadBalancer({
        name: req.lbName, description: `Kubernetes external service ${req.namespace}/${req.name} from cluster ${req.clusterName}`, subnet,
        listeners: req.ports.map((p) => ({ protocol: 'TCP' as const, port: p.port, members: members.map((n) => ({ ...(n.name ? { name: n.name } : {}), address: n.address, port: p.nodePort })) })),
      });
      const fip = await cloud.createFloatingIpForLoadBalancer(ext, lb, `Floating IP for Kubernetes external service ${req.lbName}`);
      return { lbId: lb.id, ip: toLoopback(fip.address) };
    },
    async delete(lbId) {
      const cloud = await c.cloud();
      const lb = await cloud.loadBalancer(lbId);
      if (!lb) return;
      const fips = await cloud.floatingIpsOfLoadBalancer(lb);
      await cloud.deleteLoadBalancer(lb.id);
      for (const f of fips) await cloud.deleteFloatingIp(f.id);
    },
  };
}
