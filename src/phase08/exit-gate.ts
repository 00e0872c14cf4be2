// EXIT GATE (phase-08 / v1 acceptance): 8.1-8.3 passed, D-011 items 1-6 PASS, item 7 may be
// OUTSTANDING (operator), item 8 DEFERRED (D-019). Summarises; not counted in the verdict itself.

import { defineStep } from '../engine/index.js';
import type { StepRecord } from '../engine/index.js';
import { computeVerdict } from '../core/results.js';
import type { Phase08Services } from './services.js';
import { EXIT_GATE } from './runbook-text.js';

export const GATED_STEPS = ['8.1', '8.2', '8.3', 'D-011.1', 'D-011.2', 'D-011.3', 'D-011.4', 'D-011.5', 'D-011.6', 'D-011.7', 'D-011.8'] as const;

const EVERY_STEP = ['8.0.prereqs', '8.0.reserved-memory', '8.0.stage-and-verify', '8.0.image', '8.0.template', ...GATED_STEPS, '8.5'] as const;

interface Observed {
  readonly gated: (StepRecord | undefined)[];
  /** Every other step of the run that ended (the 8.0 checks and 8.5 count too). */
  readonly others: StepRecord[];
}

export const step = defineStep<Phase08Services, Observed>({
  id: 'EXIT-GATE',
  title: 'EXIT GATE: 8.1-8.3 and D-011 items 1-6 PASS, 7 outstanding at most, 8 deferred',
  kind: 'read',
  needs: [],
  after: [...EVERY_STEP],
  decisions: ['D-011', 'D-012', 'D-019', 'D-042'],
  runbook: EXIT_GATE,
  counted: false,
  derived: true,
  body: async (ctx) => ({
    gated: GATED_STEPS.map((id) => ctx.result(id)),
    others: EVERY_STEP.filter((id) => !(GATED_STEPS as readonly string[]).includes(id)).map((id) => ctx.result(id)).filter((r): r is StepRecord => r !== undefined),
  }),
  gate: ({ gated, others }) => {
    const missing = GATED_STEPS.filter((_, i) => gated[i] === undefined);
    const results = [...others, ...gated];
    const statuses = results.map((r) => r?.status ?? 'SKIPPED');
    const verdict = computeVerdict(statuses);
    const open = results.filter((r) => r && r.status !== 'PASS' && r.status !== 'DEFERRED').map((r) => `${r!.stepId} ${r!.status}`);
    if (missing.length > 0) {
      return { status: 'SKIPPED', summary: `the gate needs every item; not run here: ${missing.join(', ')}` };
    }
    if (verdict === 'NOT ACCEPTED') return { status: 'FAIL', summary: `NOT ACCEPTED: ${open.join(', ')}` };
    return { status: 'PASS', summary: verdict === 'ACCEPTED' ? 'ACCEPTED' : `FUNCTIONALLY ACCEPTED; open: ${open.join(', ')}` };
  },
});
