// 8.0.reserved-memory: reserved-host-memory >= 8192 on every nova-compute unit.
// Runbook section STEP_8_0_CHECKS; decisions D-040. Not implemented yet: reports ERROR.

import { defineStep } from '../engine/index.js';
import { notImplemented } from './not-implemented.js';
import type { Phase08Services } from './services.js';
import { STEP_8_0_CHECKS } from './runbook-text.js';

export const step = defineStep<Phase08Services, never>({
  id: '8.0.reserved-memory',
  title: 'reserved-host-memory >= 8192 on every nova-compute unit',
  kind: 'read',
  needs: [],
  decisions: ['D-040'],
  runbook: STEP_8_0_CHECKS,
  precondition: true,
  body: async () => notImplemented('8.0.reserved-memory', 'the site-gates issue (#5)'),
  gate: () => {
    throw new Error('unreachable: the body never returns');
  },
});
