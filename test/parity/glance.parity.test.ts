// Glance v2 on both sides: the image lookups 8.0 makes (by name, hidden ones, by id) and the
// glance-direct upload of stage-and-verify with the image's status over time.

import { CASES, SERVICES } from './cases/glance.js';
import { parityFile } from './runner.js';

parityFile(import.meta.url, SERVICES, CASES);
