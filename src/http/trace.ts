// The request trace (STYLE 6-7, playwright's "call log"): method, URL without query secrets,
// status, milliseconds and request id of the last calls, kept so an error can show what led to
// it. Never headers, never bodies, never tokens.

import { redactor, REDACTED } from '../core/redact.js';

export interface TraceEntry {
  readonly method: string;
  /** The URL with userinfo removed and secret-looking query values replaced. */
  readonly url: string;
  /** HTTP status, or 0 when no answer arrived (transport error). */
  readonly status: number;
  readonly durationMs: number;
  readonly requestId: string | undefined;
  readonly service: string;
  readonly operation: string;
  readonly attempt: number;
  /** A short transport error code when status is 0 (e.g. ECONNREFUSED, UND_ERR_SOCKET). */
  readonly error?: string;
}

const SECRET_QUERY_KEY = /token|secret|password|passwd|signature|sig$|key$|credential|auth/i;

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Removes userinfo and the values of secret-looking query parameters, then applies the redactor. */
export function sanitizeUrl(raw: string | URL): string {
  let u: URL;
  try {
    u = new URL(String(raw));
  } catch {
    return redactor.redact(String(raw).replace(/\?.*$/, ''));
  }
  u.username = '';
  u.password = '';
  // Each part is redacted on its own: the redactor's "secret=..." pattern would otherwise
  // swallow the rest of a query string.
  const query = [...u.searchParams.entries()]
    .map(([k, v]) => `${encodeURIComponent(k)}=${SECRET_QUERY_KEY.test(k) ? REDACTED : encodeURIComponent(redactor.redact(v))}`)
    .join('&');
  const path = u.pathname
    .split('/')
    .map((seg) => (redactor.redact(safeDecode(seg)) === safeDecode(seg) ? seg : REDACTED))
    .join('/');
  return `${u.origin}${path}${query ? `?${query}` : ''}`;
}

export function formatTraceEntry(e: TraceEntry): string {
  const outcome = e.status === 0 ? `ERR ${e.error ?? 'transport'}` : String(e.status);
  const rid = e.requestId ? ` ${e.requestId}` : '';
  const attempt = e.attempt > 1 ? ` (attempt ${e.attempt})` : '';
  return `${e.method} ${e.url} -> ${outcome} ${Math.round(e.durationMs)}ms${rid}${attempt}`;
}

/** A bounded ring of the most recent calls. */
export class CallTrace {
  private readonly entries: TraceEntry[] = [];

  constructor(private readonly capacity = 50) {}

  add(entry: TraceEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }

  /** The last `n` calls, oldest first. */
  last(n = 5): readonly TraceEntry[] {
    return this.entries.slice(-n);
  }

  all(): readonly TraceEntry[] {
    return [...this.entries];
  }

  /** The "Last calls" block of an error message. */
  format(n = 5): string {
    return this.last(n).map(formatTraceEntry).join('\n');
  }
}
