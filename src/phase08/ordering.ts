// When the read-only acceptance items run. They do not gate the create, so they wait until 8.1
// has sent it and then run while the cluster converges (30+ minutes on a real cloud): started
// earlier they only compete with the 8.0 -> 8.1 chain, which is the cloud's critical path.

/** The step that sends the create; once it has ended the run waits on the cloud. */
export const CREATE_STEP = '8.1';

/** `after` of a read-only item that neither gates 8.1 nor needs the cluster. */
export const WHILE_CONVERGING: readonly string[] = [CREATE_STEP];
