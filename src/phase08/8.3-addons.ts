// 8.3: Kubeconfig via Magnum; nodes Ready; Calico, CCM, Cinder CSI, CoreDNS Running.
// Runbook section STEP_8_3; decisions DOCFIX-037, DOCFIX-032, D-011. Not implemented yet: reports ERROR.

import { defineStep } from '../engine/index.js';
import { notImplemented } from './not-implemented.js';
import type { Phase08Services } from './services.js';
import { STEP_8_3 } from './runbook-text.js';

export const step = defineStep<Phase08Services, never>({
  id: '8.3',
  title: 'Kubeconfig via Magnum; nodes Ready; Calico, CCM, Cinder CSI, CoreDNS Running',
  kind: 'read',
  needs: ['8.2'],
  decisions: ['DOCFIX-037', 'DOCFIX-032', 'D-011'],
  runbook: STEP_8_3,
  deadlines: ['nodesReady'],
  body: async () => notImplemented('8.3', 'the Kubernetes issue (#4)'),
  gate: () => {
    throw new Error('unreachable: the body never returns');
  },
});
