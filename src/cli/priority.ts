// After 8.1 has sent the create, what is left of a run is waiting on the cloud (30+ minutes on a
// real one) and read-only checks with minutes of slack. The process then lowers its own CPU
// priority (nice), so that on a host running many acceptances at once the runs still on their way
// to the create -- the cloud's critical path -- get the CPU first. Alone on a host it changes
// nothing. One way only: an unprivileged process cannot raise its priority again.
// Measured (bench fleet of 50 on 2 CPUs, docs/benchmarks.md): the last create goes out ~1.5 s
// sooner, the fleet ends ~2.5 s sooner. nice 19 was tried and dropped: starved that far, a run's
// 6-second VIP probes (D-011.2) timed out during the other runs' starts.

import { getPriority, setPriority } from 'node:os';
import type { Clock } from '../core/clock.js';
import { CapiGateError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { JournalRecord } from '../engine/index.js';
import { CREATE_STEP } from '../phase08/index.js';
/** Default of `run --nice-after-create`: a third of a default process's CPU share under Linux's scheduler. */
export const DEFAULT_NICE_AFTER_CREATE = 5;

export interface PriorityControl {
  get(): number;
  set(nice: number): void;
}

const processPriority: PriorityControl = { get: () => getPriority(), set: (n) => setPriority(n) };

/** Parses `--nice-after-create`: 0 (leave the priority alone) to 19. */
export function parseNice(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < 0 || n > 19) {
    throw new CapiGateError('CAPI_GATE_USAGE', `--nice-after-create takes a whole number from 0 to 19, not '${v}'`, { hint: '0 keeps the priority the run started with; the default is 5.' });
  }
  return n;
}

/**
 * Lowers the process's CPU priority to `nice` once `CREATE_STEP` has ended after sending its
 * create (the journal took a mutation intent while it ran: from there on the run is waits, and
 * teardown if it failed). Not when it found the cluster already there (a resume, a second run),
 * nor when it never got to send (skipped, failed first): then nothing of the cloud's critical
 * path has been handed over. Never raises it: a run started at `nice -n 10` stays there. Returns
 * the unsubscribe.
 */
export function lowerPriorityAfterCreate(bus: EventBus, nice: number, clock: Pick<Clock, 'now'>, journal: () => readonly JournalRecord[], control: PriorityControl = processPriority): () => void {
  if (nice <= 0) return () => undefined;
  let done = false;
  let startedAt: number | undefined;
  const off = bus.on((e) => {
    if (done || (e.type !== 'step-start' && e.type !== 'step-end') || e.stepId !== CREATE_STEP) return;
    if (e.type === 'step-start') {
      startedAt ??= journal().length;
      return;
    }
    const sent = startedAt !== undefined && journal().slice(startedAt).some((r) => r.t === 'mutation-intent');
    startedAt = undefined;
    if (!sent) return;
    done = true;
    off();
    let message: string;
    try {
      const current = control.get();
      if (current >= nice) return;
      control.set(nice);
      const what = e.status === 'PASS' ? 'the create is out; from here the run waits on the cloud' : `${CREATE_STEP} ended ${e.status}; from here the run is teardown and waits`;
      message = `${what}: CPU priority lowered to nice ${nice} (runs still starting on this host go first; --nice-after-create 0 keeps it)`;
    } catch (err) {
      message = `could not lower the CPU priority to nice ${nice} (${err instanceof Error ? err.message : String(err)}); the run goes on at its priority`;
    }
    bus.emit({ type: 'log', stepId: CREATE_STEP, level: 'info', message, at: clock.now() });
  });
  return off;
}
