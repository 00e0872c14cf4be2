// What each OpenStack wait of phase 08 expects (issue 20): the runbook's figure, or this site's
// own history from earlier runs' journals when there is one (src/engine/history.ts), for the
// shaped polls of src/engine/schedule.ts. Figures are at the site's time (x polling.intervalScale);
// floors and sparse intervals are real-site ms (ctx.wait scales them).

import { sightings as syncSightings, syncPhase, waitHistory } from '../engine/history.js';
import type { SyncPhase } from '../engine/history.js';
import { parseDuration } from '../core/duration.js';
import { LAG_FRACTION } from '../engine/schedule.js';
import type { PollShape } from '../engine/schedule.js';
import type { StepContext } from '../engine/index.js';
import type { Phase08Services } from './services.js';

export interface Expectation {
  /** The runbook's (or the code's) figure at real-site time, and where it comes from. */
  readonly ms: number;
  readonly from: string;
  readonly floorMs: number;
  readonly sparseMs: number;
  /** A figure given by the site (already at its time scale), not scaled again. */
  readonly siteScaled?: boolean;
  /**
   * The runbook's own fixed poll for this wait (real-site ms): the shaped poll never makes more
   * polls than it would have by any moment (src/engine/schedule.ts).
   */
  readonly fixedEveryMs?: number;
  /** The runbook's figure at real-site ms when `ms` is the site's own (siteScaled): fixes F's ratio to the wait. */
  readonly runbookMs?: number;
}

/** The runbook's fixed polls: 8.2 `sleep 30`; its other polls (8.0's image, and the 15 s of the issue for the `watch` lines of the failover and the delete). */
export const RUNBOOK_POLL_MS = { cluster: 30_000, other: 15_000 } as const;

export const EXPECT = {
  /** The CAPI Helm driver's create takes 10-40 minutes: the dense polling starts before the earliest. */
  cluster: { ms: 10 * 60_000, from: 'runbook: a CAPI Helm create takes 10-40 min', floorMs: 5_000, sparseMs: 120_000, fixedEveryMs: RUNBOOK_POLL_MS.cluster },
  /** No runbook figure for the delete: magnum-capi-helm deletes in ~3 min (measured on Zed). */
  'cluster-delete': { ms: 3 * 60_000, from: 'capi-gate default: a delete takes ~3 min', floorMs: 1_000, sparseMs: 60_000, fixedEveryMs: RUNBOOK_POLL_MS.other },
} satisfies Record<string, Expectation>;

/** The waits whose end magnum-conductor's status sync makes (magnum/service/periodic.py sync_cluster_status). */
export const MAGNUM_SYNCED = ['cluster', 'cluster-delete'] as const;
/** Magnum's status sync: spacing=10 (fixed in magnum/service/periodic.py). */
export const MAGNUM_SYNC_MS = 10_000;

/** Magnum's status sync period at this site's time: polling.magnumStatusSync, else 10 s x intervalScale. */
export function magnumSyncMs(ctx: StepContext<Phase08Services>): number {
  const given = ctx.site.site.polling.magnumStatusSync;
  return (given !== undefined ? parseDuration(given) : undefined) ?? MAGNUM_SYNC_MS * ctx.site.site.polling.intervalScale;
}

/** Where earlier runs' sightings of Magnum's create and delete place its status-sync ticks (history.ts syncPhase). */
function magnumSyncPhase(ctx: StepContext<Phase08Services>): SyncPhase | undefined {
  return syncPhase(syncSightings(ctx.runDir, ctx.site.site.site, MAGNUM_SYNCED), magnumSyncMs(ctx));
}

/** Magnum's health sync, [kubernetes] health_polling_interval: 60 s by default, six status syncs. */
export const MAGNUM_HEALTH_SYNCS = 6;

/**
 * 8.2's wait for Magnum's health after CREATE_COMPLETE: the health sync (its own periodic task on
 * the status sync's grid, for clusters COMPLETE when it lists them) comes within one health
 * interval, and only on a status-sync tick: a poll between two ticks can see nothing new. So it
 * polls once a status period (just after each tick when earlier runs place them): at most six
 * polls where the backoff made five, the lag under one period instead of up to half the wait.
 */
export function healthShape(ctx: StepContext<Phase08Services>): PollShape {
  const scale = ctx.site.site.polling.intervalScale;
  const P = magnumSyncMs(ctx);
  const expectedMs = MAGNUM_HEALTH_SYNCS * P;
  const phase = magnumSyncPhase(ctx);
  // floor and sparse are real-site ms (ctx.wait scales them): one period apart; the floor is three
  // quarters of one, so that a poll just after a tick (its answer taking under a quarter period)
  // can be followed by one just after the next.
  return {
    expectedMs, from: `Magnum's health sync: within one health_polling_interval (${MAGNUM_HEALTH_SYNCS} status syncs) of CREATE_COMPLETE`,
    floorMs: (0.75 * P) / scale, sparseMs: P / scale, ...(phase ? { sync: phase } : {}),
  };
}

/** The shape of a wait: the median of this site's earlier runs when there are any, else `fallback`. */
export function shapeFor(ctx: StepContext<Phase08Services>, waitName: string, fallback: Expectation, requestsPerPoll = 1, offsetMs = 0): PollShape {
  const h = waitHistory(ctx.runDir, ctx.site.site.site, waitName);
  const scale = ctx.site.site.polling.intervalScale;
  const expectedMs = h.medianMs ?? (fallback.siteScaled ? fallback.ms : fallback.ms * scale);
  const sightings = h.basis < h.durationsMs.length ? ` (its ${h.basis} precise sighting${h.basis === 1 ? '' : 's'})` : '';
  const from = h.medianMs !== undefined ? `site history: median of ${h.durationsMs.length} earlier run${h.durationsMs.length === 1 ? '' : 's'}${sightings}` : fallback.from;
  // ctx.wait multiplies floor and sparse interval by the scale: keep them, so scaled, within 1 %
  // and a third of the expectation (a site whose deadlines are scaled but not its polling).
  // The runbook's fixed poll keeps its ratio to the runbook's figure on a site whose figures are
  // scaled but not its polling (a 100 s failover polled every 15 s: every 30 ms for a 200 ms one).
  const fallbackMs = fallback.siteScaled ? fallback.ms : fallback.ms * scale;
  const fixedEveryMs = fallback.fixedEveryMs
    ? Math.min(fallback.fixedEveryMs, (fallbackMs * (fallback.fixedEveryMs / (fallback.runbookMs ?? fallback.ms))) / scale)
    : undefined;
  // Polls on the sync's ticks only when its phase is known closer than the lag target: a poll goes
  // after the latest sighting of a tick, so a change at the earliest is seen that much later.
  const phase = (MAGNUM_SYNCED as readonly string[]).includes(waitName) ? magnumSyncPhase(ctx) : undefined;
  const sync = phase && phase.widthMs <= LAG_FRACTION * expectedMs ? phase : undefined;
  return {
    expectedMs, from, requestsPerPoll, ...(sync ? { sync } : {}), ...(offsetMs > 0 ? { offsetMs } : {}), ...(fixedEveryMs ? { fixedEveryMs } : {}),
    floorMs: Math.min(fallback.floorMs, (expectedMs * 0.01) / scale),
    sparseMs: Math.min(fallback.sparseMs, expectedMs / 3 / scale),
  };
}
