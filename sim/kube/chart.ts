// What the magnum-capi-helm driver's Helm release puts on a workload cluster: the
// openstack-cluster chart (0.25.x, the runbook's pin) with its cluster-addons defaults, as the
// driver sets them (OpenStack integrations on, monitoring off, CNI from --network-driver).
// Names, namespaces and labels are the ones the upstream charts render:
//   - kubeadm: static control-plane pods, kube-proxy, CoreDNS (k8s-app=kube-dns) in kube-system;
//   - Calico under the tigera operator (tigera-operator, calico-system, calico-apiserver);
//   - openstack-system: the OpenStack CCM DaemonSet (app=openstack-cloud-controller-manager,
//     component=controllermanager, release ccm-openstack) and the Cinder CSI
//     controllerplugin Deployment / nodeplugin DaemonSet (app=openstack-cinder-csi, release
//     csi-cinder), the cloud-config Secret, the `csi-cinder` default StorageClass;
//   - metrics-server (kube-system), node-feature-discovery, node-problem-detector, the NVIDIA GPU
//     operator (its operands only run on GPU nodes, so only the operator pod), etcd-defrag CronJob.
// The driver also sends kubernetesDashboard.enabled=true, but cluster-addons dropped the
// dashboard add-on before 0.20, so on 0.25.x no dashboard is installed (none is modelled).
// Networking: pods 172.16.0.0/13, services 172.24.0.0/13 (kubeNetwork defaults).

export const POD_CIDR = '172.16.0.0/13';
export const SERVICE_CIDR = '172.24.0.0/13';
/** The `kubernetes` Service's ClusterIP: the first address of the service CIDR. */
export const KUBERNETES_SERVICE_IP = '172.24.0.1';
export const KUBE_DNS_IP = '172.24.0.10';
export const OPENSTACK_NS = 'openstack-system';

export type Placement = 'control-plane' | 'all' | 'workers';

export interface ChartContainer {
  readonly name: string;
  readonly image: string;
  readonly args?: readonly string[];
  /** Lines the container logs when it starts (klog-style lines get their header from the caller). */
  readonly startup: readonly LogLine[];
}

/** A log line: klog (I/W/E/F header, file:line) or plain text (already formatted by the program). */
export type LogLine = { readonly klog: 'I' | 'W' | 'E' | 'F'; readonly msg: string } | { readonly plain: string } | { readonly stdlog: string };

export interface ChartWorkload {
  readonly ns: string;
  readonly name: string;
  readonly kind: 'DaemonSet' | 'Deployment' | 'Static';
  /** Pod template labels; `selector` is the subset the controller selects on. */
  readonly labels: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>>;
  /** Labels of the DaemonSet / Deployment itself (chart metadata). */
  readonly objectLabels: Readonly<Record<string, string>>;
  /** The Helm release that installed it (meta.helm.sh/release-name), none for kubeadm's own. */
  readonly release?: string;
  readonly containers: readonly ChartContainer[];
  readonly placement: Placement;
  readonly replicas?: number;
  readonly hostNetwork: boolean;
  /** Tolerates the not-ready and uninitialized taints and needs no CNI: starts before the CCM has initialized the nodes. */
  readonly early: boolean;
  readonly ccm?: boolean;
  readonly serviceAccount: string;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly priorityClassName?: string;
}

const helm = (chart: string, extra: Record<string, string> = {}): Record<string, string> => ({ 'app.kubernetes.io/managed-by': 'Helm', 'helm.sh/chart': chart, ...extra });
const k = (msg: string, level: 'I' | 'W' | 'E' | 'F' = 'I'): LogLine => ({ klog: level, msg });
const CP = { 'node-role.kubernetes.io/control-plane': '' };

export const CALICO_VERSION = 'v3.31.5';
export const CCM_IMAGE = 'registry.k8s.io/provider-os/openstack-cloud-controller-manager:v1.36.0';
export const CINDER_CSI_IMAGE = 'registry.k8s.io/provider-os/cinder-csi-plugin:v1.35.0';

/** The add-on workloads of one cluster, in the order a `get pods -A` lists namespaces. */
export function chartWorkloads(kubeVersion: string, clusterName: string): ChartWorkload[] {
  const out: ChartWorkload[] = [];
  const calico = (name: string, image: string): ChartContainer => ({ name, image: `quay.io/calico/${image}:${CALICO_VERSION}`, startup: [{ plain: `2026-01-01 00:00:00.000 [INFO][1] ${name}/startup.go 432: Early log level set to info` }] });
  // kubeadm (control plane, kube-proxy, CoreDNS)
  for (const c of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
    const image = c === 'etcd' ? 'registry.k8s.io/etcd:3.6.4-0' : `registry.k8s.io/${c}:${kubeVersion}`;
    out.push({
      ns: 'kube-system', name: c, kind: 'Static', labels: { component: c, tier: 'control-plane' }, selector: { component: c }, objectLabels: {},
      containers: [{ name: c, image, startup: startupOf(c, kubeVersion) }], placement: 'control-plane', hostNetwork: true, early: true, serviceAccount: 'default', priorityClassName: 'system-node-critical',
    });
  }
  out.push({
    ns: 'kube-system', name: 'kube-proxy', kind: 'DaemonSet', labels: { 'k8s-app': 'kube-proxy' }, selector: { 'k8s-app': 'kube-proxy' }, objectLabels: { 'k8s-app': 'kube-proxy' },
    containers: [{ name: 'kube-proxy', image: `registry.k8s.io/kube-proxy:${kubeVersion}`, startup: startupOf('kube-proxy', kubeVersion) }], placement: 'all', hostNetwork: true, early: true, serviceAccount: 'kube-proxy', priorityClassName: 'system-node-critical',
  });
  out.push({
    ns: 'kube-system', name: 'coredns', kind: 'Deployment', replicas: 2, labels: { 'k8s-app': 'kube-dns' }, selector: { 'k8s-app': 'kube-dns' }, objectLabels: { 'k8s-app': 'kube-dns' },
    containers: [{ name: 'coredns', image: 'registry.k8s.io/coredns/coredns:v1.12.1', startup: startupOf('coredns', kubeVersion) }], placement: 'workers', hostNetwork: false, early: false, serviceAccount: 'coredns', priorityClassName: 'system-cluster-critical',
  });
  out.push({
    ns: 'kube-system', name: 'metrics-server', kind: 'Deployment', release: 'metrics-server', replicas: 1,
    labels: { 'app.kubernetes.io/name': 'metrics-server', 'app.kubernetes.io/instance': 'metrics-server' }, selector: { 'app.kubernetes.io/name': 'metrics-server', 'app.kubernetes.io/instance': 'metrics-server' },
    objectLabels: helm('metrics-server-3.13.0', { 'app.kubernetes.io/name': 'metrics-server', 'app.kubernetes.io/instance': 'metrics-server', 'app.kubernetes.io/version': '0.8.0' }),
    containers: [{ name: 'metrics-server', image: 'registry.k8s.io/metrics-server/metrics-server:v0.8.0', args: ['--secure-port=10250', '--cert-dir=/tmp', '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname', '--kubelet-use-node-status-port', '--metric-resolution=15s', '--kubelet-insecure-tls'], startup: startupOf('metrics-server', kubeVersion) }],
    placement: 'workers', hostNetwork: false, early: false, serviceAccount: 'metrics-server', priorityClassName: 'system-cluster-critical',
  });
  // Calico under the tigera operator (cni-calico release in tigera-operator)
  out.push({
    ns: 'tigera-operator', name: 'tigera-operator', kind: 'Deployment', release: 'cni-calico', replicas: 1, labels: { name: 'tigera-operator', 'k8s-app': 'tigera-operator' }, selector: { name: 'tigera-operator' },
    objectLabels: helm(`tigera-operator-${CALICO_VERSION}`, { 'k8s-app': 'tigera-operator' }),
    containers: [{ name: 'tigera-operator', image: 'quay.io/tigera/operator:v1.40.5', startup: [{ plain: '{"level":"info","ts":"2026-01-01T00:00:00Z","logger":"setup","msg":"Checking type of cluster","provider":""}' }] }],
    placement: 'control-plane', nodeSelector: CP, hostNetwork: true, early: true, serviceAccount: 'tigera-operator',
  });
  const cs = (name: string, kind: ChartWorkload['kind'], placement: Placement, hostNetwork: boolean, early: boolean, containers: ChartContainer[], replicas?: number): ChartWorkload => ({
    ns: 'calico-system', name, kind, labels: { 'k8s-app': name, 'app.kubernetes.io/name': name }, selector: { 'k8s-app': name }, objectLabels: { 'k8s-app': name, 'app.kubernetes.io/name': name },
    containers, placement, hostNetwork, early, serviceAccount: name, ...(replicas ? { replicas } : {}), priorityClassName: 'system-node-critical',
  });
  out.push(cs('calico-node', 'DaemonSet', 'all', true, true, [calico('calico-node', 'node')]));
  out.push(cs('calico-typha', 'Deployment', 'workers', true, true, [calico('calico-typha', 'typha')], 1));
  out.push(cs('calico-kube-controllers', 'Deployment', 'workers', false, false, [calico('calico-kube-controllers', 'kube-controllers')], 1));
  out.push(cs('csi-node-driver', 'DaemonSet', 'all', false, false, [calico('calico-csi', 'csi'), calico('csi-node-driver-registrar', 'node-driver-registrar')]));
  out.push(cs('goldmane', 'Deployment', 'workers', false, false, [calico('goldmane', 'goldmane')], 1));
  out.push(cs('whisker', 'Deployment', 'workers', false, false, [calico('whisker', 'whisker'), calico('whisker-backend', 'whisker-backend')], 1));
  out.push({
    ns: 'calico-apiserver', name: 'calico-apiserver', kind: 'Deployment', replicas: 2, labels: { 'k8s-app': 'calico-apiserver', apiserver: 'true', 'app.kubernetes.io/name': 'calico-apiserver' }, selector: { apiserver: 'true' },
    objectLabels: { 'k8s-app': 'calico-apiserver', apiserver: 'true' }, containers: [calico('calico-apiserver', 'apiserver')], placement: 'workers', hostNetwork: false, early: false, serviceAccount: 'calico-apiserver',
  });
  // OpenStack integrations (openstack-system)
  const ccmLabels = { app: 'openstack-cloud-controller-manager', component: 'controllermanager', release: 'ccm-openstack' };
  out.push({
    ns: OPENSTACK_NS, name: 'openstack-cloud-controller-manager', kind: 'DaemonSet', release: 'ccm-openstack', ccm: true,
    labels: { ...ccmLabels, chart: 'openstack-cloud-controller-manager-2.36.0', heritage: 'Helm' }, selector: ccmLabels,
    objectLabels: helm('openstack-cloud-controller-manager-2.36.0', { 'app.kubernetes.io/name': 'openstack-cloud-controller-manager', 'app.kubernetes.io/instance': 'ccm-openstack' }),
    containers: [{ name: 'openstack-cloud-controller-manager', image: CCM_IMAGE, args: ['/bin/openstack-cloud-controller-manager', '--v=2', '--cloud-config=$(CLOUD_CONFIG)', '--cluster-name=$(CLUSTER_NAME)', '--cloud-provider=openstack', '--use-service-account-credentials=false', '--controllers=cloud-node,cloud-node-lifecycle,route,service', '--bind-address=127.0.0.1'], startup: ccmStartup(clusterName) }],
    placement: 'control-plane', nodeSelector: CP, hostNetwork: true, early: true, serviceAccount: 'cloud-controller-manager', priorityClassName: 'system-cluster-critical',
  });
  const csi = (component: string) => ({ app: 'openstack-cinder-csi', component, release: 'csi-cinder' });
  const csiMeta = { chart: 'openstack-cinder-csi-2.35.0', heritage: 'Helm' };
  const sidecar = (name: string, image: string): ChartContainer => ({ name, image: `registry.k8s.io/sig-storage/${image}`, startup: [k(`Version: ${image.split(':')[1] ?? ''}`)] });
  out.push({
    ns: OPENSTACK_NS, name: 'openstack-cinder-csi-controllerplugin', kind: 'Deployment', release: 'csi-cinder', replicas: 1,
    labels: { ...csi('controllerplugin'), ...csiMeta }, selector: csi('controllerplugin'), objectLabels: { ...csi('controllerplugin'), ...csiMeta },
    containers: [
      sidecar('csi-attacher', 'csi-attacher:v4.10.0'), sidecar('csi-provisioner', 'csi-provisioner:v5.3.0'), sidecar('csi-snapshotter', 'csi-snapshotter:v8.4.0'),
      sidecar('csi-resizer', 'csi-resizer:v1.14.0'), sidecar('liveness-probe', 'livenessprobe:v2.17.0'),
      { name: 'cinder-csi-plugin', image: CINDER_CSI_IMAGE, startup: cinderStartup('controller', clusterName) },
    ],
    placement: 'control-plane', nodeSelector: CP, hostNetwork: false, early: false, serviceAccount: 'csi-cinder-controller-sa',
  });
  out.push({
    ns: OPENSTACK_NS, name: 'openstack-cinder-csi-nodeplugin', kind: 'DaemonSet', release: 'csi-cinder',
    labels: { ...csi('nodeplugin'), ...csiMeta }, selector: csi('nodeplugin'), objectLabels: { ...csi('nodeplugin'), ...csiMeta },
    containers: [sidecar('node-driver-registrar', 'csi-node-driver-registrar:v2.15.0'), sidecar('liveness-probe', 'livenessprobe:v2.17.0'), { name: 'cinder-csi-plugin', image: CINDER_CSI_IMAGE, startup: cinderStartup('node', clusterName) }],
    placement: 'all', hostNetwork: true, early: true, serviceAccount: 'csi-cinder-node-sa', priorityClassName: 'system-node-critical',
  });
  // node-feature-discovery (shared by the GPU / network operators)
  const nfd = (role: string) => ({ 'app.kubernetes.io/name': 'node-feature-discovery', 'app.kubernetes.io/instance': 'node-feature-discovery', role });
  const nfdImage = 'registry.k8s.io/nfd/node-feature-discovery:v0.18.3';
  const nfdMeta = helm('node-feature-discovery-0.18.3', { 'app.kubernetes.io/name': 'node-feature-discovery', 'app.kubernetes.io/instance': 'node-feature-discovery' });
  out.push({ ns: 'node-feature-discovery', name: 'node-feature-discovery-master', kind: 'Deployment', release: 'node-feature-discovery', replicas: 1, labels: nfd('master'), selector: nfd('master'), objectLabels: nfdMeta, containers: [{ name: 'master', image: nfdImage, startup: [k('"Node Feature Discovery Master" version="v0.18.3" nodeName="" namespace="node-feature-discovery"')] }], placement: 'workers', hostNetwork: false, early: false, serviceAccount: 'node-feature-discovery' });
  out.push({ ns: 'node-feature-discovery', name: 'node-feature-discovery-worker', kind: 'DaemonSet', release: 'node-feature-discovery', labels: nfd('worker'), selector: nfd('worker'), objectLabels: nfdMeta, containers: [{ name: 'worker', image: nfdImage, startup: [k('"Node Feature Discovery Worker" version="v0.18.3" nodeName="" namespace="node-feature-discovery"')] }], placement: 'all', hostNetwork: false, early: false, serviceAccount: 'node-feature-discovery-worker' });
  out.push({ ns: 'node-feature-discovery', name: 'node-feature-discovery-gc', kind: 'Deployment', release: 'node-feature-discovery', replicas: 1, labels: nfd('gc'), selector: nfd('gc'), objectLabels: nfdMeta, containers: [{ name: 'gc', image: nfdImage, startup: [k('"Node Feature Discovery Garbage Collector" version="v0.18.3"')] }], placement: 'workers', hostNetwork: false, early: false, serviceAccount: 'node-feature-discovery-gc' });
  const npd = { 'app.kubernetes.io/name': 'node-problem-detector', 'app.kubernetes.io/instance': 'node-problem-detector' };
  out.push({ ns: 'node-problem-detector', name: 'node-problem-detector', kind: 'DaemonSet', release: 'node-problem-detector', labels: npd, selector: npd, objectLabels: helm('node-problem-detector-2.3.14', npd), containers: [{ name: 'node-problem-detector', image: 'registry.k8s.io/node-problem-detector/node-problem-detector:v0.8.20', startup: [k('Finish parsing log monitor config file /config/kernel-monitor.json'), k('Start log monitor /config/kernel-monitor.json')] }], placement: 'all', hostNetwork: false, early: false, serviceAccount: 'node-problem-detector' });
  const gpu = { app: 'gpu-operator', 'app.kubernetes.io/component': 'gpu-operator' };
  out.push({ ns: 'gpu-operator', name: 'gpu-operator', kind: 'Deployment', release: 'nvidia-gpu-operator', replicas: 1, labels: { ...gpu, 'app.kubernetes.io/instance': 'nvidia-gpu-operator' }, selector: gpu, objectLabels: helm('gpu-operator-v26.3.1', gpu), containers: [{ name: 'gpu-operator', image: 'nvcr.io/nvidia/gpu-operator:v26.3.1', startup: [{ plain: '{"level":"info","ts":1767225600,"logger":"setup","msg":"starting manager"}' }, { plain: '{"level":"info","ts":1767225601,"logger":"controllers.ClusterPolicy","msg":"No GPU node can be found in the cluster."}' }] }], placement: 'workers', hostNetwork: false, early: false, serviceAccount: 'gpu-operator' });
  return out;
}

function startupOf(c: string, v: string): LogLine[] {
  switch (c) {
    case 'etcd': return [{ plain: '{"level":"info","ts":"2026-01-01T00:00:00.000000Z","caller":"embed/etcd.go:140","msg":"configuring peer listeners","listen-peer-urls":["https://0.0.0.0:2380"]}' }, { plain: '{"level":"info","ts":"2026-01-01T00:00:01.000000Z","caller":"etcdserver/server.go:2129","msg":"published local member to cluster through raft"}' }];
    case 'kube-apiserver': return [k(`Version: ${v}`), k('Serving securely on [::]:6443')];
    case 'kube-controller-manager': return [k(`Version: ${v}`), k('successfully acquired lease kube-system/kube-controller-manager')];
    case 'kube-scheduler': return [k(`Version: ${v}`), k('successfully acquired lease kube-system/kube-scheduler')];
    case 'kube-proxy': return [k('Using iptables proxy'), k(`Version info version="${v}"`), k('Starting service config controller')];
    case 'coredns': return [{ plain: '.:53' }, { plain: '[INFO] plugin/reload: Running configuration SHA512 = 1b226df79860026c6a52e67daa10d7f0d57ec5b023288ec00c5e05f93523c894564e15b91770d3a07ae1cfbe861d15b37d4a0027e69c546ab112970993a3b03b' }, { plain: 'CoreDNS-1.12.1' }, { plain: 'linux/amd64, go1.24.1, 707c7c1' }];
    case 'metrics-server': return [k('Generated self-signed cert (/tmp/apiserver.crt, /tmp/apiserver.key)'), k('Serving securely on [::]:10250')];
    default: return [];
  }
}

function ccmStartup(clusterName: string): LogLine[] {
  return [
    k('Generated self-signed cert in-memory'),
    k('openstack.NewOpenStack() called'),
    k(`Claimed openstack-cloud-controller-manager for cluster ${clusterName}`),
    k('attempting to acquire leader lease kube-system/cloud-controller-manager...'),
    k('successfully acquired lease kube-system/cloud-controller-manager'),
    k('Starting "service-lb-controller"'),
    k('Starting "cloud-node-controller"'),
  ];
}

function cinderStartup(role: 'controller' | 'node', clusterName: string): LogLine[] {
  return [
    k(`Driver: cinder.csi.openstack.org, Version: v1.35.0`),
    k(role === 'controller' ? `Enabling controller service capability: LIST_VOLUMES (cluster ${clusterName})` : 'Enabling node service capability: STAGE_UNSTAGE_VOLUME'),
    k('Listening for connections on address: &net.UnixAddr{Name:"/csi/csi.sock", Net:"unix"}'),
  ];
}

/** The CCM's log when the application credential in cloud-config cannot authenticate (gophercloud's 401). */
export function ccmAuthFailure(authUrl: string): string[] {
  return [
    'Generated self-signed cert in-memory',
    'openstack.NewOpenStack() called',
    `failed to authenticate against ${authUrl}: Expected HTTP response code [201 202] when accessing [POST ${authUrl}/auth/tokens], but got 401 instead: {"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}`,
    'Cloud provider could not be initialized: could not init cloud provider "openstack": Authentication failed',
  ];
}

/** A klog header: Lmmdd hh:mm:ss.uuuuuu threadid file:line] */
export function klogLine(level: 'I' | 'W' | 'E' | 'F', ms: number, file: string, msg: string): string {
  const d = new Date(ms);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const us = String(d.getUTCMilliseconds() * 1000).padStart(6, '0');
  return `${level}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${us}       1 ${file}] ${msg}`;
}

/** Go's standard log package: 2006/01/02 15:04:05 msg */
export function stdLogLine(ms: number, msg: string): string {
  const d = new Date(ms);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${msg}`;
}

/** Renders a container's startup lines at time ms. */
export function renderLines(lines: readonly LogLine[], ms: number, file = 'main.go:100'): string[] {
  return lines.map((l) => ('klog' in l ? klogLine(l.klog, ms, file, l.msg) : 'stdlog' in l ? stdLogLine(ms, l.stdlog) : l.plain.replace('2026-01-01 00:00:00.000', new Date(ms).toISOString().replace('T', ' ').slice(0, 23)).replace('2026-01-01T00:00:00Z', new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'))));
}
