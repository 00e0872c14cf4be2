import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCapiGateError } from '../core/errors.js';
import { ApiError } from '../http/index.js';
import { NEUTRON, jsonBody, rejection, sessions } from './mock-cloud.test-helper.js';
import {
  deleteNetwork,
  deleteRouter,
  deleteSecurityGroup,
  deleteSubnet,
  findNetworkByName,
  listFloatingIps,
  listPorts,
  listSecurityGroups,
  NEUTRON_LIST_FILTERS,
  removeRouterInterface,
  unsetRouterGateway,
} from './neutron.js';

const signal = new AbortController().signal;

test('networks by name and external filter', async () => {
  const { cloud, admin } = sessions();
  cloud.agent
    .get(NEUTRON)
    .intercept({ path: '/v2.0/networks', method: 'GET', query: { name: 'provider-ext' } })
    .reply(200, { networks: [{ id: '0d00ddc1', name: 'provider-ext', status: 'ACTIVE', subnets: ['s1'], 'router:external': true, shared: false }] });
  const n = await findNetworkByName(admin, 'provider-ext', signal);
  assert.deepEqual(n, { id: '0d00ddc1', name: 'provider-ext', status: 'ACTIVE', subnetIds: ['s1'], external: true, shared: false, projectId: undefined });
});

test('list filters are passed through; security groups use the security-groups path', async () => {
  const { cloud, tenant } = sessions();
  const pool = cloud.agent.get(NEUTRON);
  pool
    .intercept({ path: '/v2.0/floatingips', method: 'GET', query: { port_id: 'vip-port' } })
    .reply(200, { floatingips: [{ id: 'f1', floating_ip_address: '10.12.7.180', fixed_ip_address: '10.20.16.144', port_id: 'vip-port', status: 'ACTIVE' }] });
  pool
    .intercept({ path: '/v2.0/ports', method: 'GET', query: { device_owner: 'Octavia', network_id: 'n1' } })
    .reply(200, { ports: [{ id: 'p1', network_id: 'n1', device_owner: 'Octavia', fixed_ips: [{ subnet_id: 's1', ip_address: '10.20.16.144' }] }] });
  pool.intercept({ path: '/v2.0/security-groups', method: 'GET', query: { name: 'k8s-cluster' } }).reply(200, { security_groups: [{ id: 'g1', name: 'k8s-cluster' }] });
  const fips = await listFloatingIps(tenant, { port_id: 'vip-port' }, signal);
  assert.equal(fips[0]?.floatingIpAddress, '10.12.7.180');
  const ports = await listPorts(tenant, { device_owner: 'Octavia', network_id: 'n1' }, signal);
  assert.deepEqual(ports[0]?.fixedIps, [{ subnetId: 's1', ipAddress: '10.20.16.144' }]);
  const groups = await listSecurityGroups(tenant, { name: 'k8s-cluster' }, signal);
  assert.equal(groups[0]?.id, 'g1');
});

test('router cleanup calls: remove_router_interface and unset gateway bodies', async () => {
  const { cloud, tenant } = sessions();
  const pool = cloud.agent.get(NEUTRON);
  pool.intercept({ path: '/v2.0/routers/r1/remove_router_interface', method: 'PUT' }).reply(200, { id: 'r1', subnet_id: 's1', port_id: 'p' });
  pool.intercept({ path: '/v2.0/routers/r1', method: 'PUT' }).reply(200, { router: { id: 'r1', name: 'k8s', external_gateway_info: null } });
  await removeRouterInterface(tenant, 'r1', { subnetId: 's1' }, signal);
  const r = await unsetRouterGateway(tenant, 'r1', signal);
  assert.equal(r.externalGateway, undefined);
  const [remove, unset] = cloud.calls(NEUTRON);
  assert.deepEqual(jsonBody(remove), { subnet_id: 's1' });
  assert.deepEqual(jsonBody(unset), { router: { external_gateway_info: {} } });
});

test('deletes: 204 true, 404 false, 409 an ApiError naming the NeutronError type', async () => {
  const { cloud, tenant } = sessions();
  const pool = cloud.agent.get(NEUTRON);
  pool.intercept({ path: '/v2.0/subnets/s1', method: 'DELETE' }).reply(204, '');
  pool.intercept({ path: '/v2.0/networks/n1', method: 'DELETE' }).reply(404, { NeutronError: { type: 'NetworkNotFound', message: 'Network n1 could not be found.', detail: '' } });
  pool.intercept({ path: '/v2.0/security-groups/g1', method: 'DELETE' }).reply(204, '');
  pool
    .intercept({ path: '/v2.0/routers/r1', method: 'DELETE' })
    .reply(409, { NeutronError: { type: 'RouterInUse', message: 'Router r1 still has ports', detail: '' } });
  assert.equal(await deleteSubnet(tenant, 's1', signal), true);
  assert.equal(await deleteNetwork(tenant, 'n1', signal), false);
  assert.equal(await deleteSecurityGroup(tenant, 'g1', signal), true);
  const e = await rejection(deleteRouter(tenant, 'r1', signal));
  assert.ok(e instanceof ApiError && e.status === 409);
  assert.equal(e.message, 'neutron delete router: HTTP 409 RouterInUse: Router r1 still has ports');
});

// is_filter attributes in Zed's neutron_lib 3.1 definitions (plus project_id, which
// populate_project_info adds, and the standard-attribute extensions description / tags).
const ZED_IS_FILTER: Record<string, readonly string[]> = {
  networks: ['admin_state_up', 'id', 'name', 'shared', 'status', 'tenant_id', 'project_id', 'router:external', 'description', 'tags'],
  subnets: ['cidr', 'enable_dhcp', 'gateway_ip', 'id', 'ip_version', 'ipv6_address_mode', 'ipv6_ra_mode', 'name', 'network_id', 'shared', 'subnetpool_id', 'tenant_id', 'project_id', 'description', 'tags'],
  ports: ['admin_state_up', 'device_id', 'device_owner', 'fixed_ips', 'id', 'mac_address', 'name', 'network_id', 'status', 'tenant_id', 'project_id', 'description', 'tags'],
  routers: ['admin_state_up', 'id', 'name', 'tenant_id', 'project_id', 'description', 'tags'],
  floatingips: ['fixed_ip_address', 'floating_ip_address', 'floating_network_id', 'id', 'port_id', 'router_id', 'status', 'tenant_id', 'project_id', 'description', 'tags'],
  'security-groups': ['id', 'name', 'tenant_id', 'project_id', 'description', 'tags'],
};

test('the client filters only on attributes Neutron marks is_filter, and refuses any other before sending', async () => {
  for (const [coll, keys] of Object.entries(NEUTRON_LIST_FILTERS)) {
    assert.deepEqual(keys.filter((k) => !(ZED_IS_FILTER[coll] ?? []).includes(k)), [], coll);
  }
  const { cloud, tenant } = sessions();
  const e = await rejection(listPorts(tenant, { device: 'x' }, signal));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_INTERNAL'));
  assert.match(e.message, /device is not a Neutron filter/);
  assert.equal(cloud.calls(NEUTRON).length, 0);
});
