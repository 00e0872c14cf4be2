// Keeps a site's run directories to the newest N (the canary runs for months): older ones are
// removed, never the ones named in `keep` (the run in progress).

import { rmSync } from 'node:fs';
import { listRuns } from './journal.js';

/** Removes the site's run directories beyond the newest `newest`; returns the run ids removed. */
export function pruneRuns(runsDir: string, site: string, newest: number, keep: ReadonlySet<string> = new Set()): string[] {
  const runs = listRuns(runsDir)
    .filter((r) => r.meta.site === site)
    .sort((a, b) => b.meta.createdAt - a.meta.createdAt || b.meta.runId.localeCompare(a.meta.runId));
  const removed: string[] = [];
  for (const r of runs.slice(Math.max(0, newest))) {
    if (keep.has(r.meta.runId)) continue;
    rmSync(r.dir, { recursive: true, force: true });
    removed.push(r.meta.runId);
  }
  return removed;
}
