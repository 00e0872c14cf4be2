// One simulated workload cluster: the objects a CAPI Helm cluster has after boot (nodes with the
// control-plane role label and the CAPI uninitialized taint until the OpenStack CCM initializes
// them; Calico under tigera, the CCM, Cinder CSI, CoreDNS, the control-plane static pods) and
// the controllers the runbook exercises: Deployment -> ReplicaSet -> Pods (with hostnames),
// Services of type LoadBalancer -> an Octavia LB through LoadBalancerHooks, bound and
// round-robined on its (loopback) IP. Every duration runs on the SimClock, in simulated ms.

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
  /** The Nova servers CAPO created (names and fixed IPs), so nodes match `openstack server list`; default: generated. */
  readonly nodes?: { readonly controlPlane: readonly NodeSeed[]; readonly workers: readonly NodeSeed[] };
  readonly seed?: number;
}

export interface NodeSeed {
  readonly name: string;
  readonly ip?: string;
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
  /** The Deployment/DaemonSet it belongs to (labels k8s-app / app.kubernetes.io/name). */
  app: string;
  containers: { name: string; image: string }[];
  node: string;
  hostNetwork: boolean;
  /** Tolerates the uninitialized taint (runs before the CCM has initialized the node). */
  early: boolean;
  ccm?: boolean;
  ownerKind: 'DaemonSet' | 'ReplicaSet' | 'Node';
}

interface LbState {
  lbId?: string;
  ip?: string;
  endpoint?: ServiceEndpoint;
  creating: boolean;
  deleting: boolean;
  error?: string;
}

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
  /** Container logs by namespace/pod (what `kubectl logs` returns). */
  private readonly logs = new Map<string, string[]>();

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
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'tigera-operator', 'calico-system']) {
      if (ns === 'calico-system' && this.spec.calicoNamespace === 'kube-system') continue;
      s.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: this.meta(ns), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
    }
    const c = this.spec.clusterName;
    if (this.spec.nodes) {
      this.controlPlaneNodes.push(...this.spec.nodes.controlPlane.map((n) => n.name));
      this.workerNodes.push(...this.spec.nodes.workers.map((n) => n.name));
      for (const n of [...this.spec.nodes.controlPlane, ...this.spec.nodes.workers]) if (n.ip) this.fixedIps.set(n.name, n.ip);
    } else {
      for (let i = 0; i < this.spec.masterCount; i++) this.controlPlaneNodes.push(`${c}-control-plane-${this.suffix()}`);
      const ms = this.suffix(5);
      for (let i = 0; i < this.spec.nodeCount; i++) this.workerNodes.push(`${c}-default-worker-${ms}-${this.suffix()}`);
    }
    this.nodeNames.push(...this.controlPlaneNodes, ...this.workerNodes);
    this.nodeNames.forEach((n, i) => s.create('nodes', this.node(n, i, this.controlPlaneNodes.includes(n))));

    s.create('services', this.svc('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443, targetPort: 6443, protocol: 'TCP' }], undefined, { component: 'apiserver', provider: 'kubernetes' }));
    s.create('services', this.svc('kube-system', 'kube-dns', '10.96.0.10', [{ name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, targetPort: 53, protocol: 'TCP' }], { 'k8s-app': 'kube-dns' }, { 'k8s-app': 'kube-dns' }));

    for (const p of this.addonPods()) this.createAddon(p);

    const d = this.durations;
    // Static pods, kube-proxy, calico-node, tigera and the CCM tolerate the taints: they start first.
    this.clock.after(d.addonStart, 'kube: early add-ons running', () => this.startAddons((p) => p.early));
    this.clock.after(d.nodeReady, 'kube: kubelets Ready', () => this.markNodesReady());
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

  private readonly fixedIps = new Map<string, string>();

  private nodeIp(i: number): string {
    const name = this.nodeNames[i];
    return (name ? this.fixedIps.get(name) : undefined) ?? `${this.net}.${10 + i}`;
  }

  private node(name: string, i: number, cp: boolean): KObject {
    const now = this.store.timestamp();
    return {
      apiVersion: 'v1', kind: 'Node',
      metadata: this.meta(name, undefined, {
        'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux',
        ...(cp ? { [CP_LABEL]: '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' } : {}),
        'capi.stackhpc.com/cluster': this.spec.clusterName,
        ...(cp ? {} : { 'capi.stackhpc.com/node-group': 'default-worker' }),
      }),
      spec: {
        podCIDR: `192.168.${i * 4}.0/24`, podCIDRs: [`192.168.${i * 4}.0/24`],
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

  private addonPods(): AddonPod[] {
    const out: AddonPod[] = [];
    const v = this.spec.kubeVersion;
    const calicoNs = this.spec.calicoNamespace ?? 'calico-system';
    const cp = this.controlPlaneNodes[0] ?? this.nodeNames[0] ?? 'node';
    const worker = (i: number) => this.workerNodes[i % Math.max(1, this.workerNodes.length)] ?? cp;
    const rsName = (app: string) => `${app}-${this.hash10(app).slice(0, 9)}-${this.suffix()}`;
    for (const n of this.controlPlaneNodes) {
      for (const c of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
        const image = c === 'etcd' ? 'registry.k8s.io/etcd:3.6.4-0' : `registry.k8s.io/${c}:${v}`;
        out.push({ ns: 'kube-system', name: `${c}-${n}`, app: c, containers: [{ name: c, image }], node: n, hostNetwork: true, early: true, ownerKind: 'Node' });
      }
    }
    for (const n of this.nodeNames) {
      out.push({ ns: 'kube-system', name: `kube-proxy-${this.suffix()}`, app: 'kube-proxy', containers: [{ name: 'kube-proxy', image: `registry.k8s.io/kube-proxy:${v}` }], node: n, hostNetwork: true, early: true, ownerKind: 'DaemonSet' });
      out.push({ ns: calicoNs, name: `calico-node-${this.suffix()}`, app: 'calico-node', containers: [{ name: 'calico-node', image: 'docker.io/calico/node:v3.30.2' }], node: n, hostNetwork: true, early: true, ownerKind: 'DaemonSet' });
      out.push({ ns: calicoNs, name: `csi-node-driver-${this.suffix()}`, app: 'csi-node-driver', containers: [{ name: 'calico-csi', image: 'docker.io/calico/csi:v3.30.2' }, { name: 'csi-node-driver-registrar', image: 'docker.io/calico/node-driver-registrar:v3.30.2' }], node: n, hostNetwork: false, early: false, ownerKind: 'DaemonSet' });
      out.push({ ns: 'kube-system', name: `csi-cinder-nodeplugin-${this.suffix()}`, app: 'csi-cinder-nodeplugin', containers: [
        { name: 'node-driver-registrar', image: 'registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.13.0' },
        { name: 'liveness-probe', image: 'registry.k8s.io/sig-storage/livenessprobe:v2.15.0' },
        { name: 'cinder-csi-plugin', image: 'registry.k8s.io/provider-os/cinder-csi-plugin:v1.34.0' },
      ], node: n, hostNetwork: true, early: true, ownerKind: 'DaemonSet' });
    }
    out.push({ ns: 'tigera-operator', name: rsName('tigera-operator'), app: 'tigera-operator', containers: [{ name: 'tigera-operator', image: 'quay.io/tigera/operator:v1.38.3' }], node: cp, hostNetwork: true, early: true, ownerKind: 'ReplicaSet' });
    out.push({ ns: calicoNs, name: rsName('calico-typha'), app: 'calico-typha', containers: [{ name: 'calico-typha', image: 'docker.io/calico/typha:v3.30.2' }], node: worker(0), hostNetwork: true, early: true, ownerKind: 'ReplicaSet' });
    out.push({ ns: calicoNs, name: rsName('calico-kube-controllers'), app: 'calico-kube-controllers', containers: [{ name: 'calico-kube-controllers', image: 'docker.io/calico/kube-controllers:v3.30.2' }], node: worker(1), hostNetwork: false, early: false, ownerKind: 'ReplicaSet' });
    for (const n of this.controlPlaneNodes) {
      out.push({ ns: 'kube-system', name: `openstack-cloud-controller-manager-${this.suffix()}`, app: 'openstack-cloud-controller-manager', containers: [{ name: 'openstack-cloud-controller-manager', image: 'registry.k8s.io/provider-os/openstack-cloud-controller-manager:v1.34.0' }], node: n, hostNetwork: true, early: true, ccm: true, ownerKind: 'DaemonSet' });
    }
    const dns = this.hash10('coredns').slice(0, 10);
    for (let i = 0; i < 2; i++) {
      out.push({ ns: 'kube-system', name: `coredns-${dns}-${this.suffix()}`, app: 'kube-dns', containers: [{ name: 'coredns', image: 'registry.k8s.io/coredns/coredns:v1.12.1' }], node: worker(i), hostNetwork: false, early: false, ownerKind: 'ReplicaSet' });
    }
    out.push({ ns: 'kube-system', name: rsName('csi-cinder-controllerplugin'), app: 'csi-cinder-controllerplugin', containers: [
      { name: 'csi-attacher', image: 'registry.k8s.io/sig-storage/csi-attacher:v4.8.1' },
      { name: 'csi-provisioner', image: 'registry.k8s.io/sig-storage/csi-provisioner:v5.2.0' },
      { name: 'csi-snapshotter', image: 'registry.k8s.io/sig-storage/csi-snapshotter:v8.2.1' },
      { name: 'csi-resizer', image: 'registry.k8s.io/sig-storage/csi-resizer:v1.13.2' },
      { name: 'liveness-probe', image: 'registry.k8s.io/sig-storage/livenessprobe:v2.15.0' },
      { name: 'cinder-csi-plugin', image: 'registry.k8s.io/provider-os/cinder-csi-plugin:v1.34.0' },
    ], node: worker(0), hostNetwork: false, early: false, ownerKind: 'ReplicaSet' });
    return out;
  }

  private podIpFor(node: string, hostNetwork: boolean): string {
    const i = Math.max(0, this.nodeNames.indexOf(node));
    if (hostNetwork) return this.nodeIp(i);
    return `192.168.${i * 4}.${this.rng.int(2, 250)}`;
  }

  private createAddon(p: AddonPod): void {
    const labels: Record<string, string> = p.app === 'kube-dns' ? { 'k8s-app': 'kube-dns' } : { 'k8s-app': p.app, 'app.kubernetes.io/name': p.app };
    if (p.ownerKind === 'Node') { labels.component = p.app; labels.tier = 'control-plane'; }
    const pod: KObject = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { ...this.meta(p.name, p.ns, labels), ownerReferences: [{ apiVersion: p.ownerKind === 'Node' ? 'v1' : 'apps/v1', kind: p.ownerKind, name: p.ownerKind === 'Node' ? p.node : p.app, uid: this.rng.uuid(), controller: true }] },
      spec: {
        nodeName: p.node, hostNetwork: p.hostNetwork, restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: p.ownerKind === 'Node' ? 'default' : p.app,
        containers: p.containers.map((c) => ({ name: c.name, image: c.image, imagePullPolicy: 'IfNotPresent' })),
        tolerations: p.early ? [{ operator: 'Exists' }] : [{ key: 'CriticalAddonsOnly', operator: 'Exists' }, { key: NOT_READY_TAINT, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
        priorityClassName: 'system-node-critical',
      },
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: this.store.timestamp() }],
        qosClass: 'Burstable',
        containerStatuses: p.containers.map((c): ContainerStatus => ({ name: c.name, image: c.image, imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason: 'ContainerCreating' } } })),
      },
    };
    this.store.create('pods', pod);
    this.addonsByName.set(`${p.ns}/${p.name}`, p);
  }

  private readonly addonsByName = new Map<string, AddonPod>();

  private startAddons(which: (p: AddonPod) => boolean): void {
    if (this.closed) return;
    for (const p of this.addonsByName.values()) {
      const key = `${p.ns}/${p.name}`;
      if (!which(p) || this.started.has(key)) continue;
      this.started.add(key);
      if (p.ccm && this.faults.ccmCrashLoop) {
        this.crashLoop(p);
        continue;
      }
      this.setRunning('pods', p.ns, p.name, this.podIpFor(p.node, p.hostNetwork), this.hostIp(p.node));
      if (p.ccm) this.onCcmRunning();
    }
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
  }

  /** A core/v1 Event about an object (what `kubectl get events` lists); repeats bump the count. */
  recordEvent(ns: string, involved: { kind: string; name: string; uid?: string }, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const now = this.store.timestamp();
    const same = this.store.peekAll('events', ns).find((e) => (e as unknown as { reason: string }).reason === reason && (e as unknown as { involvedObject: { name: string } }).involvedObject.name === involved.name);
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
      involvedObject: { kind: involved.kind, namespace: ns, name: involved.name, ...(involved.uid ? { uid: involved.uid } : {}) },
      reason, message, type, count: 1, firstTimestamp: now, lastTimestamp: now, source: { component: reason === 'FailedScheduling' ? 'default-scheduler' : 'kubelet' },
    } as unknown as KObject);
  }

  /** Appends container log lines of a pod. */
  log(ns: string, pod: string, lines: readonly string[]): void {
    const k = `${ns}/${pod}`;
    const all = [...(this.logs.get(k) ?? []), ...lines];
    this.logs.set(k, all.slice(-500));
  }

  /** The pod's log (`kubectl logs`), '' when it has none. */
  podLog(ns: string, pod: string): string {
    const l = this.logs.get(`${ns}/${pod}`);
    return l ? `${l.join('\n')}\n` : '';
  }

  /** D-011 item 5's failure: the CCM restarts, backs off, restarts ... and never initializes the nodes. */
  private crashLoop(p: AddonPod): void {
    const f = this.faults.ccmCrashLoop!;
    const bump = (first: boolean) => {
      if (this.closed) return;
      const pod = this.store.peek('pods', p.ns, p.name);
      if (!pod || pod.metadata.deletionTimestamp) return;
      const now = this.store.timestamp();
      const st = podStatus(pod);
      pod.status = {
        ...st,
        phase: 'Running', hostIP: this.hostIp(p.node), podIP: this.hostIp(p.node), podIPs: [{ ip: this.hostIp(p.node) }], startTime: st.startTime ?? now,
        conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now }, { type: 'PodScheduled', status: 'True', lastTransitionTime: now }],
        containerStatuses: (st.containerStatuses ?? []).map((c) => ({
          ...c, ready: false, started: false,
          restartCount: first ? f.restartsAtBoot : c.restartCount + 1,
          state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=${c.name} pod=${p.name}_${p.ns}(${pod.metadata.uid})` } },
          lastState: { terminated: { reason: 'Error', exitCode: 1, startedAt: now, finishedAt: now } },
        })),
      } as unknown as Json;
      this.store.update('pods', pod);
      const stamp = new Date(this.clock.now()).toISOString();
      this.log(p.ns, p.name, [
        `I${stamp} 1 serving.go:380] Generated self-signed cert in-memory`,
        `I${stamp} 1 openstack.go:297] openstack.Initialize() called`,
        `F${stamp} 1 main.go:84] Cloud provider could not be initialized: could not init cloud provider "openstack": simulated crash-loop fault (scenario ccm-crashloop)`,
      ]);
      this.recordEvent(p.ns, { kind: 'Pod', name: p.name, uid: pod.metadata.uid }, 'Warning', 'BackOff', `Back-off restarting failed container ${(st.containerStatuses ?? [])[0]?.name ?? 'openstack-cloud-controller-manager'} in pod ${p.name}_${p.ns}(${pod.metadata.uid})`);
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
      spec.providerID = `openstack:///${this.rng.uuid()}`;
      const labels = node.metadata.labels ?? {};
      Object.assign(labels, { 'node.kubernetes.io/instance-type': this.controlPlaneNodes.includes(n) ? 'gp.mid' : 'capi.node', 'topology.kubernetes.io/region': 'RegionOne', 'topology.kubernetes.io/zone': 'nova', 'failure-domain.beta.kubernetes.io/region': 'RegionOne', 'failure-domain.beta.kubernetes.io/zone': 'nova' });
      node.metadata.labels = labels;
      this.store.update('nodes', node);
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
        continue;
      }
      if ((rs.spec as { replicas?: number }).replicas !== replicas) {
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
    this.store.create('pods', pod);
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
          this.recordEvent(pod.metadata.namespace ?? 'default', { kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid }, 'Warning', 'FailedScheduling', msg);
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
      this.clock.after(this.durations.podStart, `kube: pod ${ns}/${name} running`, () => this.setRunning('pods', ns, name, this.podIpFor(node, false), this.hostIp(node)));
    }
  }

  private deletePod(pod: KObject): void {
    const live = this.store.peek('pods', pod.metadata.namespace, pod.metadata.name);
    if (!live || live.metadata.deletionTimestamp) return;
    live.metadata.deletionTimestamp = this.store.timestamp();
    live.metadata.deletionGracePeriodSeconds = 30;
    this.store.update('pods', live);
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
        const ip = `10.96.${Math.floor(this.nextClusterIp / 250)}.${(this.nextClusterIp % 250) + 2}`;
        this.nextClusterIp++;
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
    try {
      const { lbId, ip } = await this.hooks.create({ clusterName: this.spec.clusterName, namespace: ns, name, uid: svc.metadata.uid, lbName: occmLoadBalancerName(this.spec.clusterName, ns, name), ports });
      st.lbId = lbId;
      st.ip = ip;
      const live = this.store.peek('services', ns, name);
      if (this.closed || !live || live.metadata.uid !== svc.metadata.uid || live.metadata.deletionTimestamp) return;
      const port = ports[0]?.port ?? 80;
      const endpoint = new ServiceEndpoint(ip, port, () => this.backends(ns, name), () => this.rng.next());
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
    } catch (e) {
      st.error = e instanceof Error ? e.message : String(e);
      this.errors.push(`load balancer for ${ns}/${name}: ${st.error}`);
    } finally {
      st.creating = false;
      this.kick();
    }
  }

  private async deleteLb(svc: KObject, st: LbState): Promise<void> {
    try {
      await st.endpoint?.close();
      st.endpoint = undefined;
      if (st.lbId) await this.hooks.delete(st.lbId);
    } catch (e) {
      this.errors.push(`delete load balancer ${st.lbId ?? '?'}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.lbs.delete(svc.metadata.uid);
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
