// D-011.4: Octavia LB pattern: round-robin via Service type=LoadBalancer, admin-scope failover.
// Runbook section D_011_4; decisions D-011, DOCFIX-040, appendix-A. Not implemented yet: reports ERROR.

import { defineStep } from '../engine/index.js';
import { notImplemented } from './not-implemented.js';
import type { Phase08Services } from './services.js';
import { D_011_4 } from './runbook-text.js';

export const step = defineStep<Phase08Services, never>({
  id: 'D-011.4',
  title: 'Octavia LB pattern: round-robin via Service type=LoadBalancer, admin-scope failover',
  kind: 'mutation',
  needs: ['8.3'],
  decisions: ['D-011', 'DOCFIX-040', 'appendix-A'],
  runbook: D_011_4,
  item: 'D-011.4',
  deadlines: ['loadBalancerIp', 'failover', 'failoverExpected', 'teardown'],
  body: async () => notImplemented('D-011.4', 'the Kubernetes issue (#4)'),
  gate: () => {
    throw new Error('unreachable: the body never returns');
  },
});
