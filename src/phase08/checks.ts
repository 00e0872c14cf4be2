// Sub-checks a step gathers before its gate decides: each names what was checked, what was
// seen, and the hint when it fails.

import type { StepOutcome } from '../engine/index.js';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly observed: string;
  readonly hint?: string;
  readonly playbook?: string;
  /** The check could not be evaluated (API or transport error): ERROR, not a verdict on the cloud. */
  readonly error?: boolean;
}

/** PASS when every check passed; otherwise FAIL naming each failed check, with the first hint. */
export function gateChecks(checks: readonly Check[], passSummary: string): StepOutcome {
  const failed = checks.filter((c) => !c.ok);
  const details = { checks: checks.map((c) => ({ name: c.name, ok: c.ok, observed: c.observed })) };
  if (failed.length === 0) return { status: 'PASS', summary: passSummary, details };
  const hints = [...new Set(failed.map((c) => c.hint).filter((h): h is string => Boolean(h)))];
  return {
    status: failed.every((c) => c.error) ? 'ERROR' : 'FAIL',
    summary: failed.map((c) => `${c.name}: ${c.observed}`).join('; '),
    ...(hints.length ? { hint: hints.join(' ') } : {}),
    ...(failed.find((c) => c.playbook)?.playbook ? { playbook: failed.find((c) => c.playbook)!.playbook! } : {}),
    details,
  };
}
