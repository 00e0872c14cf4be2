import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { SimHandle } from './index.js';
import { startSim } from './index.js';
import { fromToken, login, request } from './testing.js';

let h: SimHandle;
before(async () => {
  h = await startSim({});
});
after(async () => {
  await h.close();
});

test('discovery: GET / is 300 with a version list, GET /v3 is 200', async () => {
  const root = h.urls.keystone.replace(/\/v3$/, '');
  const r = await request(`${root}/`, 'GET');
  assert.equal(r.status, 300);
  assert.match(r.headers.get('location') ?? '', /\/v3\/$/);
  assert.equal((r.json as { versions: { values: { id: string }[] } }).versions.values[0]?.id, 'v3.14');
  const v3 = await request(h.urls.keystone, 'GET');
  assert.equal(v3.status, 200);
  assert.equal((v3.json as { version: { status: string } }).version.status, 'stable');
});

test('password auth: 201, X-Subject-Token, catalog URL forms of api-notes §1.1', async () => {
  const api = await login(h, 'admin');
  assert.match(api.token, /^gAAAAA/);
  assert.match(api.catalog['identity'] ?? '', /\/v3$/);
  assert.match(api.catalog['container-infra'] ?? '', /:\d+\/v1$/);
  assert.match(api.catalog['load-balancer'] ?? '', /:\d+$/);
  assert.match(api.catalog['image'] ?? '', /:\d+$/);
  assert.match(api.catalog['compute'] ?? '', /\/v2\.1$/);
  assert.match(api.catalog['network'] ?? '', /:\d+$/);
  const r = await request(`${h.urls.keystone}/auth/tokens`, 'GET', undefined, { 'X-Auth-Token': api.token, 'X-Subject-Token': api.token });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('x-subject-token'), api.token);
  const cat = (r.json as { token: { catalog: { endpoints: { interface: string; region: string; region_id: string }[] }[] } }).token.catalog;
  const eps = cat.flatMap((s) => s.endpoints);
  assert.deepEqual([...new Set(eps.map((e) => e.interface))].sort(), ['admin', 'internal', 'public']);
  assert.ok(eps.every((e) => e.region === 'RegionOne' && e.region_id === 'RegionOne'));
});

test('wrong password is a 401 with the keystone error body; an unknown token does not validate', async () => {
  const c = h.credentials.tenant;
  const r = await request(`${h.urls.keystone}/auth/tokens`, 'POST', {
    auth: { identity: { methods: ['password'], password: { user: { name: c.username, domain: { name: c.userDomainName }, password: 'nope' } } } },
  });
  assert.equal(r.status, 401);
  assert.deepEqual(r.json, { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } });
  const api = await login(h, 'tenant');
  const v = await request(`${h.urls.keystone}/auth/tokens`, 'GET', undefined, { 'X-Auth-Token': api.token, 'X-Subject-Token': 'gAAAAAbogus' });
  assert.equal(v.status, 404);
});

test('project show by name: 404 on the path, then the filtered list (the CLI sequence)', async () => {
  const api = await login(h, 'admin');
  assert.equal((await api.call('identity', 'GET', '/domains/capi')).status, 404);
  const d = await api.call('identity', 'GET', '/domains?name=capi');
  const domainId = (d.json as { domains: { id: string }[] }).domains[0]?.id ?? '';
  assert.equal((await api.call('identity', 'GET', '/projects/capi-mgmt')).status, 404);
  const p = await api.call('identity', 'GET', `/projects?domain_id=${domainId}&name=capi-mgmt`);
  assert.equal((p.json as { projects: { id: string }[] }).projects[0]?.id, h.credentials.tenant.projectId);
  const tenant = await login(h, 'tenant');
  assert.equal((await tenant.call('identity', 'GET', '/projects')).status, 403);
});

test('application credentials: unassigned role 400, inherits token roles, no scope allowed', async () => {
  const api = await login(h, 'tenant');
  const uid = h.world.userByName('capi-user', [...h.world.domains.values()].find((x) => x.name === 'capi')?.id ?? '')?.id ?? '';
  const bad = await api.call('identity', 'POST', `/users/${uid}/application_credentials`, { application_credential: { name: 'x', roles: [{ name: 'admin' }] } });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /unassigned role/);
  const other = await login(h, 'admin');
  assert.equal((await other.call('identity', 'POST', `/users/${uid}/application_credentials`, { application_credential: { name: 'y' } })).status, 403);
  const okr = await api.call('identity', 'POST', `/users/${uid}/application_credentials`, { application_credential: { name: 'd039' } });
  assert.equal(okr.status, 201);
  const cred = (okr.json as { application_credential: { id: string; secret: string; roles: { name: string }[] } }).application_credential;
  assert.deepEqual(cred.roles.map((r) => r.name).sort(), ['load-balancer_member', 'member', 'reader']);
  const listed = await api.call('identity', 'GET', `/users/${uid}/application_credentials?name=d039`);
  assert.ok(!listed.text.includes(cred.secret), 'list never shows the secret');
  const scoped = await request(`${h.urls.keystone}/auth/tokens`, 'POST', {
    auth: { identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: cred.secret } }, scope: { project: { id: api.projectId } } },
  });
  assert.equal(scoped.status, 401);
  assert.match(scoped.text, /Application credentials cannot request a scope/);
  const plain = await request(`${h.urls.keystone}/auth/tokens`, 'POST', {
    auth: { identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: cred.secret } } },
  });
  assert.equal(plain.status, 201);
  const t = (plain.json as { token: { methods: string[]; application_credential: { id: string }; project: { id: string } } }).token;
  assert.deepEqual(t.methods, ['application_credential']);
  assert.equal(t.application_credential.id, cred.id);
  assert.equal(t.project.id, api.projectId);
  const restricted = fromToken(plain);
  assert.equal((await restricted.call('identity', 'POST', `/users/${uid}/application_credentials`, { application_credential: { name: 'z' } })).status, 403);
});

test('tokens expire on the virtual clock', async () => {
  const api = await login(h, 'tenant');
  assert.equal((await api.call('image', 'GET', '/v2/images')).status, 200);
  h.clock.advance(3_600_001);
  assert.equal((await api.call('image', 'GET', '/v2/images')).status, 401);
});
