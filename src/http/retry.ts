// Which calls may be replayed, and how long to wait before the next attempt (STYLE 13; undici's
// retry-handler): only idempotent methods, only on transport errors, 429 and 502/503/504,
// capped exponential backoff with jitter, Retry-After honoured up to a cap. A POST that creates
// is never replayed.

import { backoffDelay } from '../core/backoff.js';
import type { BackoffPolicy } from '../core/backoff.js';

export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'DELETE' | 'POST' | 'PATCH';

export interface RetryPolicy {
  /** Total attempts including the first. 1 disables retries. */
  readonly maxAttempts: number;
  readonly backoff: BackoffPolicy;
  /** Retry-After is honoured but never waited for longer than this. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  backoff: { initialMs: 500, maxMs: 10_000, factor: 2, jitter: 0.5 },
  maxRetryAfterMs: 30_000,
};

const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method.toUpperCase());
}

/** Whether an HTTP status says "the same call may succeed later". */
export function isRetryableStatus(status: number): boolean {
  return RETRY_STATUSES.has(status);
}

/** Retry-After as milliseconds from `nowMs`: delta-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * The wait before attempt `attempt + 1` (attempt counts from 1). Retry-After, when present,
 * replaces the computed backoff and is capped at maxRetryAfterMs.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfterMs: number | undefined, random: () => number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  return backoffDelay(policy.backoff, attempt - 1, random);
}
