// One simulated workload cluster as the magnum-capi-helm driver's chart builds it (chart.ts):
// nodes with the control-plane role label and the CAPI uninitialized taint until the OpenStack
// CCM initializes them; the add-ons as DaemonSets / Deployments -> ReplicaSets -> Pods in the
// chart's namespaces with the chart's labels; Services, Endpoints and EndpointSlices; the
// csi-cinder StorageClass; Events on each transition (scheduled, pulled, started, back-off, the
// CCM's load-balancer events) and container logs. The controllers the runbook exercises:
// Deployment -> ReplicaSet -> Pods, Services of type LoadBalancer -> an Octavia LB through
// LoadBalancerHooks, bound and round-robined on its (loopback) IP. Every duration runs on the
// SimClock, in simulated ms.

import { createHash } from 'node:crypto';
import type { SimClock } from '../clock.js';
import { Rng } from '../rand.js';
import { ServiceEndpoint, occmLoadBalancerName } from './lb.js';
import type { LoadBalancerHooks } from './lb.js';
import { CORE_RESOURCES, matchesLabels, podSpec, podStatus, serviceSpec } from './resources.js';
import type { ContainerStatus, PodSpec, PodStatus } from './resources.js';
import { KubeStore } from './store.js';
import type { Json, KObject } from './store.js';
import type { KubeFaults } from './scenarios.js';
import { KUBE_DNS_IP, KUBERNETES_SERVICE_IP, OPENSTACK_NS, POD_CIDR, SERVICE_CIDR, ccmAuthFailure, chartWorkloads, klogLine, renderLines, stdLogLine } from './chart.js';
import type { ChartContainer, ChartWorkload } from './chart.js';

export interface WorkloadClusterSpec {
  /** The CAPI cluster name (Magnum stack_id), e.g. capi-test-1-kgwwe7c4qj6a; node names derive from it. */
  readonly clusterName: string;
  readonly masterCount: number;
  readonly nodeCount: number;
  /** The image's kube_version, e.g. v1.34.8: every kubelet reports it. */
  readonly kubeVersion: string;
  /** First three octets of the node network (ENV(workload-cidr)), default 10.20.16. */
  readonly nodeNetwork?: string;
  /** Where Calico runs: calico-system under the tigera operator (default), or kube-system. */
  readonly calicoNamespace?: 'calico-system' | 'kube-system';
  /** The Nova servers CAPO created (names, fixed IPs, ids), so nodes match `openstack server list`; default: generated. */
  readonly nodes?: { readonly controlPlane: readonly NodeSeed[]; readonly workers: readonly NodeSeed[] };
  readonly seed?: number;
  /** The cluster CA (kube-root-ca.crt in every namespace). */
  readonly caCertPem?: string;
  /** Keystone's URL as the cloud-config names it (the CCM's log when it cannot authenticate). */
  readonly authUrl?: string;
}

export interface NodeSeed {
  readonly name: string;
  readonly ip?: string;
  /** The Nova server id (the node's providerID openstack:///ID). */
  readonly serverId?: string;
}

/** Simulated durations in ms (before the time scale applies). */
export interface KubeDurations {
  /** Boot until the kubelets report Ready (CNI up). */
  nodeReady: number;
  /** Add-on pods scheduled until Running. */
  addonStart: number;
  /** CCM Running until it has initialized the nodes (uninitialized taint removed). */
  ccmInit: number;
  /** A Deployment's pod from scheduled to Running and Ready. */
  podStart: number;
  /** A deleted pod's grace period. */
  podTerminate: number;
  /** One crash-loop cycle of a crash-looping container. */
  crashLoopPeriod: number;
}

export const DEFAULT_KUBE_DURATIONS: KubeDurations = {
  nodeReady: 45_000,
  addonStart: 15_000,
  ccmInit: 20_000,
  podStart: 8_000,
  podTerminate: 3_000,
  crashLoopPeriod: 40_000,
};

const UNINITIALIZED_TAINT = 'node.cloudprovider.kubernetes.io/uninitialized';
const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
const LB_FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';
const CP_LABEL = 'node-role.kubernetes.io/control-plane';

interface AddonPod {
  ns: string;
  name: string;
  workload: ChartWorkload;
  node: string;
}

interface LbState {
  lbId?: string;
  ip?: string;
  endpoint?: ServiceEndpoint;
  creating: boolean;
  deleting: boolean;
  error?: string;
}

interface ContainerLog {
  current: string[];
  previous?: string[];
}

type Involved = { kind: string; name: string; uid?: string; apiVersion?: string; fieldPath?: string };
type Source = { component: string; host?: string };

export class WorkloadCluster {
  readonly store: KubeStore;
  readonly rng: Rng;
  readonly nodeNames: string[] = [];
  readonly controlPlaneNodes: string[] = [];
  readonly workerNodes: string[] = [];
  private ccmHealthy = false;
  private nodesInitialized = false;
  private nodesReady = false;
  private readonly lbs = new Map<string, LbState>();
  private readonly started = new Set<string>();
  private reconcileQueued = false;
  private closed = false;
  private nextClusterIp = 100;
  /** Problems the simulator hit (a port it could not bind, a hook that threw); tests read them. */
  readonly errors: string[] = [];
  /** Container logs by namespace/pod/container (what `kubectl logs [-p]` returns). */
  private readonly logs = new Map<string, ContainerLog>();
  private readonly fixedIps = new Map<string, string>();
  private readonly serverIds = new Map<string, string>();
  private readonly addonsByName = new Map<string, AddonPod>();
  private readonly workloads: ChartWorkload[];

  constructor(
    readonly spec: WorkloadClusterSpec,
    readonly clock: SimClock,
    readonly hooks: LoadBalancerHooks,
    readonly durations: KubeDurations = DEFAULT_KUBE_DURATIONS,
    readonly faults: KubeFaults = {},
  ) {
    this.rng = new Rng(spec.seed ?? 0x6b756265);
    this.store = new KubeStore(CORE_RESOURCES, () => clock.now(), () => this.rng.uuid());
    this.store.subscribe((e) => {
      if (e.resource === 'apps/deployments' || e.resource === 'apps/replicasets' || e.resource === 'pods' || e.resource === 'services' || e.resource === 'nodes') this.kick();
    });
    const calicoNs = spec.calicoNamespace ?? 'calico-system';
    this.workloads = chartWorkloads(spec.kubeVersion, spec.clusterName).map((w) => (w.ns === 'calico-system' && calicoNs !== 'calico-system' ? { ...w, ns: calicoNs } : w));
    this.boot();
  }

  private get net(): string {
    return this.spec.nodeNetwork ?? '10.20.16';
  }

  private suffix(n = 5): string {
    return this.rng.suffix(n);
  }

  private hash10(text: string): string {
    // pod-template-hash: a stable 10-character suffix of the template
    const h = createHash('sha256').update(text).digest();
    const abc = 'bcdfghjklmnpqrstvwxz2456789';
    let out = '';
    for (let i = 0; i < 10; i++) out += abc[(h[i] ?? 0) % abc.length];
    return out;
  }

  // --- boot ---------------------------------------------------------------------------------

  private boot(): void {
    const s = this.store;
    const namespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease', ...new Set(this.workloads.map((w) => w.ns))];
    for (const ns of [...new Set(namespaces)]) {
      s.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: this.meta(ns, undefined, { 'kubernetes.io/metadata.name': ns }), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
      s.create('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: this.meta('default', ns) });
      if (this.spec.caCertPem) s.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...this.meta('kube-root-ca.crt', ns), annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } }, data: { 'ca.crt': this.spec.caCertPem } });
    }
    const c = this.spec.clusterName;
    if (this.spec.nodes) {
      this.controlPlaneNodes.push(...this.spec.nodes.controlPlane.map((n) => n.name));
      this.workerNodes.push(...this.spec.nodes.workers.map((n) => n.name));
      for (const n of [...this.spec.nodes.controlPlane, ...this.spec.nodes.workers]) {
        if (n.ip) this.fixedIps.set(n.name, n.ip);
        if (n.serverId) this.serverIds.set(n.name, n.serverId);
      }
    } else {
      for (let i = 0; i < this.spec.masterCount; i++) this.controlPlaneNodes.push(`${c}-control-plane-${this.suffix()}`);
      const ms = this.suffix(5);
      for (let i = 0; i < this.spec.nodeCount; i++) this.workerNodes.push(`${c}-default-worker-${ms}-${this.suffix()}`);
    }
    this.nodeNames.push(...this.controlPlaneNodes, ...this.workerNodes);
    this.nodeNames.forEach((n, i) => {
      const node = s.create('nodes', this.node(n, i, this.controlPlaneNodes.includes(n)));
      s.create('coordination.k8s.io/leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { ...this.meta(n, 'kube-node-lease'), ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: n, uid: node.metadata.uid }] }, spec: { holderIdentity: n, leaseDurationSeconds: 40, renewTime: new Date(this.clock.now()).toISOString() } });
      const ref = { kind: 'Node', name: n, uid: node.metadata.uid };
      this.recordEvent('default', ref, 'Normal', 'Starting', 'Starting kubelet.', { component: 'kubelet', host: n });
      this.recordEvent('default', ref, 'Normal', 'NodeHasSufficientMemory', `Node ${n} status is now: NodeHasSufficientMemory`, { component: 'kubelet', host: n });
      this.recordEvent('default', ref, 'Normal', 'RegisteredNode', `Node ${n} event: Registered Node ${n} in Controller`, { component: 'node-controller' });
    });
    for (const lease of ['kube-controller-manager', 'kube-scheduler', 'cloud-controller-manager']) {
      const holder = `${this.controlPlaneNodes[0] ?? 'node'}_${this.rng.uuid()}`;
      s.create('coordination.k8s.io/leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: this.meta(lease, 'kube-system'), spec: { holderIdentity: holder, leaseDurationSeconds: 15, leaseTransitions: 0 } });
    }

    s.create('services', this.svc('default', 'kubernetes', KUBERNETES_SERVICE_IP, [{ name: 'https', port: 443, targetPort: 6443, protocol: 'TCP' }], undefined, { component: 'apiserver', provider: 'kubernetes' }));
    s.create('services', this.svc('kube-system', 'kube-dns', KUBE_DNS_IP, [{ name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, targetPort: 53, protocol: 'TCP' }, { name: 'metrics', port: 9153, targetPort: 9153, protocol: 'TCP' }], { 'k8s-app': 'kube-dns' }, { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' }));
    const svc = (ns: string, name: string, port: number, target: number | string, selector: Record<string, string>, labels: Record<string, string>, portName = 'https') => {
      if (!s.peek('namespaces', undefined, ns)) return;
      s.create('services', this.svc(ns, name, this.clusterIp(), [{ name: portName, port, targetPort: target, protocol: 'TCP' }], selector, labels));
    };
    svc('kube-system', 'metrics-server', 443, 'https', { 'app.kubernetes.io/name': 'metrics-server', 'app.kubernetes.io/instance': 'metrics-server' }, { 'app.kubernetes.io/name': 'metrics-server', 'app.kubernetes.io/instance': 'metrics-server', 'app.kubernetes.io/managed-by': 'Helm' });
    const calicoNs = this.spec.calicoNamespace ?? 'calico-system';
    svc(calicoNs, 'calico-typha', 5473, 'calico-typha', { 'k8s-app': 'calico-typha' }, { 'k8s-app': 'calico-typha' }, 'calico-typha');
    svc(calicoNs, 'goldmane', 7443, 7443, { 'k8s-app': 'goldmane' }, { 'k8s-app': 'goldmane' });
    svc(calicoNs, 'whisker', 8081, 8081, { 'k8s-app': 'whisker' }, { 'k8s-app': 'whisker' }, 'whisker');
    svc('calico-apiserver', 'calico-api', 443, 5443, { apiserver: 'true' }, { 'k8s-app': 'calico-apiserver' }, 'apiserver');

    this.chartObjects();
    for (const w of this.workloads) this.createWorkload(w);

    const d = this.durations;
    // Static pods, kube-proxy, calico-node, tigera and the CCM tolerate the taints: they start first.
    this.clock.after(d.addonStart, 'kube: early add-ons running', () => this.startAddons((p) => p.workload.early));
    this.clock.after(d.nodeReady, 'kube: kubelets Ready', () => this.markNodesReady());
  }

  /** What the chart installs besides workloads: the StorageClass, CSIDriver, cloud-config, kubeadm's ConfigMaps, etcd-defrag. */
  private chartObjects(): void {
    const s = this.store;
    const helmMeta = (release: string, ns: string) => ({ labels: { 'app.kubernetes.io/managed-by': 'Helm' }, annotations: { 'meta.helm.sh/release-name': release, 'meta.helm.sh/release-namespace': ns } });
    const sc = helmMeta('csi-cinder-storageclass', OPENSTACK_NS);
    s.create('storage.k8s.io/storageclasses', {
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { ...this.meta('csi-cinder'), labels: sc.labels, annotations: { ...sc.annotations, 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'cinder.csi.openstack.org', parameters: { availability: 'nova' }, reclaimPolicy: 'Delete', allowVolumeExpansion: true, volumeBindingMode: 'WaitForFirstConsumer',
    });
    const drv = helmMeta('csi-cinder', OPENSTACK_NS);
    s.create('storage.k8s.io/csidrivers', { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { ...this.meta('cinder.csi.openstack.org'), ...drv }, spec: { attachRequired: true, podInfoOnMount: true, volumeLifecycleModes: ['Persistent', 'Ephemeral'], fsGroupPolicy: 'ReadWriteOnceWithFSType', requiresRepublish: false, storageCapacity: false, seLinuxMount: false } });
    const cc = helmMeta('cloud-config', OPENSTACK_NS);
    const b64 = (t: string) => Buffer.from(t).toString('base64');
    s.create('secrets', {
      apiVersion: 'v1', kind: 'Secret', metadata: { ...this.meta('cloud-config', OPENSTACK_NS), ...cc }, type: 'Opaque',
      data: {
        'cloud.conf': b64(`[Global]\nuse-clouds=true\nclouds-file=/etc/config/clouds.yaml\ncloud=openstack\ntls-insecure=true\n[Networking]\ninternal-network-name=k8s-clusterapi-cluster-${this.spec.clusterName}\n[LoadBalancer]\ncreate-monitor=false\nlb-method=ROUND_ROBIN\nlb-provider=amphora\n[BlockStorage]\nignore-volume-az=true\n`),
        'clouds.yaml': b64(`clouds:\n  openstack:\n    auth:\n      auth_url: ${this.spec.authUrl ?? 'https://keystone:5000/v3'}\n      application_credential_id: ${this.rng.hex(32)}\n      application_credential_secret: ${this.rng.hex(40)}\n    region_name: RegionOne\n    interface: public\n    identity_api_version: 3\n    auth_type: v3applicationcredential\n`),
      },
    });
    const cm = (ns: string, name: string, data: Record<string, string>) => s.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: this.meta(name, ns), data });
    cm('kube-system', 'coredns', { Corefile: '.:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n' });
    cm('kube-system', 'kubeadm-config', { ClusterConfiguration: `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nclusterName: ${this.spec.clusterName}\nkubernetesVersion: ${this.spec.kubeVersion}\nnetworking:\n  dnsDomain: cluster.local\n  podSubnet: ${POD_CIDR}\n  serviceSubnet: ${SERVICE_CIDR}\n` });
    cm('kube-system', 'kube-proxy', { 'config.conf': `apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nclusterCIDR: ${POD_CIDR}\nmode: ""\n` });
    cm('kube-system', 'kubelet-config', { kubelet: 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nclusterDNS:\n- 172.24.0.10\nclusterDomain: cluster.local\n' });
    const ed = helmMeta('etcd-defrag', 'kube-system');
    s.create('batch/cronjobs', {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { ...this.meta('etcd-defrag', 'kube-system'), ...ed },
      spec: { schedule: '0 0 * * *', startingDeadlineSeconds: 43200, concurrencyPolicy: 'Forbid', suspend: false, jobTemplate: { spec: { backoffLimit: 3, activeDeadlineSeconds: 3600, template: { spec: { serviceAccountName: 'etcd-defrag', restartPolicy: 'OnFailure', containers: [{ name: 'etcd-defrag', image: 'bitnami/kubectl:latest' }] } } } } },
      status: {},
    });
  }

  private meta(name: string, ns?: string, labels?: Record<string, string>): KObject['metadata'] {
    return { name, ...(ns ? { namespace: ns } : {}), uid: '', resourceVersion: '', creationTimestamp: this.store.timestamp(), ...(labels ? { labels } : {}) };
  }

  private svc(ns: string, name: string, ip: string, ports: Json[], selector?: Record<string, string>, labels?: Record<string, string>): KObject {
    return {
      apiVersion: 'v1', kind: 'Service', metadata: this.meta(name, ns, labels),
      spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], ports, ...(selector ? { selector } : {}), sessionAffinity: 'None', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster' },
      status: { loadBalancer: {} },
    };
  }

  /** The next ClusterIP from the service CIDR (172.24.0.0/13). */
  private clusterIp(): string {
    const n = this.nextClusterIp++;
    return `172.${24 + Math.floor(n / 65536)}.${Math.floor(n / 250) % 256}.${(n % 250) + 2}`;
  }

  private nodeIp(i: number): string {
    const name = this.nodeNames[i];
    return (name ? this.fixedIps.get(name) : undefined) ?? `${this.net}.${10 + i}`;
  }

  private node(name: string, i: number, cp: boolean): KObject {
    const now = this.store.timestamp();
    return {
      apiVersion: 'v1', kind: 'Node',
      metadata: {
        ...this.meta(name, undefined, {
          'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux',
          ...(cp ? { [CP_LABEL]: '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' } : {}),
          'capi.stackhpc.com/cluster': this.spec.clusterName,
          ...(cp ? {} : { 'capi.stackhpc.com/node-group': 'default-worker' }),
        }),
        annotations: { 'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///var/run/containerd/containerd.sock', 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true', 'cluster.x-k8s.io/cluster-name': this.spec.clusterName, 'cluster.x-k8s.io/cluster-namespace': '' },
      },
      spec: {
        podCIDR: `172.16.${i}.0/24`, podCIDRs: [`172.16.${i}.0/24`],
        taints: [
          { key: UNINITIALIZED_TAINT, value: 'true', effect: 'NoSchedule' },
          { key: NOT_READY_TAINT, effect: 'NoSchedule' },
          ...(cp ? [{ key: CP_LABEL, effect: 'NoSchedule' }] : []),
        ],
      },
      status: {
        capacity: { cpu: '2', memory: cp ? '8131020Ki' : '4025424Ki', pods: '110', 'ephemeral-storage': '20134592Ki' },
        allocatable: { cpu: '2', memory: cp ? '8028620Ki' : '3923024Ki', pods: '110', 'ephemeral-storage': '18556039957' },
        conditions: [
          { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', lastHeartbeatTime: now, lastTransitionTime: now },
          { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure', lastHeartbeatTime: now, lastTransitionTime: now },
          { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available', lastHeartbeatTime: now, lastTransitionTime: now },
          { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized', lastHeartbeatTime: now, lastTransitionTime: now },
        ],
        addresses: [{ type: 'InternalIP', address: this.nodeIp(i) }, { type: 'Hostname', address: name }],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          machineID: this.rng.hex(32), systemUUID: this.rng.uuid(), bootID: this.rng.uuid(), kernelVersion: '5.15.0-140-generic', osImage: 'Ubuntu 22.04.5 LTS',
          containerRuntimeVersion: 'containerd://1.7.27', kubeletVersion: this.spec.kubeVersion, kubeProxyVersion: this.spec.kubeVersion, operatingSystem: 'linux', architecture: 'amd64',
        },
      },
    };
  }

  private nodesFor(w: ChartWorkload): string[] {
    if (w.placement === 'all') return [...this.nodeNames];
    if (w.placement === 'control-plane') return this.controlPlaneNodes.length ? [...this.controlPlaneNodes] : this.nodeNames.slice(0, 1);
    return this.workerNodes.length ? [...this.workerNodes] : this.nodeNames.slice(0, 1);
  }

  private podTemplate(w: ChartWorkload): Json {
    return {
      metadata: { labels: { ...w.labels } },
      spec: {
        hostNetwork: w.hostNetwork, restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: w.serviceAccount, dnsPolicy: w.hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst',
        ...(w.nodeSelector ? { nodeSelector: { ...w.nodeSelector } } : {}),
        containers: w.containers.map((c) => ({ name: c.name, image: c.image, imagePullPolicy: 'IfNotPresent', ...(c.args ? { args: [...c.args] } : {}) })),
        tolerations: w.early ? [{ operator: 'Exists' }] : [{ key: 'CriticalAddonsOnly', operator: 'Exists' }, { key: NOT_READY_TAINT, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
        ...(w.priorityClassName ? { priorityClassName: w.priorityClassName } : {}),
      },
    };
  }

  /** One chart workload: its DaemonSet or Deployment + ReplicaSet (or static pods) and its pods, spread as the scheduler would. */
  private createWorkload(w: ChartWorkload): void {
    const s = this.store;
    const annotations = w.release ? { 'meta.helm.sh/release-name': w.release, 'meta.helm.sh/release-namespace': w.ns } : undefined;
    if (!s.peek('serviceaccounts', w.ns, w.serviceAccount)) s.create('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { ...this.meta(w.serviceAccount, w.ns, w.release ? { 'app.kubernetes.io/managed-by': 'Helm' } : undefined), ...(annotations ? { annotations } : {}) } });
    const template = this.podTemplate(w);
    const nodes = this.nodesFor(w);
    if (w.kind === 'Static') {
      for (const n of nodes) this.createAddonPod(w, `${w.name}-${n}`, n, { apiVersion: 'v1', kind: 'Node', name: n, uid: this.rng.uuid() }, false);
      return;
    }
    if (w.kind === 'DaemonSet') {
      const ds = s.create('apps/daemonsets', {
        apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { ...this.meta(w.name, w.ns, { ...w.objectLabels }), ...(annotations ? { annotations: { ...annotations, 'deprecated.daemonset.template.generation': '1' } } : { annotations: { 'deprecated.daemonset.template.generation': '1' } }) },
        spec: { selector: { matchLabels: { ...w.selector } }, template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 },
        status: { currentNumberScheduled: 0, desiredNumberScheduled: nodes.length, numberMisscheduled: 0, numberReady: 0, observedGeneration: 1 },
      });
      const hash = this.hash10(JSON.stringify(template)).slice(0, 10);
      for (const n of nodes) {
        const name = `${w.name}-${this.suffix()}`;
        this.createAddonPod(w, name, n, { apiVersion: 'apps/v1', kind: 'DaemonSet', name: w.name, uid: ds.metadata.uid }, true, { 'controller-revision-hash': hash, 'pod-template-generation': '1' });
        this.recordEvent(w.ns, { kind: 'DaemonSet', name: w.name, uid: ds.metadata.uid, apiVersion: 'apps/v1' }, 'Normal', 'SuccessfulCreate', `Created pod: ${name}`, { component: 'daemonset-controller' });
      }
      return;
    }
    const replicas = w.replicas ?? 1;
    const dep = s.create('apps/deployments', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { ...this.meta(w.name, w.ns, { ...w.objectLabels }), annotations: { 'deployment.kubernetes.io/revision': '1', ...(annotations ?? {}) } },
      spec: { replicas, selector: { matchLabels: { ...w.selector } }, template, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 },
      status: {},
    });
    // the name the Deployment controller gives it (same template hash), so it adopts this ReplicaSet
    const hash = this.hash10(JSON.stringify((dep.spec as { template: unknown }).template));
    const rsName = `${w.name}-${hash}`;
    const labels = { ...w.labels, 'pod-template-hash': hash };
    const rs = s.create('apps/replicasets', {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: { ...this.meta(rsName, w.ns, labels), annotations: { 'deployment.kubernetes.io/desired-replicas': String(replicas), 'deployment.kubernetes.io/max-replicas': String(replicas + 1), 'deployment.kubernetes.io/revision': '1' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: w.name, uid: dep.metadata.uid, controller: true, blockOwnerDeletion: true }] },
      spec: { replicas, selector: { matchLabels: { ...w.selector, 'pod-template-hash': hash } }, template: { ...template, metadata: { labels } } },
      status: { replicas: 0, observedGeneration: 1 },
    });
    this.recordEvent(w.ns, { kind: 'Deployment', name: w.name, uid: dep.metadata.uid, apiVersion: 'apps/v1' }, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${rsName} from 0 to ${replicas}`, { component: 'deployment-controller' });
    for (let i = 0; i < replicas; i++) {
      const name = `${rsName}-${this.suffix()}`;
      this.createAddonPod(w, name, nodes[i % nodes.length]!, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid: rs.metadata.uid }, true, { 'pod-template-hash': hash });
      this.recordEvent(w.ns, { kind: 'ReplicaSet', name: rsName, uid: rs.metadata.uid, apiVersion: 'apps/v1' }, 'Normal', 'SuccessfulCreate', `Created pod: ${name}`, { component: 'replicaset-controller' });
    }
  }

  private createAddonPod(w: ChartWorkload, name: string, node: string, owner: { apiVersion: string; kind: string; name: string; uid: string }, scheduled: boolean, extraLabels: Record<string, string> = {}): void {
    const tpl = this.podTemplate(w) as { spec: Json };
    const pod: KObject = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        ...this.meta(name, w.ns, { ...w.labels, ...extraLabels }),
        ...(w.kind === 'Static' ? { annotations: { 'kubernetes.io/config.source': 'file', 'kubernetes.io/config.mirror': this.rng.hex(32) } } : { generateName: `${name.slice(0, name.lastIndexOf('-') + 1)}` }),
        ownerReferences: [{ ...owner, controller: true }],
      },
      spec: { ...tpl.spec, nodeName: node },
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: this.store.timestamp() }],
        qosClass: 'Burstable',
        containerStatuses: w.containers.map((c): ContainerStatus => ({ name: c.name, image: c.image, imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason: 'ContainerCreating' } } })),
      },
    };
    const created = this.store.create('pods', pod);
    this.addonsByName.set(`${w.ns}/${name}`, { ns: w.ns, name, workload: w, node });
    if (scheduled) this.recordEvent(w.ns, { kind: 'Pod', name, uid: created.metadata.uid }, 'Normal', 'Scheduled', `Successfully assigned ${w.ns}/${name} to ${node}`, { component: 'default-scheduler' });
  }

  /** Pod addresses: Calico hands each node a /26 block of the pod CIDR (172.16.0.0/13). */
  private podIpFor(node: string, hostNetwork: boolean): string {
    const i = Math.max(0, this.nodeNames.indexOf(node));
    if (hostNetwork) return this.nodeIp(i);
    const h = createHash('sha256').update(`${this.spec.clusterName}/${node}`).digest();
    const block = `172.${16 + ((h[0] ?? 0) % 8)}.${h[1] ?? 0}`;
    const base = ((h[2] ?? 0) % 4) * 64;
    return `${block}.${base + this.rng.int(1, 62)}`;
  }

  private startAddons(which: (p: AddonPod) => boolean): void {
    if (this.closed) return;
    for (const p of this.addonsByName.values()) {
      const key = `${p.ns}/${p.name}`;
      if (!which(p) || this.started.has(key)) continue;
      this.started.add(key);
      if (p.workload.ccm && this.faults.ccmCrashLoop) {
        this.crashLoop(p);
        continue;
      }
      this.setRunning('pods', p.ns, p.name, this.podIpFor(p.node, p.workload.hostNetwork), this.hostIp(p.node));
      if (p.workload.ccm) this.onCcmRunning();
    }
  }

  /** A node's InternalIP. */
  nodeAddress(node: string): string {
    return this.hostIp(node);
  }

  private hostIp(node: string): string {
    return this.nodeIp(Math.max(0, this.nodeNames.indexOf(node)));
  }

  private setRunning(key: 'pods', ns: string, name: string, podIP: string, hostIP: string): void {
    const pod = this.store.peek(key, ns, name);
    if (!pod || pod.metadata.deletionTimestamp) return;
    const now = this.store.timestamp();
    const st = podStatus(pod);
    const next: PodStatus = {
      ...st,
      phase: 'Running', hostIP, podIP, podIPs: [{ ip: podIP }], startTime: st.startTime ?? now,
      conditions: [
        { type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: now },
        { type: 'Initialized', status: 'True', lastTransitionTime: now },
        { type: 'Ready', status: 'True', lastTransitionTime: now },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
      ],
      containerStatuses: (st.containerStatuses ?? []).map((c) => ({
        ...c, ready: true, started: true, state: { running: { startedAt: now } },
        imageID: c.imageID || `${c.image.split(':')[0]}@sha256:${createHash('sha256').update(c.image).digest('hex')}`,
        containerID: `containerd://${createHash('sha256').update(`${ns}/${name}/${c.name}`).digest('hex')}`,
      })),
    };
    pod.status = next as unknown as Json;
    this.store.update(key, pod);
    const addon = this.addonsByName.get(`${ns}/${name}`);
    const node = podSpec(pod).nodeName ?? '';
    for (const c of podSpec(pod).containers) {
      this.containerEvents(pod, c.name, c.image ?? '', node, addon?.workload.kind === 'Static');
      const chart = addon?.workload.containers.find((x) => x.name === c.name);
      this.log(ns, name, c.name, chart ? renderLines(chart.startup, this.clock.now(), fileOf(chart)) : userStartup(c, this.clock.now()));
    }
  }

  /** The kubelet's Pulling / Pulled / Created / Started events of one container. */
  private containerEvents(pod: KObject, container: string, image: string, node: string, staticPod: boolean): void {
    if (staticPod) return;
    const ns = pod.metadata.namespace ?? 'default';
    const ref: Involved = { kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid, apiVersion: 'v1', fieldPath: `spec.containers{${container}}` };
    const src = { component: 'kubelet', host: node };
    const secs = (1 + this.rng.next() * 3).toFixed(3);
    this.recordEvent(ns, ref, 'Normal', 'Pulling', `Pulling image "${image}"`, src);
    this.recordEvent(ns, ref, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${secs}s (${secs}s including waiting). Image size: ${this.rng.int(8, 90) * 1_000_000 + this.rng.int(0, 999_999)} bytes.`, src);
    this.recordEvent(ns, ref, 'Normal', 'Created', `Created container: ${container}`, src);
    this.recordEvent(ns, ref, 'Normal', 'Started', `Started container ${container}`, src);
  }

  /** A core/v1 Event about an object (what `kubectl get events` and `describe` list); a repeat of the same event bumps its count. */
  recordEvent(ns: string, involved: Involved, type: 'Normal' | 'Warning', reason: string, message: string, source?: Source): void {
    const now = this.store.timestamp();
    const src = source ?? { component: reason === 'FailedScheduling' ? 'default-scheduler' : 'kubelet' };
    const same = this.store.peekAll('events', ns).find((e) => {
      const x = e as unknown as { reason: string; message: string; involvedObject: { name: string; fieldPath?: string } };
      return x.reason === reason && x.involvedObject.name === involved.name && (x.involvedObject.fieldPath ?? '') === (involved.fieldPath ?? '') && (x.message === message || reason === 'BackOff' || reason === 'FailedScheduling');
    });
    if (same) {
      const e = same as unknown as { count: number; lastTimestamp: string; message: string };
      e.count += 1;
      e.lastTimestamp = now;
      e.message = message;
      this.store.update('events', same);
      return;
    }
    this.store.create('events', {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name: `${involved.name}.${this.rng.hex(16)}`, namespace: ns, uid: '', resourceVersion: '', creationTimestamp: '' },
      involvedObject: { kind: involved.kind, namespace: involved.kind === 'Node' ? '' : ns, name: involved.name, ...(involved.uid ? { uid: involved.uid } : {}), ...(involved.apiVersion ? { apiVersion: involved.apiVersion } : {}), ...(involved.fieldPath ? { fieldPath: involved.fieldPath } : {}) },
      reason, message, type, count: 1, firstTimestamp: now, lastTimestamp: now, eventTime: null,
      source: src, reportingComponent: src.component, reportingInstance: src.host ?? '',
    } as unknown as KObject);
  }

  /** Appends container log lines (the current run's). */
  log(ns: string, pod: string, container: string, lines: readonly string[]): void {
    const k = `${ns}/${pod}/${container}`;
    const l = this.logs.get(k) ?? { current: [] };
    l.current = [...l.current, ...lines].slice(-1000);
    this.logs.set(k, l);
  }

  /** Appends klog lines to every CCM container (what `kubectl logs` on the CCM shows). */
  private ccmLog(msg: string, level: 'I' | 'W' | 'E' = 'I', file = 'loadbalancer.go:1821'): void {
    for (const p of this.addonsByName.values()) if (p.workload.ccm) this.log(p.ns, p.name, 'openstack-cloud-controller-manager', [klogLine(level, this.clock.now(), file, msg)]);
  }

  /** A container restarted: what it logged becomes `--previous`. */
  private restartLog(ns: string, pod: string, container: string, lines: readonly string[]): void {
    const k = `${ns}/${pod}/${container}`;
    const l = this.logs.get(k);
    this.logs.set(k, { current: [...lines], ...(l ? { previous: l.current } : {}) });
  }

  /** GET pods/NAME/log: the container's log, or the kubelet's reason why there is none. */
  podLog(ns: string, pod: string, opts: { container?: string; previous?: boolean } = {}): string | { error: string } {
    const p = this.store.peek('pods', ns, pod);
    if (!p) return { error: `pods "${pod}" not found` };
    const names = podSpec(p).containers.map((c) => c.name);
    if (!opts.container && names.length > 1) return { error: `a container name must be specified for pod ${pod}, choose one of: [${names.join(' ')}]` };
    const container = opts.container ?? names[0] ?? '';
    if (!names.includes(container)) return { error: `container ${container} is not valid for pod ${pod}` };
    const cs = (podStatus(p).containerStatuses ?? []).find((c) => c.name === container);
    const l = this.logs.get(`${ns}/${pod}/${container}`);
    if (opts.previous) {
      if (!l?.previous) return { error: `previous terminated container "${container}" in pod "${pod}" not found` };
      return l.previous.length ? `${l.previous.join('\n')}\n` : '';
    }
    if (!l && cs?.state.waiting) return { error: `container "${container}" in pod "${pod}" is waiting to start: ${cs.state.waiting.reason}` };
    if (!l && !cs) return { error: `container "${container}" in pod "${pod}" is waiting to start: ContainerCreating` };
    return l?.current.length ? `${l.current.join('\n')}\n` : '';
  }

  /** D-011 item 5's failure: the CCM cannot authenticate, exits, backs off, restarts ... and never initializes the nodes. */
  private crashLoop(p: AddonPod): void {
    const f = this.faults.ccmCrashLoop!;
    const container = p.workload.containers[0]?.name ?? 'openstack-cloud-controller-manager';
    const authUrl = this.spec.authUrl ?? 'https://keystone:5000/v3';
    const bump = (first: boolean) => {
      if (this.closed) return;
      const pod = this.store.peek('pods', p.ns, p.name);
      if (!pod || pod.metadata.deletionTimestamp) return;
      const now = this.store.timestamp();
      const st = podStatus(pod);
      pod.status = {
        ...st,
        phase: 'Running', hostIP: this.hostIp(p.node), podIP: this.hostIp(p.node), podIPs: [{ ip: this.hostIp(p.node) }], startTime: st.startTime ?? now,
        conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${container}]`, lastTransitionTime: now }, { type: 'PodScheduled', status: 'True', lastTransitionTime: now }],
        containerStatuses: (st.containerStatuses ?? []).map((c) => ({
          ...c, ready: false, started: false,
          restartCount: first ? f.restartsAtBoot : c.restartCount + 1,
          imageID: c.imageID || `${c.image.split(':')[0]}@sha256:${createHash('sha256').update(c.image).digest('hex')}`,
          state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=${c.name} pod=${p.name}_${p.ns}(${pod.metadata.uid})` } },
          lastState: { terminated: { reason: 'Error', exitCode: 255, startedAt: now, finishedAt: now, containerID: `containerd://${this.rng.hex(64)}` } },
        })),
      } as unknown as Json;
      this.store.update('pods', pod);
      const t = this.clock.now();
      const [l1, l2, l3, l4] = ccmAuthFailure(authUrl);
      const lines = [klogLine('I', t, 'serving.go:386', l1!), klogLine('I', t, 'openstack.go:176', l2!), klogLine('E', t, 'openstack.go:298', l3!), klogLine('F', t, 'main.go:111', l4!)];
      if (first) {
        this.restartLog(p.ns, p.name, container, lines);
        this.restartLog(p.ns, p.name, container, lines);
        this.containerEvents(pod, container, p.workload.containers[0]?.image ?? '', p.node, false);
      } else this.restartLog(p.ns, p.name, container, lines);
      const ref: Involved = { kind: 'Pod', name: p.name, uid: pod.metadata.uid, apiVersion: 'v1', fieldPath: `spec.containers{${container}}` };
      this.recordEvent(p.ns, ref, 'Warning', 'BackOff', `Back-off restarting failed container ${container} in pod ${p.name}_${p.ns}(${pod.metadata.uid})`, { component: 'kubelet', host: p.node });
      this.refreshDaemonSets();
      this.clock.after(this.durations.crashLoopPeriod, 'kube: ccm crash-loop', () => bump(false));
    };
    bump(true);
  }

  private onCcmRunning(): void {
    this.ccmHealthy = true;
    this.clock.after(this.durations.ccmInit, 'kube: ccm initializes nodes', () => this.initializeNodes());
    this.kick();
  }

  private markNodesReady(): void {
    if (this.closed) return;
    const now = this.store.timestamp();
    for (const n of this.nodeNames) {
      const node = this.store.peek('nodes', undefined, n);
      if (!node) continue;
      const st = node.status as { conditions: { type: string; status: string; reason: string; message: string; lastHeartbeatTime: string; lastTransitionTime: string }[] };
      for (const c of st.conditions) if (c.type === 'Ready') Object.assign(c, { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now });
      const spec = node.spec as { taints?: { key: string }[] };
      spec.taints = (spec.taints ?? []).filter((t) => t.key !== NOT_READY_TAINT);
      this.store.update('nodes', node);
      this.recordEvent('default', { kind: 'Node', name: n, uid: node.metadata.uid }, 'Normal', 'NodeReady', `Node ${n} status is now: NodeReady`, { component: 'kubelet', host: n });
    }
    this.nodesReady = true;
    this.afterInit();
  }

  private initializeNodes(): void {
    if (this.closed) return;
    this.nodeNames.forEach((n) => {
      const node = this.store.peek('nodes', undefined, n);
      if (!node) return;
      const spec = node.spec as { taints?: { key: string }[]; providerID?: string };
      spec.taints = (spec.taints ?? []).filter((t) => t.key !== UNINITIALIZED_TAINT);
      spec.providerID = `openstack:///${this.serverIds.get(n) ?? this.rng.uuid()}`;
      const labels = node.metadata.labels ?? {};
      Object.assign(labels, { 'node.kubernetes.io/instance-type': this.controlPlaneNodes.includes(n) ? 'gp.mid' : 'capi.node', 'topology.kubernetes.io/region': 'RegionOne', 'topology.kubernetes.io/zone': 'nova', 'failure-domain.beta.kubernetes.io/region': 'RegionOne', 'failure-domain.beta.kubernetes.io/zone': 'nova' });
      node.metadata.labels = labels;
      this.store.update('nodes', node);
      this.ccmLog(`Successfully initialized node ${n} with cloud provider`, 'I', 'node_controller.go:431');
      this.recordEvent('default', { kind: 'Node', name: n, uid: node.metadata.uid }, 'Normal', 'Synced', 'Node synced successfully', { component: 'cloud-node-controller' });
    });
    this.nodesInitialized = true;
    this.afterInit();
  }

  private afterInit(): void {
    if (!this.nodesReady || !this.nodesInitialized) return;
    this.clock.after(this.durations.addonStart, 'kube: add-ons running', () => this.startAddons(() => true));
    this.kick();
  }

  /** Nodes a pod without tolerations can run on: Ready, initialized, not control-plane. */
  private schedulable(): string[] {
    return this.workerNodes.filter((n) => {
      const node = this.store.peek('nodes', undefined, n);
      const taints = ((node?.spec as { taints?: { effect: string }[] } | undefined)?.taints ?? []);
      return node && !taints.some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
    });
  }

  /** DaemonSet status from its pods (what `kubectl get ds` prints). */
  private refreshDaemonSets(): void {
    for (const ds of this.store.peekAll('apps/daemonsets')) {
      const pods = this.store.peekAll('pods', ds.metadata.namespace).filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === ds.metadata.uid) && !p.metadata.deletionTimestamp);
      const ready = pods.filter(isPodReady).length;
      const status = { currentNumberScheduled: pods.length, desiredNumberScheduled: pods.length, numberMisscheduled: 0, numberReady: ready, numberAvailable: ready, updatedNumberScheduled: pods.length, observedGeneration: ds.metadata.generation ?? 1, ...(pods.length - ready > 0 ? { numberUnavailable: pods.length - ready } : {}) };
      if (!sameStatus(ds.status, status)) {
        ds.status = status;
        this.store.update('apps/daemonsets', ds);
      }
    }
  }

  /** Endpoints and EndpointSlices of every Service with a selector: its ready pods (and the apiservers for `kubernetes`). */
  private reconcileEndpoints(): void {
    for (const svc of this.store.peekAll('services')) {
      const ns = svc.metadata.namespace ?? 'default';
      const spec = serviceSpec(svc);
      let addrs: { ip: string; nodeName?: string; pod?: string }[];
      let ports: { name?: string; port: number; protocol: string }[];
      if (svc.metadata.name === 'kubernetes' && ns === 'default') {
        addrs = this.controlPlaneNodes.map((n) => ({ ip: this.hostIp(n) }));
        ports = [{ name: 'https', port: 6443, protocol: 'TCP' }];
      } else {
        if (!spec.selector || Object.keys(spec.selector).length === 0) continue;
        const pods = this.store.peekAll('pods', ns).filter((p) => !p.metadata.deletionTimestamp && isPodReady(p) && matchesLabels(spec.selector, p.metadata.labels)).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
        addrs = pods.map((p) => ({ ip: podStatus(p).podIP ?? '', ...(podSpec(p).nodeName ? { nodeName: podSpec(p).nodeName! } : {}), pod: p.metadata.name }));
        ports = (spec.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: typeof p.targetPort === 'number' ? p.targetPort : p.port, protocol: p.protocol ?? 'TCP' }));
      }
      const subsets = addrs.length ? [{ addresses: addrs.map((a) => ({ ip: a.ip, ...(a.nodeName ? { nodeName: a.nodeName } : {}), ...(a.pod ? { targetRef: { kind: 'Pod', namespace: ns, name: a.pod } } : {}) })), ports }] : [];
      const ep = this.store.peek('endpoints', ns, svc.metadata.name);
      if (!ep) this.store.create('endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: this.meta(svc.metadata.name, ns, { ...(svc.metadata.labels ?? {}) }), subsets } as unknown as KObject);
      else if (JSON.stringify(ep.subsets ?? []) !== JSON.stringify(subsets)) {
        ep.subsets = subsets;
        this.store.update('endpoints', ep);
      }
      const sliceName = `${svc.metadata.name}-${this.hash10(svc.metadata.uid).slice(0, 5)}`;
      const endpoints = addrs.map((a) => ({ addresses: [a.ip], conditions: { ready: true, serving: true, terminating: false }, ...(a.nodeName ? { nodeName: a.nodeName } : {}), ...(a.pod ? { targetRef: { kind: 'Pod', namespace: ns, name: a.pod } } : {}) }));
      const slice = this.store.peek('discovery.k8s.io/endpointslices', ns, sliceName);
      if (!slice) {
        this.store.create('discovery.k8s.io/endpointslices', {
          apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
          metadata: { ...this.meta(sliceName, ns, { 'kubernetes.io/service-name': svc.metadata.name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' }), generateName: `${svc.metadata.name}-`, ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name, uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }] },
          // the endpointslice controller names every port, "" when the Service's port has no name (kubectl describe dereferences it)
          addressType: 'IPv4', endpoints, ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol })),
        } as unknown as KObject);
      } else if (JSON.stringify(slice.endpoints ?? []) !== JSON.stringify(endpoints)) {
        slice.endpoints = endpoints;
        this.store.update('discovery.k8s.io/endpointslices', slice);
      }
    }
    // a Service's Endpoints and slices go with it
    for (const ep of this.store.peekAll('endpoints')) if (!this.store.peek('services', ep.metadata.namespace, ep.metadata.name)) this.store.remove('endpoints', ep.metadata.namespace, ep.metadata.name);
    for (const sl of this.store.peekAll('discovery.k8s.io/endpointslices')) {
      const owner = sl.metadata.ownerReferences?.[0];
      if (owner && !this.store.peekAll('services', sl.metadata.namespace).some((s) => s.metadata.uid === owner.uid)) this.store.remove('discovery.k8s.io/endpointslices', sl.metadata.namespace, sl.metadata.name);
    }
  }

  // --- controllers -----------------------------------------------------------------------------

  private kick(): void {
    if (this.reconcileQueued || this.closed) return;
    this.reconcileQueued = true;
    setImmediate(() => {
      this.reconcileQueued = false;
      if (this.closed) return;
      try {
        this.reconcile();
      } catch (e) {
        this.errors.push(`reconcile: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      }
    });
  }

  private reconcile(): void {
    this.reconcileDeployments();
    this.reconcileReplicaSets();
    this.reconcilePods();
    this.reconcileServices();
    this.refreshDaemonSets();
    this.reconcileEndpoints();
  }

  private reconcileDeployments(): void {
    for (const d of this.store.peekAll('apps/deployments')) {
      const ns = d.metadata.namespace ?? 'default';
      const spec = d.spec as { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template?: { metadata?: { labels?: Record<string, string> }; spec?: Json } };
      if (d.metadata.deletionTimestamp) continue;
      const hash = this.hash10(JSON.stringify(spec.template ?? {}));
      const rsName = `${d.metadata.name}-${hash}`;
      const owned = this.store.peekAll('apps/replicasets', ns).filter((rs) => rs.metadata.ownerReferences?.some((r) => r.uid === d.metadata.uid));
      for (const old of owned) if (old.metadata.name !== rsName) this.deleteCascade('apps/replicasets', old);
      const rs = this.store.peek('apps/replicasets', ns, rsName);
      const replicas = spec.replicas ?? 1;
      if (!rs) {
        const labels = { ...(spec.template?.metadata?.labels ?? {}), 'pod-template-hash': hash };
        this.store.create('apps/replicasets', {
          apiVersion: 'apps/v1', kind: 'ReplicaSet',
          metadata: { ...this.meta(rsName, ns, labels), annotations: { 'deployment.kubernetes.io/desired-replicas': String(replicas), 'deployment.kubernetes.io/max-replicas': String(replicas + 1), 'deployment.kubernetes.io/revision': '1' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }] },
          spec: { replicas, selector: { matchLabels: { ...(spec.selector?.matchLabels ?? {}), 'pod-template-hash': hash } }, template: { metadata: { labels }, spec: spec.template?.spec ?? {} } },
          status: { replicas: 0, observedGeneration: 1 },
        });
        this.recordEvent(ns, { kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid, apiVersion: 'apps/v1' }, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${rsName} from 0 to ${replicas}`, { component: 'deployment-controller' });
        continue;
      }
      if ((rs.spec as { replicas?: number }).replicas !== replicas) {
        const from = (rs.spec as { replicas?: number }).replicas ?? 0;
        this.recordEvent(ns, { kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid, apiVersion: 'apps/v1' }, 'Normal', 'ScalingReplicaSet', `Scaled ${replicas > from ? 'up' : 'down'} replica set ${rsName} from ${from} to ${replicas}`, { component: 'deployment-controller' });
        (rs.spec as { replicas?: number }).replicas = replicas;
        this.store.update('apps/replicasets', rs, { specChanged: true });
      }
      const rsSt = (rs.status ?? {}) as { replicas?: number; readyReplicas?: number; availableReplicas?: number };
      const now = this.store.timestamp();
      const available = rsSt.availableReplicas ?? 0;
      const status = {
        observedGeneration: d.metadata.generation ?? 1,
        replicas: rsSt.replicas ?? 0,
        updatedReplicas: rsSt.replicas ?? 0,
        readyReplicas: rsSt.readyReplicas ?? 0,
        availableReplicas: available,
        ...(replicas - available > 0 ? { unavailableReplicas: replicas - available } : {}),
        conditions: [
          { type: 'Available', status: available >= replicas ? 'True' : 'False', reason: available >= replicas ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', message: available >= replicas ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.' },
          { type: 'Progressing', status: 'True', reason: available >= replicas ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" ${available >= replicas ? 'has successfully progressed' : 'is progressing'}.` },
        ],
      };
      if (!sameStatus(d.status, status)) {
        d.status = { ...status, conditions: status.conditions.map((c) => ({ ...c, lastUpdateTime: now, lastTransitionTime: now })) };
        this.store.update('apps/deployments', d);
      }
    }
  }

  private reconcileReplicaSets(): void {
    for (const rs of this.store.peekAll('apps/replicasets')) {
      const ns = rs.metadata.namespace ?? 'default';
      const owner = rs.metadata.ownerReferences?.find((r) => r.controller);
      if (owner?.kind === 'Deployment' && !this.store.peekAll('apps/deployments', ns).some((d) => d.metadata.uid === owner.uid && !d.metadata.deletionTimestamp)) {
        this.deleteCascade('apps/replicasets', rs);
        continue;
      }
      if (rs.metadata.deletionTimestamp) continue;
      const spec = rs.spec as { replicas?: number; template?: { metadata?: { labels?: Record<string, string> }; spec?: PodSpec } };
      const pods = this.store.peekAll('pods', ns).filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === rs.metadata.uid) && !p.metadata.deletionTimestamp);
      const want = spec.replicas ?? 1;
      for (let i = pods.length; i < want; i++) this.createPod(rs, spec.template ?? {});
      for (const extra of pods.slice(want)) this.deletePod(extra);
      const live = pods.slice(0, want);
      const ready = live.filter(isPodReady).length;
      const status = { replicas: Math.min(want, live.length), fullyLabeledReplicas: Math.min(want, live.length), readyReplicas: ready, availableReplicas: ready, observedGeneration: rs.metadata.generation ?? 1 };
      if (!sameStatus(rs.status, status)) {
        rs.status = status;
        this.store.update('apps/replicasets', rs);
      }
    }
  }

  private createPod(rs: KObject, template: { metadata?: { labels?: Record<string, string> }; spec?: PodSpec }): void {
    const ns = rs.metadata.namespace ?? 'default';
    let name = `${rs.metadata.name}-${this.suffix()}`;
    while (this.store.peek('pods', ns, name)) name = `${rs.metadata.name}-${this.suffix()}`;
    const spec: PodSpec = structuredClone(template.spec ?? { containers: [] });
    spec.restartPolicy ??= 'Always';
    spec.schedulerName ??= 'default-scheduler';
    spec.serviceAccountName ??= 'default';
    const pod: KObject = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { ...this.meta(name, ns, { ...(template.metadata?.labels ?? {}) }), generateName: `${rs.metadata.name}-`, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }] },
      spec: spec as unknown as Json,
      status: { phase: 'Pending', qosClass: 'BestEffort' },
    };
    const created = this.store.create('pods', pod);
    this.recordEvent(ns, { kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, apiVersion: 'apps/v1' }, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`, { component: 'replicaset-controller' });
  }

  private reconcilePods(): void {
    const nodes = this.schedulable();
    const load = new Map(nodes.map((n) => [n, 0]));
    for (const p of this.store.peekAll('pods')) {
      const n = podSpec(p).nodeName;
      if (n && load.has(n) && !this.addonsByName.has(`${p.metadata.namespace}/${p.metadata.name}`)) load.set(n, (load.get(n) ?? 0) + 1);
    }
    for (const pod of this.store.peekAll('pods')) {
      if (pod.metadata.deletionTimestamp) continue;
      if (this.addonsByName.has(`${pod.metadata.namespace}/${pod.metadata.name}`)) continue;
      const spec = podSpec(pod);
      const st = podStatus(pod);
      if (spec.nodeName || st.phase !== 'Pending') continue;
      if (nodes.length === 0) {
        const msg = `0/${this.nodeNames.length} nodes are available: ${this.nodeNames.length} node(s) had untolerated taint {${UNINITIALIZED_TAINT}: true}. preemption: 0/${this.nodeNames.length} nodes are available: ${this.nodeNames.length} Preemption is not helpful for scheduling.`;
        if (!(st.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.status === 'False')) {
          pod.status = { ...st, conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: msg, lastTransitionTime: this.store.timestamp() }] } as unknown as Json;
          this.store.update('pods', pod);
          this.recordEvent(pod.metadata.namespace ?? 'default', { kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid, apiVersion: 'v1' }, 'Warning', 'FailedScheduling', msg, { component: 'default-scheduler' });
        }
        continue;
      }
      // the least loaded worker, as the default scheduler's spreading would pick
      const node = [...load.entries()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))[0]![0];
      load.set(node, (load.get(node) ?? 0) + 1);
      spec.nodeName = node;
      pod.spec = spec as unknown as Json;
      pod.status = {
        phase: 'Pending', hostIP: this.hostIp(node), qosClass: st.qosClass ?? 'BestEffort', startTime: this.store.timestamp(),
        conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: this.store.timestamp() }, { type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: this.store.timestamp() }],
        containerStatuses: spec.containers.map((c): ContainerStatus => ({ name: c.name, image: c.image ?? '', imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason: 'ContainerCreating' } } })),
      } as unknown as Json;
      this.store.update('pods', pod);
      const ns = pod.metadata.namespace ?? 'default';
      const name = pod.metadata.name;
      this.recordEvent(ns, { kind: 'Pod', name, uid: pod.metadata.uid, apiVersion: 'v1' }, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${node}`, { component: 'default-scheduler' });
      this.clock.after(this.durations.podStart, `kube: pod ${ns}/${name} running`, () => this.setRunning('pods', ns, name, this.podIpFor(node, false), this.hostIp(node)));
    }
  }

  private deletePod(pod: KObject): void {
    const live = this.store.peek('pods', pod.metadata.namespace, pod.metadata.name);
    if (!live || live.metadata.deletionTimestamp) return;
    live.metadata.deletionTimestamp = this.store.timestamp();
    live.metadata.deletionGracePeriodSeconds = 30;
    this.store.update('pods', live);
    for (const c of podSpec(live).containers) {
      this.recordEvent(live.metadata.namespace ?? 'default', { kind: 'Pod', name: live.metadata.name, uid: live.metadata.uid, apiVersion: 'v1', fieldPath: `spec.containers{${c.name}}` }, 'Normal', 'Killing', `Stopping container ${c.name}`, { component: 'kubelet', ...(podSpec(live).nodeName ? { host: podSpec(live).nodeName! } : {}) });
    }
    this.clock.after(this.durations.podTerminate, 'kube: pod terminated', () => {
      if (!this.closed) this.store.remove('pods', live.metadata.namespace, live.metadata.name);
    });
  }

  /** Background propagation: the owner goes now, what it owns follows. */
  private deleteCascade(key: string, obj: KObject): void {
    this.store.remove(key, obj.metadata.namespace, obj.metadata.name);
    if (key === 'apps/replicasets') {
      for (const p of this.store.peekAll('pods', obj.metadata.namespace)) if (p.metadata.ownerReferences?.some((r) => r.uid === obj.metadata.uid)) this.deletePod(p);
    }
  }

  /** Called by the API server for DELETE: pods terminate gracefully, Services wait for their LB. */
  requestDelete(key: string, ns: string | undefined, name: string): { deleted: KObject | undefined; pending: KObject | undefined } {
    const live = this.store.peek(key, ns, name);
    if (!live) return { deleted: undefined, pending: undefined };
    if (key === 'pods' && !live.metadata.deletionTimestamp) {
      this.deletePod(live);
      return { deleted: undefined, pending: this.store.get(key, ns, name) };
    }
    if ((live.metadata.finalizers ?? []).length > 0) {
      if (!live.metadata.deletionTimestamp) {
        live.metadata.deletionTimestamp = this.store.timestamp();
        live.metadata.deletionGracePeriodSeconds = 0;
        this.store.update(key, live);
      }
      return { deleted: undefined, pending: this.store.get(key, ns, name) };
    }
    if (key === 'apps/deployments') {
      const gone = this.store.remove(key, ns, name);
      for (const rs of this.store.peekAll('apps/replicasets', ns)) if (rs.metadata.ownerReferences?.some((r) => r.uid === live.metadata.uid)) this.deleteCascade('apps/replicasets', rs);
      return { deleted: gone, pending: undefined };
    }
    if (key === 'apps/replicasets') {
      this.deleteCascade(key, live);
      return { deleted: live, pending: undefined };
    }
    return { deleted: this.store.remove(key, ns, name), pending: undefined };
  }

  /** Default values the API server would set on create (admission + defaulting). */
  admit(key: string, obj: KObject): void {
    if (key === 'services') {
      const spec = (obj.spec ?? {}) as Json & { type?: string; ports?: { port: number; targetPort?: number | string; protocol?: string; nodePort?: number }[]; clusterIP?: string };
      spec.type ??= 'ClusterIP';
      if (!spec.clusterIP) {
        const ip = this.clusterIp();
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
      }
      const used = new Set(this.store.peekAll('services').flatMap((s) => (serviceSpec(s).ports ?? []).map((p) => p.nodePort)));
      for (const p of spec.ports ?? []) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
        if ((spec.type === 'LoadBalancer' || spec.type === 'NodePort') && !p.nodePort) {
          let np = this.rng.int(30000, 32767);
          while (used.has(np)) np = this.rng.int(30000, 32767);
          used.add(np);
          p.nodePort = np;
        }
      }
      spec.sessionAffinity ??= 'None';
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
      spec.internalTrafficPolicy ??= 'Cluster';
      if (spec.type === 'LoadBalancer' || spec.type === 'NodePort') spec.externalTrafficPolicy ??= 'Cluster';
      if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
      obj.spec = spec;
      obj.status = { loadBalancer: {} };
    }
    if (key === 'apps/deployments') {
      const spec = (obj.spec ?? {}) as Json & { replicas?: number; template?: { spec?: PodSpec & Json } };
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
      const ps = spec.template?.spec;
      if (ps) {
        ps.restartPolicy ??= 'Always';
        ps.dnsPolicy ??= 'ClusterFirst';
        ps.schedulerName ??= 'default-scheduler';
        ps.terminationGracePeriodSeconds ??= 30;
        for (const c of ps.containers ?? []) {
          const cc = c as typeof c & { imagePullPolicy?: string; terminationMessagePath?: string; terminationMessagePolicy?: string };
          cc.imagePullPolicy ??= (c.image ?? '').endsWith(':latest') || !(c.image ?? '').includes(':') ? 'Always' : 'IfNotPresent';
          cc.terminationMessagePath ??= '/dev/termination-log';
          cc.terminationMessagePolicy ??= 'File';
        }
      }
      obj.spec = spec;
      obj.status = {};
    }
    if (key === 'pods') obj.status ??= { phase: 'Pending' };
  }

  // --- Services of type LoadBalancer (the OpenStack CCM's part) ----------------------------------

  private reconcileServices(): void {
    for (const svc of this.store.peekAll('services')) {
      const uid = svc.metadata.uid;
      const st = this.lbs.get(uid);
      const spec = serviceSpec(svc);
      if (svc.metadata.deletionTimestamp) {
        if (st?.deleting) continue;
        if (!st || (!st.lbId && !st.creating)) {
          this.removeFinalizer(svc);
          continue;
        }
        if (st.creating) continue; // delete once the create has settled
        st.deleting = true;
        void this.deleteLb(svc, st);
        continue;
      }
      if (spec.type !== 'LoadBalancer' || st || !this.ccmHealthy) continue;
      const state: LbState = { creating: true, deleting: false };
      this.lbs.set(uid, state);
      svc.metadata.finalizers = [...new Set([...(svc.metadata.finalizers ?? []), LB_FINALIZER])];
      this.store.update('services', svc);
      void this.createLb(svc, state);
    }
  }

  private async createLb(svc: KObject, st: LbState): Promise<void> {
    const ns = svc.metadata.namespace ?? 'default';
    const name = svc.metadata.name;
    const ports = (serviceSpec(svc).ports ?? []).map((p) => ({ port: p.port, nodePort: p.nodePort ?? 0, protocol: p.protocol ?? 'TCP' }));
    const ref: Involved = { kind: 'Service', name, uid: svc.metadata.uid, apiVersion: 'v1' };
    const lbName = occmLoadBalancerName(this.spec.clusterName, ns, name);
    this.recordEvent(ns, ref, 'Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer', { component: 'service-controller' });
    this.ccmLog(`EnsureLoadBalancer(${this.spec.clusterName}, ${ns}, ${name})`, 'I', 'loadbalancer.go:1925');
    this.ccmLog(`Creating loadbalancer ${lbName}`, 'I', 'loadbalancer.go:1951');
    try {
      const { lbId, ip } = await this.hooks.create({ clusterName: this.spec.clusterName, namespace: ns, name, uid: svc.metadata.uid, lbName: occmLoadBalancerName(this.spec.clusterName, ns, name), ports });
      st.lbId = lbId;
      st.ip = ip;
      const live = this.store.peek('services', ns, name);
      if (this.closed || !live || live.metadata.uid !== svc.metadata.uid || live.metadata.deletionTimestamp) return;
      const port = ports[0]?.port ?? 80;
      const endpoint = new ServiceEndpoint(ip, port, () => this.backends(ns, name), () => this.rng.next(), (pod, method, path) => {
        const c = this.store.peek('pods', ns, pod);
        const container = c ? podSpec(c).containers[0]?.name : undefined;
        if (container) this.log(ns, pod, container, [stdLogLine(this.clock.now(), `${method} ${path}`)]);
      });
      try {
        await endpoint.start();
        st.endpoint = endpoint;
      } catch (e) {
        st.error = `cannot bind ${ip}:${port}: ${e instanceof Error ? e.message : String(e)}`;
        this.errors.push(st.error);
      }
      const again = this.store.peek('services', ns, name);
      if (!again || again.metadata.uid !== svc.metadata.uid) return;
      again.status = { loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } };
      this.store.update('services', again);
      this.ccmLog(`Loadbalancer ${lbId} is ACTIVE, floating IP ${ip} associated`, 'I', 'loadbalancer.go:2069');
      this.recordEvent(ns, ref, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer', { component: 'service-controller' });
    } catch (e) {
      st.error = e instanceof Error ? e.message : String(e);
      this.errors.push(`load balancer for ${ns}/${name}: ${st.error}`);
      this.ccmLog(`error processing service ${ns}/${name} (retrying with exponential backoff): failed to ensure load balancer: ${st.error}`, 'E', 'controller.go:298');
      this.recordEvent(ns, ref, 'Warning', 'SyncLoadBalancerFailed', `Error syncing load balancer: failed to ensure load balancer: ${st.error}`, { component: 'service-controller' });
    } finally {
      st.creating = false;
      this.kick();
    }
  }

  private async deleteLb(svc: KObject, st: LbState): Promise<void> {
    const ns = svc.metadata.namespace ?? 'default';
    const ref: Involved = { kind: 'Service', name: svc.metadata.name, uid: svc.metadata.uid, apiVersion: 'v1' };
    this.recordEvent(ns, ref, 'Normal', 'DeletingLoadBalancer', 'Deleting load balancer', { component: 'service-controller' });
    this.ccmLog(`EnsureLoadBalancerDeleted(${this.spec.clusterName}, ${ns}, ${svc.metadata.name})`, 'I', 'loadbalancer.go:2189');
    try {
      await st.endpoint?.close();
      st.endpoint = undefined;
      if (st.lbId) await this.hooks.delete(st.lbId);
    } catch (e) {
      this.errors.push(`delete load balancer ${st.lbId ?? '?'}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.lbs.delete(svc.metadata.uid);
      this.recordEvent(ns, ref, 'Normal', 'DeletedLoadBalancer', 'Deleted load balancer', { component: 'service-controller' });
      const live = this.store.peek('services', svc.metadata.namespace, svc.metadata.name);
      if (live && live.metadata.uid === svc.metadata.uid) this.removeFinalizer(live);
    }
  }

  private removeFinalizer(svc: KObject): void {
    const live = this.store.peek('services', svc.metadata.namespace, svc.metadata.name);
    if (!live) return;
    live.metadata.finalizers = (live.metadata.finalizers ?? []).filter((f) => f !== LB_FINALIZER);
    if (live.metadata.finalizers.length === 0) delete live.metadata.finalizers;
    if (live.metadata.deletionTimestamp && !live.metadata.finalizers) this.store.remove('services', live.metadata.namespace, live.metadata.name);
    else this.store.update('services', live);
  }

  /** The pods the LB's pool has as members: ready, not terminating, matching the selector. */
  backends(ns: string, name: string): string[] {
    const svc = this.store.peek('services', ns, name);
    if (!svc) return [];
    const sel = serviceSpec(svc).selector;
    const pods = this.store.peekAll('pods', ns)
      .filter((p) => !p.metadata.deletionTimestamp && isPodReady(p) && matchesLabels(sel, p.metadata.labels))
      .map((p) => p.metadata.name)
      .sort();
    const max = this.faults.lbMaxMembers;
    return max === undefined ? pods : pods.slice(0, max);
  }

  /** What each Service's endpoint answered, by pod (tests and /_sim state). */
  served(ns: string, name: string): Record<string, number> {
    const svc = this.store.peek('services', ns, name);
    const ep = svc ? this.lbs.get(svc.metadata.uid)?.endpoint : undefined;
    return ep ? Object.fromEntries(ep.served) : {};
  }

  /** The LB ids the CCM holds, by Service (namespace/name). */
  loadBalancers(): { namespace: string; name: string; lbId?: string; ip?: string; error?: string }[] {
    const out = [];
    for (const svc of this.store.peekAll('services')) {
      const st = this.lbs.get(svc.metadata.uid);
      if (st) out.push({ namespace: svc.metadata.namespace ?? '', name: svc.metadata.name, ...(st.lbId ? { lbId: st.lbId } : {}), ...(st.ip ? { ip: st.ip } : {}), ...(st.error ? { error: st.error } : {}) });
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.lbs.values()].map((s) => s.endpoint?.close()));
  }
}

export function isPodReady(p: KObject): boolean {
  const st = podStatus(p);
  return st.phase === 'Running' && (st.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function sameStatus(a: unknown, b: Json): boolean {
  const strip = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? {}, (k, val: unknown) => (k === 'lastUpdateTime' || k === 'lastTransitionTime' ? undefined : val)));
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

/** The source file a program's startup lines name (klog's file:line). */
function fileOf(c: ChartContainer): string {
  if (c.name.includes('cloud-controller-manager')) return 'openstack.go:176';
  if (c.name === 'cinder-csi-plugin') return 'driver.go:92';
  return 'main.go:100';
}

/** What a user container logs as it starts: agnhost netexec announces its servers (Go's log package). */
function userStartup(c: PodSpec['containers'][number], ms: number): string[] {
  const argv = [...(c.command ?? []), ...(c.args ?? [])];
  if (!(c.image ?? '').includes('agnhost') || !argv.includes('netexec')) return [];
  const http = Number(/--http-port[= ](\d+)/.exec(argv.join(' '))?.[1] ?? '8080');
  const udp = Number(/--udp-port[= ](\d+)/.exec(argv.join(' '))?.[1] ?? '8081');
  return [stdLogLine(ms, `Started HTTP server on port ${http}`), stdLogLine(ms, `Started UDP server on port  ${udp}`)];
}
