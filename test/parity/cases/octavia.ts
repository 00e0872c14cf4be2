// Octavia v2 on both sides: a load balancer's provisioning/operating status through create,
// failover and delete, the replayed failover and delete, lookups by id, name and project, paging,
// another project's load balancer, unknown filters, the amphorae list and the pool/member lists.

import type { Backend, Caller, Service } from '../backend.js';
import type { Recorder } from '../case.js';
import type { ParityCase } from '../case.js';
import { pollStates, uniqueName } from '../case.js';
import { field, networkId, quietly } from '../ops.js';

async function createLb(b: Backend, who: Caller, name: string): Promise<{ id: string; create: Awaited<ReturnType<Caller['call']>> }> {
  const net = await networkId(b.admin, b.site.externalNetwork);
  const create = await who.call('octavia', 'POST', '/lbaas/loadbalancers', { loadbalancer: { name, vip_subnet_id: net.subnetId, project_id: who.projectId } });
  return { id: String(field(create, 'loadbalancer', 'id')), create };
}

async function lbStates(b: Backend, rec: Recorder, name: string, id: string, until: (s: string) => boolean, who: Caller = b.tenant): Promise<void> {
  const r = await pollStates(
    b,
    async () => {
      const c = await who.call('octavia', 'GET', `/lbaas/loadbalancers/${id}`);
      return { state: c.status === 404 ? 'gone (404)' : `${String(field(c, 'loadbalancer', 'provisioning_status'))}/${String(field(c, 'loadbalancer', 'operating_status'))}`, call: c };
    },
    until,
    { simulatedMs: 600_000, everyMs: 1_000 },
  );
  rec.track(name, r.op, r.states);
}

const settled = (s: string) => !s.startsWith('PENDING');

export const CASES: ParityCase[] = [
  {
    name: 'octavia: the provider list as the tenant (capi-gate init)',
    clientOps: ['list providers'],
    ops: ['octavia GET /v2.0/lbaas/providers'],
    async run(b, rec) {
      rec.step('providers, tenant', await b.tenant.call('octavia', 'GET', '/lbaas/providers'));
    },
  },
  {
    name: 'octavia: create to ACTIVE/ONLINE, failover, replayed failover, delete, replayed delete',
    clientOps: ['get load balancer', 'list load balancers', 'failover load balancer', 'delete load balancer'],
    ops: [
      'octavia DELETE /v2.0/lbaas/loadbalancers/{id}?cascade',
      'octavia GET /v2.0/lbaas/loadbalancers/{id}',
      'octavia GET /v2.0/lbaas/loadbalancers?name',
      'octavia GET /v2.0/lbaas/loadbalancers?project_id',
      'octavia PUT /v2.0/lbaas/loadbalancers/{id}/failover',
    ],
    timeoutMs: 900_000,
    async run(b, rec) {
      const name = uniqueName('parity-lb');
      const { id, create } = await createLb(b, b.tenant, name);
      rec.step('create', create);
      try {
        await lbStates(b, rec, 'status through the create', id, (s) => settled(s) && !s.endsWith('/OFFLINE'));
        rec.step('get', await b.tenant.call('octavia', 'GET', `/lbaas/loadbalancers/${id}`));
        rec.step('list by name', await b.tenant.call('octavia', 'GET', `/lbaas/loadbalancers?name=${name}`));
        rec.step('list by id', await b.tenant.call('octavia', 'GET', `/lbaas/loadbalancers?id=${id}`));
        rec.step('list by project', await b.tenant.call('octavia', 'GET', `/lbaas/loadbalancers?project_id=${b.tenant.projectId}`));
        rec.step('list, a page of one', await b.tenant.call('octavia', 'GET', '/lbaas/loadbalancers?limit=1'));
        rec.step('amphorae of the LB (admin)', await b.admin.call('octavia', 'GET', `/octavia/amphorae?loadbalancer_id=${id}`));
        rec.step('failover as the tenant', await b.tenant.call('octavia', 'PUT', `/lbaas/loadbalancers/${id}/failover`));
        rec.step('failover (admin)', await b.admin.call('octavia', 'PUT', `/lbaas/loadbalancers/${id}/failover`));
        rec.step('failover replayed', await b.admin.call('octavia', 'PUT', `/lbaas/loadbalancers/${id}/failover`));
        await lbStates(b, rec, 'status through the failover', id, (s) => settled(s) && !s.endsWith('/OFFLINE'));
        rec.step('delete', await b.tenant.call('octavia', 'DELETE', `/lbaas/loadbalancers/${id}?cascade=true`));
        rec.step('delete replayed', await b.tenant.call('octavia', 'DELETE', `/lbaas/loadbalancers/${id}?cascade=true`));
        await lbStates(b, rec, 'status through the delete', id, (s) => s === 'gone (404)' || s.startsWith('DELETED') || s.startsWith('ERROR'));
        rec.step('list by name after the delete', await b.tenant.call('octavia', 'GET', `/lbaas/loadbalancers?name=${name}`));
        rec.step('delete when gone', await b.tenant.call('octavia', 'DELETE', `/lbaas/loadbalancers/${id}?cascade=true`));
      } finally {
        await quietly(() => b.admin.call('octavia', 'DELETE', `/lbaas/loadbalancers/${id}?cascade=true`));
      }
    },
  },
  {
    name: "octavia: another project's load balancer",
    clientOps: ['get load balancer', 'list load balancers'],
    ops: [
      'octavia DELETE /v2.0/lbaas/loadbalancers/{id}?cascade',
      'octavia GET /v2.0/lbaas/loadbalancers/{id}',
      'octavia GET /v2.0/lbaas/loadbalancers?project_id',
    ],
    timeoutMs: 600_000,
    async run(b, rec) {
      const name = uniqueName('parity-lb-other');
      const { id, create } = await createLb(b, b.other, name);
      rec.step('create in another project', create);
      try {
        await lbStates(b, rec, 'status through the create', id, (s) => settled(s) && !s.endsWith('/OFFLINE'), b.other);
        rec.step('get as the tenant', await b.tenant.call('octavia', 'GET', `/lbaas/loadbalancers/${id}`));
        rec.step('list by id as the tenant', await b.tenant.call('octavia', 'GET', `/lbaas/loadbalancers?id=${id}`));
        rec.step('list by project as the tenant', await b.tenant.call('octavia', 'GET', `/lbaas/loadbalancers?project_id=${b.other.projectId}`));
        rec.step('delete as the tenant', await b.tenant.call('octavia', 'DELETE', `/lbaas/loadbalancers/${id}?cascade=true`));
      } finally {
        await quietly(() => b.other.call('octavia', 'DELETE', `/lbaas/loadbalancers/${id}?cascade=true`));
      }
    },
  },
  {
    name: 'octavia: unknown list filter, missing load balancer',
    clientOps: ['list load balancers', 'get load balancer', 'list amphorae', 'list pools', 'list pool members'],
    ops: [
      'octavia GET /v2.0/lbaas/loadbalancers/{id}',
    ],
    async run(b, rec) {
      rec.step('unknown filter', await b.tenant.call('octavia', 'GET', '/lbaas/loadbalancers?no_such_filter=1'));
      rec.step('get missing', await b.tenant.call('octavia', 'GET', '/lbaas/loadbalancers/00000000-0000-4000-8000-000000000000'));
      rec.step('amphorae as the tenant', await b.tenant.call('octavia', 'GET', '/octavia/amphorae?loadbalancer_id=00000000-0000-4000-8000-000000000000'));
      rec.step('amphorae of no LB (admin)', await b.admin.call('octavia', 'GET', '/octavia/amphorae?loadbalancer_id=00000000-0000-4000-8000-000000000000'));
      rec.step('pools of no LB', await b.tenant.call('octavia', 'GET', '/lbaas/pools?loadbalancer_id=00000000-0000-4000-8000-000000000000'));
      rec.step('members of a missing pool', await b.tenant.call('octavia', 'GET', '/lbaas/pools/00000000-0000-4000-8000-000000000000/members'));
    },
  },
];


export const SERVICES: readonly Service[] = ['keystone', 'neutron', 'octavia'];
