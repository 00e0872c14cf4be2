// Every parity case, for the checks that need them all (inventory.test.ts, the fidelity doc).

import type { ParityCase } from './case.js';
import { CASES as GLANCE } from './cases/glance.js';
import { CASES as KEYSTONE } from './cases/keystone.js';
import { CASES as MAGNUM } from './cases/magnum.js';
import { CASES as NEUTRON } from './cases/neutron.js';
import { CASES as NOVA } from './cases/nova.js';
import { CASES as OPENSTACK_CLI } from './cases/openstack-cli.js';
import { CASES as OCTAVIA } from './cases/octavia.js';

export const PARITY_CASES: readonly ParityCase[] = [...KEYSTONE, ...GLANCE, ...MAGNUM, ...OCTAVIA, ...NOVA, ...NEUTRON, ...OPENSTACK_CLI];
