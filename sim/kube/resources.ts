// Resource definitions (discovery), server-side Table printers (kubectl prints only NAME and AGE
// without them, api-notes §8.2), field and label selectors. Columns follow the real apiserver's
// printers so the runbook's greps see the same text.

import type { Json, KObject, ResourceDef } from './store.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const CORE_RESOURCES: readonly ResourceDef[] = [
  { group: '', version: 'v1', plural: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'], subresources: ['status'] },
  { group: '', version: 'v1', plural: 'nodes', singular: 'node', kind: 'Node', namespaced: false, shortNames: ['no'], subresources: ['status'] },
  { group: '', version: 'v1', plural: 'pods', singular: 'pod', kind: 'Pod', namespaced: true, shortNames: ['po'], categories: ['all'], subresources: ['status', 'log'] },
  { group: '', version: 'v1', plural: 'services', singular: 'service', kind: 'Service', namespaced: true, shortNames: ['svc'], categories: ['all'], subresources: ['status'] },
  { group: '', version: 'v1', plural: 'secrets', singular: 'secret', kind: 'Secret', namespaced: true, shortNames: [] },
  { group: '', version: 'v1', plural: 'events', singular: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'] },
  { group: '', version: 'v1', plural: 'configmaps', singular: 'configmap', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] },
  { group: 'apps', version: 'v1', plural: 'deployments', singular: 'deployment', kind: 'Deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'] },
  { group: 'apps', version: 'v1', plural: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'] },
  { group: 'apps', version: 'v1', plural: 'daemonsets', singular: 'daemonset', kind: 'DaemonSet', namespaced: true, shortNames: ['ds'], categories: ['all'], subresources: ['status'] },
  { group: 'apps', version: 'v1', plural: 'statefulsets', singular: 'statefulset', kind: 'StatefulSet', namespaced: true, shortNames: ['sts'], categories: ['all'], subresources: ['status', 'scale'] },
  { group: '', version: 'v1', plural: 'endpoints', singular: 'endpoints', kind: 'Endpoints', namespaced: true, shortNames: ['ep'] },
  { group: '', version: 'v1', plural: 'serviceaccounts', singular: 'serviceaccount', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'] },
  { group: '', version: 'v1', plural: 'persistentvolumeclaims', singular: 'persistentvolumeclaim', kind: 'PersistentVolumeClaim', namespaced: true, shortNames: ['pvc'], subresources: ['status'] },
  { group: '', version: 'v1', plural: 'persistentvolumes', singular: 'persistentvolume', kind: 'PersistentVolume', namespaced: false, shortNames: ['pv'], subresources: ['status'] },
  { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', singular: 'endpointslice', kind: 'EndpointSlice', namespaced: true, shortNames: [] },
  { group: 'storage.k8s.io', version: 'v1', plural: 'storageclasses', singular: 'storageclass', kind: 'StorageClass', namespaced: false, shortNames: ['sc'] },
  { group: 'storage.k8s.io', version: 'v1', plural: 'csidrivers', singular: 'csidriver', kind: 'CSIDriver', namespaced: false, shortNames: [] },
  { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', singular: 'lease', kind: 'Lease', namespaced: true, shortNames: [] },
  { group: 'batch', version: 'v1', plural: 'jobs', singular: 'job', kind: 'Job', namespaced: true, shortNames: [], categories: ['all'], subresources: ['status'] },
  { group: 'batch', version: 'v1', plural: 'cronjobs', singular: 'cronjob', kind: 'CronJob', namespaced: true, shortNames: ['cj'], categories: ['all'], subresources: ['status'] },
];

/** The CAPI objects the delete path touches (api-notes §3.5), for the management cluster. */
export const CAPI_RESOURCES: readonly ResourceDef[] = [
  { group: 'cluster.x-k8s.io', version: 'v1beta1', plural: 'clusters', singular: 'cluster', kind: 'Cluster', namespaced: true, shortNames: ['cl'], categories: ['cluster-api'], subresources: ['status'] },
  { group: 'cluster.x-k8s.io', version: 'v1beta1', plural: 'machinedeployments', singular: 'machinedeployment', kind: 'MachineDeployment', namespaced: true, shortNames: ['md'], categories: ['cluster-api'], subresources: ['status', 'scale'] },
  { group: 'cluster.x-k8s.io', version: 'v1beta1', plural: 'machinesets', singular: 'machineset', kind: 'MachineSet', namespaced: true, shortNames: ['ms'], categories: ['cluster-api'], subresources: ['status', 'scale'] },
  { group: 'cluster.x-k8s.io', version: 'v1beta1', plural: 'machines', singular: 'machine', kind: 'Machine', namespaced: true, shortNames: ['ma'], categories: ['cluster-api'], subresources: ['status'] },
  { group: 'infrastructure.cluster.x-k8s.io', version: 'v1beta1', plural: 'openstackmachines', singular: 'openstackmachine', kind: 'OpenStackMachine', namespaced: true, shortNames: ['osm'], categories: ['cluster-api'], subresources: ['status'] },
  { group: 'infrastructure.cluster.x-k8s.io', version: 'v1beta1', plural: 'openstackclusters', singular: 'openstackcluster', kind: 'OpenStackCluster', namespaced: true, shortNames: ['osc'], categories: ['cluster-api'], subresources: ['status'] },
  { group: 'controlplane.cluster.x-k8s.io', version: 'v1beta1', plural: 'kubeadmcontrolplanes', singular: 'kubeadmcontrolplane', kind: 'KubeadmControlPlane', namespaced: true, shortNames: ['kcp'], categories: ['cluster-api'], subresources: ['status', 'scale'] },
  { group: 'addons.stackhpc.com', version: 'v1alpha1', plural: 'helmreleases', singular: 'helmrelease', kind: 'HelmRelease', namespaced: true, shortNames: [], subresources: ['status'] },
  { group: 'addons.stackhpc.com', version: 'v1alpha1', plural: 'manifests', singular: 'manifests', kind: 'Manifests', namespaced: true, shortNames: [], subresources: ['status'] },
];

/**
 * The Prometheus Operator's CRDs (monitoring.coreos.com/v1), installed on the management cluster:
 * deploy/ ships a ServiceMonitor and a PrometheusRule for it (docs/deploy.md), so the cluster it is
 * applied to serves these kinds, as one with kube-prometheus-stack does.
 */
export const MONITORING_RESOURCES: readonly ResourceDef[] = [
  { group: 'monitoring.coreos.com', version: 'v1', plural: 'servicemonitors', singular: 'servicemonitor', kind: 'ServiceMonitor', namespaced: true, shortNames: ['smon'], categories: ['prometheus-operator'] },
  { group: 'monitoring.coreos.com', version: 'v1', plural: 'podmonitors', singular: 'podmonitor', kind: 'PodMonitor', namespaced: true, shortNames: ['pmon'], categories: ['prometheus-operator'] },
  { group: 'monitoring.coreos.com', version: 'v1', plural: 'prometheusrules', singular: 'prometheusrule', kind: 'PrometheusRule', namespaced: true, shortNames: ['promrule'], categories: ['prometheus-operator'] },
];

/** apiextensions.k8s.io: the management cluster's CRDs (kubectl lists them to tell a CRD from an unknown kind). */
export const CRD_RESOURCE: ResourceDef = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', singular: 'customresourcedefinition', kind: 'CustomResourceDefinition', namespaced: false, shortNames: ['crd', 'crds'], subresources: ['status'] };

/** The CustomResourceDefinition that installs a custom kind (served, stored, Established). Its schema is the
 *  simulator's own, which keeps unknown fields: the simulator checks no custom object's fields. */
export function crdFor(d: ResourceDef): Json {
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
    metadata: { name: `${d.plural}.${d.group}` },
    spec: {
      group: d.group, scope: d.namespaced ? 'Namespaced' : 'Cluster',
      names: { plural: d.plural, singular: d.singular, kind: d.kind, listKind: `${d.kind}List`, ...(d.shortNames.length ? { shortNames: d.shortNames } : {}), ...(d.categories ? { categories: d.categories } : {}) },
      versions: [{ name: d.version, served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } }, ...(d.subresources?.length ? { subresources: Object.fromEntries(d.subresources.map((s) => [s, s === 'scale' ? { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } : {}])) } : {}) }],
    },
    status: {
      acceptedNames: { plural: d.plural, singular: d.singular, kind: d.kind, listKind: `${d.kind}List` }, storedVersions: [d.version],
      conditions: [{ type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' }, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }],
    },
  };
}

export function apiResourceList(groupVersion: string, defs: readonly ResourceDef[]): Json {
  const resources: Json[] = [];
  for (const d of defs) {
    resources.push({
      name: d.plural, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: VERBS,
      ...(d.shortNames.length ? { shortNames: d.shortNames } : {}),
      ...(d.categories ? { categories: d.categories } : {}),
    });
    for (const sub of d.subresources ?? []) {
      if (sub === 'scale') resources.push({ name: `${d.plural}/scale`, singularName: '', namespaced: d.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
      else if (sub === 'log') resources.push({ name: `${d.plural}/log`, singularName: '', namespaced: d.namespaced, kind: d.kind, verbs: ['get'] });
      else resources.push({ name: `${d.plural}/${sub}`, singularName: '', namespaced: d.namespaced, kind: d.kind, verbs: ['get', 'patch', 'update'] });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

// --- ages -----------------------------------------------------------------------------------

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const d = Math.floor(hours / 24) % 365;
    return d === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${d}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function age(o: KObject, now: number): string {
  const t = Date.parse(o.metadata.creationTimestamp);
  return Number.isFinite(t) ? humanDuration(now - t) : '<unknown>';
}

// --- typed views of the few fields the printers and controllers read -----------------------------

export interface ContainerStatus {
  name: string; ready: boolean; restartCount: number; image: string; imageID: string; started?: boolean; containerID?: string;
  state: { running?: { startedAt: string }; waiting?: { reason: string; message?: string }; terminated?: { reason: string; exitCode: number; startedAt?: string; finishedAt?: string } };
  lastState?: { terminated?: { reason: string; exitCode: number; startedAt?: string; finishedAt?: string } };
}
export interface PodStatus {
  phase: string; conditions?: { type: string; status: string; lastTransitionTime?: string }[]; hostIP?: string; podIP?: string; podIPs?: { ip: string }[];
  startTime?: string; containerStatuses?: ContainerStatus[]; qosClass?: string; reason?: string; message?: string; nominatedNodeName?: string;
}
export interface PodSpec {
  nodeName?: string; containers: { name: string; image?: string; command?: string[]; args?: string[]; ports?: { containerPort: number; protocol?: string }[] }[];
  restartPolicy?: string; schedulerName?: string; serviceAccountName?: string; hostNetwork?: boolean; tolerations?: Json[]; readinessGates?: { conditionType: string }[];
}
export interface ServiceSpec {
  type?: string; clusterIP?: string; clusterIPs?: string[]; externalIPs?: string[]; selector?: Record<string, string>;
  ports?: { name?: string; protocol?: string; port: number; targetPort?: number | string; nodePort?: number }[];
}

export const podSpec = (o: KObject): PodSpec => (o.spec ?? { containers: [] }) as unknown as PodSpec;
export const podStatus = (o: KObject): PodStatus => (o.status ?? { phase: 'Pending' }) as unknown as PodStatus;
export const serviceSpec = (o: KObject): ServiceSpec => (o.spec ?? {}) as unknown as ServiceSpec;

/** What `kubectl get pods` shows in STATUS (pkg/printers/internalversion printPod, without init containers). */
export function podStatusText(o: KObject): string {
  const st = podStatus(o);
  let reason = st.reason || st.phase || 'Unknown';
  let hasRunning = false;
  const cs = st.containerStatuses ?? [];
  for (let i = cs.length - 1; i >= 0; i--) {
    const c = cs[i]!;
    if (c.state.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state.terminated?.reason) reason = c.state.terminated.reason;
    else if (c.state.terminated) reason = `ExitCode:${c.state.terminated.exitCode}`;
    else if (c.ready && c.state.running) hasRunning = true;
  }
  if (reason === 'Completed' && hasRunning) reason = (st.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
  if (o.metadata.deletionTimestamp) reason = st.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

function restartsText(o: KObject, now: number): string {
  const cs = podStatus(o).containerStatuses ?? [];
  const restarts = cs.reduce((n, c) => n + c.restartCount, 0);
  let last: number | undefined;
  for (const c of cs) {
    const f = c.lastState?.terminated?.finishedAt;
    if (f) last = Math.max(last ?? 0, Date.parse(f));
  }
  return restarts > 0 && last !== undefined ? `${restarts} (${humanDuration(now - last)} ago)` : String(restarts);
}

function nodeStatusText(o: KObject): string {
  const conds = ((o.status?.conditions ?? []) as { type: string; status: string }[]);
  const ready = conds.find((c) => c.type === 'Ready');
  const parts = [ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown'];
  if ((o.spec as { unschedulable?: boolean } | undefined)?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(o: KObject): string {
  const roles: string[] = [];
  for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.push(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && v) roles.push(v);
  }
  return roles.length ? roles.sort().join(',') : '<none>';
}

function nodeAddress(o: KObject, type: string): string {
  const a = ((o.status?.addresses ?? []) as { type: string; address: string }[]).find((x) => x.type === type);
  return a?.address ?? '<none>';
}

function selectorText(sel: Record<string, string> | undefined): string {
  const e = Object.entries(sel ?? {});
  return e.length ? e.map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
}

interface Column { name: string; type: string; format?: string; priority: number; description: string }
const col = (name: string, priority = 0, type = 'string', format = ''): Column => ({ name, type, format, priority, description: '' });

interface Printer { columns: Column[]; cells(o: KObject, now: number): unknown[] }

const PRINTERS: Record<string, Printer> = {
  nodes: {
    columns: [col('Name', 0, 'string', 'name'), col('Status'), col('Roles'), col('Age'), col('Version'), col('Internal-IP', 1), col('External-IP', 1), col('OS-Image', 1), col('Kernel-Version', 1), col('Container-Runtime', 1)],
    cells: (o, now) => {
      const ni = (o.status?.nodeInfo ?? {}) as Record<string, string>;
      return [o.metadata.name, nodeStatusText(o), nodeRoles(o), age(o, now), ni.kubeletVersion ?? '', nodeAddress(o, 'InternalIP'), nodeAddress(o, 'ExternalIP'), ni.osImage ?? '<unknown>', ni.kernelVersion ?? '<unknown>', ni.containerRuntimeVersion ?? '<unknown>'];
    },
  },
  pods: {
    columns: [col('Name', 0, 'string', 'name'), col('Ready'), col('Status'), col('Restarts', 0, 'string'), col('Age'), col('IP', 1), col('Node', 1), col('Nominated Node', 1), col('Readiness Gates', 1)],
    cells: (o, now) => {
      const cs = podStatus(o).containerStatuses ?? [];
      const total = podSpec(o).containers.length;
      const gates = podSpec(o).readinessGates ?? [];
      return [o.metadata.name, `${cs.filter((c) => c.ready).length}/${total}`, podStatusText(o), restartsText(o, now), age(o, now),
        podStatus(o).podIP ?? '<none>', podSpec(o).nodeName ?? '<none>', podStatus(o).nominatedNodeName ?? '<none>', gates.length ? `0/${gates.length}` : '<none>'];
    },
  },
  services: {
    columns: [col('Name', 0, 'string', 'name'), col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), col('Age'), col('Selector', 1)],
    cells: (o, now) => {
      const s = serviceSpec(o);
      const type = s.type ?? 'ClusterIP';
      const ingress = ((o.status?.loadBalancer as { ingress?: { ip?: string; hostname?: string }[] } | undefined)?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '');
      const ext = [...(s.externalIPs ?? []), ...ingress];
      const external = ext.length ? ext.join(',') : type === 'LoadBalancer' ? '<pending>' : '<none>';
      const ports = (s.ports ?? []).map((p) => `${p.port}${p.nodePort && type !== 'ClusterIP' ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',') || '<none>';
      return [o.metadata.name, type, s.clusterIP ?? '<none>', external, ports, age(o, now), selectorText(s.selector)];
    },
  },
  deployments: {
    columns: [col('Name', 0, 'string', 'name'), col('Ready'), col('Up-to-date', 0, 'integer'), col('Available', 0, 'integer'), col('Age'), col('Containers', 1), col('Images', 1), col('Selector', 1)],
    cells: (o, now) => {
      const spec = (o.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template?: { spec?: PodSpec } };
      const st = (o.status ?? {}) as { readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number };
      const cs = spec.template?.spec?.containers ?? [];
      return [o.metadata.name, `${st.readyReplicas ?? 0}/${spec.replicas ?? 1}`, st.updatedReplicas ?? 0, st.availableReplicas ?? 0, age(o, now),
        cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(','), selectorText(spec.selector?.matchLabels)];
    },
  },
  replicasets: {
    columns: [col('Name', 0, 'string', 'name'), col('Desired', 0, 'integer'), col('Current', 0, 'integer'), col('Ready', 0, 'integer'), col('Age'), col('Containers', 1), col('Images', 1), col('Selector', 1)],
    cells: (o, now) => {
      const spec = (o.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template?: { spec?: PodSpec } };
      const st = (o.status ?? {}) as { replicas?: number; readyReplicas?: number };
      const cs = spec.template?.spec?.containers ?? [];
      return [o.metadata.name, spec.replicas ?? 1, st.replicas ?? 0, st.readyReplicas ?? 0, age(o, now), cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(','), selectorText(spec.selector?.matchLabels)];
    },
  },
  namespaces: {
    columns: [col('Name', 0, 'string', 'name'), col('Status'), col('Age')],
    cells: (o, now) => [o.metadata.name, (o.status as { phase?: string } | undefined)?.phase ?? 'Active', age(o, now)],
  },
};

const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const str = (v: unknown, dflt = ''): string => (v === undefined || v === null ? dflt : String(v));
const get = (o: unknown, path: string): unknown => path.split('.').reduce<unknown>((cur, k) => (cur && typeof cur === 'object' ? (cur as Json)[k] : undefined), o);
const since = (ts: unknown, now: number): string => {
  const t = typeof ts === 'string' ? Date.parse(ts) : NaN;
  return Number.isFinite(t) ? humanDuration(now - t) : '<unknown>';
};
const containersOf = (tpl: unknown): { name: string; image?: string }[] => list(get(tpl, 'spec.containers')) as unknown as { name: string; image?: string }[];

/** Endpoints' ENDPOINTS column: ip:port, at most three, then " + N more..." (printers.go formatEndpoints). */
function endpointsText(o: KObject): string {
  const out: string[] = [];
  for (const ss of list(o.subsets)) {
    const ports = list(ss.ports);
    for (const a of list(ss.addresses)) {
      if (ports.length === 0) out.push(str(a.ip));
      for (const p of ports) out.push(`${str(a.ip)}:${str(p.port)}`);
    }
  }
  if (out.length === 0) return '<none>';
  return out.length > 3 ? `${out.slice(0, 3).join(',')} + ${out.length - 3} more...` : out.join(',');
}

/** The cluster-api CRDs' additionalPrinterColumns (v1beta1), the way the apiserver prints a CRD's Table. */
const CAPI_PRINTERS: Record<string, Printer> = {
  clusters: {
    columns: [col('Name', 0, 'string', 'name'), col('ClusterClass'), col('Phase'), col('Age', 0, 'date'), col('Version')],
    cells: (o, now) => [o.metadata.name, str(get(o, 'spec.topology.class')), str(get(o, 'status.phase')), age(o, now), str(get(o, 'spec.topology.version'))],
  },
  machines: {
    columns: [col('Name', 0, 'string', 'name'), col('Cluster'), col('NodeName'), col('ProviderID'), col('Phase'), col('Age', 0, 'date'), col('Version')],
    cells: (o, now) => [o.metadata.name, str(get(o, 'spec.clusterName')), str(get(o, 'status.nodeRef.name')), str(get(o, 'spec.providerID')), str(get(o, 'status.phase')), age(o, now), str(get(o, 'spec.version'))],
  },
  machinedeployments: {
    columns: [col('Name', 0, 'string', 'name'), col('Cluster'), col('Replicas', 0, 'integer'), col('Ready', 0, 'integer'), col('Updated', 0, 'integer'), col('Unavailable', 0, 'integer'), col('Phase'), col('Age', 0, 'date'), col('Version')],
    cells: (o, now) => [o.metadata.name, str(get(o, 'spec.clusterName')), get(o, 'status.replicas') ?? null, get(o, 'status.readyReplicas') ?? null, get(o, 'status.updatedReplicas') ?? null, get(o, 'status.unavailableReplicas') ?? null, str(get(o, 'status.phase')), age(o, now), str(get(o, 'spec.template.spec.version'))],
  },
  machinesets: {
    columns: [col('Name', 0, 'string', 'name'), col('Cluster'), col('Replicas', 0, 'integer'), col('Ready', 0, 'integer'), col('Available', 0, 'integer'), col('Age', 0, 'date'), col('Version')],
    cells: (o, now) => [o.metadata.name, str(get(o, 'spec.clusterName')), get(o, 'status.replicas') ?? null, get(o, 'status.readyReplicas') ?? null, get(o, 'status.availableReplicas') ?? null, age(o, now), str(get(o, 'spec.template.spec.version'))],
  },
  kubeadmcontrolplanes: {
    columns: [col('Name', 0, 'string', 'name'), col('Cluster'), col('Initialized', 0, 'boolean'), col('API Server Available', 0, 'boolean'), col('Replicas', 0, 'integer'), col('Ready', 0, 'integer'), col('Updated', 0, 'integer'), col('Unavailable', 0, 'integer'), col('Age', 0, 'date'), col('Version')],
    cells: (o, now) => [o.metadata.name, str(o.metadata.labels?.['cluster.x-k8s.io/cluster-name']), get(o, 'status.initialized') ?? null, get(o, 'status.ready') ?? null, get(o, 'status.replicas') ?? null, get(o, 'status.readyReplicas') ?? null, get(o, 'status.updatedReplicas') ?? null, get(o, 'status.unavailableReplicas') ?? null, age(o, now), str(get(o, 'spec.version'))],
  },
  openstackclusters: {
    columns: [col('Name', 0, 'string', 'name'), col('Cluster'), col('Ready', 0, 'boolean'), col('Network'), col('Bastion IP'), col('API Server'), col('API Server Port', 0, 'integer'), col('Age', 0, 'date')],
    cells: (o, now) => [o.metadata.name, str(o.metadata.labels?.['cluster.x-k8s.io/cluster-name']), get(o, 'status.ready') ?? null, str(get(o, 'status.network.id')), str(get(o, 'status.bastion.floatingIP')), str(get(o, 'spec.controlPlaneEndpoint.host')), get(o, 'spec.controlPlaneEndpoint.port') ?? null, age(o, now)],
  },
  openstackmachines: {
    columns: [col('Name', 0, 'string', 'name'), col('Cluster'), col('InstanceState'), col('Ready', 0, 'boolean'), col('ProviderID'), col('Machine'), col('Age', 0, 'date')],
    cells: (o, now) => [o.metadata.name, str(o.metadata.labels?.['cluster.x-k8s.io/cluster-name']), str(get(o, 'status.instanceState')), get(o, 'status.ready') ?? null, str(get(o, 'spec.providerID')), str(o.metadata.ownerReferences?.find((r) => r.kind === 'Machine')?.name), age(o, now)],
  },
};

const MORE_PRINTERS: Record<string, Printer> = {
  daemonsets: {
    columns: [col('Name', 0, 'string', 'name'), col('Desired', 0, 'integer'), col('Current', 0, 'integer'), col('Ready', 0, 'integer'), col('Up-to-date', 0, 'integer'), col('Available', 0, 'integer'), col('Node Selector'), col('Age'), col('Containers', 1), col('Images', 1), col('Selector', 1)],
    cells: (o, now) => {
      const st = (o.status ?? {}) as Record<string, number | undefined>;
      const tpl = get(o, 'spec.template');
      const ns = (get(o, 'spec.template.spec.nodeSelector') ?? {}) as Record<string, string>;
      return [o.metadata.name, st.desiredNumberScheduled ?? 0, st.currentNumberScheduled ?? 0, st.numberReady ?? 0, st.updatedNumberScheduled ?? 0, st.numberAvailable ?? 0, selectorText(ns), age(o, now),
        containersOf(tpl).map((c) => c.name).join(','), containersOf(tpl).map((c) => c.image ?? '').join(','), selectorText(get(o, 'spec.selector.matchLabels') as Record<string, string> | undefined)];
    },
  },
  statefulsets: {
    columns: [col('Name', 0, 'string', 'name'), col('Ready'), col('Age'), col('Containers', 1), col('Images', 1)],
    cells: (o, now) => {
      const tpl = get(o, 'spec.template');
      return [o.metadata.name, `${str(get(o, 'status.readyReplicas'), '0')}/${str(get(o, 'spec.replicas'), '1')}`, age(o, now), containersOf(tpl).map((c) => c.name).join(','), containersOf(tpl).map((c) => c.image ?? '').join(',')];
    },
  },
  storageclasses: {
    columns: [col('Name', 0, 'string', 'name'), col('Provisioner'), col('ReclaimPolicy'), col('VolumeBindingMode'), col('AllowVolumeExpansion'), col('Age')],
    cells: (o, now) => {
      const dflt = o.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true';
      return [`${o.metadata.name}${dflt ? ' (default)' : ''}`, str(o.provisioner), str(o.reclaimPolicy, 'Delete'), str(o.volumeBindingMode, 'Immediate'), str(o.allowVolumeExpansion, 'false'), age(o, now)];
    },
  },
  csidrivers: {
    columns: [col('Name', 0, 'string', 'name'), col('AttachRequired'), col('PodInfoOnMount'), col('StorageCapacity'), col('TokenRequests'), col('RequiresRepublish'), col('Modes'), col('Age')],
    cells: (o, now) => [o.metadata.name, str(get(o, 'spec.attachRequired'), 'true'), str(get(o, 'spec.podInfoOnMount'), 'false'), str(get(o, 'spec.storageCapacity'), 'false'), '<unset>', str(get(o, 'spec.requiresRepublish'), 'false'),
      (list(get(o, 'spec.volumeLifecycleModes')) as unknown as string[]).join(',') || 'Persistent', age(o, now)],
  },
  endpoints: {
    columns: [col('Name', 0, 'string', 'name'), col('Endpoints'), col('Age')],
    cells: (o, now) => [o.metadata.name, endpointsText(o), age(o, now)],
  },
  endpointslices: {
    columns: [col('Name', 0, 'string', 'name'), col('AddressType'), col('Ports'), col('Endpoints'), col('Age')],
    cells: (o, now) => {
      const ports = list(o.ports).map((p) => str(p.port)).join(',') || '<unset>';
      const addrs = list(o.endpoints).flatMap((e) => list(e.addresses) as unknown as string[]);
      const eps = addrs.length === 0 ? '<unset>' : addrs.length > 3 ? `${addrs.slice(0, 3).join(',')} + ${addrs.length - 3} more...` : addrs.join(',');
      return [o.metadata.name, str(o.addressType), ports, eps, age(o, now)];
    },
  },
  events: {
    columns: [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Subobject', 1), col('Source', 1), col('Message'), col('First Seen', 1), col('Count', 1), col('Name', 1)],
    cells: (o, now) => {
      const first = since(o.firstTimestamp ?? o.eventTime, now);
      let last = since(o.lastTimestamp ?? o.eventTime ?? o.firstTimestamp, now);
      const count = Number(o.count ?? 1);
      if (count > 1) last = `${last} (x${count} over ${first})`;
      const io = (o.involvedObject ?? {}) as Record<string, string | undefined>;
      const src = (o.source ?? {}) as Record<string, string | undefined>;
      return [last, str(o.type), str(o.reason), io.name ? `${(io.kind ?? '').toLowerCase()}/${io.name}` : '', str(io.fieldPath), [src.component, src.host].filter(Boolean).join(', '), str(o.message), first, String(count), o.metadata.name];
    },
  },
  secrets: {
    columns: [col('Name', 0, 'string', 'name'), col('Type'), col('Data', 0, 'string'), col('Age')],
    cells: (o, now) => [o.metadata.name, str(o.type, 'Opaque'), String(Object.keys((o.data ?? {}) as Json).length), age(o, now)],
  },
  configmaps: {
    columns: [col('Name', 0, 'string', 'name'), col('Data', 0, 'string'), col('Age')],
    cells: (o, now) => [o.metadata.name, String(Object.keys((o.data ?? {}) as Json).length + Object.keys((o.binaryData ?? {}) as Json).length), age(o, now)],
  },
  serviceaccounts: {
    columns: [col('Name', 0, 'string', 'name'), col('Secrets', 0, 'string'), col('Age')],
    cells: (o, now) => [o.metadata.name, String(list(o.secrets).length), age(o, now)],
  },
  leases: {
    columns: [col('Name', 0, 'string', 'name'), col('Holder'), col('Age')],
    cells: (o, now) => [o.metadata.name, str(get(o, 'spec.holderIdentity')), age(o, now)],
  },
  cronjobs: {
    columns: [col('Name', 0, 'string', 'name'), col('Schedule'), col('Timezone'), col('Suspend', 0, 'boolean'), col('Active', 0, 'integer'), col('Last Schedule'), col('Age'), col('Containers', 1), col('Images', 1), col('Selector', 1)],
    cells: (o, now) => {
      const tpl = get(o, 'spec.jobTemplate.spec.template');
      return [o.metadata.name, str(get(o, 'spec.schedule')), str(get(o, 'spec.timeZone'), '<none>'), get(o, 'spec.suspend') ?? false, list(get(o, 'status.active')).length, get(o, 'status.lastScheduleTime') ? since(get(o, 'status.lastScheduleTime'), now) : '<none>', age(o, now),
        containersOf(tpl).map((c) => c.name).join(','), containersOf(tpl).map((c) => c.image ?? '').join(','), '<none>'];
    },
  },
  jobs: {
    columns: [col('Name', 0, 'string', 'name'), col('Status'), col('Completions'), col('Duration'), col('Age')],
    cells: (o, now) => [o.metadata.name, get(o, 'status.succeeded') ? 'Complete' : 'Running', `${str(get(o, 'status.succeeded'), '0')}/${str(get(o, 'spec.completions'), '1')}`, '<unknown>', age(o, now)],
  },
  ...CAPI_PRINTERS,
};

const DEFAULT_PRINTER: Printer = { columns: [col('Name', 0, 'string', 'name'), col('Age')], cells: (o, now) => [o.metadata.name, age(o, now)] };

export function toTable(plural: string, objects: readonly KObject[], now: number, resourceVersion: string, includeObject = 'Metadata'): Json {
  const p = PRINTERS[plural] ?? MORE_PRINTERS[plural] ?? DEFAULT_PRINTER;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: p.columns,
    rows: objects.map((o) => ({
      cells: p.cells(o, now),
      object: includeObject === 'None' ? null
        : includeObject === 'Object' ? o
          : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}

// --- selectors ------------------------------------------------------------------------------

export class SelectorError extends Error {}

const FIELDS: Record<string, (o: KObject) => string | undefined> = {
  'metadata.name': (o) => o.metadata.name,
  'metadata.namespace': (o) => o.metadata.namespace ?? '',
};
const POD_FIELDS: Record<string, (o: KObject) => string | undefined> = {
  'spec.nodeName': (o) => podSpec(o).nodeName ?? '',
  'spec.restartPolicy': (o) => podSpec(o).restartPolicy ?? 'Always',
  'spec.schedulerName': (o) => podSpec(o).schedulerName ?? 'default-scheduler',
  'spec.serviceAccountName': (o) => podSpec(o).serviceAccountName ?? 'default',
  'spec.hostNetwork': (o) => String(podSpec(o).hostNetwork ?? false),
  'status.phase': (o) => podStatus(o).phase,
  'status.podIP': (o) => podStatus(o).podIP ?? '',
  'status.nominatedNodeName': (o) => podStatus(o).nominatedNodeName ?? '',
};
const OTHER_FIELDS: Record<string, Record<string, (o: KObject) => string | undefined>> = {
  pods: POD_FIELDS,
  nodes: { 'spec.unschedulable': (o) => String((o.spec as { unschedulable?: boolean } | undefined)?.unschedulable ?? false) },
  services: { 'spec.clusterIP': (o) => serviceSpec(o).clusterIP ?? '', 'spec.type': (o) => serviceSpec(o).type ?? 'ClusterIP' },
  namespaces: { 'status.phase': (o) => (o.status as { phase?: string } | undefined)?.phase ?? 'Active' },
  events: Object.fromEntries([
    ...['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'].map((f) => [`involvedObject.${f}`, (o: KObject) => str((o.involvedObject as Json | undefined)?.[f])]),
    ['reason', (o: KObject) => str(o.reason)], ['type', (o: KObject) => str(o.type)], ['source', (o: KObject) => str((o.source as Json | undefined)?.component)],
    ['reportingComponent', (o: KObject) => str(o.reportingComponent)],
  ]) as Record<string, (o: KObject) => string | undefined>,
  secrets: { type: (o) => str(o.type, 'Opaque') },
  jobs: { 'status.successful': (o) => str(get(o, 'status.succeeded'), '0') },
};

export type ObjectFilter = (o: KObject) => boolean;

/** Field selector terms: comma-separated, ANDed, with =, == and != (api-notes §8.3). */
export function parseFieldSelector(plural: string, text: string | null): ObjectFilter {
  if (!text) return () => true;
  const tests: ObjectFilter[] = [];
  for (const term of text.split(',').map((t) => t.trim()).filter(Boolean)) {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term);
    if (!m) throw new SelectorError(`invalid field selector: '${term}'`);
    const [, field = '', op, value = ''] = m;
    const get = FIELDS[field] ?? OTHER_FIELDS[plural]?.[field];
    if (!get) throw new SelectorError(`field label not supported: ${field}`);
    tests.push(op === '!=' ? (o) => get(o) !== value : (o) => get(o) === value);
  }
  return (o) => tests.every((t) => t(o));
}

/** Label selectors: k=v, k==v, k!=v, k, !k, k in (a,b), k notin (a,b). */
export function parseLabelSelector(text: string | null): ObjectFilter {
  if (!text) return () => true;
  const terms: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(cur);
      cur = '';
    } else cur += ch;
  }
  terms.push(cur);
  const tests: ObjectFilter[] = [];
  for (const raw of terms.map((t) => t.trim()).filter(Boolean)) {
    const labels = (o: KObject) => o.metadata.labels ?? {};
    let m: RegExpExecArray | null;
    if ((m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(raw))) {
      const key = m[1] ?? '';
      const set = new Set((m[3] ?? '').split(',').map((s) => s.trim()));
      const inSet = m[2] === 'in';
      tests.push((o) => (key in labels(o) && set.has(labels(o)[key] ?? '')) === inSet);
    } else if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(raw))) {
      const [, key = '', op, value = ''] = m;
      tests.push(op === '!=' ? (o) => labels(o)[key] !== value : (o) => labels(o)[key] === value);
    } else if ((m = /^!([\w./-]+)$/.exec(raw))) {
      const key = m[1] ?? '';
      tests.push((o) => !(key in labels(o)));
    } else if ((m = /^([\w./-]+)$/.exec(raw))) {
      const key = m[1] ?? '';
      tests.push((o) => key in labels(o));
    } else {
      throw new SelectorError(`unable to parse requirement: ${raw}`);
    }
  }
  return (o) => tests.every((t) => t(o));
}

export function matchesLabels(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  const sel = Object.entries(selector ?? {});
  if (sel.length === 0) return false;
  return sel.every(([k, v]) => labels?.[k] === v);
}
