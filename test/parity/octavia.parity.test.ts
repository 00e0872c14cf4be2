// Octavia v2 on both sides: a load balancer's provisioning/operating status through create,
// failover and delete, the replayed failover and delete, lookups by id, name and project, paging,
// another project's load balancer, unknown filters and the amphorae list.

import { CASES, SERVICES } from './cases/octavia.js';
import { parityFile } from './runner.js';

parityFile(import.meta.url, SERVICES, CASES);
