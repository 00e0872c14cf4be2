import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listScenarios, loadScenario, parseScenario } from './scenarios.js';
import { startSim } from './index.js';
import { MAGNUM_LATEST, RUNBOOK_CLUSTER, RUNBOOK_TEMPLATE, login, request } from './testing.js';

test('scenario files are found from the compiled location and all validate', () => {
  const names = listScenarios();
  for (const n of ['stale-appcred', 'flaky-apis', 'fresh-deploy', 'image-missing-kube-version', 'mgmt-vm-oom', 'api-lb-error']) assert.ok(names.includes(n), n);
  for (const n of names) assert.equal(loadScenario(n).name, n);
  assert.throws(() => loadScenario('no-such-scenario'), /unknown scenario "no-such-scenario"; known: .*stale-appcred/);
  assert.throws(() => parseScenario('name: x\nrules: [{action: {type: nope}}]', 'inline'), /inline: rules\.0\.action/);
});

test('stale-appcred: the create wedges in CREATE_IN_PROGRESS and the tenant sees Octavia 403s', async () => {
  const h = await startSim({ scenario: 'stale-appcred' });
  try {
    let api = await login(h, 'tenant');
    await api.call('container-infra', 'POST', '/clustertemplates', RUNBOOK_TEMPLATE, MAGNUM_LATEST);
    const c = await api.call('container-infra', 'POST', '/clusters', RUNBOOK_CLUSTER, MAGNUM_LATEST);
    assert.equal(c.status, 202);
    h.clock.advance(45 * 60_000);
    const shown = (await api.call('container-infra', 'GET', '/clusters/capi-test-1', undefined, MAGNUM_LATEST)).json as Record<string, unknown>;
    assert.equal(shown['status'], 'CREATE_IN_PROGRESS');
    assert.equal(shown['status_reason'], null);
    assert.equal(shown['api_address'], null);
    // Magnum syncs health only for COMPLETE states: a wedged create shows none.
    assert.equal(shown['health_status'], null);
    assert.deepEqual(shown['health_status_reason'], {});
    assert.equal(h.world.loadBalancers.size, 0);
    const lbs = await api.call('load-balancer', 'GET', '/v2.0/lbaas/loadbalancers');
    assert.equal(lbs.status, 403);
    assert.equal((lbs.json as { faultstring: string }).faultstring, 'Policy does not allow this request to be performed.');
    const log = (await request(`${h.urls.control}/_sim/requests?service=driver`, 'GET')).json as { requests: { path: string; status: number; faults: string[] }[] };
    const lbCalls = log.requests.filter((r) => r.path === 'octavia:/v2.0/lbaas/loadbalancers');
    assert.ok(lbCalls.length > 10, `CAPO keeps retrying (${lbCalls.length} attempts)`);
    assert.ok(lbCalls.every((r) => r.status === 403 && r.faults.includes('octavia-403-appcred')));
    const admin = await login(h, 'admin');
    assert.equal((await admin.call('load-balancer', 'GET', '/v2.0/lbaas/loadbalancers')).status, 200, 'admin scope is not affected');

    // The delete wedges too (appendix-A stuck-delete) ...
    assert.equal((await api.call('container-infra', 'DELETE', '/clusters/capi-test-1', undefined, MAGNUM_LATEST)).status, 204);
    h.clock.advance(30 * 60_000);
    api = await login(h, 'tenant'); // the first token has expired on the virtual clock
    const stuck = (await api.call('container-infra', 'GET', '/clusters/capi-test-1', undefined, MAGNUM_LATEST)).json as Record<string, unknown>;
    assert.equal(stuck['status'], 'DELETE_IN_PROGRESS');
    // ... until the OpenStackCluster finalizer is cleared: the cluster goes, its network stays for manual cleanup.
    h.applyOp({ op: 'cluster-clear-finalizer' });
    assert.equal((await api.call('container-infra', 'GET', '/clusters/capi-test-1', undefined, MAGNUM_LATEST)).status, 404);
    const routers = (await api.call('network', 'GET', '/v2.0/routers')).json as { routers: { id: string; name: string }[] };
    const leftover = routers.routers.find((r) => r.name.startsWith('k8s-clusterapi-cluster-'));
    assert.ok(leftover, 'the cluster router is left behind');
    const subnets = (await api.call('network', 'GET', `/v2.0/subnets?name=${encodeURIComponent(leftover.name)}`)).json as { subnets: { id: string; network_id: string }[] };
    const sn = subnets.subnets[0];
    assert.ok(sn);
    assert.equal((await api.call('network', 'DELETE', `/v2.0/subnets/${sn.id}`)).status, 409, 'SubnetInUse while the router interface is there');
    assert.equal((await api.call('network', 'PUT', `/v2.0/routers/${leftover.id}/remove_router_interface`, { subnet_id: sn.id })).status, 200);
    assert.equal((await api.call('network', 'PUT', `/v2.0/routers/${leftover.id}`, { router: { external_gateway_info: {} } })).status, 200);
    assert.equal((await api.call('network', 'DELETE', `/v2.0/routers/${leftover.id}`)).status, 204);
    assert.equal((await api.call('network', 'DELETE', `/v2.0/subnets/${sn.id}`)).status, 204);
    assert.equal((await api.call('network', 'DELETE', `/v2.0/networks/${sn.network_id}`)).status, 204);
    const sgs = (await api.call('network', 'GET', '/v2.0/security-groups')).json as { security_groups: { id: string; name: string }[] };
    for (const g of sgs.security_groups.filter((x) => x.name.startsWith('k8s-cluster-'))) {
      assert.equal((await api.call('network', 'DELETE', `/v2.0/security-groups/${g.id}`)).status, 204);
    }
  } finally {
    await h.close();
  }
});

test('D-039 without a scenario: a creator lacking load-balancer_member wedges the create the same way', async () => {
  const h = await startSim({});
  try {
    h.applyOp({ op: 'role-revoke', user: 'tenant', role: 'load-balancer_member' });
    const api = await login(h, 'tenant');
    await api.call('container-infra', 'POST', '/clustertemplates', RUNBOOK_TEMPLATE, MAGNUM_LATEST);
    await api.call('container-infra', 'POST', '/clusters', RUNBOOK_CLUSTER, MAGNUM_LATEST);
    // Granting the role later does not heal the cluster: its app-cred was minted with the old roles.
    h.clock.advance(60_000);
    h.applyOp({ op: 'role-grant', user: 'tenant', role: 'load-balancer_member' });
    h.clock.advance(30 * 60_000);
    assert.equal([...h.world.clusters.values()][0]?.status, 'CREATE_IN_PROGRESS');
    assert.match([...h.world.clusters.values()][0]?.res.lastError ?? '', /403/);
  } finally {
    await h.close();
  }
});

test('flaky-apis: a 503 burst, a dropped connection and a malformed body reach the client', async () => {
  const h = await startSim({ scenario: 'flaky-apis' });
  try {
    const api = await login(h, 'tenant');
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await api.call('container-infra', 'GET', '/clusters/capi-test-1', undefined, MAGNUM_LATEST)).status);
    assert.deepEqual(codes, [404, 503, 503, 503, 404]);
    await assert.rejects(api.call('load-balancer', 'GET', '/v2.0/lbaas/loadbalancers'));
    assert.equal((await api.call('load-balancer', 'GET', '/v2.0/lbaas/loadbalancers')).status, 200);
    const bad = await api.call('image', 'GET', '/v2/images');
    assert.equal(bad.status, 200);
    assert.equal(bad.json, undefined, 'the body is not JSON');
    assert.equal(((await api.call('image', 'GET', '/v2/images')).json as { images: unknown[] }).images.length, 1);
  } finally {
    await h.close();
  }
});

test('api-lb-error: the API LB goes ERROR after CREATE_COMPLETE', async () => {
  const h = await startSim({ scenario: 'api-lb-error' });
  try {
    const api = await login(h, 'tenant');
    await api.call('container-infra', 'POST', '/clustertemplates', RUNBOOK_TEMPLATE, MAGNUM_LATEST);
    await api.call('container-infra', 'POST', '/clusters', RUNBOOK_CLUSTER, MAGNUM_LATEST);
    h.clock.advance(11 * 60_000);
    assert.equal([...h.world.loadBalancers.values()][0]?.provisioningStatus, 'ERROR');
  } finally {
    await h.close();
  }
});

test('control API: faults added over HTTP act, clock advances, bad input is a 400', async () => {
  const h = await startSim({});
  try {
    const add = await request(`${h.urls.control}/_sim/faults`, 'POST', { rules: [{ id: 'nova-500', service: 'nova', count: 1, action: { type: 'status', status: 500 } }] });
    assert.equal(add.status, 201);
    const api = await login(h, 'tenant');
    const r = await api.call('compute', 'GET', '/servers');
    assert.equal(r.status, 500);
    assert.ok('computeFault' in (r.json as object));
    assert.equal((await api.call('compute', 'GET', '/servers')).status, 200);
    assert.equal((await request(`${h.urls.control}/_sim/faults`, 'POST', { action: { type: 'bogus' } })).status, 400);
    const before = ((await request(`${h.urls.control}/_sim/clock`, 'GET')).json as { now: number }).now;
    const after = ((await request(`${h.urls.control}/_sim/clock`, 'POST', { advanceMs: 3_600_000 })).json as { now: number }).now;
    assert.ok(after - before >= 3_600_000);
    assert.equal((await request(`${h.urls.control}/_sim/ops`, 'POST', { op: 'server-stop', server: 'nope' })).status, 400);
  } finally {
    await h.close();
  }
});
