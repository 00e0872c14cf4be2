// D-011.2: API reachability from the jumphost (core service VIPs).
// Runbook section D_011_2; decisions D-011, DOCFIX-039, B5. Not implemented yet: reports ERROR.

import { defineStep } from '../engine/index.js';
import { notImplemented } from './not-implemented.js';
import type { Phase08Services } from './services.js';
import { D_011_2 } from './runbook-text.js';

export const step = defineStep<Phase08Services, never>({
  id: 'D-011.2',
  title: 'API reachability from the jumphost (core service VIPs)',
  kind: 'read',
  needs: [],
  decisions: ['D-011', 'DOCFIX-039', 'B5'],
  runbook: D_011_2,
  item: 'D-011.2',
  deadlines: ['probe'],
  body: async () => notImplemented('D-011.2', 'the site-gates issue (#5)'),
  gate: () => {
    throw new Error('unreachable: the body never returns');
  },
});
