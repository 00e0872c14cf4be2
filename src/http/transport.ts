// The one HTTP transport (DESIGN "http/"): undici underneath, an AbortSignal per call, TLS
// options, a request trace for error messages, and retries only where a replay is safe
// (idempotent methods, on transport errors and 429/502/503/504, honouring Retry-After; abort
// cancels a pending backoff). A POST that creates is never replayed.

import { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { ZodType } from 'zod';
import { realClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { CapiGateError } from '../core/errors.js';
import { ApiError, CallError } from './errors.js';
import type { CallFacts } from './errors.js';
import { parseServerMessage } from './error-body.js';
import { DEFAULT_RETRY, isIdempotent, isRetryableStatus, parseRetryAfter, retryDelayMs } from './retry.js';
import type { HttpMethod, RetryPolicy } from './retry.js';
import { createDispatcher } from './tls.js';
import type { TlsOptions } from './tls.js';
import { CallTrace, sanitizeUrl } from './trace.js';
import type { TraceEntry } from './trace.js';

export type QueryValue = string | number | boolean | undefined | null | readonly (string | number | boolean)[];
export type Query = Readonly<Record<string, QueryValue>>;

export interface HttpRequest {
  readonly method: HttpMethod;
  readonly url: string | URL;
  readonly query?: Query;
  readonly headers?: Readonly<Record<string, string>>;
  /** Serialized as JSON with Content-Type application/json. */
  readonly json?: unknown;
  /** A raw body. A stream cannot be replayed, so a call with one is attempted once. */
  readonly body?: string | Uint8Array | Readable | AsyncIterable<Uint8Array>;
  /** For errors and the trace: "magnum", "octavia", ... */
  readonly service: string;
  /** For errors and the trace: "get cluster", "failover load balancer", ... */
  readonly operation: string;
  readonly signal: AbortSignal;
  /** Per attempt; a timed-out attempt is a transport error (retried when the call is idempotent). */
  readonly timeoutMs?: number;
  /** A POST whose replay is harmless (issuing a token). Creates must never set this. */
  readonly replaySafe?: boolean;
  /** Non-2xx statuses that are answers rather than errors (e.g. 404 for a lookup). */
  readonly accept?: readonly number[];
}

export interface HttpResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly requestId: string | undefined;
  readonly attempts: number;
  readonly method: HttpMethod;
  /** Sanitized (no userinfo, no secret query values). */
  readonly url: string;
  readonly service: string;
  readonly operation: string;
}

export interface JsonResponse<T> extends HttpResponse {
  readonly data: T;
}

export interface HttpTransportOptions {
  /** Injectable (undici MockAgent in tests); default an Agent built from `tls`. */
  readonly dispatcher?: Dispatcher;
  readonly tls?: TlsOptions;
  readonly clock?: Clock;
  readonly retry?: Partial<RetryPolicy>;
  /** Jitter source; inject a seeded one for reproducible tests. */
  readonly random?: () => number;
  readonly traceSize?: number;
  /** Called after every attempt (benchmarks count API calls with it). Never sees headers or bodies. */
  readonly onCall?: (entry: TraceEntry) => void;
  readonly userAgent?: string;
  /** Default per-attempt timeout. */
  readonly timeoutMs?: number;
}

const REQUEST_ID_HEADERS = ['x-openstack-request-id', 'x-compute-request-id', 'x-openstack-nova-request-id'];

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function requestIdOf(headers: Readonly<Record<string, string>>): string | undefined {
  for (const name of REQUEST_ID_HEADERS) {
    const v = headers[name];
    if (v) return v.split(',')[0]?.trim();
  }
  return undefined;
}

export function buildUrl(base: string | URL, query: Query | undefined): URL {
  const u = new URL(String(base));
  if (query) {
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null) continue;
      if (Array.isArray(v)) for (const item of v as readonly (string | number | boolean)[]) u.searchParams.append(k, String(item));
      else u.searchParams.append(k, String(v));
    }
  }
  return u;
}

function errorCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  const name = (e as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : 'Error';
}

function aborted(signal: AbortSignal, facts: { service: string; operation: string }): CapiGateError {
  return new CapiGateError('CAPI_GATE_ABORTED', `${facts.service} ${facts.operation}: interrupted`, { cause: signal.reason });
}

function isStream(body: HttpRequest['body']): body is Readable | AsyncIterable<Uint8Array> {
  return body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array);
}

/** Thrown inside an attempt when the body broke off after the status line arrived. */
class BodyReadError extends Error {
  constructor(readonly status: number, readonly headers: Record<string, string>, override readonly cause: unknown) {
    super('truncated body');
  }
}

export class HttpTransport {
  readonly trace: CallTrace;
  private readonly dispatcher: Dispatcher;
  private readonly clock: Clock;
  private readonly retry: RetryPolicy;
  private readonly random: () => number;
  private readonly onCall: ((entry: TraceEntry) => void) | undefined;
  private readonly userAgent: string;
  private readonly timeoutMs: number | undefined;

  constructor(options: HttpTransportOptions = {}) {
    this.dispatcher = options.dispatcher ?? createDispatcher({ ...(options.tls ? { tls: options.tls } : {}) });
    this.clock = options.clock ?? realClock;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.random = options.random ?? Math.random;
    this.onCall = options.onCall;
    this.trace = new CallTrace(options.traceSize ?? 50);
    this.userAgent = options.userAgent ?? 'capi-gate/0.1';
    this.timeoutMs = options.timeoutMs;
  }

  /** Closes the dispatcher's connections (only when this transport built it). */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const url = buildUrl(req.url, req.query);
    const shownUrl = sanitizeUrl(url);
    const replayable = (isIdempotent(req.method) || req.replaySafe === true) && !isStream(req.body);
    const maxAttempts = replayable ? Math.max(1, this.retry.maxAttempts) : 1;
    const headers: Record<string, string> = { 'user-agent': this.userAgent, accept: 'application/json' };
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
    let body: string | Uint8Array | Readable | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] ??= 'application/json';
    } else if (req.body !== undefined) {
      body = isStream(req.body) && !(req.body instanceof Readable) ? Readable.from(req.body) : req.body;
    }
    const facts = (attempts: number): CallFacts => ({
      service: req.service,
      operation: req.operation,
      method: req.method,
      url: shownUrl,
      attempts,
      lastCalls: this.trace.format(5),
    });

    for (let attempt = 1; ; attempt++) {
      if (req.signal.aborted) throw aborted(req.signal, req);
      const started = performance.now();
      const timeoutMs = req.timeoutMs ?? this.timeoutMs;
      const timeout = timeoutMs !== undefined ? AbortSignal.timeout(timeoutMs) : undefined;
      const signal = timeout ? AbortSignal.any([req.signal, timeout]) : req.signal;
      let status = 0;
      let resHeaders: Record<string, string> = {};
      let resBody: Buffer;
      try {
        const res = await this.dispatcher.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: req.method,
          headers,
          body: body ?? null,
          signal,
        });
        status = res.statusCode;
        resHeaders = flattenHeaders(res.headers);
        try {
          const chunks: Buffer[] = [];
          for await (const chunk of res.body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
          resBody = Buffer.concat(chunks);
        } catch (e) {
          throw new BodyReadError(status, resHeaders, e);
        }
      } catch (e) {
        const durationMs = performance.now() - started;
        if (req.signal.aborted) {
          this.record({ req, shownUrl, status, durationMs, requestId: requestIdOf(resHeaders), attempt, error: 'ABORTED' });
          throw aborted(req.signal, req);
        }
        const timedOut = timeout?.aborted === true;
        const code = timedOut ? 'TIMEOUT' : errorCode(e instanceof BodyReadError ? e.cause : e);
        this.record({ req, shownUrl, status, durationMs, requestId: requestIdOf(resHeaders), attempt, error: code });
        if (attempt < maxAttempts) {
          await this.pause(retryDelayMs(this.retry, attempt, undefined, this.random), req);
          continue;
        }
        if (e instanceof BodyReadError) {
          throw new CallError('CAPI_GATE_BAD_RESPONSE', `HTTP ${e.status} answer broke off before its end (${code})`, {
            ...facts(attempt),
            status: e.status,
            cause: e.cause,
            hint: 'The connection dropped mid-answer; check the service and any proxy in between.',
          });
        }
        const what = timedOut ? `no answer within ${timeoutMs}ms` : `no answer (${code}: ${e instanceof Error ? e.message : String(e)})`;
        throw new CallError('CAPI_GATE_TRANSPORT', what, {
          ...facts(attempt),
          cause: e,
          hint: replayable
            ? 'The endpoint did not answer; check the catalog URL, the route from this host and TLS settings.'
            : 'The endpoint did not answer and the call was not replayed (not idempotent); look the resource up before trying again.',
        });
      }
      const durationMs = performance.now() - started;
      const requestId = requestIdOf(resHeaders);
      this.record({ req, shownUrl, status, durationMs, requestId, attempt });

      if ((status >= 200 && status < 300) || req.accept?.includes(status)) {
        return { status, headers: resHeaders, body: resBody, requestId, attempts: attempt, method: req.method, url: shownUrl, service: req.service, operation: req.operation };
      }
      if (isRetryableStatus(status) && attempt < maxAttempts) {
        const retryAfter = parseRetryAfter(resHeaders['retry-after'], this.clock.now());
        await this.pause(retryDelayMs(this.retry, attempt, retryAfter, this.random), req);
        continue;
      }
      throw new ApiError({
        ...facts(attempt),
        status,
        requestId,
        serverMessage: parseServerMessage(resBody.toString('utf8'), resHeaders['content-type']),
      });
    }
  }

  /** request() then JSON.parse and, when given, a schema check; both failures are CAPI_GATE_BAD_RESPONSE. */
  async requestJson<T>(req: HttpRequest, schema?: ZodType<T>): Promise<JsonResponse<T>> {
    const res = await this.request(req);
    return { ...res, data: this.parseJson(res, schema) };
  }

  /** parseJsonBody with this transport's last calls in the error. */
  parseJson<T>(res: HttpResponse, schema?: ZodType<T>): T {
    return parseJsonBody(res, schema, this.trace.format(5));
  }

  private record(x: { req: HttpRequest; shownUrl: string; status: number; durationMs: number; requestId: string | undefined; attempt: number; error?: string }): void {
    const entry: TraceEntry = {
      method: x.req.method,
      url: x.shownUrl,
      status: x.status,
      durationMs: x.durationMs,
      requestId: x.requestId,
      service: x.req.service,
      operation: x.req.operation,
      attempt: x.attempt,
      ...(x.error !== undefined ? { error: x.error } : {}),
    };
    this.trace.add(entry);
    try {
      this.onCall?.(entry);
    } catch {
      // an observer never breaks a call
    }
  }

  private async pause(delayMs: number, req: HttpRequest): Promise<void> {
    try {
      await this.clock.sleep(delayMs, req.signal);
    } catch {
      throw aborted(req.signal, req);
    }
  }
}

function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/** Parses a response body as JSON (and checks it against `schema`). */
export function parseJsonBody<T>(res: HttpResponse, schema?: ZodType<T>, lastCalls = ''): T {
  const facts: CallFacts = { service: res.service, operation: res.operation, method: res.method, url: res.url, attempts: res.attempts, lastCalls };
  let doc: unknown;
  try {
    doc = JSON.parse(res.body.toString('utf8'));
  } catch (e) {
    throw new CallError('CAPI_GATE_BAD_RESPONSE', `HTTP ${res.status} answer is not valid JSON (${res.body.length} bytes)`, {
      ...facts,
      status: res.status,
      cause: e,
      hint: 'The endpoint may not be the OpenStack service the catalog says (a proxy or HTML error page?).',
    });
  }
  if (!schema) return doc as T;
  const parsed = schema.safeParse(doc);
  if (!parsed.success) {
    throw new CallError('CAPI_GATE_BAD_RESPONSE', `HTTP ${res.status} answer does not have the documented shape: ${describeIssues(parsed.error.issues)}`, {
      ...facts,
      status: res.status,
      hint: 'The service version may differ from the one capi-gate targets (api-notes); the request id locates it in the service log.',
    });
  }
  return parsed.data;
}
