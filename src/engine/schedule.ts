// Poll schedules shaped by what is expected of a wait (issue 20): where no watch exists (Magnum,
// Octavia, Nova), sparse early, dense from just before the expected end, never denser than a
// floor that protects the API, and a request budget per wait.
//
//   t < S = expected x (1 - EARLY):  every `sparseMs` (landing exactly on S): a failure state
//                                    still shows within one sparse interval
//   t >= S:                          every lagFraction x t less twice the answer's own latency
//                                    (the slowest of the last polls), floored at floorMs, capped
//                                    at sparseMs: a change at t is seen within lagFraction x t
//                                    (2 %), the poll's own round trip included (on a simulated
//                                    site at time scale 0.05 a 20 ms answer is 0.4 s of its time)
//   budget spent:                    every 2 x lagFraction x t (the cloud is late: the API is
//                                    protected, the lag may reach twice the target)
//
// The budget is what the schedule plans up to expected x (1 + LATE), plus BUDGET_SLACK.

export interface PollShape {
  /** When the awaited state is expected, ms from the start of the wait (already at the run's time scale). */
  readonly expectedMs: number;
  /** Where the expectation comes from ("runbook: ~100s", "site history: median of 3 runs"). */
  readonly from: string;
  /** The densest polling allowed (ms between requests). */
  readonly floorMs: number;
  /** The interval far from the expected end (ms). */
  readonly sparseMs: number;
  /** The detection-lag target as a fraction of the elapsed wait (default 0.02). */
  readonly lagFraction?: number;
  /** Requests the wait's poll makes each time (default 1). */
  readonly requestsPerPoll?: number;
  /**
   * How far into the awaited process the wait starts (ms): the expected end counts from the
   * process's start (8.1's create request), not the wait's, which a busy host may delay.
   */
  readonly offsetMs?: number;
}

/** The dense phase starts this fraction before the expected end. */
export const EARLY = 0.1;
/** The budget covers the dense phase up to this fraction after the expected end. */
export const LATE = 0.2;
export const BUDGET_SLACK = 3;
/** The dense phase polls this fraction of the elapsed wait apart. */
export const LAG_FRACTION = 0.02;

export function denseStartMs(s: PollShape): number {
  return Math.max(0, s.expectedMs * (1 - EARLY));
}

/** The delay before the next poll, made at `elapsedMs` into the wait after `polls` polls. */
export function shapedDelay(s: PollShape, waitedMs: number, polls: number, budget = pollBudget(s), answerMs = 0): number {
  const elapsedMs = waitedMs + (s.offsetMs ?? 0);
  const sparse = Math.max(s.floorMs, s.sparseMs);
  const start = denseStartMs(s);
  if (elapsedMs < start) return Math.max(s.floorMs, Math.min(sparse, start - elapsedMs));
  // Once the budget is spent (the cloud is later than expected), twice as sparse: the lag may
  // reach twice the target, the request count grows only with the log of the overrun.
  const frac = (s.lagFraction ?? LAG_FRACTION) * (polls >= budget ? 2 : 1);
  return Math.max(s.floorMs, Math.min(sparse, frac * elapsedMs - 2 * answerMs));
}

/** The polls the schedule plans from 0 to expected x (1 + LATE), with the slack. */
export function pollBudget(s: PollShape): number {
  // (with answers taking a fifth of the target: the budget holds for a slow API too)
  const off = s.offsetMs ?? 0;
  const until = s.expectedMs * (1 + LATE) - off;
  let t = 0;
  let n = 0;
  for (; t <= until && n < 10_000; n++) t += shapedDelay(s, t, n, Infinity, 0.2 * (s.lagFraction ?? LAG_FRACTION) * (t + off) / 2);
  return n + BUDGET_SLACK;
}

/** The schedule in words, for the live view and the report. */
export function describeShape(s: PollShape): string {
  const sec = (ms: number) => (ms >= 10_000 ? `${Math.round(ms / 1000)}s` : `${(ms / 1000).toFixed(1)}s`);
  const frac = s.lagFraction ?? LAG_FRACTION;
  return `every ${sec(Math.max(s.floorMs, s.sparseMs))} until ${sec(denseStartMs(s))}, then ${Math.round(frac * 100)}% of the elapsed less the answer's latency (floor ${sec(s.floorMs)}); expected end ${sec(s.expectedMs)} (${s.from})${s.offsetMs ? `, counted from ${sec(s.offsetMs)} before the wait` : ''}`;
}

/** The polls a fixed interval makes over `ms` (the runbook's `watch -n 15/30`). */
export function fixedPolls(ms: number, everyMs: number): number {
  return Math.floor(ms / everyMs) + 1;
}
