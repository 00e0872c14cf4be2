// This site's own history of a wait: how long it took in earlier runs, from their journals
// (runs-dir/<run>/journal.jsonl step-end records). A shaped poll (schedule.ts) expects the
// median of the last few successful ones when there are any, instead of the runbook's figure.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface WaitHistory {
  /**
   * Durations (ms) of the wait in earlier runs, newest first (from the start of the awaited process
   * when the wait recorded an offset; to the middle of the last poll interval, where the change
   * happened on average, when it recorded that interval).
   */
  readonly durationsMs: readonly number[];
  readonly medianMs: number | undefined;
}

const MAX_RUNS = 5;

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
    return { durationsMs: [], medianMs: undefined };
  }
  const durations: number[] = [];
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
            const half = typeof w.detectionWindowMs === 'number' && w.detectionWindowMs > 0 && w.detectionWindowMs < elapsed ? w.detectionWindowMs / 2 : 0;
            durations.push(elapsed - half + (typeof w.offsetMs === 'number' ? w.offsetMs : 0));
          }
        }
      } catch {
        /* a torn line */
      }
    }
  }
  const sorted = [...durations].sort((a, b) => a - b);
  return { durationsMs: durations, medianMs: sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : undefined };
}
