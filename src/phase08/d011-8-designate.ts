// D-011.8: Designate zones + tenant hostname resolution. DEFERRED by decision D-019 (and moot
// under the IP-only B5 endpoints). Never evaluated, never PASS.

import { defineStep } from '../engine/index.js';
import type { Phase08Services } from './services.js';
import { D_011_8 } from './runbook-text.js';
import { WHILE_CONVERGING } from './ordering.js';

export const step = defineStep<Phase08Services, null>({
  id: 'D-011.8',
  title: 'Designate zones + tenant hostname resolution',
  kind: 'read',
  needs: [],
  after: WHILE_CONVERGING,
  decisions: ['D-011', 'D-019', 'B5'],
  runbook: D_011_8,
  item: 'D-011.8',
  body: async () => null,
  gate: () => ({
    status: 'DEFERRED',
    summary: 'deferred by D-019 (Designate dropped; IP-only endpoints under B5); not required for v1',
  }),
});
