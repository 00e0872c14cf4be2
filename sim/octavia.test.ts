import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { SimHandle } from './index.js';
import { startSim } from './index.js';
import type { Api } from './testing.js';
import { MAGNUM_LATEST, RUNBOOK_CLUSTER, RUNBOOK_TEMPLATE, fromToken, login, request } from './testing.js';

let h: SimHandle;
let tenant: Api;
let admin: Api;
let lbId: string;
before(async () => {
  h = await startSim({});
  tenant = await login(h, 'tenant');
  await tenant.call('container-infra', 'POST', '/clustertemplates', RUNBOOK_TEMPLATE, MAGNUM_LATEST);
  await tenant.call('container-infra', 'POST', '/clusters', RUNBOOK_CLUSTER, MAGNUM_LATEST);
  h.clock.advance(11 * 60_000);
  admin = await login(h, 'admin');
  lbId = [...h.world.loadBalancers.keys()][0] ?? '';
});
after(async () => {
  await h.close();
});

test('list filters ?id= and ?name=, single-key envelopes, /v2 and /v2.0', async () => {
  const byId = await admin.call('load-balancer', 'GET', `/v2.0/lbaas/loadbalancers?id=${lbId}`);
  const list = byId.json as { loadbalancers: { id: string; name: string }[]; loadbalancers_links: unknown[] };
  assert.equal(list.loadbalancers.length, 1);
  assert.deepEqual(list.loadbalancers_links, []);
  const name = list.loadbalancers[0]?.name ?? '';
  assert.equal(((await admin.call('load-balancer', 'GET', `/v2.0/lbaas/loadbalancers?name=${encodeURIComponent(name)}`)).json as { loadbalancers: unknown[] }).loadbalancers.length, 1);
  assert.equal(((await admin.call('load-balancer', 'GET', '/v2.0/lbaas/loadbalancers?name=nope')).json as { loadbalancers: unknown[] }).loadbalancers.length, 0);
  const show = await admin.call('load-balancer', 'GET', `/v2/lbaas/loadbalancers/${lbId}`);
  assert.deepEqual(Object.keys(show.json as object), ['loadbalancer']);
  assert.equal((await admin.call('load-balancer', 'GET', '/v2.0/lbaas/loadbalancers/not-a-uuid')).status, 404);
});

test('failover and amphorae are admin-only: 403 with the wsme faultstring under member scope', async () => {
  const f = await tenant.call('load-balancer', 'PUT', `/v2.0/lbaas/loadbalancers/${lbId}/failover`);
  assert.equal(f.status, 403);
  assert.deepEqual(f.json, { faultcode: 'Client', faultstring: 'Policy does not allow this request to be performed.', debuginfo: null });
  assert.equal((await tenant.call('load-balancer', 'GET', `/v2.0/octavia/amphorae?loadbalancer_id=${lbId}`)).status, 403);
  assert.equal((await tenant.call('load-balancer', 'GET', `/v2.0/lbaas/loadbalancers/${lbId}`)).status, 200);
});

test('admin failover: 202, PENDING_UPDATE with ONLINE held, ACTIVE after ~100 s, amphora replaced', async () => {
  const before = ((await admin.call('load-balancer', 'GET', `/v2.0/octavia/amphorae?loadbalancer_id=${lbId}`)).json as { amphorae: { id: string }[] }).amphorae;
  assert.equal(before.length, 1);
  const f = await admin.call('load-balancer', 'PUT', `/v2.0/lbaas/loadbalancers/${lbId}/failover`);
  assert.equal(f.status, 202);
  assert.equal(f.text, '');
  let lb = ((await admin.call('load-balancer', 'GET', `/v2.0/lbaas/loadbalancers/${lbId}`)).json as { loadbalancer: Record<string, string> }).loadbalancer;
  assert.equal(lb['provisioning_status'], 'PENDING_UPDATE');
  assert.equal(lb['operating_status'], 'ONLINE');
  assert.equal((await admin.call('load-balancer', 'PUT', `/v2.0/lbaas/loadbalancers/${lbId}/failover`)).status, 409);
  h.clock.advance(99_000);
  lb = ((await admin.call('load-balancer', 'GET', `/v2.0/lbaas/loadbalancers/${lbId}`)).json as { loadbalancer: Record<string, string> }).loadbalancer;
  assert.equal(lb['provisioning_status'], 'PENDING_UPDATE');
  h.clock.advance(2_000);
  lb = ((await admin.call('load-balancer', 'GET', `/v2.0/lbaas/loadbalancers/${lbId}`)).json as { loadbalancer: Record<string, string> }).loadbalancer;
  assert.equal(lb['provisioning_status'], 'ACTIVE');
  const afterAmps = ((await admin.call('load-balancer', 'GET', `/v2.0/octavia/amphorae?loadbalancer_id=${lbId}`)).json as { amphorae: { id: string; status: string }[] }).amphorae;
  assert.equal(afterAmps.length, 1);
  assert.notEqual(afterAmps[0]?.id, before[0]?.id);
  assert.equal(afterAmps[0]?.status, 'ALLOCATED');
});

test('failover from ERROR works (the as-built incident)', async () => {
  h.applyOp({ op: 'lb-set-status', lb: 'cluster:capi-test-1', provisioning_status: 'ERROR' });
  assert.equal((await admin.call('load-balancer', 'PUT', `/v2.0/lbaas/loadbalancers/${lbId}/failover`)).status, 202);
  h.clock.advance(100_000);
  assert.equal(h.world.loadBalancers.get(lbId)?.provisioningStatus, 'ACTIVE');
});

test('root answers versions; a request without a token is 401', async () => {
  const root = await request(`${h.urls.octavia}/`, 'GET');
  assert.equal(root.status, 200);
  assert.equal((await request(`${h.urls.octavia}/v2.0/lbaas/loadbalancers`, 'GET')).status, 401);
});

test('unknown list filters are 400 as Octavia\'s PaginationHelper answers them; the ones capi-gate sends are known', async () => {
  const bad = await admin.call('load-balancer', 'GET', '/v2.0/lbaas/loadbalancers?vip_fip=1');
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json, { faultcode: 'Client', faultstring: 'One or more arguments are either duplicate or invalid', debuginfo: null });
  assert.equal((await admin.call('load-balancer', 'GET', `/v2.0/octavia/amphorae?lb_id=${lbId}`)).status, 400);
  for (const q of [`id=${lbId}`, 'name=x', `project_id=${tenant.projectId}`, 'provisioning_status=ACTIVE', 'limit=1']) {
    assert.equal((await admin.call('load-balancer', 'GET', `/v2.0/lbaas/loadbalancers?${q}`)).status, 200, q);
  }
  assert.equal((await admin.call('load-balancer', 'GET', `/v2.0/octavia/amphorae?loadbalancer_id=${lbId}`)).status, 200);
});

test('another project\'s LB: GET is 403 (not 404), a list narrowed to that project is 403, an unnarrowed list does not show it', async () => {
  const project = h.world.projects.get(admin.projectId)!;
  const other = { id: 'b1b2c3d4e5f60718293a4b5c6d7e8f90', name: 'ops-member', domainId: project.domainId, password: 'ops-Pa55word', enabled: true };
  h.world.users.set(other.id, other);
  for (const role of ['member', 'reader', 'load-balancer_member']) h.world.grant(other.id, project.id, role);
  const r = await request(`${h.urls.keystone}/auth/tokens`, 'POST', { auth: { identity: { methods: ['password'], password: { user: { id: other.id, password: other.password } } }, scope: { project: { id: project.id } } } });
  const ops = fromToken(r);
  const one = await ops.call('load-balancer', 'GET', `/v2.0/lbaas/loadbalancers/${lbId}`);
  assert.equal(one.status, 403);
  assert.deepEqual(one.json, { faultcode: 'Client', faultstring: 'Policy does not allow this request to be performed.', debuginfo: null });
  assert.equal((await ops.call('load-balancer', 'GET', `/v2.0/lbaas/loadbalancers?project_id=${tenant.projectId}`)).status, 403);
  const mine = (await ops.call('load-balancer', 'GET', '/v2.0/lbaas/loadbalancers')).json as { loadbalancers: unknown[] };
  assert.deepEqual(mine.loadbalancers, []);
  assert.equal((await ops.call('load-balancer', 'DELETE', `/v2.0/lbaas/loadbalancers/${lbId}`)).status, 403);
});

test('the API LB carries what CAPO builds: listener, ROUND_ROBIN pool and TCP monitor named <lb>-6443, the control plane as member', async () => {
  const lb = h.world.loadBalancers.get(lbId)!;
  const listeners = (await tenant.call('load-balancer', 'GET', `/v2.0/lbaas/listeners?loadbalancer_id=${lbId}`)).json as { listeners: Record<string, unknown>[] };
  assert.equal(listeners.listeners.length, 1);
  assert.equal(listeners.listeners[0]?.['name'], `${lb.name}-6443`);
  assert.equal(listeners.listeners[0]?.['protocol_port'], 6443);
  assert.equal(listeners.listeners[0]?.['provisioning_status'], 'ACTIVE');
  const pools = (await tenant.call('load-balancer', 'GET', `/v2.0/lbaas/pools?loadbalancer_id=${lbId}`)).json as { pools: Record<string, unknown>[] };
  assert.equal(pools.pools[0]?.['lb_algorithm'], 'ROUND_ROBIN');
  const poolId = String(pools.pools[0]?.['id']);
  const members = (await tenant.call('load-balancer', 'GET', `/v2.0/lbaas/pools/${poolId}/members`)).json as { members: Record<string, unknown>[] };
  const cp = [...h.world.servers.values()].find((s) => s.name.includes('-control-plane-'))!;
  assert.deepEqual(members.members.map((m) => [m['name'], m['address'], m['protocol_port'], m['operating_status']]), [[`${lb.name}-6443-${cp.name}`, cp.addresses[0]?.addr, 6443, 'ONLINE']]);
  assert.match(String(members.members[0]?.['address']), /^127\.20\.16\./, 'node addresses are in the loopback mapping');
  const hm = (await tenant.call('load-balancer', 'GET', `/v2.0/lbaas/healthmonitors/${String(pools.pools[0]?.['healthmonitor_id'])}`)).json as { healthmonitor: Record<string, unknown> };
  assert.equal(hm.healthmonitor['type'], 'TCP');
  const tree = (await tenant.call('load-balancer', 'GET', `/v2.0/lbaas/loadbalancers/${lbId}/status`)).json as { statuses: { loadbalancer: { listeners: { pools: { members: unknown[] }[] }[] } } };
  assert.equal(tree.statuses.loadbalancer.listeners[0]?.pools[0]?.members.length, 1);
  assert.equal((await tenant.call('load-balancer', 'GET', '/v2.0/lbaas/pools/not-a-uuid')).status, 404);
  assert.equal((await tenant.call('load-balancer', 'GET', '/v2.0/lbaas/pools?bogus=1')).status, 400);
});

test('a Service LB (the CCM\'s hooks): listener_0/pool_0 ROUND_ROBIN, a member per worker on the NodePort; the FIP is the EXTERNAL-IP; cascade-deleted with the LB', async () => {
  const hooks = h.serviceLoadBalancerHooks('capi-test-1');
  const lbName = 'kube_service_capi-test-1-x_default_rr';
  const made = hooks.create({ clusterName: 'capi-test-1-x', namespace: 'default', name: 'rr', uid: 'u', lbName, ports: [{ port: 80, nodePort: 31080, protocol: 'TCP' }] });
  h.clock.advance(120_000);
  const { lbId: svcLb, ip } = await made;
  const pools = (await tenant.call('load-balancer', 'GET', `/v2.0/lbaas/pools?loadbalancer_id=${svcLb}`)).json as { pools: Record<string, unknown>[] };
  assert.equal(pools.pools[0]?.['name'], `pool_0_${lbName}`);
  assert.equal(pools.pools[0]?.['lb_algorithm'], 'ROUND_ROBIN');
  const members = (await tenant.call('load-balancer', 'GET', `/v2.0/lbaas/pools/${String(pools.pools[0]?.['id'])}/members`)).json as { members: Record<string, unknown>[] };
  const workers = [...h.world.servers.values()].filter((s) => s.name.includes('-default-worker-')).map((s) => s.name).sort();
  assert.deepEqual(members.members.map((m) => m['name']).sort(), workers);
  assert.ok(members.members.every((m) => m['protocol_port'] === 31080 && m['operating_status'] === 'ONLINE'));
  const vip = h.world.loadBalancers.get(svcLb)!.vipAddress;
  const fip = [...h.world.floatingIps.values()].find((f) => f.fixedIp === vip);
  assert.equal(fip?.address, ip, 'one address: the Neutron FIP is the Service EXTERNAL-IP');
  const gone = hooks.delete(svcLb);
  h.clock.advance(60_000);
  await gone;
  assert.equal([...h.world.pools.values()].filter((p) => p.lbId === svcLb).length, 0);
  assert.equal([...h.world.members.values()].filter((m) => m.lbId === svcLb).length, 0);
});
