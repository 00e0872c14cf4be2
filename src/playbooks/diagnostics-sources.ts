// The sources of the failure diagnostics bundle (src/report/diagnostics.ts), read-only, from the
// clients: Magnum status_reason / health_status_reason, the cluster's load balancers and their
// amphorae (admin scope), and the CAPI objects on the management cluster when it is configured.

import type { DiagnosticsSources } from '../report/diagnostics.js';
import { CAPTURED } from '../report/captured-keys.js';
import { listLeftovers } from './leftovers.js';
import type { PlaybookContext } from './playbook.js';
import { managementOf } from './stuck-delete.js';

export function diagnosticsSources(ctx: PlaybookContext): DiagnosticsSources {
  const name = ctx.site.site.cluster.name;
  const cluster = async (signal: AbortSignal) => {
    const os = await ctx.services.openstack(signal);
    return os.magnum.findCluster(os.tenant, ctx.captured(CAPTURED.clusterUuid) ?? name, signal);
  };
  const lbs = async (signal: AbortSignal) => {
    const os = await ctx.services.openstack(signal);
    const c = await cluster(signal);
    const stackId = c?.stackId ?? ctx.captured(CAPTURED.capiSuffix);
    return (await listLeftovers(os, { ...(stackId ? { stackId } : {}), clusterName: name }, signal)).loadBalancers;
  };
  return {
    cluster: async (signal) => {
      const c = await cluster(signal);
      return c ? { name: c.name, uuid: c.uuid, status: c.status, statusReason: c.statusReason, healthStatus: c.healthStatus, healthStatusReason: c.healthStatusReason, faults: c.faults, stackId: c.stackId } : undefined;
    },
    loadBalancers: async (signal) => (await lbs(signal)).map((lb) => ({ id: lb.id, name: lb.name, provisioningStatus: lb.provisioningStatus, operatingStatus: lb.operatingStatus, vip: lb.vipAddress })),
    amphorae: async (signal) => {
      const os = await ctx.services.openstack(signal);
      const out: Record<string, unknown>[] = [];
      for (const lb of await lbs(signal)) {
        for (const a of await os.octavia.listAmphorae(os.admin, { loadbalancerId: lb.id }, signal)) out.push({ loadbalancer: lb.id, ...a });
      }
      return out;
    },
    capiObjects: async (signal) => {
      const mgmt = managementOf(ctx);
      if (!mgmt) return [{ unavailable: 'management cluster not configured (site managementCluster.kubeconfig)' }];
      const os = await ctx.services.openstack(signal);
      const c = await cluster(signal);
      const out: Record<string, unknown>[] = (await mgmt.clusters(os.projectId, signal)).map((x) => ({ kind: 'Cluster', ...x }));
      if (c?.stackId) {
        const osc = await mgmt.openStackCluster(os.projectId, c.stackId, signal);
        if (osc) out.push({ kind: 'OpenStackCluster', ...osc });
      }
      return out;
    },
  };
}
