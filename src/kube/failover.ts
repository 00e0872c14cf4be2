// D-011.4 failover: while the admin-scope failover of the workload API LB runs, probe the
// workload API (/version on api_address) continuously and report the blackout: how long no
// probe got an answer, and the first and last failed probe.

import type { Clock } from '../core/clock.js';
import { isAbortError } from '../core/errors.js';

export interface ProbeResult {
  readonly at: number;
  readonly ok: boolean;
  readonly error?: string;
}

export interface BlackoutReport {
  readonly probes: number;
  readonly failed: number;
  /** Sum of the windows without an answer: from a failed probe to the next answered one. */
  readonly blackoutMs: number;
  readonly longestMs: number;
  readonly firstFailedAt?: number;
  readonly lastFailedAt?: number;
  readonly lastError?: string;
}

export function summarizeProbes(results: readonly ProbeResult[], endedAt: number): BlackoutReport {
  let blackoutMs = 0;
  let longestMs = 0;
  let downSince: number | undefined;
  for (const r of results) {
    if (!r.ok && downSince === undefined) downSince = r.at;
    if (r.ok && downSince !== undefined) {
      blackoutMs += r.at - downSince;
      longestMs = Math.max(longestMs, r.at - downSince);
      downSince = undefined;
    }
  }
  if (downSince !== undefined) {
    blackoutMs += endedAt - downSince;
    longestMs = Math.max(longestMs, endedAt - downSince);
  }
  const failed = results.filter((r) => !r.ok);
  return {
    probes: results.length,
    failed: failed.length,
    blackoutMs,
    longestMs,
    ...(failed[0] ? { firstFailedAt: failed[0].at } : {}),
    ...(failed.at(-1) ? { lastFailedAt: failed.at(-1)!.at, ...(failed.at(-1)!.error ? { lastError: failed.at(-1)!.error } : {}) } : {}),
  };
}

/**
 * Probes until `stop` aborts: one probe at a time, each limited to timeoutMs, then intervalMs
 * of pause. The run's own signal ends it too. Resolves with every result.
 */
export async function probeUntil(probe: (signal: AbortSignal, timeoutMs: number) => Promise<unknown>, opts: { clock: Clock; intervalMs: number; timeoutMs: number; stop: AbortSignal; signal: AbortSignal; results?: ProbeResult[] }): Promise<ProbeResult[]> {
  const results: ProbeResult[] = opts.results ?? [];
  const both = AbortSignal.any([opts.stop, opts.signal]);
  while (!both.aborted) {
    const at = opts.clock.now();
    try {
      await probe(opts.signal, opts.timeoutMs);
      results.push({ at, ok: true });
    } catch (e) {
      if (opts.signal.aborted || (isAbortError(e) && opts.signal.aborted)) break;
      results.push({ at, ok: false, error: e instanceof Error ? e.message.split('\n')[0] ?? '' : String(e) });
    }
    try {
      await opts.clock.sleep(opts.intervalMs, both);
    } catch {
      break;
    }
  }
  return results;
}
