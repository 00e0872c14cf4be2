// `capi-gate doctor`: every playbook's detect, concurrently and read-only; with remediate, each
// found pattern's plan is announced, then carried out, and every action is reported for the journal.

import { toCapiGateError } from '../core/errors.js';
import type { Diagnosis, Playbook, PlaybookContext, RemediationAction } from './playbook.js';

export interface DoctorResult {
  readonly diagnoses: readonly Diagnosis[];
  readonly remediations: readonly { playbook: string; actions: readonly RemediationAction[] }[];
}

export async function runDoctor(playbooks: readonly Playbook[], ctx: PlaybookContext, remediate: boolean, onRemediation?: (playbook: string, a: RemediationAction) => void): Promise<DoctorResult> {
  const diagnoses = await Promise.all(
    playbooks.map(async (p): Promise<Diagnosis> => {
      try {
        return await p.detect(ctx);
      } catch (e) {
        const err = toCapiGateError(e);
        return { playbook: p.id, found: false, evidence: 'could not check', error: `${err.code}: ${err.message}` };
      }
    }),
  );
  const remediations: { playbook: string; actions: RemediationAction[] }[] = [];
  if (remediate) {
    // One at a time, in order: the mgmt VM first (the API LB and the taint wait on it).
    for (const d of diagnoses) {
      const p = playbooks.find((x) => x.id === d.playbook);
      if (!d.found || !p?.remediate || !d.plan) continue;
      const actions = await applyRemedy(p, d, ctx);
      for (const a of actions) onRemediation?.(p.id, a);
      remediations.push({ playbook: p.id, actions });
    }
  }
  return { diagnoses, remediations };
}

/** Announces the plan, then carries out the remedy; a remedy that throws is one failed action. */
export async function applyRemedy(p: Playbook, d: Diagnosis, ctx: PlaybookContext): Promise<RemediationAction[]> {
  if (!p.remediate || !d.plan) return [];
  ctx.say(`${p.id}: will ${d.plan.join(', then ')}`);
  try {
    return await p.remediate(ctx, d);
  } catch (e) {
    return [{ action: `remediation failed: ${toCapiGateError(e).message}`, ok: false }];
  }
}
