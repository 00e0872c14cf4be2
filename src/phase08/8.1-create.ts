// 8.1: Create the workload cluster (idempotent).
// Runbook section STEP_8_1; decisions D-039, DOCFIX-034. Not implemented yet: reports ERROR.

import { defineStep } from '../engine/index.js';
import { notImplemented } from './not-implemented.js';
import type { Phase08Services } from './services.js';
import { STEP_8_1 } from './runbook-text.js';

export const step = defineStep<Phase08Services, never>({
  id: '8.1',
  title: 'Create the workload cluster (idempotent)',
  kind: 'mutation',
  needs: ['8.0.prereqs', '8.0.image', '8.0.template'],
  decisions: ['D-039', 'DOCFIX-034'],
  runbook: STEP_8_1,
  body: async () => notImplemented('8.1', 'the OpenStack issue (#3)'),
  gate: () => {
    throw new Error('unreachable: the body never returns');
  },
});
