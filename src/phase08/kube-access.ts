// The workload kubeconfig for 8.3 and D-011.4, loaded on first use: building one from Magnum
// needs the X.509/CSR libraries, whose loading would otherwise sit in every run's start-up (and
// in `plan`, `runbook`, `--help`) ahead of the 8.0 -> 8.1 chain.

import type { WorkloadAccess, WorkloadAccessInput } from '../kube/access.js';

export async function obtainWorkloadKubeconfig(i: WorkloadAccessInput): Promise<WorkloadAccess> {
  const { obtainWorkloadKubeconfig: obtain } = await import('../kube/access.js');
  return obtain(i);
}
