// The request log behind GET /_sim/requests: method, path, status, service, timing, user agent
// and who called. Never a token, a password or a body.

import type { Principal, ServiceName } from './http.js';

/** One API call as every request log here keeps it (the simulator's, its outbound calls, the bench's copy). */
export interface CallRecord {
  /** Epoch ms: simulated in the simulator's own log, real for outbound calls. */
  readonly at: number;
  readonly service: string;
  readonly method: string;
  /** Without the query string where a token or a name could sit. */
  readonly path: string;
  /** 0 when the connection was dropped (by a fault rule, or the peer). */
  readonly status: number;
  readonly ms: number;
}

export interface RequestLogEntry extends CallRecord {
  readonly seq: number;
  readonly service: ServiceName | 'driver';
  readonly userAgent: string;
  readonly principal: Principal;
  readonly user?: string | undefined;
  /** Ids of the fault rules that acted on this request. */
  readonly faults: readonly string[];
}

export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private seq = 0;
  readonly errors: unknown[] = [];

  constructor(private readonly max = 10000) {}

  add(e: Omit<RequestLogEntry, 'seq'>): void {
    this.entries.push({ seq: ++this.seq, ...e });
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
  }

  list(filter: { since?: number; service?: string } = {}): RequestLogEntry[] {
    return this.entries.filter((e) => (filter.since === undefined || e.seq > filter.since) && (filter.service === undefined || e.service === filter.service));
  }

  get lastSeq(): number {
    return this.seq;
  }
}
