// 8.0.image: Image present, active, carrying kube_version and os_distro.
// Runbook section STEP_8_0_CHECKS; decisions P6-CONTRACT, L-P6-3, D1. Not implemented yet: reports ERROR.

import { defineStep } from '../engine/index.js';
import { notImplemented } from './not-implemented.js';
import type { Phase08Services } from './services.js';
import { STEP_8_0_CHECKS } from './runbook-text.js';

export const step = defineStep<Phase08Services, never>({
  id: '8.0.image',
  title: 'Image present, active, carrying kube_version and os_distro',
  kind: 'read',
  needs: ['8.0.stage-and-verify'],
  decisions: ['P6-CONTRACT', 'L-P6-3', 'D1'],
  runbook: STEP_8_0_CHECKS,
  precondition: true,
  body: async () => notImplemented('8.0.image', 'the OpenStack issue (#3)'),
  gate: () => {
    throw new Error('unreachable: the body never returns');
  },
});
