// D-011.3: API reachability from a tenant VM (Option B).
// Runbook section D_011_3; decisions D-011, DOCFIX-038. Not implemented yet: reports ERROR.

import { defineStep } from '../engine/index.js';
import { notImplemented } from './not-implemented.js';
import type { Phase08Services } from './services.js';
import { D_011_3 } from './runbook-text.js';

export const step = defineStep<Phase08Services, never>({
  id: 'D-011.3',
  title: 'API reachability from a tenant VM (Option B)',
  kind: 'read',
  needs: [],
  decisions: ['D-011', 'DOCFIX-038'],
  runbook: D_011_3,
  item: 'D-011.3',
  deadlines: ['probe'],
  body: async () => notImplemented('D-011.3', 'the site-gates issue (#5)'),
  gate: () => {
    throw new Error('unreachable: the body never returns');
  },
});
