// Fidelity, paged lists: the REAL openstack CLI (openstacksdk for Neutron, Nova, Octavia and
// Glance; magnumclient for Magnum) against a simulator that caps every list at one item a page.
// The clients follow the simulator's next links (`<key>_links`, Magnum's `next` URL, Glance's
// `next` path) to the last page: the links are shaped as the real services shape them.
//
// Client behaviour these assertions expect (not server choices): magnumclient reads one page
// unless given --limit, and then asks for the collection with a trailing slash
// (/v1/clustertemplates/?limit=N) before following `next` with its scheme and host stripped.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { CliSim } from './fidelity-support.js';
import { SKIP, lines, startCliSim } from './fidelity-support.js';
import { MAGNUM_LATEST, RUNBOOK_TEMPLATE, login } from './testing.js';

let s: CliSim;

before(async () => {
  if (SKIP) return;
  s = await startCliSim({ timeScale: 0.01, pageSize: 1 });
  const tenant = await login(s.h, 'tenant');
  const admin = await login(s.h, 'admin');
  const subnet = [...s.h.world.subnets.values()].find((x) => x.projectId === tenant.projectId);
  assert.ok(subnet);
  for (const n of ['a', 'b']) {
    assert.equal((await tenant.call('network', 'POST', '/v2.0/networks', { network: { name: `pg-${n}` } })).status, 201);
    assert.equal((await tenant.call('load-balancer', 'POST', '/v2.0/lbaas/loadbalancers', { loadbalancer: { name: `lb-${n}`, vip_subnet_id: subnet.id } })).status, 201);
    assert.equal((await tenant.call('container-infra', 'POST', '/clustertemplates', { ...RUNBOOK_TEMPLATE, name: `tpl-${n}` }, MAGNUM_LATEST)).status, 201);
  }
  assert.equal((await admin.call('image', 'POST', '/v2/images', { name: 'second-image', disk_format: 'qcow2', container_format: 'bare' })).status, 201);
});
after(async () => {
  if (!SKIP) await s?.close();
});

const sorted = (xs: Iterable<string>) => [...xs].sort();

async function listed(cloud: 'sim-admin' | 'sim-tenant', ...args: string[]): Promise<string[]> {
  const r = await s.os(cloud, ...args, '-f', 'value');
  assert.equal(r.code, 0, r.stderr);
  return sorted(lines(r.stdout));
}

test('network list (Neutron networks_links): every network, a page at a time; the full last page links an empty one', { skip: SKIP }, async () => {
  const mark = s.h.requests.lastSeq;
  assert.deepEqual(await listed('sim-admin', 'network', 'list', '-c', 'ID'), sorted(s.h.world.networks.keys()));
  const pages = s.h.requests.list({ since: mark, service: 'neutron' }).filter((r) => r.path.startsWith('/v2.0/networks'));
  // Real Neutron (get_pagination_links) links a next page from every full page, as Nova does.
  assert.equal(pages.length, s.h.world.networks.size + 1, 'one request per network, then the empty page');
});

test('flavor list (Nova flavors_links): every flavor; the full last page links an empty one', { skip: SKIP }, async () => {
  const mark = s.h.requests.lastSeq;
  assert.deepEqual(await listed('sim-admin', 'flavor', 'list', '-c', 'ID'), sorted(s.h.world.flavors.keys()));
  const pages = s.h.requests.list({ since: mark, service: 'nova' }).filter((r) => r.path.startsWith('/v2.1/flavors/detail'));
  assert.equal(pages.length, s.h.world.flavors.size + 1);
});

test('loadbalancer list (Octavia loadbalancers_links): every load balancer of the project', { skip: SKIP }, async () => {
  const p = s.h.credentials.tenant.projectId;
  const want = sorted([...s.h.world.loadBalancers.values()].filter((x) => x.projectId === p).map((x) => x.id));
  assert.ok(want.length >= 2);
  assert.deepEqual(await listed('sim-tenant', 'loadbalancer', 'list', '-c', 'id'), want);
});

test('coe cluster template list --limit (Magnum next URL): every template', { skip: SKIP }, async () => {
  const mark = s.h.requests.lastSeq;
  assert.deepEqual(await listed('sim-tenant', 'coe', 'cluster', 'template', 'list', '--limit', '10', '-c', 'uuid'), sorted(s.h.world.templates.keys()));
  const paths = s.h.requests.list({ since: mark, service: 'magnum' }).map((r) => r.path);
  assert.ok(paths.some((x) => /^\/v1\/clustertemplates\?.*marker=/.test(x)), paths.join(' '));
});

test('image list (Glance next): every image', { skip: SKIP }, async () => {
  const want = sorted([...s.h.world.images.values()].filter((i) => i.status !== 'deleted' && !i.osHidden).map((i) => i.id));
  assert.ok(want.length >= 2);
  assert.deepEqual(await listed('sim-admin', 'image', 'list', '-c', 'ID'), want);
});
