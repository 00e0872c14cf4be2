import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../http/index.js';
import { OCTAVIA, header, rejection, sessions } from './mock-cloud.test-helper.js';
import { deleteLoadBalancer, failoverLoadBalancer, findLoadBalancer, getLoadBalancer, listAmphorae, listLoadBalancers } from './octavia.js';

const signal = new AbortController().signal;
const LB = {
  id: '0f968008-8429-4ac3-8b82-452e126982cf',
  name: 'k8s-clusterapi-cluster-magnum-d5bc-capi-test-1-kgwwe7c4qj6a-kubeapi',
  provisioning_status: 'ACTIVE',
  operating_status: 'ONLINE',
  vip_address: '10.20.16.144',
  vip_port_id: 'port-1',
  project_id: 'd5bc',
  provider: null,
  listeners: [{ id: 'l1' }],
  pools: [{ id: 'p1' }],
};

test('get, 404 as undefined, and the envelope', async () => {
  const { cloud, tenant } = sessions();
  const pool = cloud.agent.get(OCTAVIA);
  pool.intercept({ path: `/v2.0/lbaas/loadbalancers/${LB.id}`, method: 'GET' }).reply(200, { loadbalancer: LB });
  pool.intercept({ path: '/v2.0/lbaas/loadbalancers/gone', method: 'GET' }).reply(404, { faultcode: 'Client', faultstring: 'Load Balancer gone not found.', debuginfo: null });
  const lb = await getLoadBalancer(tenant, LB.id, signal);
  assert.equal(lb.provisioningStatus, 'ACTIVE');
  assert.equal(lb.operatingStatus, 'ONLINE');
  assert.equal(lb.vipAddress, '10.20.16.144');
  assert.equal(lb.provider, 'octavia');
  assert.deepEqual(lb.listenerIds, ['l1']);
  assert.equal(await findLoadBalancer(tenant, 'gone', signal), undefined);
});

test('list filters ?id= ?name= ?project_id= and follows next links', async () => {
  const { cloud, admin } = sessions();
  const pool = cloud.agent.get(OCTAVIA);
  pool
    .intercept({ path: '/v2.0/lbaas/loadbalancers', method: 'GET', query: { name: 'kubeapi', project_id: 'd5bc' } })
    .reply(200, { loadbalancers: [LB], loadbalancers_links: [{ rel: 'next', href: 'http://127.0.0.1:9876/v2.0/lbaas/loadbalancers?marker=m1&name=kubeapi' }] });
  pool
    .intercept({ path: '/v2.0/lbaas/loadbalancers', method: 'GET', query: { name: 'kubeapi', project_id: 'd5bc', marker: 'm1' } })
    .reply(200, { loadbalancers: [{ ...LB, id: 'second' }], loadbalancers_links: [] });
  pool.intercept({ path: '/v2.0/lbaas/loadbalancers', method: 'GET', query: { id: LB.id } }).reply(200, { loadbalancers: [LB], loadbalancers_links: [] });
  const list = await listLoadBalancers(admin, { name: 'kubeapi', projectId: 'd5bc' }, signal);
  assert.deepEqual(list.map((l) => l.id), [LB.id, 'second']);
  const byId = await listLoadBalancers(admin, { id: LB.id }, signal);
  assert.equal(byId.length, 1);
});

test('delete with cascade; 404 means already gone', async () => {
  const { cloud, tenant } = sessions();
  const pool = cloud.agent.get(OCTAVIA);
  pool.intercept({ path: `/v2.0/lbaas/loadbalancers/${LB.id}`, method: 'DELETE', query: { cascade: 'true' } }).reply(204, '');
  pool.intercept({ path: `/v2.0/lbaas/loadbalancers/${LB.id}`, method: 'DELETE' }).reply(404, { faultstring: 'not found' });
  assert.equal(await deleteLoadBalancer(tenant, LB.id, { cascade: true }, signal), true);
  assert.equal(await deleteLoadBalancer(tenant, LB.id, {}, signal), false);
});

test('failover (admin) is a PUT answered 202; a 403 exposes status 403 with the faultstring and D-039 hint', async () => {
  const { cloud, admin } = sessions();
  const pool = cloud.agent.get(OCTAVIA);
  pool.intercept({ path: `/v2.0/lbaas/loadbalancers/${LB.id}/failover`, method: 'PUT' }).reply(202, '');
  pool
    .intercept({ path: `/v2.0/lbaas/loadbalancers/${LB.id}/failover`, method: 'PUT' })
    .reply(403, { faultcode: 'Client', faultstring: 'Policy does not allow this request to be performed.', debuginfo: null }, { headers: { 'x-openstack-request-id': 'req-f403' } });
  await failoverLoadBalancer(admin, LB.id, signal);
  assert.equal(header(cloud.calls(OCTAVIA)[0], 'x-auth-token'), cloud.tokens[0]);
  const e = await rejection(failoverLoadBalancer(admin, LB.id, signal));
  assert.ok(e instanceof ApiError);
  assert.equal(e.status, 403);
  assert.equal(e.requestId, 'req-f403');
  assert.equal(e.message, 'octavia failover load balancer: HTTP 403 Policy does not allow this request to be performed.');
  assert.match(e.hint ?? '', /admin scope/);
});

test('amphorae by loadbalancer_id', async () => {
  const { cloud, admin } = sessions();
  cloud.agent
    .get(OCTAVIA)
    .intercept({ path: '/v2.0/octavia/amphorae', method: 'GET', query: { loadbalancer_id: LB.id } })
    .reply(200, { amphorae: [{ id: 'a1', loadbalancer_id: LB.id, compute_id: 'srv', role: 'STANDALONE', status: 'ALLOCATED', ha_ip: '10.20.16.144' }], amphorae_links: [] });
  const amps = await listAmphorae(admin, { loadbalancerId: LB.id }, signal);
  assert.deepEqual(amps.map((a) => [a.role, a.status, a.haIp]), [['STANDALONE', 'ALLOCATED', '10.20.16.144']]);
});
