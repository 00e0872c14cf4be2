// 8.0.prereqs: Entry prerequisites the APIs can show (provider-ext, Octavia, keypair, flavors, D-039 roles).
// Runbook section PREREQUISITES; decisions phase-04, phase-05, D-039. Not implemented yet: reports ERROR.

import { defineStep } from '../engine/index.js';
import { notImplemented } from './not-implemented.js';
import type { Phase08Services } from './services.js';
import { PREREQUISITES } from './runbook-text.js';

export const step = defineStep<Phase08Services, never>({
  id: '8.0.prereqs',
  title: 'Entry prerequisites the APIs can show (provider-ext, Octavia, keypair, flavors, D-039 roles)',
  kind: 'read',
  needs: [],
  decisions: ['phase-04', 'phase-05', 'D-039'],
  runbook: PREREQUISITES,
  precondition: true,
  body: async () => notImplemented('8.0.prereqs', 'the OpenStack issue (#3)'),
  gate: () => {
    throw new Error('unreachable: the body never returns');
  },
});
