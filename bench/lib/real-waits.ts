// capi-gate's OpenStack waits on the real control plane against the runbook's fixed polls: per
// wait (create, failover, delete), the moment the real service's state changed (from the
// MariaDB observer: bench/lib/real-observer.ts), how late capi-gate saw it and how many
// requests it made, and what a fixed poll every P seconds from the same start would have made
// and lagged to see the same change (polls at 0, P, 2P, ...: it sees the change at the first
// multiple of P at or after it).

import type { ObservedChange } from './real-observer.js';
import type { Report } from './analysis.js';
import { median, percentile } from './analysis.js';

/** The OpenStack waits compared (no Kubernetes watch exists for them). */
export const REAL_WAITS = ['cluster', 'api-lb-failover', 'cluster-delete'] as const;
export type RealWait = (typeof REAL_WAITS)[number];

export interface FixedPoll {
  readonly requests: number;
  readonly lagMs: number;
}

/** A fixed poll every `everyMs` from the wait's start, of a change `changeMs` into it. */
export function fixedPoll(changeMs: number, everyMs: number): FixedPoll {
  const c = Math.max(0, changeMs);
  const n = Math.ceil(c / everyMs);
  return { requests: n + 1, lagMs: n * everyMs - c };
}

export interface WaitSample {
  readonly run: string;
  readonly wait: RealWait;
  readonly elapsedMs: number;
  /** The change, ms after the wait started (negative: before it). */
  readonly changeMs: number;
  /** capi-gate's observation minus the observer's first sight of the change (>= 0): a lower bound. */
  readonly lagMs: number;
  /** capi-gate's observation minus the observer's last sight of the state before: an upper bound. */
  readonly lagMaxMs: number;
  /** The observer's resolution for this change (first sight minus last sight of the state before). */
  readonly resolutionMs: number;
  readonly requests: number;
  readonly budget?: number;
  readonly expectedMs?: number;
  /** The wait polled on magnum-conductor's status-sync ticks (their phase placed by earlier runs). */
  readonly onTicks?: boolean;
}

interface WaitRecord {
  readonly name: string;
  readonly outcome: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly polls: number;
  readonly requests?: number;
  readonly budget?: number;
  readonly expectedMs?: number;
  readonly schedule?: string;
  readonly timeline: readonly { readonly at: number; readonly from: string | null; readonly to: string }[];
}

function target(wait: RealWait): (to: string) => boolean {
  if (wait === 'cluster') return (to) => to === 'CREATE_COMPLETE';
  if (wait === 'cluster-delete') return (to) => to === 'gone' || to === 'DELETE_COMPLETE';
  return (to) => to === 'ACTIVE';
}

/**
 * The samples of one run: every successful OpenStack wait of `report` about `cluster`, matched to
 * the observer's change of the awaited row (the Magnum cluster by name; the API LB by CAPO's
 * name, `...-<stack id>-kubeapi`). A wait with no matching change (the observer missed it, or the
 * state was there before the wait) is listed in `unmatched`.
 */
export function waitSamples(run: string, report: Report, cluster: string, changes: readonly ObservedChange[], slackMs = 100): { samples: WaitSample[]; unmatched: string[] } {
  const samples: WaitSample[] = [];
  const unmatched: string[] = [];
  const mine = changes.filter((c) => c.kind === 'magnum.cluster' && c.name === cluster);
  const stacks = new Set(mine.map((c) => c.stackId).filter((s): s is string => !!s));
  const apiLb = changes.filter((c) => c.kind === 'octavia.loadbalancer' && c.name.endsWith('-kubeapi') && [...stacks].some((s) => c.name.includes(s)));
  for (const item of report.items) {
    for (const w of (item.waits ?? []) as readonly WaitRecord[]) {
      if (!(REAL_WAITS as readonly string[]).includes(w.name)) continue;
      const name = w.name as RealWait;
      if (w.outcome !== 'success') {
        unmatched.push(`${run} ${name}: ${w.outcome}`);
        continue;
      }
      const seenAt = w.timeline.at(-1)?.at ?? w.endedAt;
      const rows = name === 'api-lb-failover' ? apiLb : mine;
      // The latest change to the awaited state that can have happened before capi-gate saw it
      // (the observer last saw the old state before that; it may see the new one a gap later,
      // on a busy host), and after the wait began.
      const hit = rows.filter((c) => target(name)(c.to) && c.from !== null && c.prevAt !== null && c.prevAt <= seenAt + slackMs && c.prevAt >= w.startedAt - slackMs).at(-1);
      if (!hit || w.polls < 2) {
        unmatched.push(`${run} ${name}: ${hit ? 'seen on the first poll' : 'no change of the row seen by the observer'}`);
        continue;
      }
      samples.push({
        run, wait: name,
        elapsedMs: w.endedAt - w.startedAt,
        // the change happened in (prevAt, at], and no later than capi-gate saw it
        changeMs: Math.min(hit.at, seenAt) - w.startedAt,
        lagMs: Math.max(0, seenAt - hit.at),
        lagMaxMs: Math.max(0, seenAt - hit.prevAt!),
        resolutionMs: hit.at - hit.prevAt!,
        requests: w.requests ?? w.polls,
        ...(w.budget !== undefined ? { budget: w.budget } : {}),
        ...(w.expectedMs !== undefined ? { expectedMs: w.expectedMs } : {}),
        ...(w.schedule?.includes('status sync') ? { onTicks: true } : {}),
      });
    }
  }
  return { samples, unmatched };
}

export interface WaitSummary {
  readonly wait: RealWait;
  readonly n: number;
  readonly elapsedMsMedian: number;
  readonly lagMsP50: number;
  readonly lagMsP95: number;
  readonly lagFractionP95: number;
  /** The upper bound of the lag (from the observer's last sight of the old state), p95. */
  readonly lagMaxMsP95: number;
  readonly lagMaxFractionP95: number;
  readonly requestsMedian: number;
  readonly requestsMax: number;
  readonly budget?: number;
  readonly expectedMs?: number;
  /** Per fixed interval (ms): median requests and lag over the same changes. */
  readonly fixed: Record<string, { requestsMedian: number; lagMsMedian: number; lagMsMax: number }>;
  /** Runs where capi-gate made more requests than the fixed poll would have, per interval. */
  readonly moreThanFixed: Record<string, number>;
  readonly resolutionMsMax: number;
}

export function summarize(samples: readonly WaitSample[], intervalsMs: readonly number[]): WaitSummary[] {
  const out: WaitSummary[] = [];
  for (const wait of REAL_WAITS) {
    const s = samples.filter((x) => x.wait === wait);
    if (!s.length) continue;
    const fixed: WaitSummary['fixed'] = {};
    const more: Record<string, number> = {};
    for (const p of intervalsMs) {
      const f = s.map((x) => fixedPoll(x.changeMs, p));
      fixed[String(p)] = { requestsMedian: median(f.map((y) => y.requests)), lagMsMedian: median(f.map((y) => y.lagMs)), lagMsMax: Math.max(...f.map((y) => y.lagMs)) };
      more[String(p)] = s.filter((x, i) => x.requests > f[i]!.requests).length;
    }
    const withBudget = s.find((x) => x.budget !== undefined);
    const withExpected = s.find((x) => x.expectedMs !== undefined);
    out.push({
      wait, n: s.length,
      elapsedMsMedian: median(s.map((x) => x.elapsedMs)),
      lagMsP50: percentile(s.map((x) => x.lagMs), 50),
      lagMsP95: percentile(s.map((x) => x.lagMs), 95),
      lagFractionP95: percentile(s.map((x) => x.lagMs / Math.max(1, x.elapsedMs)), 95),
      lagMaxMsP95: percentile(s.map((x) => x.lagMaxMs), 95),
      lagMaxFractionP95: percentile(s.map((x) => x.lagMaxMs / Math.max(1, x.elapsedMs)), 95),
      requestsMedian: median(s.map((x) => x.requests)),
      requestsMax: Math.max(...s.map((x) => x.requests)),
      ...(withBudget?.budget !== undefined ? { budget: withBudget.budget } : {}),
      ...(withExpected?.expectedMs !== undefined ? { expectedMs: withExpected.expectedMs } : {}),
      fixed, moreThanFixed: more,
      resolutionMsMax: Math.max(...s.map((x) => (Number.isFinite(x.resolutionMs) ? x.resolutionMs : 0))),
    });
  }
  return out;
}
