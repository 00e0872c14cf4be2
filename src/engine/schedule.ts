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
//
// With the runbook's own fixed interval F (fixedEveryMs: 8.2's `sleep 30`, the 15 s of its other
// polls), request j (0-based) never goes before j x F from the wait's start: by any moment the
// wait has made no more requests than the runbook's fixed poll would have by that moment (a token
// every F, banked while unused; a wait that sees its end later than the fixed poll would have may
// so have made more than the fixed poll made by ITS sight of it). When that allowance cannot pay for 2 % spacing over the
// whole window [expected x (1 - EARLY), expected x (1 + LATE)], the window narrows around the
// expected end until it can (never below +-2 %), and the sparse phase gets only what the window
// leaves: the polls go where the end is expected, and a change outside the window is seen within
// F, as the fixed poll would see it.

import type { SyncPhase } from './history.js';

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
  /**
   * The runbook's fixed poll interval for this wait (ms, at the run's time scale): the j-th poll
   * never goes before j x fixedEveryMs from the wait's start (never more polls than that fixed
   * poll by any moment). Absent: no such cap (the budget alone).
   */
  readonly fixedEveryMs?: number;
  /**
   * The ticks of the periodic task that makes the awaited change (magnum-conductor's status
   * sync), when earlier sightings place them: a poll between two ticks can see nothing new, so
   * each poll moves to just after a tick (src/engine/history.ts syncPhase).
   */
  readonly sync?: SyncPhase;
}

/** The dense phase starts this fraction before the expected end. */
export const EARLY = 0.1;
/** The budget covers the dense phase up to this fraction after the expected end. */
export const LATE = 0.2;
export const BUDGET_SLACK = 3;
/** The dense phase polls this fraction of the elapsed wait apart. */
export const LAG_FRACTION = 0.02;

export interface DenseWindow {
  /** Fractions of the expected end before and after it that the dense phase covers. */
  readonly early: number;
  readonly late: number;
  /** Polls the runbook's fixed interval allows before the dense phase (beyond the first), for the sparse phase. */
  readonly sparsePolls: number;
}

const MIN_WINDOW = 0.02;
/** Polls the sparse phase keeps from the fixed poll's allowance when the wait is at least 3 F long. */
const SPARSE_RESERVE = 2;

/** Polls a 2 % (lagFraction) spacing needs from expected x (1 - early) to expected x (1 + late). */
function densePollsNeeded(s: PollShape, early: number, late: number): number {
  return Math.ceil(Math.log((1 + late) / (1 - early)) / (s.lagFraction ?? LAG_FRACTION));
}

/**
 * The dense window: EARLY / LATE, narrowed around the expected end when the runbook's fixed poll
 * does not allow the polls it needs (found by bisection; never below +-2 %).
 */
export function denseWindow(s: PollShape): DenseWindow {
  const F = s.fixedEveryMs;
  const off = s.offsetMs ?? 0;
  // The sparse phase keeps SPARSE_RESERVE polls when the wait is long against F (a failure state
  // seen within a third of the expected wait, not only in the dense window).
  const reserve = F && F > 0 && s.expectedMs * (1 - EARLY) - off >= 3 * F ? SPARSE_RESERVE : 0;
  /** Polls after the first that the fixed interval allows by the end of the window (wait time), less the reserve. */
  const allowed = (late: number) => (F && F > 0 ? Math.max(0, Math.floor((s.expectedMs * (1 + late) - off) / F) - reserve) : Infinity);
  const fits = (k: number) => densePollsNeeded(s, EARLY * k, LATE * k) <= allowed(LATE * k);
  let k = 1;
  if (!fits(1)) {
    let lo = MIN_WINDOW / EARLY;
    let hi = 1;
    for (let i = 0; i < 30; i++) {
      const mid = (lo + hi) / 2;
      if (fits(mid)) lo = mid;
      else hi = mid;
    }
    k = lo;
  }
  const early = EARLY * k;
  const late = Math.max(MIN_WINDOW, LATE * k);
  const spare = allowed(late) - densePollsNeeded(s, early, late) + reserve;
  return { early, late, sparsePolls: Number.isFinite(spare) ? Math.max(0, spare) : Infinity };
}

/** The sparse phase's interval: what the dense window leaves of the fixed poll's allowance, spread over it. */
function sparseEveryMs(s: PollShape, w = denseWindow(s)): number {
  const F = s.fixedEveryMs && s.fixedEveryMs > 0 ? s.fixedEveryMs : undefined;
  const until = Math.max(0, s.expectedMs * (1 - w.early)) - (s.offsetMs ?? 0);
  const every = F && Number.isFinite(w.sparsePolls) ? Math.max(s.sparseMs, until / (w.sparsePolls + 1)) : s.sparseMs;
  return Math.max(s.floorMs, every);
}

export function denseStartMs(s: PollShape): number {
  return Math.max(0, s.expectedMs * (1 - denseWindow(s).early));
}

/**
 * The delay before the next poll, made at `waitedMs` into the wait after `polls` polls. `spent`:
 * the fixed poll's allowance used so far (default `polls`; a wait whose polls sometimes make an
 * extra request passes its requests, so the extras spend it too).
 */
export function shapedDelay(s: PollShape, waitedMs: number, polls: number, budget = pollBudget(s), answerMs = 0, spent = polls): number {
  const off = s.offsetMs ?? 0;
  const elapsedMs = waitedMs + off;
  const w = denseWindow(s);
  const F = s.fixedEveryMs && s.fixedEveryMs > 0 ? s.fixedEveryMs : undefined;
  const start = Math.max(0, s.expectedMs * (1 - w.early));
  const sparse = sparseEveryMs(s, w);
  let d: number;
  if (elapsedMs < start) d = Math.max(s.floorMs, Math.min(sparse, start - elapsedMs));
  else {
    // Once the budget is spent (the cloud is later than expected), twice as sparse: the lag may
    // reach twice the target, the request count grows only with the log of the overrun.
    const frac = (s.lagFraction ?? LAG_FRACTION) * (polls >= budget ? 2 : 1);
    d = Math.max(s.floorMs, Math.min(Math.max(s.floorMs, s.sparseMs), frac * elapsedMs - 2 * answerMs));
  }
  // The runbook's fixed poll: poll number `spent` (0-based) not before spent x F into the wait.
  return F ? Math.max(d, spent * F - waitedMs) : d;
}

/** A poll goes this fraction of the period after the tick's latest sighting (the request's own way to the API). */
const SYNC_MARGIN = 0.02;

/**
 * The next poll's time (epoch ms) on a periodic task's ticks: the latest moment just after a tick
 * that is not before `earliest` (the floor and the fixed poll's allowance) and not after `planned`
 * (what the shape would poll at: it sees the same changes there, sooner), else the first one after
 * `planned` (a poll before that tick could see nothing the last one did not).
 */
export function onSyncTick(sync: SyncPhase, earliest: number, planned: number): number {
  const P = sync.periodMs;
  const base = sync.visibleAt + SYNC_MARGIN * P;
  const k = Math.floor((planned - base) / P);
  const at = base + k * P;
  return at >= earliest ? at : at + P;
}

/**
 * The delay before the next poll as shapedDelay, moved onto the sync ticks when the shape has
 * them. `nowEpoch`: the wait's clock now, in the epoch ms the sightings were made in.
 */
export function shapedDelayOnTicks(s: PollShape, waitedMs: number, polls: number, budget: number, answerMs: number, spent: number, nowEpoch: number): number {
  const d = shapedDelay(s, waitedMs, polls, budget, answerMs, spent);
  if (!s.sync) return d;
  const F = s.fixedEveryMs && s.fixedEveryMs > 0 ? s.fixedEveryMs : undefined;
  const earliest = nowEpoch + Math.max(s.floorMs, F ? spent * F - waitedMs : 0);
  return onSyncTick(s.sync, earliest, nowEpoch + d) - nowEpoch;
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
  const w = denseWindow(s);
  const cap = s.fixedEveryMs ? `; by any moment no more requests than a fixed ${sec(s.fixedEveryMs)} poll (dense -${Math.round(w.early * 100)}%..+${Math.round(w.late * 100)}% of the expected end)` : '';
  const sync = s.sync ? `; each poll just after a tick of the ${sec(s.sync.periodMs)} status sync (its phase from ${s.sync.basis} earlier sightings, within ${sec(s.sync.widthMs)})` : '';
  return `every ${sec(sparseEveryMs(s, w))} until ${sec(denseStartMs(s))}, then ${Math.round(frac * 100)}% of the elapsed less the answer's latency (floor ${sec(s.floorMs)}); expected end ${sec(s.expectedMs)} (${s.from})${s.offsetMs ? `, counted from ${sec(s.offsetMs)} before the wait` : ''}${cap}${sync}`;
}

/** The polls a fixed interval makes over `ms` (the runbook's `watch -n 15/30`). */
export function fixedPolls(ms: number, everyMs: number): number {
  return Math.floor(ms / everyMs) + 1;
}
