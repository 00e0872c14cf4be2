// The sources of the failure diagnostics bundle (src/report/diagnostics.ts), read-only, from the
// clients: Magnum status_reason / health_status_reason, the cluster's load balancers and their
// amphorae (admin scope), the CAPI objects on the management cluster (Cluster, OpenStackCluster,
// Machines) when it is configured, and the workload cluster's events of every namespace and the
// failing pods' log tails (the previous container's too, for a restarting one) once it has a
// kubeconfig.

import { KubeClient, kubeconfigUsable, podRow } from '../kube/index.js';
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
    workload: async (signal) => {
      const path = ctx.services.kube.workloadKubeconfig ?? ctx.captured(CAPTURED.kubeconfig);
      if (!path || !kubeconfigUsable(path)) return { unavailable: 'no usable workload kubeconfig (8.3 makes one once the cluster is CREATE_COMPLETE)' };
      const kube = KubeClient.fromFile(path);
      const [events, pods] = await Promise.all([kube.listEvents(undefined, signal), kube.listPods(signal)]);
      // The latest 60 of every namespace, warnings first: what `kubectl get events -A` would show.
      const ev = events
        .map((e) => ({ namespace: e.metadata?.namespace ?? '', type: e.type ?? '', reason: e.reason ?? '', object: `${(e.involvedObject.kind ?? '').toLowerCase()}/${e.involvedObject.name ?? ''}`, source: [e.source?.component, e.source?.host].filter(Boolean).join(', '), count: e.count ?? 1, last: String(e.lastTimestamp ?? e.eventTime ?? ''), message: e.message ?? '' }))
        .sort((a, b) => Number(b.type === 'Warning') - Number(a.type === 'Warning') || b.last.localeCompare(a.last))
        .slice(0, 60);
      // The failing pods (not Running/Succeeded, not ready, or restarting), in any namespace, and the tail of their logs.
      // Crash-looping and restarting ones first: their logs say why; a Pending pod has none yet.
      const rank = (r: ReturnType<typeof podRow>) => (r.restarts > 0 || r.waiting.some((w) => w !== 'ContainerCreating') ? 0 : r.phase === 'Running' ? 1 : 2);
      const failing = pods.map((p) => ({ p, row: podRow(p) }))
        .filter(({ row }) => (row.phase !== 'Succeeded' && !row.allReady) || row.restarts > 0 || row.waiting.length > 0)
        .sort((a, b) => rank(a.row) - rank(b.row))
        .slice(0, 10);
      const tail = (ns: string, pod: string, c: string, previous: boolean) => kube.readPodLog(ns, pod, signal, { container: c, tailLines: 50, previous }).catch((e: unknown) => `(no log: ${e instanceof Error ? e.message.split('\n')[0] ?? '' : String(e)})`);
      const logs = await Promise.all(failing.map(async ({ p, row }) => {
        const containers = (p.spec?.containers ?? []).map((c) => c.name);
        const out: Record<string, string> = {};
        const previous: Record<string, string> = {};
        for (const c of containers.slice(0, 3)) {
          out[c] = await tail(row.namespace, row.name, c, false);
          if (row.restarts > 0) previous[c] = await tail(row.namespace, row.name, c, true);
        }
        return { namespace: row.namespace, pod: row.name, status: row.status, ready: row.ready, restarts: row.restarts, node: row.node, logs: out, ...(Object.keys(previous).length ? { previousLogs: previous } : {}) };
      }));
      return { events: ev, failingPods: logs };
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
      // Machines: their phase (Deleting under stuck-delete), node and what is not True
      for (const m of (await mgmt.machines?.(os.projectId, signal, c?.stackId ?? undefined)) ?? []) out.push({ kind: 'Machine', ...m });
      return out;
    },
  };
}
