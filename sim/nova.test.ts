import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { SimHandle } from './index.js';
import { startSim } from './index.js';
import type { Api } from './testing.js';
import { login } from './testing.js';

let h: SimHandle;
let api: Api;
before(async () => {
  h = await startSim({ scenario: 'mgmt-vm-oom' });
  api = await login(h, 'tenant');
});
after(async () => {
  await h.close();
});

test('server start (D-041): name 404 on the path, ?name= regex list, os-start SHUTOFF -> ACTIVE', async () => {
  const byName = await api.call('compute', 'GET', '/servers/capi-mgmt-v2');
  assert.equal(byName.status, 404);
  assert.deepEqual(byName.json, { itemNotFound: { code: 404, message: 'Instance capi-mgmt-v2 could not be found.' } });
  const list = (await api.call('compute', 'GET', '/servers?name=capi-mgmt')).json as { servers: { id: string; name: string; links: unknown[] }[] };
  assert.equal(list.servers.length, 1);
  assert.deepEqual(Object.keys(list.servers[0] ?? {}).sort(), ['id', 'links', 'name']);
  const id = list.servers[0]?.id ?? '';
  let s = ((await api.call('compute', 'GET', `/servers/${id}`)).json as { server: Record<string, unknown> }).server;
  assert.equal(s['status'], 'SHUTOFF');
  assert.equal(s['OS-EXT-STS:power_state'], 4);
  assert.equal((await api.call('compute', 'POST', `/servers/${id}/action`, { 'os-start': null })).status, 202);
  s = ((await api.call('compute', 'GET', `/servers/${id}`)).json as { server: Record<string, unknown> }).server;
  assert.equal(s['OS-EXT-STS:task_state'], 'powering-on');
  h.clock.advance(20_000);
  s = ((await api.call('compute', 'GET', `/servers/${id}`)).json as { server: Record<string, unknown> }).server;
  assert.equal(s['status'], 'ACTIVE');
  const again = await api.call('compute', 'POST', `/servers/${id}/action`, { 'os-start': null });
  assert.equal(again.status, 409);
  assert.match(again.text, /conflictingRequest/);
});

test('flavors from the site and the keypair', async () => {
  const flavors = (await api.call('compute', 'GET', '/flavors/detail')).json as { flavors: { name: string; ram: number; vcpus: number }[] };
  const byName = Object.fromEntries(flavors.flavors.map((f) => [f.name, [f.ram, f.vcpus]]));
  assert.deepEqual(byName['gp.mid'], [8192, 2]);
  assert.deepEqual(byName['capi.node'], [4096, 2]);
  const kp = await api.call('compute', 'GET', '/os-keypairs/capi-mgmt-key');
  assert.equal(kp.status, 200);
  assert.match((kp.json as { keypair: { fingerprint: string } }).keypair.fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
});

test('an admin sees another project\'s servers only with all_tenants, then narrowed by project_id (tenant_id ignored without it)', async () => {
  const admin = await login(h, 'admin');
  const names = async (q: string) => ((await admin.call('compute', 'GET', `/servers/detail${q}`)).json as { servers: { name: string }[] }).servers.map((s) => s.name);
  assert.deepEqual(await names('?name=capi-mgmt'), []);
  assert.deepEqual(await names(`?name=capi-mgmt&project_id=${api.projectId}`), [], 'project_id alone does not widen the scope');
  assert.deepEqual(await names('?name=capi-mgmt&all_tenants=1'), ['capi-mgmt-v2']);
  assert.deepEqual(await names(`?name=capi-mgmt&all_tenants=1&project_id=${api.projectId}`), ['capi-mgmt-v2']);
  assert.deepEqual(await names(`?name=capi-mgmt&all_tenants=1&project_id=${admin.projectId}`), []);
});
