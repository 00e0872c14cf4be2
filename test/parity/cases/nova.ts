// Nova v2.1 on both sides: flavors, keypairs, the server list by name (tenant, admin with and
// without all_tenants) and a server's status through stop and start.

import type { Backend, Caller, Service } from '../backend.js';
import type { ParityCase } from '../case.js';
import { pollStates } from '../case.js';
import { NOVA, field, networkId } from '../ops.js';

/** The site's mgmt VM: the simulator seeds it; on the real side it is created once if absent and left. */
async function mgmtVm(b: Backend): Promise<string> {
  const name = b.site.mgmtVm.name;
  const found = await b.tenant.call('nova', 'GET', `/servers/detail?name=${encodeURIComponent(`^${name}$`)}`, undefined, NOVA());
  const id = (field(found, 'servers') as { id: string }[] | undefined)?.[0]?.id;
  if (id) return id;
  if (b.kind === 'sim') throw new Error(`the simulator has no ${name}`);
  const flavors = (await b.tenant.call('nova', 'GET', '/flavors/detail', undefined, NOVA())).body as { flavors: { id: string; name: string }[] };
  const image = (await b.tenant.call('glance', 'GET', `/images?name=${encodeURIComponent(b.site.image.name)}`)).body as { images: { id: string }[] };
  const net = await networkId(b.tenant, b.site.externalNetwork);
  const c = await b.tenant.call(
    'nova',
    'POST',
    '/servers',
    { server: { name, flavorRef: flavors.flavors.find((f) => f.name === b.site.flavors.worker.name)?.id ?? flavors.flavors[0]?.id, imageRef: image.images[0]?.id, networks: [{ uuid: net.id }], key_name: b.site.keypair } },
    NOVA(),
  );
  const sid = String(field(c, 'server', 'id'));
  await pollStates(b, async () => {
    const g = await b.tenant.call('nova', 'GET', `/servers/${sid}`, undefined, NOVA());
    return { state: String(field(g, 'server', 'status')), call: g };
  }, (s) => s !== 'BUILD', { simulatedMs: 120_000 });
  return sid;
}

async function serverStates(b: Backend, who: Caller, id: string, until: (s: string) => boolean): Promise<{ states: string[]; op: string }> {
  return pollStates(b, async () => {
    const g = await who.call('nova', 'GET', `/servers/${id}`, undefined, NOVA());
    return { state: String(field(g, 'server', 'status')), call: g };
  }, until, { simulatedMs: 120_000, everyMs: 1_000 });
}

export const CASES: ParityCase[] = [
  {
    name: 'nova: the keypair list (capi-gate init)',
    clientOps: ['list keypairs'],
    ops: ['nova GET /v2.1/os-keypairs'],
    async run(b, rec) {
      rec.step('keypairs of the tenant user', await b.tenant.call('nova', 'GET', '/os-keypairs', undefined, NOVA()));
    },
  },
  {
    name: 'nova: flavors and keypairs',
    clientOps: ['list flavors', 'get flavor', 'get keypair'],
    ops: [
      'nova GET /v2.1/flavors/detail',
      'nova GET /v2.1/os-keypairs/{id}',
    ],
    async run(b, rec) {
      const list = rec.step('flavors detail', await b.tenant.call('nova', 'GET', '/flavors/detail', undefined, NOVA()));
      const id = (field(list, 'flavors') as { id: string; name: string }[]).find((f) => f.name === b.site.flavors.worker.name)?.id ?? 'none';
      rec.step('flavors detail, a page of one', await b.tenant.call('nova', 'GET', '/flavors/detail?limit=1', undefined, NOVA()));
      rec.step('flavor', await b.tenant.call('nova', 'GET', `/flavors/${id}`, undefined, NOVA()));
      rec.step('flavor missing', await b.tenant.call('nova', 'GET', '/flavors/no-such-flavor', undefined, NOVA()));
      rec.step('keypair', await b.tenant.call('nova', 'GET', `/os-keypairs/${encodeURIComponent(b.site.keypair)}`, undefined, NOVA()));
      rec.step('keypair missing', await b.tenant.call('nova', 'GET', '/os-keypairs/no-such-keypair', undefined, NOVA()));
      rec.step('keypair of another user (admin)', await b.admin.call('nova', 'GET', `/os-keypairs/${encodeURIComponent(b.site.keypair)}`, undefined, NOVA()));
    },
  },
  {
    name: 'nova: server list by name, admin without and with all_tenants',
    clientOps: ['list servers', 'get server'],
    ops: [
      'nova GET /v2.1/servers/detail?name',
      'nova GET /v2.1/servers/{id}',
    ],
    timeoutMs: 400_000,
    async run(b, rec) {
      const id = await mgmtVm(b);
      const q = `name=${encodeURIComponent(`^${b.site.mgmtVm.name}$`)}`;
      rec.step('tenant, by name', await b.tenant.call('nova', 'GET', `/servers/detail?${q}`, undefined, NOVA()));
      rec.step('admin, by name', await b.admin.call('nova', 'GET', `/servers/detail?${q}`, undefined, NOVA()));
      rec.step('admin, by name, all_tenants', await b.admin.call('nova', 'GET', `/servers/detail?${q}&all_tenants=1`, undefined, NOVA()));
      rec.step('tenant, get', await b.tenant.call('nova', 'GET', `/servers/${id}`, undefined, NOVA()));
      rec.step('get missing', await b.tenant.call('nova', 'GET', '/servers/00000000-0000-4000-8000-000000000000', undefined, NOVA()));
      rec.step('unknown filter', await b.tenant.call('nova', 'GET', '/servers/detail?no_such_filter=1', undefined, NOVA()));
    },
  },
  {
    name: 'nova: server status through stop and start',
    clientOps: ['start server', 'get server'],
    ops: [
      'nova GET /v2.1/servers/{id}',
      'nova POST /v2.1/servers/{id}/action',
    ],
    timeoutMs: 400_000,
    async run(b, rec) {
      const id = await mgmtVm(b);
      rec.step('start when ACTIVE', await b.tenant.call('nova', 'POST', `/servers/${id}/action`, { 'os-start': null }, NOVA()));
      rec.step('stop', await b.tenant.call('nova', 'POST', `/servers/${id}/action`, { 'os-stop': null }, NOVA()));
      const stop = await serverStates(b, b.tenant, id, (s) => s === 'SHUTOFF' || s === 'ERROR');
      rec.track('status through the stop', stop.op, stop.states);
      rec.step('start', await b.tenant.call('nova', 'POST', `/servers/${id}/action`, { 'os-start': null }, NOVA()));
      const start = await serverStates(b, b.tenant, id, (s) => s === 'ACTIVE' || s === 'ERROR');
      rec.track('status through the start', start.op, start.states);
      rec.step('an unknown action', await b.tenant.call('nova', 'POST', `/servers/${id}/action`, { 'os-no-such-action': null }, NOVA()));
    },
  },
];


export const SERVICES: readonly Service[] = ['keystone', 'glance', 'neutron', 'nova'];
