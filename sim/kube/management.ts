// The management cluster the magnum-capi-helm driver talks to: the CAPI objects of each
// workload cluster in namespace magnum-<project id> (api-notes §3.5) as the openstack-cluster
// chart and the CAPI controllers keep them: Cluster, OpenStackCluster, KubeadmControlPlane,
// MachineDeployment -> MachineSet, one Machine + OpenStackMachine per Nova server (phases
// Provisioning .. Running .. Deleting), the `<cluster>-kubeconfig` Secret CAPI writes (what
// `clusterctl get kubeconfig` reads), with the finalizers the appendix-A stuck-delete playbook
// clears. During a delete the worker Machines go with their servers; a control-plane Machine
// stays Deleting while CAPO cannot remove its API load-balancer member (the frozen app-cred's
// Octavia 403). Emptying OpenStackCluster's finalizers while it is being deleted removes it, and
// the Cluster and what it owns follow (the runbook's "the Cluster auto-follows").

import type { SimClock } from '../clock.js';
import { Rng } from '../rand.js';
import { CAPI_RESOURCES, CORE_RESOURCES, CRD_RESOURCE, MONITORING_RESOURCES, crdFor } from './resources.js';
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
  /** The Nova servers CAPO built for it (one Machine each). */
  readonly machines?: readonly MachineSeed[];
  /** Neutron network CAPO made (OpenStackCluster.status.network). */
  readonly network?: { readonly id: string; readonly name: string };
}

export interface MachineSeed {
  readonly name: string;
  readonly role: 'control-plane' | 'worker';
  readonly serverId: string;
  readonly ip?: string;
  /** Nova's status: BUILD -> Provisioning, ACTIVE -> Running (once the cluster is built). */
  readonly serverStatus?: string;
}

export const MACHINE_FINALIZER = 'machine.cluster.x-k8s.io';
export const OSM_FINALIZER = 'openstackmachine.infrastructure.cluster.x-k8s.io';
const KCP_FINALIZER = 'kubeadm.controlplane.cluster.x-k8s.io';
const MD_FINALIZER = 'cluster.x-k8s.io/machinedeployment';

export class ManagementCluster implements ApiBackend {
  readonly store: KubeStore;
  readonly kubeVersion: string;
  private readonly rng: Rng;

  constructor(readonly clock: SimClock, opts: { kubeVersion?: string; seed?: number } = {}) {
    this.kubeVersion = opts.kubeVersion ?? 'v1.31.6';
    this.rng = new Rng(opts.seed ?? 0x6d676d74);
    // The custom kinds come from CRDs, as on a real management cluster: CAPI/CAPO/the addon provider's,
    // and the Prometheus Operator's, which deploy/'s ServiceMonitor and PrometheusRule need.
    this.store = new KubeStore([...CORE_RESOURCES, CRD_RESOURCE, ...CAPI_RESOURCES, ...MONITORING_RESOURCES], () => clock.now(), () => this.rng.uuid());
    for (const ns of ['default', 'kube-system', 'capi-system', 'capo-system']) {
      this.store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: this.meta(ns), status: { phase: 'Active' } });
    }
    for (const d of [...CAPI_RESOURCES, ...MONITORING_RESOURCES]) this.store.create('apiextensions.k8s.io/customresourcedefinitions', crdFor(d) as unknown as KObject);
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
      status: {
        phase: 'Provisioned', infrastructureReady: true, controlPlaneReady: true, observedGeneration: 1,
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: this.store.timestamp() }, { type: 'ControlPlaneInitialized', status: 'True', lastTransitionTime: this.store.timestamp() }, { type: 'ControlPlaneReady', status: 'True', lastTransitionTime: this.store.timestamp() }, { type: 'InfrastructureReady', status: 'True', lastTransitionTime: this.store.timestamp() }],
      },
    });
    this.store.create('infrastructure.cluster.x-k8s.io/openstackclusters', {
      apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'OpenStackCluster', metadata: this.meta(s, ns, labels, [OSC_FINALIZER]),
      spec: { apiServerLoadBalancer: { enabled: true }, managedSecurityGroups: { allowAllInClusterTraffic: true }, externalNetwork: { filter: { name: 'provider-ext' } }, identityRef: { cloudName: 'openstack', name: `${s}-cloud-credentials` }, ...(c.apiLb ? { controlPlaneEndpoint: { host: c.apiLb.ip, port: 6443 } } : {}) },
      status: {
        ready: true,
        ...(c.network ? { network: { id: c.network.id, name: c.network.name } } : {}),
        ...(c.apiLb ? { apiServerLoadBalancer: { name: `k8s-clusterapi-cluster-${ns}-${s}-kubeapi`, id: c.apiLb.id, ip: c.apiLb.ip, internalIP: c.apiLb.internalIP, allowedCIDRs: [] } } : {}),
      },
    });
    const kcp = this.store.create('controlplane.cluster.x-k8s.io/kubeadmcontrolplanes', {
      apiVersion: 'controlplane.cluster.x-k8s.io/v1beta1', kind: 'KubeadmControlPlane', metadata: this.meta(`${s}-control-plane`, ns, { ...labels, 'capi.stackhpc.com/component': 'control-plane' }, [KCP_FINALIZER]),
      spec: {
        replicas: c.masterCount, version: c.kubeVersion,
        machineTemplate: { infrastructureRef: { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'OpenStackMachineTemplate', name: `${s}-control-plane-${this.rng.hex(8)}`, namespace: ns } },
        kubeadmConfigSpec: { clusterConfiguration: { clusterName: s, networking: { podSubnet: '172.16.0.0/13', serviceSubnet: '172.24.0.0/13' } } },
      },
      status: { selector: `cluster.x-k8s.io/cluster-name=${s},cluster.x-k8s.io/control-plane`, replicas: 0, readyReplicas: 0, updatedReplicas: 0, unavailableReplicas: 0, initialized: true, ready: true, version: c.kubeVersion, observedGeneration: 1 },
    });
    const mdName = `${s}-default-worker`;
    const mdLabels = { ...labels, 'capi.stackhpc.com/component': 'worker', 'capi.stackhpc.com/node-group': 'default-worker' };
    const md = this.store.create('cluster.x-k8s.io/machinedeployments', {
      apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'MachineDeployment', metadata: this.meta(mdName, ns, mdLabels, [MD_FINALIZER]),
      spec: { clusterName: s, replicas: c.nodeCount, selector: { matchLabels: { 'cluster.x-k8s.io/cluster-name': s, 'cluster.x-k8s.io/deployment-name': mdName } }, template: { metadata: { labels: { 'cluster.x-k8s.io/cluster-name': s, 'cluster.x-k8s.io/deployment-name': mdName } }, spec: { clusterName: s, version: c.kubeVersion } } },
      status: { phase: 'ScalingUp', replicas: 0, readyReplicas: 0, availableReplicas: 0, updatedReplicas: 0, unavailableReplicas: c.nodeCount, observedGeneration: 1, selector: `cluster.x-k8s.io/cluster-name=${s},cluster.x-k8s.io/deployment-name=${mdName}` },
    });
    const msName = `${mdName}-${this.rng.suffix(5)}`;
    this.store.create('cluster.x-k8s.io/machinesets', {
      apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'MachineSet', metadata: { ...this.meta(msName, ns, { ...mdLabels, 'cluster.x-k8s.io/deployment-name': mdName }), ownerReferences: [{ apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'MachineDeployment', name: mdName, uid: md.metadata.uid, controller: true, blockOwnerDeletion: true }] },
      spec: { clusterName: s, replicas: c.nodeCount, selector: { matchLabels: { 'cluster.x-k8s.io/cluster-name': s, 'cluster.x-k8s.io/deployment-name': mdName } }, template: { spec: { clusterName: s, version: c.kubeVersion } } },
      status: { replicas: 0, readyReplicas: 0, availableReplicas: 0, observedGeneration: 1 },
    });
    this.owners.set(`${ns}/${s}`, { kcp: { name: kcp.metadata.name, uid: kcp.metadata.uid }, ms: { name: msName, uid: this.store.peek('cluster.x-k8s.io/machinesets', ns, msName)!.metadata.uid }, kubeVersion: c.kubeVersion });
    for (const m of c.machines ?? []) this.upsertMachine(c.projectId, s, m);
    this.refreshStatus(ns, s);
    for (const suffix of ['ca', 'etcd', 'proxy', 'sa']) {
      this.store.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: this.meta(`${s}-${suffix}`, ns, { 'cluster.x-k8s.io/cluster-name': s }), type: 'cluster.x-k8s.io/secret', data: {} });
    }
    this.store.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: this.meta(`${s}-cloud-credentials`, ns, labels), type: 'Opaque', data: {} });
    if (c.kubeconfig) this.setKubeconfig(c.projectId, s, c.kubeconfig);
  }

  private readonly owners = new Map<string, { kcp: { name: string; uid: string }; ms: { name: string; uid: string }; kubeVersion: string }>();

  /** CAPI's `<cluster>-kubeconfig` Secret (key `value`), owned by the KubeadmControlPlane, as clusterctl reads it. */
  setKubeconfig(projectId: string, stackId: string, kubeconfig: string): void {
    const ns = capiNamespace(projectId);
    const name = `${stackId}-kubeconfig`;
    const data = { value: Buffer.from(kubeconfig).toString('base64') };
    const live = this.store.peek('secrets', ns, name);
    if (live) {
      live.data = data;
      this.store.update('secrets', live);
      return;
    }
    const kcp = this.owners.get(`${ns}/${stackId}`)?.kcp;
    this.store.create('secrets', {
      apiVersion: 'v1', kind: 'Secret',
      metadata: { ...this.meta(name, ns, { 'cluster.x-k8s.io/cluster-name': stackId }), ...(kcp ? { ownerReferences: [{ apiVersion: 'controlplane.cluster.x-k8s.io/v1beta1', kind: 'KubeadmControlPlane', name: kcp.name, uid: kcp.uid, controller: true, blockOwnerDeletion: true }] } : {}) },
      type: 'cluster.x-k8s.io/secret', data,
    });
  }

  /** A Machine (and its OpenStackMachine) for one Nova server; its phase follows the server. */
  upsertMachine(projectId: string, stackId: string, m: MachineSeed): void {
    const ns = capiNamespace(projectId);
    const own = this.owners.get(`${ns}/${stackId}`);
    if (!own) return;
    const phase = m.serverStatus === undefined || m.serverStatus === 'ACTIVE' ? 'Running' : m.serverStatus === 'BUILD' ? 'Provisioning' : m.serverStatus === 'ERROR' ? 'Failed' : 'Running';
    const live = this.store.peek('cluster.x-k8s.io/machines', ns, m.name);
    if (live) {
      if (live.metadata.deletionTimestamp) return;
      const st = (live.status ?? {}) as Record<string, unknown>;
      if (st.phase !== phase) {
        live.status = this.machineStatus(m, phase);
        this.store.update('cluster.x-k8s.io/machines', live);
        this.refreshStatus(ns, stackId);
      }
      return;
    }
    const cp = m.role === 'control-plane';
    const labels: Record<string, string> = { 'cluster.x-k8s.io/cluster-name': stackId, ...(cp ? { 'cluster.x-k8s.io/control-plane': '', 'cluster.x-k8s.io/control-plane-name': own.kcp.name } : { 'cluster.x-k8s.io/deployment-name': `${stackId}-default-worker`, 'cluster.x-k8s.io/set-name': own.ms.name }) };
    const owner = cp ? { apiVersion: 'controlplane.cluster.x-k8s.io/v1beta1', kind: 'KubeadmControlPlane', ...own.kcp } : { apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'MachineSet', ...own.ms };
    const machine = this.store.create('cluster.x-k8s.io/machines', {
      apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Machine',
      metadata: { ...this.meta(m.name, ns, labels, [MACHINE_FINALIZER]), ownerReferences: [{ ...owner, controller: true, blockOwnerDeletion: true }] },
      spec: {
        clusterName: stackId, version: own.kubeVersion, providerID: `openstack:///${m.serverId}`,
        bootstrap: { configRef: { apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta1', kind: 'KubeadmConfig', name: m.name, namespace: ns }, dataSecretName: m.name },
        infrastructureRef: { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'OpenStackMachine', name: m.name, namespace: ns },
        nodeDeletionTimeout: '10s',
      },
      status: this.machineStatus(m, phase),
    });
    this.store.create('infrastructure.cluster.x-k8s.io/openstackmachines', {
      apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'OpenStackMachine',
      metadata: { ...this.meta(m.name, ns, labels, [OSM_FINALIZER]), ownerReferences: [{ apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Machine', name: m.name, uid: machine.metadata.uid, controller: true, blockOwnerDeletion: true }] },
      spec: { providerID: `openstack:///${m.serverId}`, flavor: cp ? 'gp.mid' : 'capi.node', image: { filter: { name: 'ubuntu-jammy-kube' } }, sshKeyName: 'capi-mgmt-key' },
      status: { ready: phase === 'Running', instanceState: phase === 'Provisioning' ? 'BUILD' : 'ACTIVE', addresses: m.ip ? [{ type: 'InternalIP', address: m.ip }] : [] },
    });
    this.refreshStatus(ns, stackId);
  }

  private machineStatus(m: MachineSeed, phase: string): Record<string, unknown> {
    const now = this.store.timestamp();
    const running = phase === 'Running';
    return {
      phase, bootstrapReady: true, infrastructureReady: phase !== 'Provisioning', observedGeneration: 1, lastUpdated: now,
      ...(running ? { nodeRef: { apiVersion: 'v1', kind: 'Node', name: m.name, uid: this.rng.uuid() }, nodeInfo: { kubeletVersion: this.kubeVersion, osImage: 'Ubuntu 22.04.5 LTS', operatingSystem: 'linux', architecture: 'amd64' } } : {}),
      addresses: m.ip ? [{ type: 'InternalIP', address: m.ip }] : [],
      conditions: [
        { type: 'Ready', status: running ? 'True' : 'False', lastTransitionTime: now, ...(running ? {} : { reason: 'WaitingForInfrastructure', severity: 'Info' }) },
        { type: 'BootstrapReady', status: 'True', lastTransitionTime: now },
        { type: 'InfrastructureReady', status: phase === 'Provisioning' ? 'False' : 'True', lastTransitionTime: now },
        { type: 'NodeHealthy', status: running ? 'True' : 'False', lastTransitionTime: now },
      ],
    };
  }

  /** KubeadmControlPlane / MachineSet / MachineDeployment / Cluster status from the Machines. */
  private refreshStatus(ns: string, stackId: string): void {
    const machines = this.store.peekAll('cluster.x-k8s.io/machines', ns).filter((m) => m.metadata.labels?.['cluster.x-k8s.io/cluster-name'] === stackId);
    const count = (cp: boolean) => {
      const ms = machines.filter((m) => ('cluster.x-k8s.io/control-plane' in (m.metadata.labels ?? {})) === cp);
      const ready = ms.filter((m) => (m.status as { phase?: string } | undefined)?.phase === 'Running' && !m.metadata.deletionTimestamp).length;
      return { total: ms.length, ready };
    };
    const cp = count(true);
    const w = count(false);
    const kcp = this.store.peek('controlplane.cluster.x-k8s.io/kubeadmcontrolplanes', ns, `${stackId}-control-plane`);
    if (kcp) {
      kcp.status = { ...(kcp.status ?? {}), replicas: cp.total, readyReplicas: cp.ready, updatedReplicas: cp.total, unavailableReplicas: Math.max(0, cp.total - cp.ready), initialized: cp.ready > 0 || (kcp.status as { initialized?: boolean }).initialized === true, ready: cp.ready > 0 };
      this.store.update('controlplane.cluster.x-k8s.io/kubeadmcontrolplanes', kcp);
    }
    const own = this.owners.get(`${ns}/${stackId}`);
    const ms = own ? this.store.peek('cluster.x-k8s.io/machinesets', ns, own.ms.name) : undefined;
    if (ms) {
      ms.status = { ...(ms.status ?? {}), replicas: w.total, readyReplicas: w.ready, availableReplicas: w.ready, fullyLabeledReplicas: w.total };
      this.store.update('cluster.x-k8s.io/machinesets', ms);
    }
    const md = this.store.peek('cluster.x-k8s.io/machinedeployments', ns, `${stackId}-default-worker`);
    if (md) {
      const want = (md.spec as { replicas?: number }).replicas ?? 0;
      const phase = md.metadata.deletionTimestamp ? 'ScalingDown' : w.total < want ? 'ScalingUp' : w.total > want ? 'ScalingDown' : 'Running';
      md.status = { ...(md.status ?? {}), phase, replicas: w.total, readyReplicas: w.ready, availableReplicas: w.ready, updatedReplicas: w.total, unavailableReplicas: Math.max(0, want - w.ready) };
      this.store.update('cluster.x-k8s.io/machinedeployments', md);
    }
  }

  /** CAPO deleted a server: its Machine goes, unless CAPO is still stuck on it (a control-plane Machine whose LB member it cannot remove). */
  serverGone(projectId: string, stackId: string, serverName: string, opts: { stuck: boolean }): void {
    const ns = capiNamespace(projectId);
    const m = this.store.peek('cluster.x-k8s.io/machines', ns, serverName);
    if (!m) return;
    const cp = 'cluster.x-k8s.io/control-plane' in (m.metadata.labels ?? {});
    if (cp && opts.stuck) return;
    this.removeMachine(ns, serverName);
    this.refreshStatus(ns, stackId);
  }

  private removeMachine(ns: string, name: string): void {
    this.store.remove('infrastructure.cluster.x-k8s.io/openstackmachines', ns, name);
    this.store.remove('cluster.x-k8s.io/machines', ns, name);
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
    const cl = this.store.peek('cluster.x-k8s.io/clusters', ns, stackId);
    if (cl) {
      cl.status = { ...(cl.status ?? {}), phase: 'Deleting' };
      this.store.update('cluster.x-k8s.io/clusters', cl);
    }
    // CAPI deletes the control plane and the MachineDeployment, they delete their Machines
    for (const key of ['controlplane.cluster.x-k8s.io/kubeadmcontrolplanes', 'cluster.x-k8s.io/machinedeployments', 'cluster.x-k8s.io/machinesets', 'cluster.x-k8s.io/machines', 'infrastructure.cluster.x-k8s.io/openstackmachines']) {
      for (const o of this.store.peekAll(key, ns)) {
        if (o.metadata.labels?.['cluster.x-k8s.io/cluster-name'] !== stackId || o.metadata.deletionTimestamp) continue;
        o.metadata.deletionTimestamp = ts;
        o.metadata.deletionGracePeriodSeconds = 0;
        if (key === 'cluster.x-k8s.io/machines') {
          const st = (o.status ?? {}) as Record<string, unknown>;
          o.status = { ...st, phase: 'Deleting', conditions: [...((st.conditions as unknown[] | undefined) ?? []).filter((c) => (c as { type: string }).type !== 'Ready'), { type: 'Ready', status: 'False', reason: 'Deleting', severity: 'Info', lastTransitionTime: ts }] };
        }
        this.store.update(key, o);
      }
    }
    this.refreshStatus(ns, stackId);
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
      for (const key of ['infrastructure.cluster.x-k8s.io/openstackmachines', 'cluster.x-k8s.io/machines', 'cluster.x-k8s.io/machinesets', 'cluster.x-k8s.io/machinedeployments', 'controlplane.cluster.x-k8s.io/kubeadmcontrolplanes']) {
        for (const o of this.store.peekAll(key, ns)) if (o.metadata.labels?.['cluster.x-k8s.io/cluster-name'] === obj.metadata.name) this.store.remove(key, ns, o.metadata.name);
      }
      this.store.remove('cluster.x-k8s.io/clusters', ns, obj.metadata.name);
      for (const s of this.store.peekAll('secrets', ns)) if (s.metadata.name.startsWith(`${obj.metadata.name}-`)) this.store.remove('secrets', ns, s.metadata.name);
      this.owners.delete(`${ns}/${obj.metadata.name}`);
    }
  }
}
