// A parity case: one scripted sequence, run once against each backend from the same starting
// state. It records the answers of its steps (by name) and the states a resource went through;
// the runner compares the real side's record with the simulator's.

import type { Backend, Call } from './backend.js';

export interface StepRecord {
  readonly name: string;
  readonly call: Call;
}

export interface StatesRecord {
  readonly name: string;
  readonly op: string;
  readonly states: string[];
}

export class Recorder {
  readonly steps: StepRecord[] = [];
  readonly states: StatesRecord[] = [];

  /** Records an answer under a step name and returns it. */
  step(name: string, call: Call): Call {
    this.steps.push({ name, call });
    return call;
  }

  /** Records the states a resource went through (consecutive repeats collapse when compared). */
  track(name: string, op: string, states: string[]): void {
    this.states.push({ name, op, states });
  }
}

export interface ParityCase {
  readonly name: string;
  /** The client operations (`operation:` names in src/openstack) whose requests this case sends. */
  readonly clientOps: readonly string[];
  /**
   * The operation keys (operations.json) the case sends to the simulator; the runner fails the
   * case when one of them was not sent, so this list cannot claim more than the case does.
   */
  readonly ops: readonly string[];
  /** Whole-case time limit on the real side (ms). */
  readonly timeoutMs?: number;
  run(b: Backend, rec: Recorder, signal: AbortSignal): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `get` until `done` holds of a state or `simulatedMs` (real time; on the simulator scaled
 * by its time scale) has passed; returns every state seen, the final one last.
 */
export async function pollStates(
  b: Backend,
  get: () => Promise<{ state: string; call: Call }>,
  done: (state: string) => boolean,
  opts: { simulatedMs: number; everyMs?: number },
): Promise<{ states: string[]; last: Call | undefined; op: string }> {
  const until = Date.now() + Math.max(2_000, opts.simulatedMs * b.scale);
  const every = Math.max(20, (opts.everyMs ?? 2_000) * b.scale);
  const states: string[] = [];
  let last: Call | undefined;
  let op = '';
  for (;;) {
    const r = await get();
    states.push(r.state);
    last = r.call;
    op = r.call.op;
    if (done(r.state) || Date.now() > until) return { states, last, op };
    await sleep(every);
  }
}

/** A name that cannot collide with a run's or another case's objects. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}
