// Waits declared as data (STYLE 12, smithy's util-waiter): acceptors decide success / failure /
// retry; polls back off exponentially with jitter against a deadline on the injectable clock.
// Every waiter keeps a histogram of the states it saw and a timeline of state changes.

import type { Clock } from '../core/clock.js';
import { DEFAULT_BACKOFF, backoffDelay } from '../core/backoff.js';
import type { BackoffPolicy } from '../core/backoff.js';
import { CapiGateError, isAbortError } from '../core/errors.js';
import { formatDuration } from '../core/duration.js';
import type { WaitProgress } from '../core/events.js';
import { describeShape, pollBudget, shapedDelayOnTicks } from './schedule.js';
import type { PollShape } from './schedule.js';

export type AcceptorState = 'success' | 'failure' | 'retry';

export interface Acceptor<T> {
  readonly state: AcceptorState;
  readonly matcher: (value: T) => boolean;
  /** For failure acceptors: what to say, and the hint / playbook. */
  readonly message?: string | ((value: T) => string);
  readonly hint?: string;
  readonly playbook?: string;
}

export interface WaiterSpec<T> {
  readonly name: string;
  /** What is awaited, for progress lines ("cluster capi-test-1 to CREATE_COMPLETE"). */
  readonly what: string;
  poll(signal: AbortSignal): Promise<T>;
  /** The state label recorded in the histogram and the timeline. */
  state(value: T): string;
  readonly acceptors: readonly Acceptor<T>[];
  readonly deadlineMs: number;
  readonly backoff?: BackoffPolicy;
  /** Fail when progressKey has not changed for this long (the driver has no create timeout). */
  readonly stallMs?: number;
  /** The hint when stallMs passes without progress (default: timeoutHint, else a generic one). */
  readonly stallHint?: string;
  progressKey?(value: T): string;
  /** Consecutive 403 answers that end the wait (D-039). Default 3. */
  readonly forbiddenLimit?: number;
  readonly timeoutHint?: string;
  readonly timeoutPlaybook?: string;
  /** A poll schedule shaped by the expected end, with a request budget (schedule.ts); replaces backoff. */
  readonly shape?: PollShape;
  /** Resolves when polling again is worth it (a watch saw a change): the wait does not sleep out its delay. */
  wake?(signal: AbortSignal): Promise<void>;
  /** API requests the wait has made so far (default: one per poll, or shape.requestsPerPoll). */
  requests?(): number;
  /** How the wait observes ("watch", "poll", "watch, then poll: ..."), for the report. */
  mode?(): string;
}

export interface Transition {
  readonly at: number;
  readonly from: string | null;
  readonly to: string;
}

export interface WaitResult<T> {
  readonly name: string;
  readonly what: string;
  readonly outcome: 'success' | 'failure' | 'timeout' | 'stalled' | 'forbidden' | 'error' | 'aborted';
  readonly value: T | undefined;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly polls: number;
  readonly histogram: Readonly<Record<string, number>>;
  readonly timeline: readonly Transition[];
  /** The message of the last failed poll, if any (what a transport error actually said). */
  readonly lastError?: string;
  /** The deadline the wait ran against. */
  readonly deadlineMs?: number;
  /**
   * The time between the answer before the last one and the last answer: the final state arrived
   * within it, so it bounds how late the wait noticed (its detection lag). Absent after one poll.
   */
  readonly detectionWindowMs?: number;
  /** API requests the wait made (lists and watches for a watch, GETs for a poll). */
  readonly requests?: number;
  /** The request budget of a shaped poll. */
  readonly budget?: number;
  /** The expected end (ms from the start) and the schedule, of a shaped poll. */
  readonly expectedMs?: number;
  readonly schedule?: string;
  /** A shaped poll's offset: the awaited process began this long before the wait. */
  readonly offsetMs?: number;
  readonly mode?: string;
}

export interface WaiterHooks {
  readonly clock: Clock;
  readonly random?: () => number;
  onProgress?(p: Omit<WaitProgress, 'stepId'>): void;
  onTransition?(t: Transition, waiter: string): void;
}

function statusOf(e: unknown): number | undefined {
  const s = (e as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

function histogramText(h: Readonly<Record<string, number>>): string {
  return Object.entries(h)
    .map(([k, v]) => `${k} x${v}`)
    .join(', ');
}

/** Thrown by runWaiter; carries the partial result for the report. */
export class WaitError extends CapiGateError {
  result!: WaitResult<unknown>;
}

export async function runWaiter<T>(spec: WaiterSpec<T>, hooks: WaiterHooks, signal: AbortSignal): Promise<WaitResult<T>> {
  const { clock } = hooks;
  const startedAt = clock.now();
  const deadline = startedAt + spec.deadlineMs;
  const policy = spec.backoff ?? DEFAULT_BACKOFF;
  const forbiddenLimit = spec.forbiddenLimit ?? 3;
  const histogram: Record<string, number> = {};
  const timeline: Transition[] = [];
  let polls = 0;
  let forbidden = 0;
  let last: T | undefined;
  let lastState: string | null = null;
  let lastProgress: string | undefined;
  let lastProgressAt = startedAt;
  let lastError: string | undefined;
  // The last poll's error when an OpenStack API gave no usable answer (no connection, a 5xx, a
  // body that is not what it documents): a wait that ends then was not judged by the cloud.
  let unanswered: { since: number; error: unknown } | undefined;
  let answeredAt: number | undefined;
  let window: number | undefined;

  const shape = spec.shape;
  /** How long the last polls took to answer (a shaped poll leaves room for them in its lag target). */
  const answers: number[] = [];
  const budget = shape ? pollBudget(shape) : undefined;
  const schedule = shape ? describeShape(shape) : undefined;
  const requests = (): number => (spec.requests ? spec.requests() : polls * (shape?.requestsPerPoll ?? 1));
  const finish = (outcome: WaitResult<T>['outcome']): WaitResult<T> => ({
    name: spec.name, what: spec.what, outcome, value: last, startedAt, endedAt: clock.now(), polls, histogram: { ...histogram }, timeline: [...timeline],
    ...(lastError ? { lastError } : {}),
    deadlineMs: spec.deadlineMs,
    ...(window !== undefined ? { detectionWindowMs: window } : {}),
    requests: requests(),
    ...(shape ? { budget: budget! * (shape.requestsPerPoll ?? 1), expectedMs: shape.expectedMs, schedule: schedule!, ...(shape.offsetMs ? { offsetMs: shape.offsetMs } : {}) } : {}),
    ...(spec.mode ? { mode: spec.mode() } : {}),
  });
  const fail = (outcome: WaitResult<T>['outcome'], code: ConstructorParameters<typeof CapiGateError>[0], message: string, hint?: string, playbook?: string, cause?: unknown): never => {
    const err = new WaitError(code, message, {
      ...(hint ? { hint } : {}),
      ...(playbook ? { playbook } : {}),
      ...(cause ? { cause } : {}),
      blocks: {
        Observed: `${histogramText(histogram) || 'nothing'} over ${formatDuration(clock.now() - startedAt)} (${polls} polls, ${requests()} requests${budget !== undefined ? ` of a budget of ${budget * (shape?.requestsPerPoll ?? 1)}` : ''}${spec.mode ? `; by ${spec.mode()}` : ''})`,
        ...(timeline.length ? { Timeline: timeline.map((t) => `+${formatDuration(t.at - startedAt)} ${t.from ?? '(start)'} -> ${t.to}`).join('\n') } : {}),
        ...(lastError ? { 'Last error': lastError } : {}),
      },
    });
    err.result = finish(outcome) as WaitResult<unknown>;
    throw err;
  };
  const observe = (state: string): void => {
    histogram[state] = (histogram[state] ?? 0) + 1;
    if (state !== lastState) {
      const t: Transition = { at: clock.now(), from: lastState, to: state };
      timeline.push(t);
      hooks.onTransition?.(t, spec.name);
      lastState = state;
    }
    hooks.onProgress?.({ waiter: spec.name, what: spec.what, state, elapsedMs: clock.now() - startedAt, deadlineMs: spec.deadlineMs, polls, requests: requests(),
      ...(shape ? { expectedMs: shape.expectedMs, schedule: schedule!, budget: budget! * (shape.requestsPerPoll ?? 1) } : {}), ...(spec.mode ? { mode: spec.mode() } : {}) });
  };

  for (let attempt = 0; ; attempt++) {
    if (signal.aborted) fail('aborted', 'CAPI_GATE_ABORTED', `interrupted while waiting for ${spec.what}`);
    polls++;
    let value: T | undefined;
    const askedAt = clock.now();
    try {
      value = await spec.poll(signal);
      answers.push(clock.now() - askedAt);
      if (answers.length > 5) answers.shift();
    } catch (e) {
      if (isAbortError(e) || signal.aborted) fail('aborted', 'CAPI_GATE_ABORTED', `interrupted while waiting for ${spec.what}`, undefined, undefined, e);
      lastError = e instanceof Error ? e.message.split('\n')[0] : String(e);
      if (isUnanswered(e)) unanswered ??= { since: clock.now(), error: e };
      else unanswered = undefined;
      const status = statusOf(e);
      if (status === 403) {
        forbidden++;
        observe('HTTP 403');
        if (forbidden >= forbiddenLimit) {
          fail('forbidden', 'CAPI_GATE_FORBIDDEN', `${spec.what}: ${forbidden} consecutive 403 answers`,
            'D-039: the application credential lacks load-balancer_member (or the call needs admin scope). A role granted later does not heal an existing cluster: recreate the cluster after fixing the role.',
            'app-cred-roles', e);
        }
      } else {
        forbidden = 0;
        if ((e as { retryable?: unknown }).retryable === false) {
          observe(status ? `HTTP ${status}` : 'error');
          fail('error', e instanceof CapiGateError ? e.code : 'CAPI_GATE_API', `${spec.what}: ${(e as Error).message}`, (e as CapiGateError).hint, undefined, e);
        }
        observe(status ? `HTTP ${status}` : `error ${(e as { code?: string }).code ?? ''}`.trim());
      }
    }
    if (value !== undefined) {
      forbidden = 0;
      lastError = undefined;
      unanswered = undefined;
      last = value;
      const at = clock.now();
      if (answeredAt !== undefined) window = at - answeredAt;
      answeredAt = at;
      const state = spec.state(value);
      observe(state);
      const key = spec.progressKey ? spec.progressKey(value) : state;
      if (key !== lastProgress) {
        lastProgress = key;
        lastProgressAt = clock.now();
      }
      const acceptor = spec.acceptors.find((a) => a.matcher(value as T));
      if (acceptor?.state === 'success') return finish('success');
      if (acceptor?.state === 'failure') {
        const msg = typeof acceptor.message === 'function' ? acceptor.message(value) : acceptor.message ?? `${spec.what}: reached ${state}`;
        fail('failure', 'CAPI_GATE_TERMINAL_STATE', msg, acceptor.hint, acceptor.playbook);
      }
    }
    const now = clock.now();
    if (unanswered && ((spec.stallMs !== undefined && now - lastProgressAt >= spec.stallMs) || now >= deadline)) {
      // "Cannot reach" is never a verdict on the cloud: the wait ends unevaluated (ERROR).
      const u = unanswered;
      fail('error', 'CAPI_GATE_TRANSPORT', `${spec.what}: could not be evaluated: ${serviceOf(u.error) ?? 'the API'} gave no usable answer for the last ${formatDuration(now - u.since)} of the wait (last state ${lastState ?? 'unknown'})`,
        'The API stopped answering during the wait, so the cloud was not judged on it: check the service (its VIP, its units) and run again, or continue this run with `capi-gate run --resume`.', undefined, u.error);
    }
    if (spec.stallMs !== undefined && now - lastProgressAt >= spec.stallMs) {
      fail('stalled', 'CAPI_GATE_STALLED', `${spec.what}: no progress for ${formatDuration(now - lastProgressAt)} (state ${lastState ?? 'unknown'})`,
        spec.stallHint ?? spec.timeoutHint ?? 'Nothing changed within the stall window: the cloud is not working on it. Check the CAPI objects on the management cluster (capi-gate doctor).',
        spec.timeoutPlaybook);
    }
    if (now >= deadline) {
      fail('timeout', 'CAPI_GATE_TIMEOUT', `${spec.what}: not reached within ${formatDuration(spec.deadlineMs)} (last state ${lastState ?? 'unknown'})`,
        spec.timeoutHint ?? 'Raise the deadline in the site file only if the cloud is known to be slow; otherwise see the diagnosis.', spec.timeoutPlaybook);
    }
    const planned = shape ? shapedDelayOnTicks(shape, now - startedAt, polls, budget!, answers.length ? Math.max(...answers) : 0, Math.max(polls, Math.ceil(requests() / (shape.requestsPerPoll ?? 1))), now) : backoffDelay(policy, attempt, hooks.random);
    const delay = Math.min(planned, deadline - now);
    try {
      if (spec.wake) {
        // Whichever comes first: the delay (a safety net) or the watch's next change.
        const done = new AbortController();
        const both = AbortSignal.any([signal, done.signal]);
        try {
          await Promise.race([clock.sleep(Math.max(0, delay), both).catch(() => undefined), spec.wake(both).catch(() => undefined)]);
        } finally {
          done.abort();
        }
        if (signal.aborted) throw signal.reason;
      } else await clock.sleep(Math.max(0, delay), signal);
    } catch (e) {
      fail('aborted', 'CAPI_GATE_ABORTED', `interrupted while waiting for ${spec.what}`, undefined, undefined, e);
    }
  }
}

const OPENSTACK_SERVICES = new Set(['keystone', 'glance', 'magnum', 'octavia', 'nova', 'neutron', 'placement']);

function serviceOf(e: unknown): string | undefined {
  const service = (e as { service?: unknown } | undefined)?.service;
  return typeof service === 'string' ? service : undefined;
}

/** An OpenStack API call that got no usable answer: no connection, a 5xx, or a malformed body. */
function isUnanswered(e: unknown): boolean {
  const service = serviceOf(e);
  if (!service || !OPENSTACK_SERVICES.has(service)) return false;
  const code = (e as { code?: unknown }).code;
  if (code === 'CAPI_GATE_TRANSPORT' || code === 'CAPI_GATE_BAD_RESPONSE') return true;
  const status = statusOf(e);
  return code === 'CAPI_GATE_API' && status !== undefined && status >= 500;
}
