import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allowedBy, compareAnswers, compareTransitions } from './compare.js';
import { operationKey, pathShape } from './shapes.js';

const cluster = (over: Record<string, unknown> = {}) => ({ uuid: 'u', status: 'CREATE_IN_PROGRESS', health_status: null, master_addresses: [], ...over });

test('identical answers have no differences; differing ones name kind, path and both values', () => {
  assert.deepEqual(compareAnswers('op', 's', { status: 200, body: cluster() }, { status: 200, body: cluster() }), []);
  const refused = compareAnswers('op', 's', { status: 406, body: { errors: [{ code: 'magnum.microversion-unsupported', description: 'Version 1.11 was requested' }] } }, { status: 200, body: cluster() });
  assert.deepEqual(refused.map((x) => `${x.kind} ${x.real} / ${x.sim}`), ['status 406 Version 1.11 was requested / 200']);
  const d = compareAnswers('op', 's', { status: 200, body: cluster({ extra: 1 }) }, { status: 200, body: cluster({ health_status: 'HEALTHY', status: 'CREATE_COMPLETE', uuid: undefined }) });
  const got = d.map((x) => `${x.kind} ${x.path} ${x.real} / ${x.sim}`);
  assert.ok(got.includes('type health_status null null / string "HEALTHY"') || got.some((g) => g.startsWith('type health_status null')), got.join('\n'));
  assert.ok(got.includes('enum status CREATE_IN_PROGRESS / CREATE_COMPLETE'), got.join('\n'));
  assert.ok(got.includes('missing-in-sim extra 1 / absent'), got.join('\n'));
});

test('list items are compared as sets: a list of mixed items is no difference, disjoint enums and types are', () => {
  const real = { ports: [{ device_owner: 'network:router_interface', id: 'a' }, { device_owner: 'network:router_gateway', id: 'b' }], ports_links: [] };
  const sim = { ports: [{ device_owner: 'network:router_gateway', id: 'c' }] };
  assert.deepEqual(compareAnswers('op', 's', { status: 200, body: real }, { status: 200, body: { ...sim, ports_links: [] } }), []);
  const d = compareAnswers('op', 's', { status: 200, body: real }, { status: 200, body: { ports: [{ device_owner: 'compute:nova', id: 5 }] } });
  assert.deepEqual(d.map((x) => `${x.kind} ${x.path}`).sort(), ['enum ports[].device_owner', 'missing-in-sim ports_links', 'type ports[].id']);
});

test('transitions collapse repeats; an allow-list entry accepts only what it names', () => {
  assert.deepEqual(compareTransitions('op', 's', ['A', 'A', 'B'], ['A', 'B', 'B']), []);
  const [d] = compareTransitions('op', 's', ['PENDING_CREATE', 'ACTIVE'], ['ACTIVE']);
  assert.equal(d?.real, 'PENDING_CREATE > ACTIVE');
  assert.ok(d && allowedBy(d, [{ op: 'op', path: '', kind: 'transitions', reason: 'r' }]));
  assert.equal(d && allowedBy(d, [{ op: 'other*', path: '', reason: 'r' }]), undefined);
  assert.equal(d && allowedBy(d, [{ op: 'o*', path: '', sim: 'PENDING', reason: 'r' }]), undefined);
  assert.ok(d && allowedBy(d, [{ op: 'op', path: '', step: 's', reason: 'r' }]));
  assert.equal(d && allowedBy(d, [{ op: 'op', path: '', step: 'another step', reason: 'r' }]), undefined);
});

test('paths are reduced to shapes; paging keys are not part of an operation', () => {
  assert.equal(pathShape('/v1/clusters/capi-test-1'), '/v1/clusters/{id}');
  assert.equal(pathShape('/v2.0/lbaas/loadbalancers/abc/failover'), '/v2.0/lbaas/loadbalancers/{id}/failover');
  assert.equal(operationKey('neutron', 'GET', '/v2.0/ports?project_id=x&marker=y&limit=1'), 'neutron GET /v2.0/ports?project_id');
});

test("the allow-list's health-sync entries accept either side's minute, never a health that stays null or ends UNHEALTHY", async () => {
  const { ALLOW_LIST } = await import('./allow-list.js');
  const op = 'magnum GET /v1/clusters/{id}';
  const step = 'health after the create';
  const judge = (real: string[], sim: string[]) => compareTransitions(op, step, real, sim).map((d) => allowedBy(d, ALLOW_LIST)?.reason ?? 'open');
  // Seen in CI (89a785e): the real conductor's sync had not run at the first read; the simulator's had.
  assert.match(judge(['health null', 'health null', 'health HEALTHY'], ['health HEALTHY']).join(), /^timing: health_status is null/);
  assert.match(judge(['health HEALTHY'], ['health null', 'health HEALTHY']).join(), /^timing:/);
  assert.deepEqual(judge(['health null', 'health HEALTHY'], ['health null']), ['open']);
  assert.deepEqual(judge(['health null', 'health HEALTHY'], ['health UNHEALTHY']), ['open']);
  assert.deepEqual(judge(['health null', 'health UNHEALTHY'], ['health HEALTHY']), ['open']);
  // The same transitions at another step are not accepted by it.
  assert.deepEqual(compareTransitions(op, 'health through the create', ['health null', 'health HEALTHY'], ['health HEALTHY']).map((d) => allowedBy(d, ALLOW_LIST)?.reason ?? 'open'), ['open']);
});

test('the timing entries of the CI run of d698c0e accept what it saw, both ways, and nothing else', async () => {
  const { ALLOW_LIST } = await import('./allow-list.js');
  const judge = (d: Parameters<typeof allowedBy>[0]) => allowedBy(d, ALLOW_LIST)?.reason.split(':')[0] ?? 'open';
  const health = (real: string, sim: string, step = 'get at the end of the create') => ({ op: 'magnum GET /v1/clusters/{id}', step, kind: 'type' as const, path: 'health_status', real, sim });
  assert.equal(judge(health('null null', 'string HEALTHY')), 'timing');
  assert.equal(judge(health('string HEALTHY', 'null null')), 'timing');
  assert.equal(judge(health('null null', 'string UNHEALTHY')), 'open');
  assert.equal(judge(health('null null', 'string HEALTHY', 'list')), 'open');
  const del = (real: string[], sim: string[]) => compareTransitions('octavia GET /v2.0/lbaas/loadbalancers/{id}', 'status through the delete', real, sim).map(judge);
  assert.deepEqual(del(['gone (404)'], ['PENDING_DELETE/ONLINE', 'gone (404)']), ['timing']);
  assert.deepEqual(del(['PENDING_DELETE/ONLINE', 'gone (404)'], ['gone (404)']), ['timing']);
  assert.deepEqual(del(['PENDING_DELETE/ONLINE', 'ERROR/ONLINE'], ['gone (404)']), ['open']);
  const create = (real: string[], sim: string[]) => compareTransitions('octavia GET /v2.0/lbaas/loadbalancers/{id}', 'status through the create', real, sim).map(judge);
  assert.deepEqual(create(['PENDING_CREATE/OFFLINE', 'ACTIVE/ONLINE'], ['PENDING_CREATE/OFFLINE', 'ACTIVE/OFFLINE', 'ACTIVE/ONLINE']), ['timing']);
  assert.deepEqual(create(['PENDING_CREATE/OFFLINE', 'ACTIVE/OFFLINE'], ['PENDING_CREATE/OFFLINE', 'ACTIVE/ONLINE']), ['open'], 'an LB that stays OFFLINE is no timing');
});

test("Magnum's delete: the first read after the 204 before or after the conductor's DELETE_IN_PROGRESS (CI of c65f2b7), any side; never one that does not end gone", async () => {
  const { ALLOW_LIST } = await import('./allow-list.js');
  const judge = (real: string[], sim: string[]) => compareTransitions('magnum GET /v1/clusters/{id}', 'status through the delete', real, sim).map((d) => allowedBy(d, ALLOW_LIST)?.reason.split(':')[0] ?? 'open');
  const seen = [['CREATE_COMPLETE', 'gone (404)'], ['CREATE_COMPLETE', 'DELETE_IN_PROGRESS', 'gone (404)'], ['DELETE_IN_PROGRESS', 'gone (404)']];
  for (const real of seen) for (const sim of seen) if (real !== sim) assert.deepEqual(judge(real, sim), ['timing'], `${real.join(' > ')} / ${sim.join(' > ')}`);
  assert.deepEqual(judge(['CREATE_COMPLETE', 'gone (404)'], ['DELETE_IN_PROGRESS', 'DELETE_FAILED']), ['open']);
  assert.deepEqual(judge(['DELETE_IN_PROGRESS', 'gone (404)'], ['CREATE_COMPLETE']), ['open']);
  assert.deepEqual(judge(['DELETE_IN_PROGRESS', 'gone (404)'], ['gone (404)']), ['open'], 'a row gone at the first read is not among the variants seen');
});
