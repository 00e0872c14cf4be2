// D-011.5: end-to-end Magnum CAPI create, CCM not crash-looping. "Satisfied by 8.1-8.3
// (CREATE_COMPLETE + CCM Running). Pass = that gate." Derived from those steps' results.

import { defineStep } from '../engine/index.js';
import type { StepRecord } from '../engine/index.js';
import type { Phase08Services } from './services.js';
import { D_011_5 } from './runbook-text.js';

const SOURCES = ['8.1', '8.2', '8.3'] as const;

export const step = defineStep<Phase08Services, (StepRecord | undefined)[]>({
  id: 'D-011.5',
  title: 'End-to-end Magnum CAPI cluster create, CCM not crash-looping (= 8.1-8.3)',
  kind: 'read',
  needs: [],
  after: [...SOURCES],
  derived: true,
  decisions: ['D-011'],
  runbook: D_011_5,
  item: 'D-011.5',
  body: async (ctx) => SOURCES.map((id) => ctx.result(id)),
  gate: (results) => {
    const missing = SOURCES.filter((_, i) => results[i] === undefined);
    if (missing.length > 0) {
      return {
        status: 'ERROR',
        summary: `cannot be evaluated: ${missing.join(', ')} did not run in this run`,
        hint: 'D-011.5 is the 8.1-8.3 gate; select 8.1,8.2,8.3 together with it.',
      };
    }
    const bad = results.filter((r): r is StepRecord => r !== undefined && r.status !== 'PASS');
    if (bad.length === 0) return { status: 'PASS', summary: '8.1, 8.2 and 8.3 passed (CREATE_COMPLETE, nodes Ready, CCM Running)' };
    if (!bad.some((r) => r.status === 'FAIL')) {
      return { status: 'SKIPPED', summary: `not evaluated: ${bad.map((r) => `${r.stepId} ${r.status}`).join(', ')}` };
    }
    return {
      status: 'FAIL',
      summary: `follows 8.1-8.3: ${bad.map((r) => `${r.stepId} ${r.status}`).join(', ')}`,
      ...(bad[0]?.hint ? { hint: bad[0].hint } : {}),
    };
  },
});
