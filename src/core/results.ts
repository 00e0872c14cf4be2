// Item results and the verdict (DESIGN "Engine"): the vocabulary every reporter shares, and the
// one place a verdict and an exit code are computed (the runner, the exit gate and every report
// call judge()).

export const ITEM_STATUSES = ['PASS', 'FAIL', 'ERROR', 'DEFERRED', 'OUTSTANDING', 'SKIPPED'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

export const VERDICTS = ['ACCEPTED', 'FUNCTIONALLY ACCEPTED', 'NOT ACCEPTED', 'PARTIAL'] as const;
export type Verdict = (typeof VERDICTS)[number];

/**
 * The exit codes of `capi-gate run` (STYLE 8), and of every command for 2 and 130. The CLI help,
 * README and docs/errors.md say the same.
 */
export const EXIT_CODES: readonly { readonly code: number; readonly meaning: string }[] = [
  { code: 0, meaning: 'accepted (ACCEPTED or FUNCTIONALLY ACCEPTED), or the command succeeded' },
  { code: 1, meaning: 'a gate failed: a verdict on the cloud' },
  { code: 2, meaning: 'usage error or invalid site file (nothing was called)' },
  { code: 3, meaning: 'a precondition is not met (nothing was changed)' },
  { code: 4, meaning: 'could not evaluate (API, transport, or a check not implemented)' },
  { code: 5, meaning: 'partial run: the selected steps passed; no acceptance verdict (--only/--skip left acceptance items out)' },
  { code: 130, meaning: 'interrupted (the run is resumable with --resume)' },
];

/**
 * ACCEPTED: every counted result is PASS or DEFERRED (by decision).
 * FUNCTIONALLY ACCEPTED: besides those, only OUTSTANDING (operator action pending).
 * NOT ACCEPTED: anything FAIL, ERROR or SKIPPED.
 * PARTIAL: counted items were left out of the run (`leftOut`), so there is no acceptance verdict,
 * whatever the selected ones gave.
 */
export function computeVerdict(statuses: readonly ItemStatus[], leftOut: readonly string[] = []): Verdict {
  if (leftOut.length > 0) return 'PARTIAL';
  if (statuses.some((s) => s === 'FAIL' || s === 'ERROR' || s === 'SKIPPED')) return 'NOT ACCEPTED';
  if (statuses.some((s) => s === 'OUTSTANDING')) return 'FUNCTIONALLY ACCEPTED';
  return 'ACCEPTED';
}

/**
 * Exit codes (STYLE 8): 0 accepted, 1 gate failed, 3 precondition not met, 4 could not evaluate,
 * 5 a partial run whose selected steps passed (never 0: 0 means ACCEPTED). A failure among the
 * selected steps of a partial run keeps its own code.
 */
export function exitCodeFor(statuses: readonly ItemStatus[], preconditionFailedOnly: boolean, partial = false): number {
  if (statuses.includes('FAIL')) return preconditionFailedOnly ? 3 : 1;
  if (statuses.includes('ERROR') || statuses.includes('SKIPPED')) return 4;
  return partial ? 5 : 0;
}

/** A counted item's result; `status` undefined: the item was not selected in this run. */
export interface CountedResult {
  readonly id: string;
  readonly status: ItemStatus | undefined;
  readonly precondition?: boolean;
}

export interface Judgement {
  readonly verdict: Verdict;
  /** The exit code of a finished run (an interrupted one exits 130 whatever this says). */
  readonly exitCode: number;
  /** Counted items not selected in this run. */
  readonly leftOut: readonly string[];
  /** Selected counted items that are neither PASS nor DEFERRED, as "D-011.7 OUTSTANDING". */
  readonly open: readonly string[];
}

/** The verdict and exit code of a run from its counted items; `anyCreated`: the run changed the cloud. */
export function judge(results: readonly CountedResult[], anyCreated: boolean): Judgement {
  const ran = results.filter((r): r is CountedResult & { status: ItemStatus } => r.status !== undefined);
  const leftOut = results.filter((r) => r.status === undefined).map((r) => r.id);
  const statuses = ran.map((r) => r.status);
  const failing = ran.filter((r) => r.status === 'FAIL');
  const preconditionOnly = failing.length > 0 && failing.every((r) => r.precondition === true) && !anyCreated;
  return {
    verdict: computeVerdict(statuses, leftOut),
    exitCode: exitCodeFor(statuses, preconditionOnly, leftOut.length > 0),
    leftOut,
    open: ran.filter((r) => r.status !== 'PASS' && r.status !== 'DEFERRED').map((r) => `${r.id} ${r.status}`),
  };
}

/**
 * Ids written compactly: a group (the id up to its last dot, such as "D-011" or "8.0", the
 * selectors --only/--skip take) stands for its members when all of them are in `ids`.
 */
export function compactIds(ids: readonly string[], all: readonly string[]): string[] {
  const parent = (id: string): string | undefined => {
    const p = id.replace(/\.[^.]+$/, '');
    return p !== id && !/^\d+$/.test(p) ? p : undefined;
  };
  const inIds = new Set(ids);
  const out: string[] = [];
  for (const id of all.filter((a) => inIds.has(a))) {
    const p = parent(id);
    const members = p ? all.filter((a) => parent(a) === p) : [];
    if (p && members.length > 1 && members.every((m) => inIds.has(m))) {
      if (!out.includes(p)) out.push(p);
    } else {
      out.push(id);
    }
  }
  return out;
}

/** The EXIT GATE's own line, derived from the judgement of the counted items. */
export function exitGateOutcome(j: Judgement, leftOutText: string): { status: ItemStatus; summary: string } {
  if (j.verdict === 'PARTIAL') return { status: 'SKIPPED', summary: `no verdict: the gate needs every item; not run here: ${leftOutText}` };
  if (j.verdict === 'NOT ACCEPTED') return { status: 'FAIL', summary: `NOT ACCEPTED: ${j.open.join(', ')}` };
  if (j.verdict === 'FUNCTIONALLY ACCEPTED') return { status: 'PASS', summary: `FUNCTIONALLY ACCEPTED; open: ${j.open.join(', ')}` };
  return { status: 'PASS', summary: 'ACCEPTED' };
}
