// What the phase-08 steps get from their context. The CLI wires the real clients; tests wire
// fakes or clients pointed at the simulator. The engine never sees these types.

export interface Phase08Services {
  /** The environment the run sees (OS_*, KUBECONFIG, HOME); never printed. */
  readonly env: NodeJS.ProcessEnv;
}
