import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCapiGateError } from '../core/errors.js';
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

// Octavia's LBPendingStateError, as it answers a failover or delete of an LB already PENDING_*.
const pending = (state: string) => ({ faultcode: 'Client', faultstring: `Invalid state ${state} of loadbalancer resource ${LB.id}`, debuginfo: null });

test('a failover whose 202 was lost (503, retried) and answered 409 PENDING_UPDATE is under way, not an error', async () => {
  const { cloud, admin } = sessions();
  const pool = cloud.agent.get(OCTAVIA);
  pool.intercept({ path: `/v2.0/lbaas/loadbalancers/${LB.id}/failover`, method: 'PUT' }).reply(503, 'upstream timed out');
  pool.intercept({ path: `/v2.0/lbaas/loadbalancers/${LB.id}/failover`, method: 'PUT' }).reply(409, pending('PENDING_UPDATE'));
  assert.equal(await failoverLoadBalancer(admin, LB.id, signal), 'under-way');
  assert.equal(cloud.calls(OCTAVIA).length, 2);
  // A 409 on the first attempt is somebody else's change under way: not ours to count as started.
  pool.intercept({ path: `/v2.0/lbaas/loadbalancers/${LB.id}/failover`, method: 'PUT' }).reply(409, pending('PENDING_UPDATE'));
  const e = await rejection(failoverLoadBalancer(admin, LB.id, signal));
  assert.ok(e instanceof ApiError && e.status === 409);
});

test('a delete answered 409 PENDING_DELETE (a lost answer replayed, or a delete already running) is under way', async () => {
  const { cloud, tenant } = sessions();
  const pool = cloud.agent.get(OCTAVIA);
  pool.intercept({ path: `/v2.0/lbaas/loadbalancers/${LB.id}?cascade=true`, method: 'DELETE' }).reply(502, 'bad gateway');
  pool.intercept({ path: `/v2.0/lbaas/loadbalancers/${LB.id}?cascade=true`, method: 'DELETE' }).reply(409, pending('PENDING_DELETE'));
  assert.equal(await deleteLoadBalancer(tenant, LB.id, { cascade: true }, signal), true);
  pool.intercept({ path: `/v2.0/lbaas/loadbalancers/${LB.id}?cascade=true`, method: 'DELETE' }).reply(409, pending('PENDING_UPDATE'));
  const e = await rejection(deleteLoadBalancer(tenant, LB.id, { cascade: true }, signal));
  assert.ok(e instanceof ApiError && e.status === 409, 'an LB being updated cannot be deleted yet: the caller must know');
});

test('another project\'s LB is a 403 in Octavia: not "absent", a clear not-ours error; a 403 for a missing role passes as is', async () => {
  const { cloud, tenant } = sessions();
  const pool = cloud.agent.get(OCTAVIA);
  const denied = { faultcode: 'Client', faultstring: 'Policy does not allow this request to be performed.', debuginfo: null };
  pool.intercept({ path: `/v2.0/lbaas/loadbalancers/${LB.id}`, method: 'GET' }).reply(403, denied);
  pool.intercept({ path: '/v2.0/lbaas/loadbalancers', method: 'GET', query: { id: LB.id } }).reply(200, { loadbalancers: [], loadbalancers_links: [] });
  const e = await rejection(findLoadBalancer(tenant, LB.id, signal));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_PRECONDITION'), String(e));
  assert.match(e.message, /is not in the session's project \(Octavia answers 403, not 404, for another project's load balancer\)/);
  pool.intercept({ path: `/v2.0/lbaas/loadbalancers/${LB.id}`, method: 'GET' }).reply(403, denied);
  pool.intercept({ path: '/v2.0/lbaas/loadbalancers', method: 'GET', query: { id: LB.id } }).reply(403, denied);
  const role = await rejection(findLoadBalancer(tenant, LB.id, signal));
  assert.ok(role instanceof ApiError && role.status === 403);
});

// The filters of Zed's load balancer and amphora data models (octavia/api/common/pagination.py
// answers any other with 400 "One or more arguments are either duplicate or invalid").
const ZED_LB_FILTERS = ['id', 'name', 'description', 'provisioning_status', 'operating_status', 'admin_state_up', 'project_id', 'vip_address', 'vip_port_id', 'vip_subnet_id', 'vip_network_id', 'provider', 'flavor_id', 'availability_zone', 'limit', 'marker'];

test('the list filters capi-gate sends are all ones Octavia knows', async () => {
  const { cloud, admin } = sessions();
  const pool = cloud.agent.get(OCTAVIA);
  pool.intercept({ path: (p) => p.startsWith('/v2.0/lbaas/loadbalancers'), method: 'GET' }).reply(200, { loadbalancers: [], loadbalancers_links: [] }).persist();
  pool.intercept({ path: (p) => p.startsWith('/v2.0/octavia/amphorae'), method: 'GET' }).reply(200, { amphorae: [], amphorae_links: [] });
  await listLoadBalancers(admin, { id: 'i', name: 'n', projectId: 'p', provisioningStatus: 'ACTIVE' }, signal);
  await listAmphorae(admin, { loadbalancerId: LB.id }, signal);
  const keys = cloud.calls(OCTAVIA).map((c) => [c.path.split('?')[0], [...new URL(c.fullUrl).searchParams.keys()]] as const);
  assert.deepEqual(keys, [['/v2.0/lbaas/loadbalancers', ['id', 'name', 'project_id', 'provisioning_status']], ['/v2.0/octavia/amphorae', ['loadbalancer_id']]]);
  assert.deepEqual(keys[0]?.[1].filter((k) => !ZED_LB_FILTERS.includes(k)), []);
});
