// Nova v2.1 on both sides: flavors, keypairs, the server list by name (tenant, admin with and
// without all_tenants) and a server's status through stop and start.

import { CASES, SERVICES } from './cases/nova.js';
import { parityFile } from './runner.js';

parityFile(import.meta.url, SERVICES, CASES);
