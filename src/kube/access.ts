// Which workload kubeconfig a step uses: one the operator gave (--kubeconfig), the one this
// run already wrote (resume, or D-011.4 after 8.3), or a new one from Magnum's certificates
// API (`openstack coe cluster config`), written 0600 into the run directory without its client
// key (the usable text stays in memory: kubeconfig-evidence.ts).

import { existsSync } from 'node:fs';
import { CapiGateError } from '../core/errors.js';
import { kubeconfigFromMagnum } from './kubeconfig.js';
import { keepUsableKubeconfig, kubeconfigUsable, withoutClientKey } from './kubeconfig-evidence.js';
import type { KubeServices } from './services.js';

export interface WorkloadAccessInput {
  readonly services: KubeServices;
  readonly clusterName: string;
  /** Captured by 8.1/8.2 in this run. */
  readonly clusterUuid?: string;
  readonly apiAddress?: string;
  /** The kubeconfig this run already wrote (captured kubeconfig_path). */
  readonly writtenPath?: string;
  /** Writes a 0600 file into the run directory and returns its path (ctx.evidence.writeSensitive). */
  writeSensitive(name: string, content: string): string;
  readonly signal: AbortSignal;
}

export interface WorkloadAccess {
  readonly path: string;
  readonly source: 'given' | 'magnum' | 'reused';
  readonly apiAddress?: string;
}

export async function obtainWorkloadKubeconfig(i: WorkloadAccessInput): Promise<WorkloadAccess> {
  if (i.services.workloadKubeconfig) {
    if (!existsSync(i.services.workloadKubeconfig)) {
      throw new CapiGateError('CAPI_GATE_PRECONDITION', `the workload kubeconfig ${i.services.workloadKubeconfig} does not exist`, { hint: 'Give the file `openstack coe cluster config --dir DIR` wrote (DIR/config), or leave it out to let capi-gate build one from Magnum.' });
    }
    return { path: i.services.workloadKubeconfig, source: 'given' };
  }
  // The evidence copy has no client key: reusable only in the process that wrote it.
  if (i.writtenPath && kubeconfigUsable(i.writtenPath)) return { path: i.writtenPath, source: 'reused' };
  const magnum = i.services.magnum;
  if (!magnum) {
    throw new CapiGateError('CAPI_GATE_PRECONDITION', 'no workload kubeconfig: none was given and Magnum certificates are not available', { hint: 'Pass --kubeconfig, or run with OpenStack credentials for the capi-mgmt project.' });
  }
  let uuid = i.clusterUuid;
  let apiAddress = i.apiAddress;
  if ((!uuid || !apiAddress) && magnum.locate) {
    const found = await magnum.locate(i.clusterName, i.signal);
    uuid ??= found.uuid;
    apiAddress ??= found.apiAddress ?? undefined;
  }
  const text = await kubeconfigFromMagnum({ cluster: uuid ?? i.clusterName, clusterName: i.clusterName, apiAddress, signer: magnum, signal: i.signal });
  const path = i.writeSensitive('kubeconfig', withoutClientKey(text));
  keepUsableKubeconfig(path, text);
  return { path, source: 'magnum', ...(apiAddress ? { apiAddress } : {}) };
}
