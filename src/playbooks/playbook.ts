// Appendix-A as code: each playbook detects its pattern read-only (after a failed step and in
// `capi-gate doctor`) and remediates only when asked (--remediate), saying what it will do first.
// Remediations are idempotent and journaled by the caller.

import type { Clock } from '../core/clock.js';
import type { CapiObjectSummary } from '../kube/index.js';
import type { Phase08Services } from '../phase08/services.js';
import type { LoadedSite } from '../site/load.js';

export interface PlaybookContext {
  readonly site: LoadedSite;
  readonly services: Phase08Services;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  /** Values a run captured (cluster uuid, API LB id ...), when there is a run. */
  readonly captured: (key: string) => string | undefined;
  /** Progress and the "I will now ..." announcements. */
  say(message: string): void;
  /** Management-cluster access; default: ManagementClient from site.managementCluster.kubeconfig. */
  readonly management?: {
    clusters(projectId: string, signal: AbortSignal): Promise<CapiObjectSummary[]>;
    openStackCluster(projectId: string, stackId: string, signal: AbortSignal): Promise<CapiObjectSummary | undefined>;
    clearOpenStackClusterFinalizers(projectId: string, stackId: string, signal: AbortSignal): Promise<void>;
  };
}

export interface Diagnosis {
  readonly playbook: string;
  /** Whether the pattern is present. */
  readonly found: boolean;
  /** What was seen (always set: a clean bill of health says what was checked). */
  readonly evidence: string;
  /** What to do about it, in one or two sentences. */
  readonly remedy?: string;
  /** The plan `remediate` would carry out, step by step; absent when only an operator can fix it. */
  readonly plan?: readonly string[];
  /** Could not tell (an API error); not the same as "not found". */
  readonly error?: string;
}

export interface RemediationAction {
  readonly action: string;
  readonly ok: boolean;
}

export interface Playbook {
  readonly id: string;
  readonly title: string;
  readonly decisions: readonly string[];
  /** The appendix-A / runbook text it follows. */
  readonly source: string;
  detect(ctx: PlaybookContext): Promise<Diagnosis>;
  /**
   * After a successful remedy during `run --remediate`, whether the failed step runs again: true
   * when the remedy restores what the step checks (a started VM, a failed-over LB, a corrected
   * setting); false when it only works around a broken path (stuck-delete cleans the cluster up,
   * but the teardown path itself failed, so the item stays FAIL).
   */
  readonly rerunsStep?: boolean;
  /** Idempotent; called only with --remediate and only when detect found the pattern and gave a plan. */
  remediate?(ctx: PlaybookContext, diagnosis: Diagnosis): Promise<RemediationAction[]>;
}
