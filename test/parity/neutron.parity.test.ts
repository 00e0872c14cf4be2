// Neutron v2.0 on both sides: the lists the leak sweep and the prerequisites read (by name, by
// project, by port), paging, unknown filters, and the stuck-delete cleanup's teardown of a
// cluster network in dependency order (the 409s of the wrong order included).

import { CASES, SERVICES } from './cases/neutron.js';
import { parityFile } from './runner.js';

parityFile(import.meta.url, SERVICES, CASES);
