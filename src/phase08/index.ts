export { CATALOG, ACCEPTANCE_ITEMS, selectSteps } from './catalog.js';
export type { Phase08Services } from './services.js';
export { GATED_STEPS } from './exit-gate.js';
export { CREATE_STEP } from './ordering.js';
export { INTRO, PREREQUISITES, CONSTANTS, SCOPE_HYGIENE, STEP_8_4_INTRO, AS_BUILT, NEXT } from './runbook-text.js';
export { OPENSTACK_NEEDS, openstackNeeds } from './openstack-needs.js';
