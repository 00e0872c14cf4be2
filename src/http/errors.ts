// API errors with the metadata STYLE 6 asks for (smithy's ServiceException + error
// classification): service, operation, status, whose fault, request id, attempts, whether a
// later retry could help, and a one-line hint. Messages never hold headers or tokens; every
// string goes through the redactor.

import { CapiGateError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import { redactor } from '../core/redact.js';
import { isRetryableStatus } from './retry.js';

export type Fault = 'client' | 'server';

export interface CallFacts {
  readonly service: string;
  readonly operation: string;
  readonly method: string;
  /** Sanitized URL (see sanitizeUrl). */
  readonly url: string;
  readonly attempts: number;
  /** "The last few calls", already formatted. */
  readonly lastCalls: string;
}

export interface ApiErrorFacts extends CallFacts {
  readonly status: number;
  readonly requestId: string | undefined;
  /** The server's own message, parsed from the service's error body. */
  readonly serverMessage: string | undefined;
}

/** A one-line hint per status, sharpened by service where the runbook knows the usual cause. */
export function hintFor(service: string, status: number): string {
  if (status === 401) return 'The credentials were refused or the token expired; check the cloud entry in clouds.yaml / the OS_* variables.';
  if (status === 403) {
    if (service === 'octavia') {
      return 'Octavia refused the scope: failover and amphorae need the admin scope; a tenant 403 on load balancers means the user or app-cred lacks load-balancer_member (D-039).';
    }
    return 'The token lacks a role for this call; check which scope (admin or tenant) the call needs and the roles on the project.';
  }
  if (status === 404) return 'Not found: names and ids are resolved at run time (DOCFIX-034); check the name in the site file and the scope of the session.';
  if (status === 409) return 'Conflict: the resource is in a state that does not allow this call, or a name is ambiguous (use the id).';
  if (status === 400) return 'The request was refused as invalid; the server message says which field.';
  if (status === 429) return 'Rate limited by the API; retries honour Retry-After.';
  if (status >= 500) return 'The service failed; check its logs with the request id (idempotent calls were retried).';
  return 'The API refused the call; see the server message.';
}

function blocks(facts: CallFacts, extra: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...extra };
  if (facts.lastCalls) out['Last calls'] = redactor.redact(facts.lastCalls);
  return out;
}

function plural(n: number): string {
  return `${n} attempt${n === 1 ? '' : 's'}`;
}

/** An HTTP error answer (code CAPI_GATE_API). `status` is what waiters match on (e.g. consecutive 403s, D-039). */
export class ApiError extends CapiGateError {
  readonly status: number;
  readonly service: string;
  readonly operation: string;
  readonly method: string;
  readonly url: string;
  readonly requestId: string | undefined;
  readonly attempts: number;
  readonly fault: Fault;
  /** The same call may succeed later (429, 502, 503, 504). For a create, look it up by name before trying again. */
  readonly retryable: boolean;
  readonly serverMessage: string | undefined;

  constructor(facts: ApiErrorFacts) {
    const server = facts.serverMessage ? redactor.redact(facts.serverMessage) : undefined;
    const message = redactor.redact(`${facts.service} ${facts.operation}: HTTP ${facts.status}${server ? ` ${server}` : ''}`);
    const fault: Fault = facts.status >= 500 ? 'server' : 'client';
    const request = `${facts.method} ${facts.url} -> ${facts.status} (${fault} fault, ${plural(facts.attempts)}${facts.requestId ? `, request id ${facts.requestId}` : ''})`;
    super('CAPI_GATE_API', message, {
      hint: hintFor(facts.service, facts.status),
      blocks: blocks(facts, { Request: redactor.redact(request) }),
    });
    this.status = facts.status;
    this.service = facts.service;
    this.operation = facts.operation;
    this.method = facts.method;
    this.url = facts.url;
    this.requestId = facts.requestId;
    this.attempts = facts.attempts;
    this.fault = fault;
    this.retryable = isRetryableStatus(facts.status);
    this.serverMessage = server;
  }
}

export function isApiError(e: unknown, status?: number): e is ApiError {
  return e instanceof ApiError && (status === undefined || e.status === status);
}

/** A call that reached no usable answer, or an answer that is not what the API documents. */
export class CallError extends CapiGateError {
  readonly service: string;
  readonly operation: string;
  readonly attempts: number;
  /** HTTP status when an answer arrived (bad response), else undefined. */
  readonly status: number | undefined;

  constructor(code: Extract<ErrorCode, 'CAPI_GATE_TRANSPORT' | 'CAPI_GATE_BAD_RESPONSE'>, what: string, facts: CallFacts & { status?: number; cause?: unknown; hint: string }) {
    const message = redactor.redact(`${facts.service} ${facts.operation}: ${what}`);
    const request = `${facts.method} ${facts.url}${facts.status ? ` -> ${facts.status}` : ''} (${plural(facts.attempts)})`;
    super(code, message, { hint: facts.hint, cause: facts.cause, blocks: blocks(facts, { Request: redactor.redact(request) }) });
    this.service = facts.service;
    this.operation = facts.operation;
    this.attempts = facts.attempts;
    this.status = facts.status;
  }
}
