// @kubernetes/client-node is large (thousands of generated modules): loading it costs seconds
// of start-up. Steps open clients through here, so `capi-gate --help`, `plan` and the read-only
// items never load it.

import type { KubeClient } from './client.js';
import type { ManagementClient } from './management.js';

export async function openKubeClient(kubeconfigPath: string): Promise<KubeClient> {
  const { KubeClient: Client } = await import('./client.js');
  return Client.fromFile(kubeconfigPath);
}

export async function openManagementClient(kubeconfigPath: string): Promise<ManagementClient> {
  const { ManagementClient: Client } = await import('./management.js');
  return Client.fromFile(kubeconfigPath);
}
