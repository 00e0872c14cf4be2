// 8.2: Wait to CREATE_COMPLETE; capture API LB, VIP, FIP, api_address; API LB ACTIVE/ONLINE; health HEALTHY.
// Runbook section STEP_8_2; decisions D-042, D-039, appendix-A. Not implemented yet: reports ERROR.

import { defineStep } from '../engine/index.js';
import { notImplemented } from './not-implemented.js';
import type { Phase08Services } from './services.js';
import { STEP_8_2 } from './runbook-text.js';

export const step = defineStep<Phase08Services, never>({
  id: '8.2',
  title: 'Wait to CREATE_COMPLETE; capture API LB, VIP, FIP, api_address; API LB ACTIVE/ONLINE; health HEALTHY',
  kind: 'read',
  needs: ['8.1'],
  decisions: ['D-042', 'D-039', 'appendix-A'],
  runbook: STEP_8_2,
  deadlines: ['clusterCreate', 'clusterStall'],
  body: async () => notImplemented('8.2', 'the OpenStack issue (#3)'),
  gate: () => {
    throw new Error('unreachable: the body never returns');
  },
});
