// This site's own history of a wait: how long it took in earlier runs, from their journals
// (runs-dir/<run>/journal.jsonl step-end records). A shaped poll (schedule.ts) expects the
// median of the last few successful ones when there are any, instead of the runbook's figure:
// of the sightings made by a dense poll (the change placed within PRECISE of the wait) when
// there are any, since a sparse poll's sighting places the change only somewhere in its last
// interval (measured on the real control plane: a create seen in the sparse phase put the next
// runs' expectation at 19.2 s for changes at 24-26 s).

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface WaitHistory {
  /**
   * Durations (ms) of the wait in earlier runs, newest first (from the start of the awaited process
   * when the wait recorded an offset; to the middle of the last poll interval, where the change
   * happened on average, when it recorded that interval).
   */
  readonly durationsMs: readonly number[];
  /**
   * The median (of two middle values, their mean) of the precise durations when there are any,
   * else of all of them.
   */
  readonly medianMs: number | undefined;
  /** How many durations the median is of (the precise ones when there are any). */
  readonly basis: number;
}

const MAX_RUNS = 5;
/** A sighting is precise when the change lies within this fraction of the wait (a dense poll's window, 2 % a poll). */
export const PRECISE = 0.05;

function median(xs: readonly number[]): number | undefined {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

interface WaitRecord {
  readonly name: string;
  readonly startedAt: number;
  readonly endedAt: number;
  /** The last poll interval, in which the change happened (absent when not recorded). */
  readonly windowMs: number | undefined;
  readonly offsetMs: number;
}

/**
 * The successful waits named `waitNames` in up to `maxRuns` earlier runs of `site` that share
 * runDir's runs directory, newest run first. A wait that succeeded on its first poll found the
 * state already there (a resumed run): not a measure, left out.
 */
function successfulWaits(runDir: string, site: string, waitNames: readonly string[], maxRuns: number): WaitRecord[] {
  const root = dirname(runDir);
  const runs: { dir: string; createdAt: number }[] = [];
  try {
    for (const name of readdirSync(root)) {
      const dir = join(root, name);
      if (dir === runDir) continue;
      try {
        const meta = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { site?: string; createdAt?: number };
        if (meta.site === site && typeof meta.createdAt === 'number') runs.push({ dir, createdAt: meta.createdAt });
      } catch {
        /* not a run directory, or a damaged one */
      }
    }
  } catch {
    return [];
  }
  const out: WaitRecord[] = [];
  let used = 0;
  for (const r of runs.sort((a, b) => b.createdAt - a.createdAt)) {
    if (used >= maxRuns) break;
    const file = join(r.dir, 'journal.jsonl');
    if (!existsSync(file)) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const before = out.length;
    for (const line of text.split('\n')) {
      if (!line.includes('"step-end"') || !waitNames.some((n) => line.includes(`"${n}"`))) continue;
      try {
        const rec = JSON.parse(line) as { waits?: { name?: string; outcome?: string; startedAt?: number; endedAt?: number; polls?: number; offsetMs?: number; detectionWindowMs?: number }[] };
        for (const w of rec.waits ?? []) {
          if (typeof w.name === 'string' && waitNames.includes(w.name) && w.outcome === 'success' && (w.polls ?? 2) > 1 && typeof w.startedAt === 'number' && typeof w.endedAt === 'number' && w.endedAt > w.startedAt) {
            const elapsed = w.endedAt - w.startedAt;
            const windowMs = typeof w.detectionWindowMs === 'number' && w.detectionWindowMs > 0 && w.detectionWindowMs < elapsed ? w.detectionWindowMs : undefined;
            out.push({ name: w.name, startedAt: w.startedAt, endedAt: w.endedAt, windowMs, offsetMs: typeof w.offsetMs === 'number' ? w.offsetMs : 0 });
          }
        }
      } catch {
        /* a torn line */
      }
    }
    if (out.length > before) used++;
  }
  return out;
}

/** The wait's durations in up to MAX_RUNS earlier runs of `site` that share runDir's runs directory. */
export function waitHistory(runDir: string, site: string, waitName: string): WaitHistory {
  const durations: number[] = [];
  const precise: number[] = [];
  for (const w of successfulWaits(runDir, site, [waitName], MAX_RUNS)) {
    // The state changed between the last poll that missed it and the one that saw it: count
    // to the middle of that window, not its end. Counting to the end feeds each run's lag
    // into the next run's expectation: a change that came in the sparse phase, seen up to a
    // sparse interval late, would start the next run's dense phase that much too late again.
    const d = w.endedAt - w.startedAt - (w.windowMs ?? 0) / 2 + w.offsetMs;
    durations.push(d);
    if (w.windowMs !== undefined && w.windowMs <= PRECISE * d) precise.push(d);
  }
  const basis = precise.length ? precise : durations;
  return { durationsMs: durations, medianMs: median(basis), basis: basis.length };
}

/**
 * When a change that comes only on a periodic task's ticks (magnum-conductor's status sync) is
 * visible: `visibleAt` (epoch ms, one tick's; the others are whole periods away) is when a
 * change at that tick has been seen by, `widthMs` how far before it the change may show.
 */
export interface SyncPhase {
  readonly periodMs: number;
  readonly visibleAt: number;
  readonly widthMs: number;
  /** How many earlier sightings agree on it. */
  readonly basis: number;
}

/** Earlier runs whose sightings the sync phase reads (it holds while the conductor runs). */
const PHASE_RUNS = 20;
/**
 * A sighting places the tick when its window is at most this fraction of the period (wider ones
 * agree with anything: two random quarter-period arcs overlap one time in two, three one in four).
 */
const PHASE_WINDOW = 0.25;
/** The phase is used when at least this many sightings agree on it ... */
const PHASE_AGREE = 3;
/** ... within this fraction of the period. */
const PHASE_WIDTH = 0.125;

/**
 * The phase of a periodic task's ticks from earlier sightings [from, to] (epoch ms) of changes
 * it made, newest first: the newest narrow sighting, narrowed by every older one that overlaps it
 * modulo the period. None when fewer than three agree, when as many disagree (another conductor, a
 * restarted one: its ticks moved), or when they leave more than an eighth of the period open.
 */
export function syncPhase(sightings: readonly { from: number; to: number }[], periodMs: number): SyncPhase | undefined {
  const P = periodMs;
  if (!(P > 0)) return undefined;
  const arcs = sightings.filter((s) => s.to > s.from && s.to - s.from <= PHASE_WINDOW * P);
  const first = arcs[0];
  if (!first) return undefined;
  // The arc as [lo, hi] with lo in [0, P).
  let lo = ((first.from % P) + P) % P;
  let hi = lo + (first.to - first.from);
  let agree = 1;
  let disagree = 0;
  for (const a of arcs.slice(1)) {
    const alo = ((a.from % P) + P) % P;
    const ahi = alo + (a.to - a.from);
    let best: [number, number] | undefined;
    for (const k of [-1, 0, 1]) {
      const l = Math.max(lo, alo + k * P);
      const h = Math.min(hi, ahi + k * P);
      if (h >= l && (!best || h - l > best[1] - best[0])) best = [l, h];
    }
    if (best) {
      [lo, hi] = best;
      agree++;
    } else disagree++;
  }
  if (agree < PHASE_AGREE || disagree >= agree || hi - lo > PHASE_WIDTH * P) return undefined;
  return { periodMs: P, visibleAt: hi, widthMs: hi - lo, basis: agree };
}

/** The sightings of the waits `waitNames` in earlier runs (newest first) as [from, to] epoch ms. */
export function sightings(runDir: string, site: string, waitNames: readonly string[]): { from: number; to: number }[] {
  return successfulWaits(runDir, site, waitNames, PHASE_RUNS)
    .filter((w) => w.windowMs !== undefined)
    .map((w) => ({ from: w.endedAt - (w.windowMs as number), to: w.endedAt }))
    .sort((a, b) => b.to - a.to);
}
