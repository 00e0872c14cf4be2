// D-011.7: KVM snapshot baseline taken.
// Runbook section D_011_7; decisions D-011, D-012. Not implemented yet: reports ERROR.

import { defineStep } from '../engine/index.js';
import { notImplemented } from './not-implemented.js';
import type { Phase08Services } from './services.js';
import { D_011_7 } from './runbook-text.js';

export const step = defineStep<Phase08Services, never>({
  id: 'D-011.7',
  title: 'KVM snapshot baseline taken',
  kind: 'read',
  needs: [],
  decisions: ['D-011', 'D-012'],
  runbook: D_011_7,
  item: 'D-011.7',
  body: async () => notImplemented('D-011.7', 'the site-gates issue (#5)'),
  gate: () => {
    throw new Error('unreachable: the body never returns');
  },
});
