// 8.0.template: Cluster template present, or created with --network-driver calico.
// Runbook section STEP_8_0_TEMPLATE; decisions DOCFIX-032. Not implemented yet: reports ERROR.

import { defineStep } from '../engine/index.js';
import { notImplemented } from './not-implemented.js';
import type { Phase08Services } from './services.js';
import { STEP_8_0_TEMPLATE } from './runbook-text.js';

export const step = defineStep<Phase08Services, never>({
  id: '8.0.template',
  title: 'Cluster template present, or created with --network-driver calico',
  kind: 'mutation',
  needs: ['8.0.image'],
  decisions: ['DOCFIX-032'],
  runbook: STEP_8_0_TEMPLATE,
  body: async () => notImplemented('8.0.template', 'the OpenStack issue (#3)'),
  gate: () => {
    throw new Error('unreachable: the body never returns');
  },
});
