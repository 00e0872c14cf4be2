// Paged lists on the wire, as each service shapes them (see paging.ts): a simulator capped at
// one item a page, and one without a cap (a list is one page unless the client sends limit).

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { SimHandle } from './index.js';
import { startSim } from './index.js';
import type { Api } from './testing.js';
import { MAGNUM_LATEST, RUNBOOK_TEMPLATE, login } from './testing.js';

let capped: SimHandle;
let open: SimHandle;
let tenant: Api;
let admin: Api;
let openTenant: Api;
before(async () => {
  [capped, open] = await Promise.all([startSim({ pageSize: 1 }), startSim({})]);
  [tenant, admin, openTenant] = await Promise.all([login(capped, 'tenant'), login(capped, 'admin'), login(open, 'tenant')]);
});
after(async () => {
  await Promise.all([capped.close(), open.close()]);
});

type Body = Record<string, unknown>;
const json = async (p: Promise<{ status: number; json: unknown; text: string }>): Promise<Body> => {
  const r = await p;
  assert.equal(r.status, 200, r.text);
  return r.json as Body;
};
const nextOf = (b: Body, key: string): string | undefined => (b[`${key}_links`] as { rel: string; href: string }[] | undefined)?.find((l) => l.rel === 'next')?.href;
const idsOf = (b: Body, key: string, id = 'id'): string[] => (b[key] as Body[]).map((x) => String(x[id]));

test('Neutron (as measured on Zed): at most the cap a page in id order, a next link on every full page, a previous link always, links copy the query; uncapped: no _links', async () => {
  for (const name of ['pg-a', 'pg-b']) assert.equal((await tenant.call('network', 'POST', '/v2.0/networks', { network: { name } })).status, 201);
  const want = capped.world.networks.size;
  assert.ok(want >= 3);
  const seen: string[] = [];
  let path: string | undefined = '/v2.0/networks';
  let pages = 0;
  for (; path && pages < 10; pages++) {
    const b = await json(admin.call('network', 'GET', path));
    const ids = idsOf(b, 'networks');
    seen.push(...ids);
    const links = b['networks_links'] as { rel: string; href: string }[];
    const previous = new URL(links.find((l) => l.rel === 'previous')?.href ?? 'http://no-previous-link.invalid');
    assert.equal(previous.searchParams.get('page_reverse'), 'True');
    if (ids[0]) assert.equal(previous.searchParams.get('marker'), ids[0]);
    const href = nextOf(b, 'networks');
    if (href) {
      assert.equal(ids.length, 1, 'a next link only on a full page');
      const u = new URL(href);
      assert.equal(`${u.protocol}//${u.host}`, new URL(admin.catalog['network'] ?? '').origin);
      assert.equal(u.pathname, '/v2.0/networks');
      assert.equal(u.searchParams.get('limit'), null, 'the cap is not written into the link: it copies the request');
      assert.equal(u.searchParams.get('marker'), seen[seen.length - 1]);
      path = `${u.pathname}${u.search}`;
    } else {
      assert.equal(ids.length, 0, 'the page after the last full one is empty');
      path = undefined;
    }
  }
  assert.equal(pages, want + 1, 'a page per network, then an empty one');
  assert.deepEqual(seen, [...capped.world.networks.keys()].sort(), 'every network once, in id order');
  const filtered = await json(tenant.call('network', 'GET', '/v2.0/networks?name=pg-b'));
  assert.equal(idsOf(filtered, 'networks').length, 1);
  const after = nextOf(filtered, 'networks');
  assert.match(after ?? '', /name=pg-b&marker=/, 'filters apply before paging; a full page links the next, with the filter');
  assert.deepEqual((await json(tenant.call('network', 'GET', `/v2.0/networks${new URL(after ?? '').search}`)))['networks'], []);
  const unknown = await tenant.call('network', 'GET', '/v2.0/networks?marker=00000000-0000-4000-8000-000000000000');
  assert.equal(unknown.status, 404);
  assert.match(unknown.text, /NetworkNotFound.*Network 00000000-0000-4000-8000-000000000000 could not be found\./);

  const whole = await json(openTenant.call('network', 'GET', '/v2.0/networks'));
  assert.ok(!('networks_links' in whole), 'no pagination: no links');
  const asked = await json(openTenant.call('network', 'GET', '/v2.0/networks?limit=1'));
  assert.equal(idsOf(asked, 'networks').length, 1);
  assert.match(nextOf(asked, 'networks') ?? '', /limit=1&marker=/, 'a client limit pages an uncapped Neutron');
});

test('Nova: a full page links the next one even when nothing follows; the page after is empty', async () => {
  const first = await json(tenant.call('compute', 'GET', '/servers/detail'));
  assert.equal(idsOf(first, 'servers').length, 1);
  const href = nextOf(first, 'servers');
  assert.ok(href, 'a full page has a next link');
  const u = new URL(href);
  assert.equal(u.pathname, '/v2.1/servers/detail');
  const second = await json(tenant.call('compute', 'GET', `/servers/detail${u.search}`));
  assert.deepEqual(second['servers'], []);
  assert.equal(nextOf(second, 'servers'), undefined);
  const flavors = await json(tenant.call('compute', 'GET', '/flavors/detail'));
  assert.equal(idsOf(flavors, 'flavors').length, 1);
  assert.match(nextOf(flavors, 'flavors') ?? '', /\/v2\.1\/flavors\/detail\?limit=1&marker=/);
  const bad = await tenant.call('compute', 'GET', '/servers/detail?marker=no-such-server');
  assert.equal(bad.status, 400);
  assert.match(bad.text, /marker \[no-such-server\] not found/);
});

test('Magnum: a `next` URL on a full page (clustertemplates/detail keeps its path)', async () => {
  for (const name of ['t-one', 't-two']) assert.equal((await tenant.call('container-infra', 'POST', '/clustertemplates', { ...RUNBOOK_TEMPLATE, name }, MAGNUM_LATEST)).status, 201);
  const b = await json(tenant.call('container-infra', 'GET', '/clustertemplates/detail', undefined, MAGNUM_LATEST));
  assert.equal(idsOf(b, 'clustertemplates', 'uuid').length, 1);
  const next = new URL(String(b['next']));
  assert.equal(next.pathname, '/v1/clustertemplates/detail');
  assert.equal(next.searchParams.get('marker'), idsOf(b, 'clustertemplates', 'uuid')[0]);
  const b2 = await json(tenant.call('container-infra', 'GET', `/clustertemplates/detail${next.search}`, undefined, MAGNUM_LATEST));
  assert.notDeepEqual(idsOf(b2, 'clustertemplates', 'uuid'), idsOf(b, 'clustertemplates', 'uuid'));
  const open1 = await json(openTenant.call('container-infra', 'GET', '/clusters', undefined, MAGNUM_LATEST));
  assert.ok(!('next' in open1));
});

test('Octavia: _links always present, next only while more remain, under the version the client used', async () => {
  const subnet = [...capped.world.subnets.values()].find((s) => s.projectId === tenant.projectId);
  assert.ok(subnet);
  for (const name of ['lb-a', 'lb-b']) {
    assert.equal((await tenant.call('load-balancer', 'POST', '/v2.0/lbaas/loadbalancers', { loadbalancer: { name, vip_subnet_id: subnet.id } })).status, 201);
  }
  const b = await json(tenant.call('load-balancer', 'GET', '/v2.0/lbaas/loadbalancers'));
  const href = nextOf(b, 'loadbalancers');
  assert.ok(href);
  assert.equal(new URL(href).pathname, '/v2.0/lbaas/loadbalancers');
  const last = await json(tenant.call('load-balancer', 'GET', `/v2/lbaas/loadbalancers${new URL(href).search}`));
  assert.equal(idsOf(last, 'loadbalancers').length, 1);
  assert.deepEqual(last['loadbalancers_links'], []);
  const bad = await tenant.call('load-balancer', 'GET', '/v2/lbaas/loadbalancers?limit=x');
  assert.equal(bad.status, 400);
});

test('Glance: the cap applies without a limit; the next path carries the marker', async () => {
  assert.equal((await admin.call('image', 'POST', '/v2/images', { name: 'second', disk_format: 'qcow2', container_format: 'bare' })).status, 201);
  const b = await json(admin.call('image', 'GET', '/v2/images'));
  assert.equal(idsOf(b, 'images').length, 1);
  assert.match(String(b['next']), /^\/v2\/images\?marker=/);
});
