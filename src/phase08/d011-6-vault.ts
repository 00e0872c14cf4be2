// D-011.6: Vault unsealed (manual unseal is the v1 standard).
// Runbook section D_011_6; decisions D-011, phase-02. Not implemented yet: reports ERROR.

import { defineStep } from '../engine/index.js';
import { notImplemented } from './not-implemented.js';
import type { Phase08Services } from './services.js';
import { D_011_6 } from './runbook-text.js';

export const step = defineStep<Phase08Services, never>({
  id: 'D-011.6',
  title: 'Vault unsealed (manual unseal is the v1 standard)',
  kind: 'read',
  needs: [],
  decisions: ['D-011', 'phase-02'],
  runbook: D_011_6,
  item: 'D-011.6',
  body: async () => notImplemented('D-011.6', 'the site-gates issue (#5)'),
  gate: () => {
    throw new Error('unreachable: the body never returns');
  },
});
