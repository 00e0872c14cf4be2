// Step 8.3's observation and its evaluation, as pure functions over what the API returns:
// nodes Ready at the image's version (1 control-plane + N workers), Calico, the OpenStack CCM
// Running and not crash-looping (D-011 item 5: CrashLoopBackOff and restart counts), Cinder CSI
// (controller and node plugin) and CoreDNS Running, and no pod outside Running/Succeeded.
// Add-ons are found by the labels their charts put on the pods, in whatever namespace: the
// capi-helm-charts install the CCM and Cinder CSI into openstack-system with the upstream charts'
// `app` labels, the upstream manifests use `k8s-app`; pod names are the fallback for a site
// whose manifests label them otherwise (the runbook's `cinder-csi` grep misses both forms).

import type { V1Node, V1Pod } from '@kubernetes/client-node';

export const UNINITIALIZED_TAINT = 'node.cloudprovider.kubernetes.io/uninitialized';
/** A CCM container in CrashLoopBackOff with at least this many restarts is crash-looping: fail at once. */
export const CRASH_LOOP_RESTARTS = 3;

export interface NodeRow {
  readonly name: string;
  readonly ready: boolean;
  readonly status: string;
  readonly roles: readonly string[];
  readonly controlPlane: boolean;
  readonly version: string;
  readonly internalIp: string;
  readonly externalIp: string;
  readonly osImage: string;
  readonly kernel: string;
  readonly runtime: string;
  readonly taints: readonly string[];
  readonly createdAt: number;
}

export interface PodRow {
  readonly namespace: string;
  readonly name: string;
  readonly phase: string;
  /** What `kubectl get pods` shows in STATUS (CrashLoopBackOff, ContainerCreating, Completed ...). */
  readonly status: string;
  readonly ready: string;
  readonly allReady: boolean;
  readonly restarts: number;
  readonly waiting: readonly string[];
  readonly node: string;
  readonly ip: string;
  readonly createdAt: number;
  readonly message: string;
  /** The pod's labels (what identifies an add-on). */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface AddonsObservation {
  readonly at: number;
  readonly nodes: readonly NodeRow[];
  readonly pods: readonly PodRow[];
}

export function nodeRow(n: V1Node): NodeRow {
  const labels = n.metadata?.labels ?? {};
  const roles = Object.keys(labels).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.slice('node-role.kubernetes.io/'.length)).sort();
  const ready = (n.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const addr = (t: string) => (n.status?.addresses ?? []).find((a) => a.type === t)?.address ?? '<none>';
  const ni = n.status?.nodeInfo;
  return {
    name: n.metadata?.name ?? '?',
    ready: ready?.status === 'True',
    status: `${ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown'}${n.spec?.unschedulable ? ',SchedulingDisabled' : ''}`,
    roles,
    controlPlane: roles.includes('control-plane') || roles.includes('master'),
    version: ni?.kubeletVersion ?? '',
    internalIp: addr('InternalIP'),
    externalIp: addr('ExternalIP'),
    osImage: ni?.osImage ?? '<unknown>',
    kernel: ni?.kernelVersion ?? '<unknown>',
    runtime: ni?.containerRuntimeVersion ?? '<unknown>',
    taints: (n.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
    createdAt: n.metadata?.creationTimestamp ? new Date(n.metadata.creationTimestamp).getTime() : 0,
  };
}

/** kubectl's STATUS column (printPod, without init containers). */
export function podStatusText(p: V1Pod): string {
  let reason = p.status?.reason || p.status?.phase || 'Unknown';
  let hasRunning = false;
  const cs = p.status?.containerStatuses ?? [];
  for (let i = cs.length - 1; i >= 0; i--) {
    const c = cs[i]!;
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
    else if (c.state?.terminated) reason = `ExitCode:${c.state.terminated.exitCode}`;
    else if (c.ready && c.state?.running) hasRunning = true;
  }
  if (reason === 'Completed' && hasRunning) reason = (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
  if (p.metadata?.deletionTimestamp) reason = 'Terminating';
  return reason;
}

export function podRow(p: V1Pod): PodRow {
  const cs = p.status?.containerStatuses ?? [];
  const total = p.spec?.containers.length ?? cs.length;
  const readyCount = cs.filter((c) => c.ready).length;
  const unscheduled = (p.status?.conditions ?? []).find((c) => c.type === 'PodScheduled' && c.status === 'False');
  return {
    namespace: p.metadata?.namespace ?? '',
    name: p.metadata?.name ?? '?',
    phase: p.status?.phase ?? 'Unknown',
    status: podStatusText(p),
    ready: `${readyCount}/${total}`,
    allReady: total > 0 && readyCount === total,
    restarts: cs.reduce((n, c) => n + (c.restartCount ?? 0), 0),
    waiting: cs.map((c) => c.state?.waiting?.reason).filter((r): r is string => !!r),
    node: p.spec?.nodeName ?? '<none>',
    ip: p.status?.podIP ?? '<none>',
    createdAt: p.metadata?.creationTimestamp ? new Date(p.metadata.creationTimestamp).getTime() : 0,
    message: unscheduled?.message ?? cs.map((c) => c.state?.waiting?.message).find((m) => !!m) ?? '',
    labels: { ...(p.metadata?.labels ?? {}) },
  };
}

export interface AddonExpectation {
  readonly masterCount: number;
  readonly nodeCount: number;
  readonly kubeVersion: string;
}

export type AddonName = 'calico' | 'ccm' | 'cinder-csi' | 'coredns';

export const ADDON_PATTERNS: Readonly<Record<AddonName, RegExp>> = {
  // tigera-operator installs Calico into calico-system; the chart may also run it in kube-system
  calico: /^(calico-|tigera-operator)/,
  ccm: /^(openstack-cloud-controller-manager|cloud-controller-manager)/,
  // csi-cinder-controllerplugin-* / csi-cinder-nodeplugin-* (the runbook's `cinder-csi` grep misses them)
  'cinder-csi': /^(csi-cinder-|cinder-csi-|openstack-cinder-csi-)/,
  coredns: /^coredns-/,
};

/** The labels that identify each add-on's pods, chart by chart (label key -> accepted values). */
export const ADDON_LABELS: Readonly<Record<AddonName, readonly (readonly [string, readonly string[]])[]>> = {
  // the tigera operator's labels on calico-node / typha / kube-controllers, and the operator itself
  calico: [['k8s-app', ['calico-node', 'calico-typha', 'calico-kube-controllers', 'tigera-operator']], ['app.kubernetes.io/name', ['calico-node', 'calico-typha', 'calico-kube-controllers']]],
  // openstack-cloud-controller-manager chart: app=openstack-cloud-controller-manager; upstream manifests: k8s-app=
  ccm: [['app', ['openstack-cloud-controller-manager']], ['k8s-app', ['openstack-cloud-controller-manager']], ['app.kubernetes.io/name', ['openstack-cloud-controller-manager']]],
  // openstack-cinder-csi chart: app=openstack-cinder-csi + component=controllerplugin|nodeplugin; manifests: app=csi-cinder-*
  'cinder-csi': [['app', ['openstack-cinder-csi', 'cinder-csi', 'csi-cinder-controllerplugin', 'csi-cinder-nodeplugin']], ['app.kubernetes.io/name', ['openstack-cinder-csi', 'cinder-csi-plugin']]],
  coredns: [['k8s-app', ['kube-dns']]],
};

/** Which add-on a pod belongs to, and what said so (a label, else its name). */
export function identifyAddon(p: PodRow): { readonly addon: AddonName; readonly by: string } | undefined {
  const labels = p.labels ?? {};
  for (const addon of Object.keys(ADDON_LABELS) as AddonName[]) {
    for (const [key, values] of ADDON_LABELS[addon]) {
      const v = labels[key];
      if (v !== undefined && values.includes(v)) return { addon, by: `label ${key}=${v}` };
    }
  }
  for (const addon of Object.keys(ADDON_PATTERNS) as AddonName[]) if (ADDON_PATTERNS[addon].test(p.name)) return { addon, by: `name ${ADDON_PATTERNS[addon].source}` };
  return undefined;
}

const isAddon = (addon: AddonName) => (p: PodRow): boolean => identifyAddon(p)?.addon === addon;

/** The Cinder CSI role of a pod: the chart's `component` label, else its name. */
function csiRole(p: PodRow): string {
  const c = p.labels?.component ?? p.labels?.app ?? '';
  if (c.includes('controllerplugin') || p.name.includes('controllerplugin')) return 'controllerplugin';
  if (c.includes('nodeplugin') || p.name.includes('nodeplugin')) return 'nodeplugin';
  return '';
}

export interface AddonResult {
  readonly addon: AddonName;
  readonly pods: readonly PodRow[];
  /** Where its pods were found (namespaces) and what identified them. */
  readonly namespaces: readonly string[];
  readonly foundBy: readonly string[];
  readonly ok: boolean;
  readonly problem?: string;
}

export interface AddonsVerdict {
  readonly ok: boolean;
  readonly nodeProblems: readonly string[];
  readonly addons: readonly AddonResult[];
  /** Pods outside Running/Succeeded (the runbook's field-selector query). */
  readonly stuck: readonly PodRow[];
  /** CCM pods crash-looping now (a container waiting in CrashLoopBackOff, or Error). */
  readonly crashLooping: readonly PodRow[];
  /** CCM pods whose restart count grew while we watched (pod -> [first, last]). */
  readonly restarted: readonly { readonly pod: PodRow; readonly from: number }[];
  readonly problems: readonly string[];
}

const podName = (p: PodRow) => `${p.namespace}/${p.name}`;
const running = (p: PodRow) => p.phase === 'Running' && p.status === 'Running' && p.allReady;

/**
 * `baseline` is the first observation in which the CCM was Running and ready: a restart after
 * that is a crash while we watched (restarts during bootstrap are normal and only reported).
 */
export function evaluateAddons(obs: AddonsObservation, expect: AddonExpectation, baseline?: AddonsObservation): AddonsVerdict {
  const nodeProblems: string[] = [];
  const cps = obs.nodes.filter((n) => n.controlPlane);
  const workers = obs.nodes.filter((n) => !n.controlPlane);
  if (cps.length !== expect.masterCount || workers.length !== expect.nodeCount) {
    nodeProblems.push(`${obs.nodes.length} nodes (${cps.length} control-plane + ${workers.length} workers), expected ${expect.masterCount + expect.nodeCount} (${expect.masterCount} control-plane + ${expect.nodeCount} workers)`);
  }
  const notReady = obs.nodes.filter((n) => !n.ready);
  if (notReady.length) nodeProblems.push(`not Ready: ${notReady.map((n) => `${n.name} (${n.status})`).join(', ')}`);
  const wrongVersion = obs.nodes.filter((n) => n.version !== expect.kubeVersion);
  if (wrongVersion.length) nodeProblems.push(`kubelet version is not the image's ${expect.kubeVersion}: ${wrongVersion.map((n) => `${n.name} ${n.version || '?'}`).join(', ')}`);
  const tainted = obs.nodes.filter((n) => n.taints.some((t) => t.startsWith(`${UNINITIALIZED_TAINT}`)));
  if (tainted.length) nodeProblems.push(`still carry the ${UNINITIALIZED_TAINT} taint (the CCM has not initialized them): ${tainted.map((n) => n.name).join(', ')}`);

  const ccmPods = obs.pods.filter(isAddon('ccm'));
  const crashLooping = ccmPods.filter((p) => p.waiting.includes('CrashLoopBackOff') || p.status === 'Error' || p.status === 'CrashLoopBackOff');
  const restarted: { pod: PodRow; from: number }[] = [];
  for (const p of ccmPods) {
    const before = baseline?.pods.find((q) => q.namespace === p.namespace && q.name === p.name);
    if (before && p.restarts > before.restarts) restarted.push({ pod: p, from: before.restarts });
  }

  const addons: AddonResult[] = (Object.keys(ADDON_PATTERNS) as AddonName[]).map((addon) => {
    const pods = obs.pods.filter(isAddon(addon));
    const where = { namespaces: [...new Set(pods.map((p) => p.namespace))].sort(), foundBy: [...new Set(pods.map((p) => identifyAddon(p)?.by ?? ''))].sort() };
    if (pods.length === 0) return { addon, pods, ...where, ok: false, problem: `no ${addon} pods (looked in every namespace for labels ${ADDON_LABELS[addon].map(([k, v]) => `${k}=${v.join('|')}`).join(', ')} or names ${ADDON_PATTERNS[addon].source})` };
    const bad = pods.filter((p) => !running(p));
    if (addon === 'calico' && !pods.some((p) => p.labels?.['k8s-app'] === 'calico-node' || p.name.startsWith('calico-node-'))) return { addon, pods, ...where, ok: false, problem: 'no calico-node pods' };
    if (addon === 'cinder-csi') {
      const missing = ['controllerplugin', 'nodeplugin'].filter((k) => !pods.some((p) => csiRole(p) === k));
      if (missing.length) return { addon, pods, ...where, ok: false, problem: `no Cinder CSI ${missing.join(' / ')} pods` };
    }
    if (bad.length) return { addon, pods, ...where, ok: false, problem: `not Running: ${bad.map((p) => `${podName(p)} ${p.status} ${p.ready}${p.restarts ? ` (${p.restarts} restarts)` : ''}`).join(', ')}` };
    if (addon === 'ccm' && restarted.length) return { addon, pods, ...where, ok: false, problem: `restarted while watched: ${restarted.map((r) => `${podName(r.pod)} ${r.from} -> ${r.pod.restarts} restarts`).join(', ')}` };
    return { addon, pods, ...where, ok: true };
  });
  const stuck = obs.pods.filter((p) => p.phase !== 'Running' && p.phase !== 'Succeeded');
  const problems = [
    ...nodeProblems.map((p) => `nodes: ${p}`),
    ...addons.filter((a) => !a.ok).map((a) => `${a.addon}: ${a.problem ?? 'not Running'}`),
    ...(stuck.length ? [`pods outside Running/Succeeded: ${stuck.map((p) => `${podName(p)} ${p.phase}${p.status !== p.phase ? ` (${p.status})` : ''}`).join(', ')}`] : []),
  ];
  return { ok: problems.length === 0, nodeProblems, addons, stuck, crashLooping, restarted, problems };
}

/** A one-line state for the waiter's histogram and timeline. */
export function addonsState(obs: AddonsObservation, v: AddonsVerdict): string {
  const ready = obs.nodes.filter((n) => n.ready).length;
  const bad = v.addons.filter((a) => !a.ok).map((a) => a.addon);
  if (v.ok) return `nodes ${ready}/${obs.nodes.length} Ready, add-ons Running`;
  return `nodes ${ready}/${obs.nodes.length} Ready${bad.length ? `, waiting for ${bad.join(', ')}` : ''}${v.stuck.length ? `, ${v.stuck.length} pods not Running` : ''}`;
}

// --- evidence: the tables kubectl would print -----------------------------------------------------

function humanAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join('').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** `kubectl get nodes -o wide`. */
export function nodesTable(nodes: readonly NodeRow[], now: number): string {
  return table(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'],
    nodes.map((n) => [n.name, n.status, n.roles.join(',') || '<none>', humanAge(now - n.createdAt), n.version, n.internalIp, n.externalIp, n.osImage, n.kernel, n.runtime]));
}

/** `kubectl get pods -A -o wide` (without the two gate columns). */
export function podsTable(pods: readonly PodRow[], now: number): string {
  if (pods.length === 0) return 'No resources found\n';
  return table(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE'],
    pods.map((p) => [p.namespace, p.name, p.ready, p.status, String(p.restarts), humanAge(now - p.createdAt), p.ip, p.node]));
}

/** The CCM pods are all Running and ready (the baseline for restart counting). */
export function ccmRunning(obs: AddonsObservation): boolean {
  const ccm = obs.pods.filter(isAddon('ccm'));
  return ccm.length > 0 && ccm.every(running);
}

/** Fail fast: a CCM container in CrashLoopBackOff after CRASH_LOOP_RESTARTS restarts will not heal by waiting. */
export function ccmCrashLooping(v: AddonsVerdict): readonly PodRow[] {
  return v.crashLooping.filter((p) => p.restarts >= CRASH_LOOP_RESTARTS);
}
