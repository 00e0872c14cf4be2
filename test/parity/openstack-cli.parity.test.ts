// The runbook's openstack CLI commands against the real services and the simulator, compared.

import { CASES, SERVICES } from './cases/openstack-cli.js';
import { parityFile } from './runner.js';

parityFile(import.meta.url, SERVICES, CASES);
