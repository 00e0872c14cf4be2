// What the phase-08 steps get from their context. The CLI wires the real clients; tests wire
// fakes or clients pointed at the simulator. The engine never sees these types.

import type { HostServices } from '../hosts/index.js';
import type { KubeServices } from '../kube/index.js';
import type { OpenStack } from '../openstack/index.js';

export interface Phase08Services {
  /** The OpenStack clients: admin session, project id resolved by name, tenant session narrowed to it. Connects once, lazily. */
  readonly openstack: (signal: AbortSignal) => Promise<OpenStack>;
  /** The environment the run sees (OS_*, KUBECONFIG, HOME); never printed. */
  readonly env: NodeJS.ProcessEnv;
  readonly kube: KubeServices;
  readonly hosts: HostServices;
}
