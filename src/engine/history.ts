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

/** The wait's durations in up to MAX_RUNS earlier runs of `site` that share runDir's runs directory. */
export function waitHistory(runDir: string, site: string, waitName: string): WaitHistory {
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
    return { durationsMs: [], medianMs: undefined, basis: 0 };
  }
  const durations: number[] = [];
  const precise: number[] = [];
  for (const r of runs.sort((a, b) => b.createdAt - a.createdAt)) {
    if (durations.length >= MAX_RUNS) break;
    const file = join(r.dir, 'journal.jsonl');
    if (!existsSync(file)) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line.includes('"step-end"') || !line.includes(`"${waitName}"`)) continue;
      try {
        const rec = JSON.parse(line) as { t?: string; waits?: { name?: string; outcome?: string; startedAt?: number; endedAt?: number; polls?: number; offsetMs?: number; detectionWindowMs?: number }[] };
        for (const w of rec.waits ?? []) {
          // A wait that succeeded on its first poll found the state already there (a resumed run): no measure.
          if (w.name === waitName && w.outcome === 'success' && (w.polls ?? 2) > 1 && typeof w.startedAt === 'number' && typeof w.endedAt === 'number' && w.endedAt > w.startedAt) {
            // The state changed between the last poll that missed it and the one that saw it: count
            // to the middle of that window, not its end. Counting to the end feeds each run's lag
            // into the next run's expectation: a change that came in the sparse phase, seen up to a
            // sparse interval late, would start the next run's dense phase that much too late again.
            const elapsed = w.endedAt - w.startedAt;
            const windowMs = typeof w.detectionWindowMs === 'number' && w.detectionWindowMs > 0 && w.detectionWindowMs < elapsed ? w.detectionWindowMs : undefined;
            const d = elapsed - (windowMs ?? 0) / 2 + (typeof w.offsetMs === 'number' ? w.offsetMs : 0);
            durations.push(d);
            if (windowMs !== undefined && windowMs <= PRECISE * d) precise.push(d);
          }
        }
      } catch {
        /* a torn line */
      }
    }
  }
  const basis = precise.length ? precise : durations;
  return { durationsMs: durations, medianMs: median(basis), basis: basis.length };
}
