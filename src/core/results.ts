// Item results and the verdict (DESIGN "Engine"): the vocabulary every reporter shares.

export const ITEM_STATUSES = ['PASS', 'FAIL', 'ERROR', 'DEFERRED', 'OUTSTANDING', 'SKIPPED'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

export const VERDICTS = ['ACCEPTED', 'FUNCTIONALLY ACCEPTED', 'NOT ACCEPTED'] as const;
export type Verdict = (typeof VERDICTS)[number];

/**
 * ACCEPTED: every counted result is PASS or DEFERRED (by decision).
 * FUNCTIONALLY ACCEPTED: besides those, only OUTSTANDING (operator action pending).
 * NOT ACCEPTED: anything FAIL, ERROR or SKIPPED.
 */
export function computeVerdict(statuses: readonly ItemStatus[]): Verdict {
  if (statuses.some((s) => s === 'FAIL' || s === 'ERROR' || s === 'SKIPPED')) return 'NOT ACCEPTED';
  if (statuses.some((s) => s === 'OUTSTANDING')) return 'FUNCTIONALLY ACCEPTED';
  return 'ACCEPTED';
}

/** Exit codes (STYLE 8): 0 accepted, 1 gate failed, 3 precondition not met, 4 could not evaluate. */
export function exitCodeFor(statuses: readonly ItemStatus[], preconditionFailedOnly: boolean): number {
  if (statuses.includes('FAIL')) return preconditionFailedOnly ? 3 : 1;
  if (statuses.includes('ERROR') || statuses.includes('SKIPPED')) return 4;
  return 0;
}
