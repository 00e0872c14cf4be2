// How long this process could not run during a window: its event loop blocked, or the machine too
// busy to schedule it. A check with a real-time deadline (a VIP probe's 6 s, an ssh handshake)
// that timed out while the jumphost itself stalled for a good part of that deadline measured the
// jumphost, not the cloud: the caller retries it or reports it as inconclusive, never as the
// cloud's failure.
//
// One interval timer per process, only while some window is open (reference counted, unref'd):
// every tick that comes later than asked adds its lateness to a running total.

import { performance } from 'node:perf_hooks';

const TICK_MS = 100;

let timer: NodeJS.Timeout | undefined;
let open = 0;
let last = 0;
let total = 0;

function tick(): void {
  const now = performance.now();
  const late = now - last - TICK_MS;
  if (late > 0) total += late;
  last = now;
}

/** The stall so far, the tick now overdue included. */
function stalledNow(): number {
  const pending = performance.now() - last - TICK_MS;
  return total + (pending > 0 ? pending : 0);
}

export interface StallWindow {
  /** Milliseconds this process could not run since the window opened (timer lateness beyond 100 ms ticks). */
  stalledMs(): number;
  /** Closes the window; returns its stall. Idempotent. */
  close(): number;
}

export function openStallWindow(): StallWindow {
  if (open++ === 0) {
    last = performance.now();
    timer = setInterval(tick, TICK_MS);
    timer.unref();
  }
  const start = stalledNow();
  let closed: number | undefined;
  const read = () => Math.max(0, Math.round(stalledNow() - start));
  return {
    stalledMs: () => closed ?? read(),
    close() {
      if (closed !== undefined) return closed;
      closed = read();
      if (--open === 0 && timer) {
        clearInterval(timer);
        timer = undefined;
      }
      return closed;
    },
  };
}

/**
 * A timed-out check is inconclusive when this process stalled for at least a quarter of the
 * deadline (or 1 s) while it waited: the deadline was spent on this machine, not on the network.
 */
export function stallSpoiled(stalledMs: number, deadlineMs: number): boolean {
  return stalledMs >= Math.max(1000, deadlineMs / 4);
}

/** What a timed-out try carries when the stall explains it. */
export interface StallSpoiledTry {
  readonly inconclusive: true;
  readonly stalledMs: number;
}

/**
 * One try of a check with a real-time deadline, its stall measured. `run` answers the try; when it
 * throws, `failed` turns the error into the try's result, given `{ inconclusive, stalledMs }` when
 * the error is a timeout (ETIMEDOUT) during which this process stalled for much of the deadline.
 */
export async function timedTry<T>(deadlineMs: number, run: () => Promise<T>, failed: (e: unknown, spoiled: StallSpoiledTry | undefined) => T): Promise<T> {
  const stall = openStallWindow();
  try {
    return await run();
  } catch (e) {
    const stalledMs = stall.close();
    const timedOut = (e as { code?: unknown }).code === 'ETIMEDOUT';
    return failed(e, timedOut && stallSpoiled(stalledMs, deadlineMs) ? { inconclusive: true, stalledMs } : undefined);
  } finally {
    stall.close();
  }
}

/**
 * A check tried once more when its first try was inconclusive (the deadline went on this
 * machine, not the network), with a fresh deadline; `again` says what the retry answered, given
 * the first try.
 */
export async function retryIfInconclusive<T extends object>(once: () => Promise<T>, again: (second: T, first: T) => T = (second) => second): Promise<T> {
  const first = await once();
  return (first as { readonly inconclusive?: boolean }).inconclusive === true ? again(await once(), first) : first;
}
