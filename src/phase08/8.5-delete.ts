// 8.5: Clean delete verification.
// Runbook section STEP_8_5; decisions appendix-A. Not implemented yet: reports ERROR.

import { defineStep } from '../engine/index.js';
import { notImplemented } from './not-implemented.js';
import type { Phase08Services } from './services.js';
import { STEP_8_5 } from './runbook-text.js';

export const step = defineStep<Phase08Services, never>({
  id: '8.5',
  title: 'Clean delete verification',
  kind: 'mutation',
  needs: [],
  decisions: ['appendix-A'],
  runbook: STEP_8_5,
  after: ['8.1', '8.2', '8.3', 'D-011.4', 'D-011.5'],
  deadlines: ['clusterDelete'],
  body: async () => notImplemented('8.5', 'the OpenStack issue (#3)'),
  gate: () => {
    throw new Error('unreachable: the body never returns');
  },
});
