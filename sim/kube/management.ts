// The management cluster the magnum-capi-helm driver talks to: the CAPI objects of each
// workload cluster in namespace magnum-<project id> (api-notes §3.5), with the finalizers the
// appendix-A stuck-delete playbook clears. Emptying OpenStackCluster's finalizers while it is
// being deleted removes it, and the Cluster follows (the runbook's "the Cluster auto-follows").

import type { SimClock } from '../clock.js';
import { Rng } from '../rand.js';
import { CAPI_RESOURCES, CORE_RESOURCES } from './resources.js';
import type { ApiBackend } from './apiserver.js';
import { KubeStore } from './store.js';
import type { KObject } from './store.js';

export const OSC_FINALIZER = 'openstackcluster.infrastructure.cluster.x-k8s.io';
export const CLUSTER_FINALIZER = 'cluster.cluster.x-k8s.io';

/** magnum-capi-helm's driver_utils.cluster_namespace: "magnum-" + the project id, lower-cased, [a-z0-9] only. */
export function capiNamespace(projectId: string): string {
  return `magnum-${projectId.toLowerCase().replace(/[^a-z0-9]/g, '')}`;
}

export interface CapiClusterSpec {
  readonly projectId: string;
  readonly userId?: string;
  readonly clusterUuid: string;
  /** The Magnum stack_id: sanitized(name)[:30] + "-" + 12 random characters. */
  readonly stackId: string;
  readonly kubeVersion: string;
  readonly masterCount: number;
  readonly nodeCount: number;
  /** OpenStackCluster.status.apiServerLoadBalancer */
  readonly apiLb?: { readonly id: string; readonly ip: string; readonly internalIP: string };
  /** The workload kubeconfig CAPI stores in <stack_id>-kubeconfig (key `value`). */
  readonly kubeconfig?: string;
}

export class ManagementCluster implements ApiBackend {
  readonly store: KubeStore;
  readonly kubeVersion: string;
  private readonly rng: Rng;

  constructor(readonly clock: SimClock, opts: { kubeVersion?: string; seed?: number } = {}) {
    this.kubeVersion = opts.kubeVersion ?? 'v1.31.6';
    this.rng = new Rng(opts.seed ?? 0x6d676d74);
    this.store = new KubeStore([...CORE_RESOURCES, ...CAPI_RESOURCES], () => clock.now(), () => this.rng.uuid());
    for (const ns of ['default', 'kube-system', 'capi-system', 'capo-system']) {
      this.store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: this.meta(ns), status: { phase: 'Active' } });
    }
  }

  now(): number {
    return this.clock.now();
  }

  private meta(name: string, ns?: string, labels?: Record<string, string>, finalizers?: string[]): KObject['metadata'] {
    return { name, ...(ns ? { namespace: ns } : {}), uid: '', resourceVersion: '', creationTimestamp: '', ...(labels ? { labels } : {}), ...(finalizers ? { finalizers } : {}) };
  }

  /** Adds the CAPI objects of one workload cluster (what the driver's Helm release creates). */
  addCluster(c: CapiClusterSpec): void {
    const ns = capiNamespace(c.projectId);
    if (!this.store.get('namespaces', undefined, ns)) this.store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: this.meta(ns), status: { phase: 'Active' } });
    const labels = {
      'magnum.openstack.org/project-id': c.projectId, 'magnum.openstack.org/user-id': c.userId ?? '', 'magnum.openstack.org/cluster-uuid': c.clusterUuid,
      'cluster.x-k8s.io/cluster-name': c.stackId, 'capi.stackhpc.com/cluster': c.stackId, 'app.kubernetes.io/managed-by': 'Helm',
    };
    const s = c.stackId;
    this.store.create('cluster.x-k8s.io/clusters', {
      apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Cluster', metadata: this.meta(s, ns, labels, [CLUSTER_FINALIZER]),
      spec: {
        clusterNetwork: { pods: { cidrBlocks: ['172.16.0.0/13'] }, services: { cidrBlocks: ['172.24.0.0/13'] } },
        controlPlaneRef: { apiVersion: 'controlplane.cluster.x-k8s.io/v1beta1', kind: 'KubeadmControlPlane', name: `${s}-control-plane`, namespace: ns },
        infrastructureRef: { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'OpenStackCluster', name: s, namespace: ns },
        ...(c.apiLb ? { controlPlaneEndpoint: { host: c.apiLb.ip, port: 6443 } } : {}),
      },
      status: { phase: 'Provisioned', infrastructureReady: true, controlPlaneReady: true, observedGeneration: 1 },
    });
    this.store.create('infrastructure.cluster.x-k8s.io/openstackclusters', {
      apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'OpenStackCluster', metadata: this.meta(s, ns, labels, [OSC_FINALIZER]),
      spec: { apiServerLoadBalancer: { enabled: true }, managedSecurityGroups: { allowAllInClusterTraffic: true }, externalNetwork: { filter: { name: 'provider-ext' } }, identityRef: { cloudName: 'openstack', name: `${s}-cloud-credentials` } },
      status: {
        ready: true,
        ...(c.apiLb ? { apiServerLoadBalancer: { name: `k8s-clusterapi-cluster-${ns}-${s}-kubeapi`, id: c.apiLb.id, ip: c.apiLb.ip, internalIP: c.apiLb.internalIP, allowedCIDRs: [] } } : {}),
      },
    });
    this.store.create('controlplane.cluster.x-k8s.io/kubeadmcontrolplanes', {
      apiVersion: 'controlplane.cluster.x-k8s.io/v1beta1', kind: 'KubeadmControlPlane', metadata: this.meta(`${s}-control-plane`, ns, labels),
      spec: { replicas: c.masterCount, version: c.kubeVersion },
      status: { replicas: c.masterCount, readyReplicas: c.masterCount, updatedReplicas: c.masterCount, initialized: true, ready: true, version: c.kubeVersion },
    });
    this.store.create('cluster.x-k8s.io/machinedeployments', {
      apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'MachineDeployment', metadata: this.meta(`${s}-default-worker`, ns, { ...labels, 'capi.stackhpc.com/component': 'worker', 'capi.stackhpc.com/node-group': 'default-worker' }),
      spec: { clusterName: s, replicas: c.nodeCount, template: { spec: { clusterName: s, version: c.kubeVersion } } },
      status: { phase: 'Running', replicas: c.nodeCount, readyReplicas: c.nodeCount, availableReplicas: c.nodeCount, updatedReplicas: c.nodeCount },
    });
    for (const suffix of ['ca', 'etcd', 'proxy', 'sa']) {
      this.store.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: this.meta(`${s}-${suffix}`, ns, { 'cluster.x-k8s.io/cluster-name': s }), type: 'cluster.x-k8s.io/secret', data: {} });
    }
    this.store.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: this.meta(`${s}-cloud-credentials`, ns, labels), type: 'Opaque', data: {} });
    if (c.kubeconfig) {
      this.store.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: this.meta(`${s}-kubeconfig`, ns, { 'cluster.x-k8s.io/cluster-name': s }), type: 'cluster.x-k8s.io/secret', data: { value: Buffer.from(c.kubeconfig).toString('base64') } });
    }
  }

  /**
   * Magnum's delete: the Helm release goes, the Cluster and OpenStackCluster get a
   * deletionTimestamp. Unless `stuck` (CAPO cannot delete the LB: the frozen app-cred 403 of
   * appendix-A stuck-delete), CAPO releases its finalizer after cleanupMs and both objects go.
   */
  beginDelete(projectId: string, stackId: string, opts: { stuck?: boolean; cleanupMs?: number } = {}): void {
    const ns = capiNamespace(projectId);
    const ts = this.store.timestamp();
    for (const key of ['cluster.x-k8s.io/clusters', 'infrastructure.cluster.x-k8s.io/openstackclusters']) {
      const o = this.store.peek(key, ns, stackId);
      if (!o || o.metadata.deletionTimestamp) continue;
      o.metadata.deletionTimestamp = ts;
      o.metadata.deletionGracePeriodSeconds = 0;
      this.store.update(key, o);
    }
    for (const key of ['controlplane.cluster.x-k8s.io/kubeadmcontrolplanes', 'cluster.x-k8s.io/machinedeployments']) {
      for (const o of this.store.peekAll(key, ns)) if (o.metadata.labels?.['cluster.x-k8s.io/cluster-name'] === stackId) this.store.remove(key, ns, o.metadata.name);
    }
    if (opts.stuck) return;
    this.clock.after(opts.cleanupMs ?? 60_000, 'capo: openstackcluster cleaned up', () => this.releaseOpenStackCluster(ns, stackId));
  }

  /** CAPO finished (Magnum reports the cluster gone): the finalizer goes, so do the objects. */
  release(projectId: string, stackId: string): void {
    this.releaseOpenStackCluster(capiNamespace(projectId), stackId);
  }

  /** Whether the cluster's CAPI objects are here (added once Magnum built it). */
  has(projectId: string, stackId: string): boolean {
    return this.store.peek('cluster.x-k8s.io/clusters', capiNamespace(projectId), stackId) !== undefined;
  }

  /** Called when an OpenStackCluster being deleted goes (its finalizers cleared), with its namespace and name. */
  onOpenStackClusterGone?: (namespace: string, name: string) => void;

  private releaseOpenStackCluster(ns: string, stackId: string): void {
    const key = 'infrastructure.cluster.x-k8s.io/openstackclusters';
    const o = this.store.peek(key, ns, stackId);
    if (!o) return;
    o.metadata.finalizers = [];
    const gone = this.store.remove(key, ns, stackId);
    if (gone) this.onRemoved(key, gone);
  }

  /** The Cluster follows its OpenStackCluster; the secrets follow the Cluster. */
  onRemoved(key: string, obj: KObject): void {
    if (key !== 'infrastructure.cluster.x-k8s.io/openstackclusters') return;
    const ns = obj.metadata.namespace;
    if (ns) this.onOpenStackClusterGone?.(ns, obj.metadata.name);
    const cl = this.store.peek('cluster.x-k8s.io/clusters', ns, obj.metadata.name);
    if (cl?.metadata.deletionTimestamp) {
      this.store.remove('cluster.x-k8s.io/clusters', ns, obj.metadata.name);
      for (const s of this.store.peekAll('secrets', ns)) if (s.metadata.name.startsWith(`${obj.metadata.name}-`)) this.store.remove('secrets', ns, s.metadata.name);
    }
  }
}
