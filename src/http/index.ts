// src/http: the one HTTP transport (undici) with retries for idempotent calls, TLS and tracing.

export { HttpTransport, buildUrl, parseJsonBody } from './transport.js';
export type { HttpRequest, HttpResponse, JsonResponse, HttpTransportOptions, Query, QueryValue } from './transport.js';
export { ApiError, CallError, isApiError, hintFor } from './errors.js';
export type { Fault, CallFacts, ApiErrorFacts } from './errors.js';
export { parseServerMessage } from './error-body.js';
export { DEFAULT_RETRY, isIdempotent, isRetryableStatus, parseRetryAfter, retryDelayMs } from './retry.js';
export type { HttpMethod, RetryPolicy } from './retry.js';
export { createDispatcher, readCaBundle } from './tls.js';
export type { TlsOptions, AgentOptions } from './tls.js';
export { CallTrace, sanitizeUrl, formatTraceEntry } from './trace.js';
export type { TraceEntry } from './trace.js';
/** The injectable dispatcher type (undici Agent in production, MockAgent in tests). */
export type { Dispatcher } from 'undici';
