// A step of the runbook as data (DESIGN "Engine"): id, title, kind, needs, body, gate, teardown.
// The body observes; the gate decides (k6: checks observe, thresholds decide).

import type { Clock } from '../core/clock.js';
import type { ItemStatus } from '../core/results.js';
import type { DeadlineName } from '../site/schema.js';
import type { LoadedSite } from '../site/load.js';
import type { EvidenceStore } from './evidence.js';
import type { WaiterSpec, WaitResult } from './waiter.js';

export type StepKind = 'read' | 'mutation';

export interface StepOutcome {
  readonly status: ItemStatus;
  readonly summary: string;
  readonly hint?: string;
  readonly playbook?: string;
  /** Error code when the status is ERROR (or a FAIL raised as an error). */
  readonly code?: string;
  /** Structured facts for the reports (redacted before they are written). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface StepRecord extends StepOutcome {
  readonly stepId: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly reused: boolean;
  readonly waits: readonly WaitResult<unknown>[];
}

export interface MutationSpec<T> {
  /** Journal key: one per resource the run creates (e.g. "cluster"). */
  readonly key: string;
  /** Finds the resource by name; never replays a create blindly (STYLE 13). */
  lookup(signal: AbortSignal): Promise<T | undefined>;
  create(signal: AbortSignal): Promise<T>;
  /**
   * How long after a create reached the cloud the lookup may still miss it (Magnum answers 202
   * and writes the cluster's row afterwards). When an earlier attempt journaled the intent and
   * stopped before the result, its create may be on its way: the lookup is repeated until this
   * long after that intent before creating. Without it one lookup decides.
   */
  readonly settleMs?: number;
  /** What the journal keeps of the result (ids, never secrets). */
  record(value: T): Readonly<Record<string, string | number | boolean | null>>;
}

export interface MutationResult<T> {
  readonly value: T;
  readonly created: boolean;
}

export interface StepContext<S> {
  readonly stepId: string;
  readonly runId: string;
  readonly runDir: string;
  readonly site: LoadedSite;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly services: S;
  readonly evidence: EvidenceStore;
  /** A site deadline, in milliseconds. */
  deadlineMs(name: DeadlineName): number;
  log(message: string, level?: 'info' | 'warn' | 'error'): void;
  /** Values captured into the journal by this run (LB id, VIP, FIP, api_address ...). */
  captured(key: string): string | undefined;
  capture(key: string, value: string): void;
  /** The outcome of another step of this run, if it has ended. */
  result(stepId: string): StepRecord | undefined;
  wait<T>(spec: WaiterSpec<T>): Promise<WaitResult<T>>;
  /** Journaled, idempotent create: lookup by name first, create once, record the ids. */
  mutate<T>(spec: MutationSpec<T>): Promise<MutationResult<T>>;
}

export interface StepDef<S = unknown, O = unknown> {
  readonly id: string;
  readonly title: string;
  readonly kind: StepKind;
  /** Steps that must PASS first (when selected); otherwise this one is SKIPPED. */
  readonly needs: readonly string[];
  /** Steps that must have ended first, whatever their status. */
  readonly after?: readonly string[];
  /** D-0xx, DOCFIX-0xx, FINDING-n, appendix-A ids. */
  readonly decisions: readonly string[];
  /** The runbook's text for this step (markdown); `capi-gate runbook` renders it. */
  readonly runbook: string;
  /** The acceptance item this step is, when it is one (e.g. "D-011.4"). */
  readonly item?: string;
  /** The site deadlines this step waits against. */
  readonly deadlines?: readonly DeadlineName[];
  /** A failing precondition step means nothing was changed: exit 3 rather than 1. */
  readonly precondition?: boolean;
  /** Counted in the verdict (default true). */
  readonly counted?: boolean;
  /** Its result follows other steps' (D-011.5, the exit gate): a failure is theirs, so it is not diagnosed again. */
  readonly derived?: boolean;
  /** Deletes what the run created (8.5): with --keep-on-failure it does not run after a failure. */
  readonly cleanup?: boolean;
  body(ctx: StepContext<S>): Promise<O>;
  gate(observed: O, ctx: StepContext<S>): StepOutcome;
  /** Idempotent teardown of what the body creates; armed in the journal before the body runs. */
  teardown?(ctx: StepContext<S>): Promise<void>;
}

/** Keeps the observation type of each step while storing heterogeneous steps in one array. */
export function defineStep<S, O>(def: StepDef<S, O>): StepDef<S, unknown> {
  return def as unknown as StepDef<S, unknown>;
}
