import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { SimHandle } from './index.js';
import { startSim } from './index.js';
import type { Api } from './testing.js';
import { login } from './testing.js';

let h: SimHandle;
let api: Api;
before(async () => {
  h = await startSim({});
  api = await login(h, 'tenant');
});
after(async () => {
  await h.close();
});

const ids = async (coll: string, name: string) => {
  const r = await api.call('network', 'GET', `/v2.0/${coll}?name=${encodeURIComponent(name)}`);
  const key = coll === 'security-groups' ? 'security_groups' : coll;
  return ((r.json as Record<string, { id: string }[]>)[key] ?? []).map((x) => x.id);
};

test('names in the path are 404 NeutronError; ?name= and router:external filters work', async () => {
  const r = await api.call('network', 'GET', '/v2.0/routers/capi-mgmt-router');
  assert.equal(r.status, 404);
  assert.equal((r.json as { NeutronError: { type: string } }).NeutronError.type, 'RouterNotFound');
  assert.equal((await ids('routers', 'capi-mgmt-router')).length, 1);
  const ext = (await api.call('network', 'GET', '/v2.0/networks?router:external=True')).json as { networks: { name: string }[] };
  assert.deepEqual(ext.networks.map((n) => n.name), ['provider-ext']);
});

test('the 409 dependency rules of §7.2 force the cleanup order', async () => {
  const [routerId] = await ids('routers', 'capi-mgmt-router');
  const [subnetId] = await ids('subnets', 'capi-mgmt-subnet');
  const [netId] = await ids('networks', 'capi-mgmt-net');
  const del = (p: string) => api.call('network', 'DELETE', p);
  const type = (r: { json: unknown }) => (r.json as { NeutronError?: { type: string } }).NeutronError?.type;

  assert.equal(type(await del(`/v2.0/routers/${routerId}`)), 'RouterInUse');
  assert.equal(type(await api.call('network', 'PUT', `/v2.0/routers/${routerId}/remove_router_interface`, { subnet_id: subnetId })), 'RouterInterfaceInUseByFloatingIP');
  assert.equal(type(await api.call('network', 'PUT', `/v2.0/routers/${routerId}`, { router: { external_gateway_info: {} } })), 'RouterExternalGatewayInUseByFloatingIp');
  assert.equal(type(await del(`/v2.0/subnets/${subnetId}`)), 'SubnetInUse');
  assert.equal(type(await del(`/v2.0/networks/${netId}`)), 'NetworkInUse');

  // Dependency order: the VM and its FIP first, then interface, gateway, router, subnet, network.
  const server = [...h.world.servers.values()].find((s) => s.name === 'capi-mgmt-v2');
  assert.equal((await api.call('compute', 'DELETE', `/servers/${server?.id ?? ''}`)).status, 204);
  const fips = (await api.call('network', 'GET', '/v2.0/floatingips')).json as { floatingips: { id: string }[] };
  for (const f of fips.floatingips) assert.equal((await del(`/v2.0/floatingips/${f.id}`)).status, 204);
  const rm = await api.call('network', 'PUT', `/v2.0/routers/${routerId}/remove_router_interface`, { subnet_id: subnetId });
  assert.equal(rm.status, 200);
  assert.equal((rm.json as { subnet_id: string }).subnet_id, subnetId);
  const unset = await api.call('network', 'PUT', `/v2.0/routers/${routerId}`, { router: { external_gateway_info: {} } });
  assert.equal((unset.json as { router: { external_gateway_info: unknown } }).router.external_gateway_info, null);
  assert.equal((await del(`/v2.0/routers/${routerId}`)).status, 204);
  assert.equal((await del(`/v2.0/subnets/${subnetId}`)).status, 204);
  assert.equal((await del(`/v2.0/networks/${netId}`)).status, 204);
  const [sg] = await ids('security-groups', 'default');
  assert.equal(type(await del(`/v2.0/security-groups/${sg ?? ''}`)), 'SecurityGroupCannotRemoveDefault');
});

test('an unknown list filter is 400 as Neutron answers it (filter_validation)', async () => {
  const r = await api.call('network', 'GET', '/v2.0/ports?device=x&name=y');
  assert.equal(r.status, 400);
  assert.deepEqual(r.json, { NeutronError: { type: 'HTTPBadRequest', message: "['device'] is invalid attribute for filtering", detail: '' } });
  assert.equal((await api.call('network', 'GET', '/v2.0/floatingips?port_id=x&project_id=y&limit=5')).status, 200);
});
