// 8.0.stage-and-verify: Seed the image when absent: curl-style download, sha512, glance-direct import.
// Runbook section STEP_8_0_STAGE; decisions FINDING-3, CORRECTION-1, L7. Not implemented yet: reports ERROR.

import { defineStep } from '../engine/index.js';
import { notImplemented } from './not-implemented.js';
import type { Phase08Services } from './services.js';
import { STEP_8_0_STAGE } from './runbook-text.js';

export const step = defineStep<Phase08Services, never>({
  id: '8.0.stage-and-verify',
  title: 'Seed the image when absent: curl-style download, sha512, glance-direct import',
  kind: 'mutation',
  needs: [],
  decisions: ['FINDING-3', 'CORRECTION-1', 'L7'],
  runbook: STEP_8_0_STAGE,
  deadlines: ['imageActive'],
  precondition: true,
  body: async () => notImplemented('8.0.stage-and-verify', 'the site-gates issue (#5)'),
  gate: () => {
    throw new Error('unreachable: the body never returns');
  },
});
