// D-011.1: All charms active/idle.
// Runbook section D_011_1; decisions D-011. Not implemented yet: reports ERROR.

import { defineStep } from '../engine/index.js';
import { notImplemented } from './not-implemented.js';
import type { Phase08Services } from './services.js';
import { D_011_1 } from './runbook-text.js';

export const step = defineStep<Phase08Services, never>({
  id: 'D-011.1',
  title: 'All charms active/idle',
  kind: 'read',
  needs: [],
  decisions: ['D-011'],
  runbook: D_011_1,
  item: 'D-011.1',
  body: async () => notImplemented('D-011.1', 'the site-gates issue (#5)'),
  gate: () => {
    throw new Error('unreachable: the body never returns');
  },
});
