// The workload kubeconfig for 8.3 and D-011.4, loaded on first use: building one from Magnum
// needs the X.509/CSR libraries, whose loading would otherwise sit in every run's start-up (and
// in `plan`, `runbook`, `--help`) ahead of the 8.0 -> 8.1 chain.

import type { WorkloadAccess, WorkloadAccessInput } from '../kube/access.js';

export async function obtainWorkloadKubeconfig(i: WorkloadAccessInput): Promise<WorkloadAccess> {
  const { obtainWorkloadKubeconfig: obtain } = await import('../kube/access.js');
  return obtain(i);
}

let prefetched: Promise<void> | undefined;

/**
 * Loads the Kubernetes and X.509 code and makes the client key ahead of 8.3, while the cluster
 * converges: 8.2 calls it once the create is under way. What it costs (~0.5 CPU-s) is then spent
 * in an idle wait instead of right after CREATE_COMPLETE, where 8.3 and D-011.4 are on the cloud's
 * critical path (and where every run of a fleet arrives at once). Failures are left for 8.3 to
 * meet and report.
 */
export function prefetchWorkloadAccess(): void {
  prefetched ??= Promise.all([import('../kube/kubeconfig.js'), import('../kube/access.js'), import('../kube/client.js')])
    .then(([kubeconfig]) => kubeconfig.prepareClientKey())
    .then(() => undefined)
    .catch(() => undefined);
}
