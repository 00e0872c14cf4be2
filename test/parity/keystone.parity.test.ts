// Keystone v3 on both sides: password and application-credential tokens, wrong credentials, and
// the lookups the project resolution and the D-039 pre-check make.

import { CASES, SERVICES } from './cases/keystone.js';
import { parityFile } from './runner.js';

parityFile(import.meta.url, SERVICES, CASES);
