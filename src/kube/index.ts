// Workload and management cluster access: the kubeconfig from Magnum's certificates API, a
// client over @kubernetes/client-node, and the observations 8.3 and D-011.4 make.

export { KubeClient, KubeApiError, toKubeError } from './client.js';
export type { ListOptions } from './client.js';
export { generateClientKey, renderKubeconfig, kubeconfigFromMagnum, checkApiAddress } from './kubeconfig.js';
export type { CertificateSigner, ClientKey, KubeconfigParts, MagnumKubeconfigRequest } from './kubeconfig.js';
export { DEFAULT_KUBE_TUNING, occmLoadBalancerName, serviceLoadBalancerMatches } from './services.js';
export type { KubeServices, KubeOctavia, KubeTuning, LoadBalancerState, MagnumAccess, PoolState, ServiceRef } from './services.js';
export { evaluateAddons, addonsState, ccmRunning, ccmCrashLooping, nodeRow, podRow, podStatusText, nodesTable, podsTable, identifyAddon, ADDON_LABELS, ADDON_PATTERNS, CRASH_LOOP_RESTARTS, UNINITIALIZED_TAINT } from './addons.js';
export type { AddonsObservation, AddonsVerdict, AddonResult, AddonName, AddonExpectation, NodeRow, PodRow } from './addons.js';
export { RR, rrDeployment, rrService, getHostname, tallyHostnames, distributionText } from './roundrobin.js';
export type { HostnameTally } from './roundrobin.js';
export { probeUntil, summarizeProbes } from './failover.js';
export type { ProbeResult, BlackoutReport } from './failover.js';
export { ManagementClient, capiNamespace, CAPI } from './management.js';
export type { CapiObjectSummary, ApiServerLoadBalancer, MachineSummary } from './management.js';
export { obtainWorkloadKubeconfig } from './access.js';
export { CLIENT_KEY_MARKER, kubeconfigUsable, withoutClientKey } from './kubeconfig-evidence.js';
export type { WorkloadAccess, WorkloadAccessInput } from './access.js';
