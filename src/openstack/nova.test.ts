import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCapiGateError } from '../core/errors.js';
import { ApiError } from '../http/index.js';
import { NOVA, header, jsonBody, rejection, sessions } from './mock-cloud.test-helper.js';
import { findFlavorByName, findKeypair, findServerByName, getServer, startServer } from './nova.js';

const signal = new AbortController().signal;
const SERVER = {
  id: '4f1b0000-0000-4000-8000-000000000004',
  name: 'capi-mgmt-v2',
  status: 'SHUTOFF',
  tenant_id: 'd5bc',
  'OS-EXT-STS:vm_state': 'stopped',
  'OS-EXT-STS:power_state': 4,
  'OS-EXT-STS:task_state': null,
  addresses: { 'capi-mgmt-net': [{ addr: '10.20.0.5', version: 4, 'OS-EXT-IPS:type': 'fixed' }] },
  flavor: { id: 'f1', links: [] },
  key_name: 'capi-mgmt-key',
};

test('servers by name: anchored, escaped regex and an exact client-side match; nova version header', async () => {
  const { cloud, admin } = sessions();
  cloud.agent
    .get(NOVA)
    .intercept({ path: '/v2.1/servers/detail', method: 'GET', query: { name: '^capi-mgmt-v2$' } })
    .reply(200, { servers: [SERVER, { ...SERVER, id: 'x', name: 'capi-mgmt-v2-old' }] });
  const s = await findServerByName(admin, 'capi-mgmt-v2', signal);
  assert.equal(s?.id, SERVER.id);
  assert.equal(s?.status, 'SHUTOFF');
  assert.equal(s?.powerState, 4);
  assert.deepEqual(s?.addresses, [{ network: 'capi-mgmt-net', addr: '10.20.0.5', type: 'fixed' }]);
  assert.equal(header(cloud.calls(NOVA)[0], 'x-openstack-nova-api-version'), '2.1');
});

test('regex metacharacters in a name are escaped; duplicates are a precondition error', async () => {
  const { cloud, admin } = sessions();
  cloud.agent
    .get(NOVA)
    .intercept({ path: '/v2.1/servers/detail', method: 'GET', query: { name: '^vm\\.1$' } })
    .reply(200, { servers: [{ ...SERVER, name: 'vm.1' }, { ...SERVER, id: 'b', name: 'vm.1' }] });
  const e = await rejection(findServerByName(admin, 'vm.1', signal));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_PRECONDITION'));
});

test('os-start posts {"os-start": null}; a 409 carries the conflictingRequest message', async () => {
  const { cloud, admin } = sessions();
  const pool = cloud.agent.get(NOVA);
  pool.intercept({ path: `/v2.1/servers/${SERVER.id}/action`, method: 'POST' }).reply(202, '');
  pool
    .intercept({ path: `/v2.1/servers/${SERVER.id}/action`, method: 'POST' })
    .reply(409, { conflictingRequest: { code: 409, message: `Cannot 'start' instance ${SERVER.id} while it is in vm_state active` } }, { headers: { 'x-compute-request-id': 'req-n409' } });
  await startServer(admin, SERVER.id, signal);
  assert.deepEqual(jsonBody(cloud.calls(NOVA)[0]), { 'os-start': null });
  const e = await rejection(startServer(admin, SERVER.id, signal));
  assert.ok(e instanceof ApiError && e.status === 409 && e.attempts === 1);
  assert.equal(e.requestId, 'req-n409');
  assert.match(e.message, /while it is in vm_state active/);
});

test('get server 404 is an ApiError with the itemNotFound message', async () => {
  const { cloud, admin } = sessions();
  cloud.agent.get(NOVA).intercept({ path: '/v2.1/servers/nope', method: 'GET' }).reply(404, { itemNotFound: { code: 404, message: 'Instance nope could not be found.' } });
  const e = await rejection(getServer(admin, 'nope', signal));
  assert.ok(e instanceof ApiError && e.status === 404);
  assert.equal(e.serverMessage, 'Instance nope could not be found.');
});

test('flavors by name report ram and vcpus; keypairs by name, 404 = undefined', async () => {
  const { cloud, tenant } = sessions();
  const pool = cloud.agent.get(NOVA);
  pool.intercept({ path: '/v2.1/flavors/detail', method: 'GET' }).reply(200, {
    flavors: [
      { id: 'f1', name: 'gp.mid', ram: 8192, vcpus: 2, disk: 40, swap: '' },
      { id: 'f2', name: 'capi.node', ram: 4096, vcpus: 2, disk: 20 },
    ],
  });
  pool.intercept({ path: '/v2.1/os-keypairs/capi-mgmt-key', method: 'GET' }).reply(200, { keypair: { name: 'capi-mgmt-key', fingerprint: 'aa:bb', public_key: 'ssh-ed25519 AAAA', user_id: 'u' } });
  pool.intercept({ path: '/v2.1/os-keypairs/missing', method: 'GET' }).reply(404, { itemNotFound: { code: 404, message: 'Keypair missing not found for user u' } });
  assert.deepEqual(await findFlavorByName(tenant, 'capi.node', signal), { id: 'f2', name: 'capi.node', ramMb: 4096, vcpus: 2, diskGb: 20 });
  assert.equal((await findKeypair(tenant, 'capi-mgmt-key', signal))?.fingerprint, 'aa:bb');
  assert.equal(await findKeypair(tenant, 'missing', signal), undefined);
});
