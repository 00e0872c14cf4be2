// EXIT GATE (phase-08 / v1 acceptance): 8.1-8.3 passed, D-011 items 1-6 PASS, item 7 may be
// OUTSTANDING (operator), item 8 DEFERRED (D-019). Summarises; not counted in the verdict itself.

import { defineStep } from '../engine/index.js';
import type { StepRecord } from '../engine/index.js';
import { compactIds, exitGateOutcome, judge } from '../core/results.js';
import type { Phase08Services } from './services.js';
import { EXIT_GATE } from './runbook-text.js';

export const GATED_STEPS = ['8.1', '8.2', '8.3', 'D-011.1', 'D-011.2', 'D-011.3', 'D-011.4', 'D-011.5', 'D-011.6', 'D-011.7', 'D-011.8'] as const;

const EVERY_STEP = ['8.0.prereqs', '8.0.reserved-memory', '8.0.stage-and-verify', '8.0.image', '8.0.template', ...GATED_STEPS, '8.5'] as const;

export const step = defineStep<Phase08Services, (StepRecord | undefined)[]>({
  id: 'EXIT-GATE',
  title: 'EXIT GATE: 8.1-8.3 and D-011 items 1-6 PASS, 7 outstanding at most, 8 deferred',
  kind: 'read',
  needs: [],
  after: [...EVERY_STEP],
  decisions: ['D-011', 'D-012', 'D-019', 'D-042'],
  runbook: EXIT_GATE,
  counted: false,
  derived: true,
  // A step not selected in this run has no result: the gate then gives no verdict (PARTIAL). The
  // reports derive this line again from the items at render time (a sign-off changes it).
  body: async (ctx) => EVERY_STEP.map((id) => ctx.result(id)),
  gate: (results) => {
    const j = judge(EVERY_STEP.map((id, i) => ({ id, status: results[i]?.status })), false);
    return exitGateOutcome(j, compactIds(j.leftOut, EVERY_STEP).join(', '));
  },
});
