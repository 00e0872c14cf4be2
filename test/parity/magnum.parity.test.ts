// Magnum (container-infra v1) on both sides: templates, the cluster life cycle through the test
// driver with its status and health over time, certificates and their policy, the microversion,
// and create-time validation.

import { CASES, SERVICES } from './cases/magnum.js';
import { parityFile } from './runner.js';

parityFile(import.meta.url, SERVICES, CASES);
