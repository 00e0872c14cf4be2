// Management-cluster access (site.managementCluster.kubeconfig): the CAPI objects of a
// workload cluster in namespace magnum-<project id> (api-notes §3.5), read for diagnosis and
// patched only by the stuck-delete remedy.

import { KubeClient } from './client.js';

export const CAPI = {
  cluster: { group: 'cluster.x-k8s.io', version: 'v1beta1', plural: 'clusters' },
  openStackCluster: { group: 'infrastructure.cluster.x-k8s.io', version: 'v1beta1', plural: 'openstackclusters' },
  machineDeployment: { group: 'cluster.x-k8s.io', version: 'v1beta1', plural: 'machinedeployments' },
  kubeadmControlPlane: { group: 'controlplane.cluster.x-k8s.io', version: 'v1beta1', plural: 'kubeadmcontrolplanes' },
  machine: { group: 'cluster.x-k8s.io', version: 'v1beta1', plural: 'machines' },
} as const;

/** What `kubectl get machines` shows, and why a Machine is not Running (its conditions that are not True). */
export interface MachineSummary extends CapiObjectSummary {
  readonly cluster: string;
  readonly nodeName?: string;
  readonly providerID?: string;
  readonly version?: string;
  readonly conditions: readonly string[];
}

/** magnum-capi-helm driver_utils.cluster_namespace. */
export function capiNamespace(projectId: string): string {
  return `magnum-${projectId.toLowerCase().replace(/[^a-z0-9]/g, '')}`;
}

export interface CapiObjectSummary {
  readonly name: string;
  readonly finalizers: readonly string[];
  readonly deleting: boolean;
  readonly phase?: string;
}

export interface ApiServerLoadBalancer {
  readonly id?: string;
  readonly ip?: string;
  readonly internalIP?: string;
  readonly name?: string;
}

function summary(o: Record<string, unknown>): CapiObjectSummary {
  const md = (o.metadata ?? {}) as { name?: string; finalizers?: string[]; deletionTimestamp?: string };
  const phase = (o.status as { phase?: string } | undefined)?.phase;
  return { name: md.name ?? '?', finalizers: md.finalizers ?? [], deleting: !!md.deletionTimestamp, ...(phase ? { phase } : {}) };
}

export class ManagementClient {
  constructor(readonly client: KubeClient) {}

  static fromFile(path: string): ManagementClient {
    return new ManagementClient(KubeClient.fromFile(path));
  }

  async clusters(projectId: string, signal: AbortSignal): Promise<CapiObjectSummary[]> {
    const r = await this.client.listCustom(CAPI.cluster.group, CAPI.cluster.version, CAPI.cluster.plural, capiNamespace(projectId), signal);
    return r.items.map(summary);
  }

  async openStackCluster(projectId: string, stackId: string, signal: AbortSignal): Promise<(CapiObjectSummary & { apiServerLoadBalancer?: ApiServerLoadBalancer }) | undefined> {
    const o = await this.client.getCustom(CAPI.openStackCluster.group, CAPI.openStackCluster.version, CAPI.openStackCluster.plural, capiNamespace(projectId), stackId, signal);
    if (!o) return undefined;
    const lb = (o.status as { apiServerLoadBalancer?: ApiServerLoadBalancer } | undefined)?.apiServerLoadBalancer;
    return { ...summary(o), ...(lb ? { apiServerLoadBalancer: lb } : {}) };
  }

  /** The Machines of a cluster (by its CAPI name, the Magnum stack_id); all of the project's when omitted. */
  async machines(projectId: string, signal: AbortSignal, stackId?: string): Promise<MachineSummary[]> {
    const r = await this.client.listCustom(CAPI.machine.group, CAPI.machine.version, CAPI.machine.plural, capiNamespace(projectId), signal);
    return r.items
      .filter((o) => !stackId || ((o.spec as { clusterName?: string } | undefined)?.clusterName ?? '') === stackId)
      .map((o) => {
        const spec = (o.spec ?? {}) as { clusterName?: string; providerID?: string; version?: string };
        const st = (o.status ?? {}) as { nodeRef?: { name?: string }; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
        return {
          ...summary(o), cluster: spec.clusterName ?? '',
          ...(st.nodeRef?.name ? { nodeName: st.nodeRef.name } : {}), ...(spec.providerID ? { providerID: spec.providerID } : {}), ...(spec.version ? { version: spec.version } : {}),
          conditions: (st.conditions ?? []).filter((c) => c.status !== 'True').map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}`),
        };
      });
  }

  /** Appendix-A stuck-delete: empty OpenStackCluster's finalizers (the Cluster follows). Only on --remediate. */
  async clearOpenStackClusterFinalizers(projectId: string, stackId: string, signal: AbortSignal): Promise<void> {
    await this.client.mergePatchCustom(CAPI.openStackCluster.group, CAPI.openStackCluster.version, CAPI.openStackCluster.plural, capiNamespace(projectId), stackId, { metadata: { finalizers: [] } }, signal);
  }
}
