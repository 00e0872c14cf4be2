// From a run's report.json and the simulator's timeline: the cloud's critical path (its own
// serial durations for one cluster) and how late capi-gate saw each state change.

import type { TimelineEntry } from './sim.js';

export interface ReportWait {
  readonly name: string;
  readonly what: string;
  readonly outcome: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly polls: number;
  readonly timeline: readonly { readonly at: number; readonly from: string | null; readonly to: string }[];
  readonly requests?: number;
  readonly budget?: number;
  readonly mode?: string;
}

export interface ReportItem {
  readonly id: string;
  readonly status: string;
  readonly summary?: string;
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly waits?: readonly ReportWait[];
}

export interface Report {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly verdict: string;
  readonly exitCode: number;
  readonly items: readonly ReportItem[];
}

/** Items that were evaluated against the site (not skipped for a dependency, not deferred, not errored). */
export const EVALUATED = new Set(['PASS', 'FAIL', 'WARN']);

export function measuredSteps(r: Report): { measured: string[]; other: string[] } {
  const measured = r.items.filter((i) => EVALUATED.has(i.status)).map((i) => i.id);
  const other = r.items.filter((i) => !EVALUATED.has(i.status)).map((i) => `${i.id} ${i.status}`);
  return { measured, other };
}

export interface Segment {
  readonly name: string;
  readonly startSim: number;
  readonly endSim: number;
}

export interface CriticalPath {
  readonly segments: readonly (Segment & { readonly realMs: number })[];
  /** Union of the segments, wall-clock ms at the sim's time scale. */
  readonly realMs: number;
}

/** Timeline entries about one cluster: the cluster itself and every resource named after it. */
export function aboutCluster(timeline: readonly TimelineEntry[], clusterName: string): TimelineEntry[] {
  const uuids = new Set(timeline.filter((e) => e.kind.startsWith('magnum.cluster') && e.name === clusterName).map((e) => e.id));
  const mine = (e: TimelineEntry) => {
    const n = e.name ?? '';
    return uuids.has(e.id) || n === clusterName || n.includes(`-${clusterName}-`) || n.startsWith(`${clusterName}-`) || n.includes(`_${clusterName}_`) || n.includes(`_${clusterName}-`);
  };
  return timeline.filter(mine);
}

function firstAt(es: readonly TimelineEntry[], pred: (e: TimelineEntry) => boolean, after = -Infinity): number | undefined {
  return es.find((e) => e.at >= after && pred(e))?.at;
}

/**
 * The cloud's own serial work for one cluster: create (request to CREATE_COMPLETE: the driver
 * reports complete once the add-on Helm releases are deployed), the add-ons' convergence after
 * that (nodes and add-on pods Ready: from kube timeline entries if the simulator writes them,
 * else from `addonsReadyAt`, the simulated apiserver's own Ready transition times), the
 * round-robin Service LB (create and delete), the API LB failover, and the cluster delete.
 * Overlapping segments count once.
 */
export function criticalPath(timeline: readonly TimelineEntry[], clusterName: string, timeScale: number, addonsReadyAt?: number): CriticalPath {
  const es = aboutCluster(timeline, clusterName);
  const segs: Segment[] = [];
  const cluster = es.filter((e) => e.kind === 'magnum.cluster');
  const created = cluster[0]?.at;
  const complete = firstAt(cluster, (e) => e.to === 'CREATE_COMPLETE' || e.to === 'CREATE_FAILED');
  if (created !== undefined && complete !== undefined) segs.push({ name: 'create', startSim: created, endSim: complete });
  const kube = es.filter((e) => /^(kube|k8s|workload)/.test(e.kind) && /ready|running/i.test(e.to ?? ''));
  if (complete !== undefined && kube.length) {
    const last = Math.max(...kube.filter((e) => e.at >= complete).map((e) => e.at));
    if (Number.isFinite(last)) segs.push({ name: 'add-ons', startSim: complete, endSim: last });
  } else if (complete !== undefined && addonsReadyAt !== undefined && addonsReadyAt > complete) {
    segs.push({ name: 'add-ons (nodes + pods Ready, apiserver)', startSim: complete, endSim: addonsReadyAt });
  }
  const lbs = new Map<string, TimelineEntry[]>();
  for (const e of es.filter((x) => x.kind === 'octavia.loadbalancer')) lbs.set(e.id ?? '', [...(lbs.get(e.id ?? '') ?? []), e]);
  for (const [, events] of lbs) {
    const api = (events[0]?.name ?? '').endsWith('-kubeapi');
    const active = (e: TimelineEntry) => (e.to ?? '').startsWith('ACTIVE');
    if (!api) {
      const start = events[0]!.at;
      const up = firstAt(events, active, start);
      if (up !== undefined) segs.push({ name: 'round-robin LB', startSim: start, endSim: up });
      const del = firstAt(events, (e) => (e.to ?? '').startsWith('PENDING_DELETE'));
      const gone = del !== undefined ? firstAt(events, (e) => /^(DELETED|gone|deleted)/.test(e.to ?? ''), del) : undefined;
      if (del !== undefined && gone !== undefined) segs.push({ name: 'round-robin LB delete', startSim: del, endSim: gone });
    } else {
      const fo = firstAt(events, (e) => /^(PENDING_UPDATE|ERROR)/.test(e.to ?? '') || /failover/i.test(e.detail ?? ''));
      const back = fo !== undefined ? firstAt(events, (e) => active(e) && e.at > fo, fo) : undefined;
      if (fo !== undefined && back !== undefined) segs.push({ name: 'failover', startSim: fo, endSim: back });
    }
  }
  const delStart = firstAt(cluster, (e) => e.to === 'DELETE_IN_PROGRESS');
  const delEnd = delStart !== undefined ? (firstAt(cluster, (e) => e.to === 'gone', delStart) ?? firstAt(cluster, (e) => e.to === 'DELETE_COMPLETE', delStart)) : undefined;
  if (delStart !== undefined && delEnd !== undefined) segs.push({ name: 'delete', startSim: delStart, endSim: delEnd });

  // union
  const sorted = [...segs].sort((a, b) => a.startSim - b.startSim);
  let total = 0;
  let curS = -Infinity;
  let curE = -Infinity;
  for (const s of sorted) {
    if (s.startSim > curE) {
      if (curE > curS) total += curE - curS;
      curS = s.startSim;
      curE = s.endSim;
    } else curE = Math.max(curE, s.endSim);
  }
  if (curE > curS) total += curE - curS;
  return { segments: segs.map((s) => ({ ...s, realMs: (s.endSim - s.startSim) * timeScale })), realMs: total * timeScale };
}

export interface Detection {
  readonly item: string;
  readonly wait: string;
  readonly state: string;
  /** Wall ms from the simulated change to capi-gate's observation. */
  readonly latencyMs: number;
  /** The wait's elapsed ms (start to end). */
  readonly waitMs: number;
  readonly fraction: number;
}

function sameState(simTo: string, observed: string): boolean {
  if (simTo === observed) return true;
  return simTo.startsWith(`${observed}/`) || observed.startsWith(`${simTo}/`) || simTo.split('/')[0] === observed.split('/')[0];
}

/**
 * For the change that ended each wait (the last entry of its timeline, when it has a `from`), the
 * latest simulated change to that state about the same cluster no later than the observation; the
 * difference is the detection latency. Changes with no counterpart in the sim timeline (e.g. Kubernetes states
 * when the kube simulator does not record them) are counted as unmatched.
 */
/** Kubernetes' metav1.Time: whole seconds. */
export const KUBE_TIMESTAMP_MS = 1_000;

export function detections(report: Report, timeline: readonly TimelineEntry[], clusterName: string, toReal: (simMs: number) => number, addonsReadyAt?: number): { samples: Detection[]; unmatched: string[] } {
  const es = aboutCluster(timeline, clusterName).map((e) => ({ e, real: toReal(e.at) }));
  const samples: Detection[] = [];
  const unmatched: string[] = [];
  const slackMs = 25;
  for (const item of report.items) {
    for (const w of item.waits ?? []) {
      // The add-ons' moment is a Kubernetes timestamp: whole simulated seconds, truncated. The
      // transition lies somewhere in that second; the middle of it is the reference (+-half a
      // simulated second: +-25 ms at time scale 0.05), not its start (which overstated every
      // lag by up to a whole second's worth).
      const kube = kubeEnd(w, es, addonsReadyAt === undefined ? undefined : toReal(addonsReadyAt + KUBE_TIMESTAMP_MS / 2));
      if (kube !== undefined) {
        // A Kubernetes wait: its states are not in the sim timeline; its end is measured against
        // the simulated moment its condition became true.
        if (kube !== null) {
          const latencyMs = Math.max(0, w.endedAt - kube);
          const waitMs = Math.max(1, w.endedAt - w.startedAt);
          samples.push({ item: item.id, wait: w.name, state: 'done', latencyMs, waitMs, fraction: latencyMs / waitMs });
        } else unmatched.push(`${item.id} ${w.name} (no reference in the sim)`);
        continue;
      }
      // The lag of a wait is how late it saw what it waits for: the change that ended it (the last
      // in its timeline). A state it only passes through (Magnum's DELETE_IN_PROGRESS, which the
      // conductor sets just after the 204, on the way to gone) is not its end, and a shaped poll is
      // sparse early on purpose: that first sighting is not a detection.
      const t = w.timeline.at(-1);
      if (!t || t.from === null) continue;
      const hit = es.filter(({ e, real }) => e.to !== undefined && sameState(e.to, t.to) && real <= t.at + slackMs && real >= w.startedAt - slackMs).at(-1);
      if (!hit) {
        unmatched.push(`${item.id} ${w.name} -> ${t.to}`);
        continue;
      }
      const latencyMs = Math.max(0, t.at - hit.real);
      const waitMs = Math.max(1, w.endedAt - w.startedAt);
      samples.push({ item: item.id, wait: w.name, state: t.to, latencyMs, waitMs, fraction: latencyMs / waitMs });
    }
  }
  return { samples, unmatched };
}

/**
 * The simulated moment a Kubernetes wait's condition became true (real ms): the add-ons Ready
 * (the apiserver's own transition times), the rr Service LB ACTIVE (the CCM sets the EXTERNAL-IP
 * then: a little earlier than the IP, so the lag is if anything overstated), the rr LB gone.
 * undefined: not a Kubernetes wait; null: one without a reference in this run.
 */
function kubeEnd(w: ReportWait, es: readonly { e: TimelineEntry; real: number }[], addonsReal: number | undefined): number | null | undefined {
  if (w.outcome !== 'success' && ['nodes-and-addons', 'rr-external-ip', 'rr-teardown'].includes(w.name)) return null;
  const rrLb = es.filter(({ e, real }) => e.kind === 'octavia.loadbalancer' && !(e.name ?? '').endsWith('-kubeapi') && real >= w.startedAt - 25);
  if (w.name === 'nodes-and-addons') return addonsReal !== undefined && addonsReal <= w.endedAt + 25 ? Math.max(addonsReal, w.startedAt) : null;
  // The LB's ACTIVE (the CCM's moment), not its first heartbeat's ACTIVE/OFFLINE > ACTIVE/ONLINE.
  if (w.name === 'rr-external-ip') return rrLb.filter(({ e, real }) => (e.to ?? '').startsWith('ACTIVE') && !(e.from ?? '').startsWith('ACTIVE') && real <= w.endedAt + 25).at(-1)?.real ?? null;
  if (w.name === 'rr-teardown') return rrLb.filter(({ e, real }) => /^(DELETED|gone|deleted)/.test(e.to ?? '') && real <= w.endedAt + 25).at(-1)?.real ?? null;
  return undefined;
}

/** Per wait name: the requests each run's wait made (from the report). */
export function requestsPerWait(reports: readonly (Report | undefined)[]): Map<string, { requests: number[]; budget?: number; mode?: string }> {
  const out = new Map<string, { requests: number[]; budget?: number; mode?: string }>();
  for (const r of reports) {
    for (const i of r?.items ?? []) {
      for (const w of i.waits ?? []) {
        const e = out.get(w.name) ?? { requests: [] };
        e.requests.push(w.requests ?? w.polls);
        if (w.budget !== undefined) e.budget = w.budget;
        if (w.mode) e.mode = w.mode.startsWith('watch,') ? 'watch, then poll' : w.mode.split(' ')[0];
        else e.mode ??= w.budget !== undefined ? 'shaped poll' : 'poll';
        out.set(w.name, e);
      }
    }
  }
  return out;
}

/** Nearest-rank percentile. */
export function percentile(xs: readonly number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}
