import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCapiGateError } from '../core/errors.js';
import { ApiError } from '../http/index.js';
import { getCluster } from './magnum.js';
import { failoverLoadBalancer, listAmphorae } from './octavia.js';
import { resolveProjectId } from './keystone.js';
import {
  ADMIN_PASSWORD,
  APPCRED_SECRET,
  CAPI_PROJECT_ID,
  MAGNUM,
  OCTAVIA,
  adminCreds,
  header,
  manualClock,
  rejection,
  sessions,
} from './mock-cloud.test-helper.js';
import { AdminSession, authRequestBody } from './session.js';
import type { narrowToProject } from './session.js';
import type { TenantSession } from './session.js';

const signal = new AbortController().signal;
const CLUSTER = { uuid: 'c-1', name: 'capi-test-1', status: 'CREATE_IN_PROGRESS' };

test('password admin auth: scope by project name + domain; app-cred tenant auth sends NO scope', async () => {
  const { cloud, admin, tenant } = sessions();
  await admin.token(signal);
  await tenant.token(signal);
  assert.deepEqual(cloud.authBodies[0], {
    auth: {
      identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'admin_domain' }, password: ADMIN_PASSWORD } } },
      scope: { project: { name: 'admin', domain: { name: 'admin_domain' } } },
    },
  });
  const appCredBody = cloud.authBodies[1] as { auth: Record<string, unknown> };
  assert.deepEqual(appCredBody, {
    auth: { identity: { methods: ['application_credential'], application_credential: { id: 'ac-0001', secret: APPCRED_SECRET } } },
  });
  assert.ok(!('scope' in appCredBody.auth));
});

test('an application credential by name carries its user, still no scope', () => {
  const body = authRequestBody(
    {
      cloud: 'c',
      source: 's',
      authUrl: 'http://k/v3',
      authType: 'v3applicationcredential',
      applicationCredential: { name: 'capi-appcred', secret: 'sss', user: { name: 'capi-user', domainName: 'capi' } },
    },
    { project: { id: 'ignored' } },
  );
  assert.deepEqual(body, {
    auth: {
      identity: {
        methods: ['application_credential'],
        application_credential: { name: 'capi-appcred', secret: 'sss', user: { name: 'capi-user', domain: { name: 'capi' } } },
      },
    },
  });
});

test('a password tenant is narrowed to the resolved project id, ignoring the project name in its entry', async () => {
  const { cloud, tenant } = sessions({ tenantCreds: { ...adminCreds, cloud: 'sim-tenant' } });
  const t = await tenant.token(signal);
  assert.deepEqual((cloud.authBodies[0] as { auth: { scope: unknown } }).auth.scope, { project: { id: CAPI_PROJECT_ID } });
  assert.equal(t.projectId, CAPI_PROJECT_ID);
});

test('service calls carry X-Auth-Token and the catalog URL; one auth serves concurrent calls', async () => {
  const { cloud, tenant } = sessions();
  cloud.agent.get(MAGNUM).intercept({ path: '/v1/clusters/capi-test-1', method: 'GET' }).reply(200, CLUSTER).times(3);
  await Promise.all([getCluster(tenant, 'capi-test-1', signal), getCluster(tenant, 'capi-test-1', signal), getCluster(tenant, 'capi-test-1', signal)]);
  assert.equal(cloud.tokens.length, 1);
  const calls = cloud.calls(MAGNUM);
  assert.equal(calls.length, 3);
  for (const c of calls) assert.equal(header(c, 'x-auth-token'), cloud.tokens[0]);
});

test('re-authenticates when the token nears expires_at', async () => {
  const clock = manualClock();
  const { cloud, tenant } = sessions({ clock, tokenLifetimeMs: 3_600_000 });
  cloud.agent.get(MAGNUM).intercept({ path: '/v1/clusters/capi-test-1', method: 'GET' }).reply(200, CLUSTER).persist();
  await getCluster(tenant, 'capi-test-1', signal);
  clock.advance(3_600_000 - 120_000); // still > 60 s margin before expiry
  await getCluster(tenant, 'capi-test-1', signal);
  assert.equal(cloud.tokens.length, 1);
  clock.advance(90_000); // inside the margin
  await getCluster(tenant, 'capi-test-1', signal);
  assert.equal(cloud.tokens.length, 2);
  assert.equal(header(cloud.calls(MAGNUM)[2], 'x-auth-token'), cloud.tokens[1]);
  assert.equal(tenant.authentications, 2);
});

test('expiry is measured from the token lifetime, not the server clock (skew-proof)', async () => {
  // The mock issues tokens dated 2026-11-24; this clock is years away. A 10-minute lifetime still lasts ~10 minutes here.
  const clock = manualClock(Date.UTC(2030, 0, 1));
  const { cloud, tenant } = sessions({ clock, tokenLifetimeMs: 600_000 });
  cloud.agent.get(MAGNUM).intercept({ path: '/v1/clusters/capi-test-1', method: 'GET' }).reply(200, CLUSTER).persist();
  await getCluster(tenant, 'capi-test-1', signal);
  clock.advance(300_000);
  await getCluster(tenant, 'capi-test-1', signal);
  assert.equal(cloud.tokens.length, 1);
  clock.advance(300_000);
  await getCluster(tenant, 'capi-test-1', signal);
  assert.equal(cloud.tokens.length, 2);
});

test('a 401 from a service re-authenticates once and replays the call', async () => {
  const { cloud, tenant } = sessions();
  const pool = cloud.agent.get(MAGNUM);
  pool.intercept({ path: '/v1/clusters/capi-test-1', method: 'GET' }).reply(401, { error: { message: 'The request you have made requires authentication.' } });
  pool.intercept({ path: '/v1/clusters/capi-test-1', method: 'GET' }).reply(200, CLUSTER);
  const c = await getCluster(tenant, 'capi-test-1', signal);
  assert.equal(c.status, 'CREATE_IN_PROGRESS');
  assert.equal(cloud.tokens.length, 2);
  const calls = cloud.calls(MAGNUM);
  assert.equal(header(calls[0], 'x-auth-token'), cloud.tokens[0]);
  assert.equal(header(calls[1], 'x-auth-token'), cloud.tokens[1]);
});

test('a second 401 is thrown (no loop)', async () => {
  const { cloud, tenant } = sessions();
  cloud.agent.get(MAGNUM).intercept({ path: '/v1/clusters/x', method: 'GET' }).reply(401, {}).times(2);
  const e = await rejection(getCluster(tenant, 'x', signal));
  assert.ok(e instanceof ApiError && e.status === 401);
  assert.equal(cloud.tokens.length, 2);
});

test('scope guard: an app-cred bound to another project is refused (DOCFIX-034)', async () => {
  const { tenant } = sessions({ appCredProjectId: 'ffffffffffffffffffffffffffffffff' });
  const e = await rejection(tenant.token(signal));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_CREDENTIALS'));
  assert.match(e.message, /scoped to project ffff.*not the resolved project d5bc/);
  assert.match(e.message, /cloud 'sim-tenant' \(\/tmp\/test\/clouds.yaml\)/);
});

test('refused credentials: CAPI_GATE_CREDENTIALS naming cloud and file, never the secret', async () => {
  const { cloud, transport } = sessions();
  cloud.agent
    .get('http://127.0.0.1:5001')
    .intercept({ path: '/v3/auth/tokens', method: 'POST' })
    .reply(401, { error: { code: 401, message: `The request you have made requires authentication. ${ADMIN_PASSWORD}`, title: 'Unauthorized' } });
  const bad = new AdminSession({ ...adminCreds, authUrl: 'http://127.0.0.1:5001/v3' }, { transport });
  const e = await rejection(bad.token(signal));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_CREDENTIALS'), String(e));
  assert.match(e.message, /keystone refused the admin credentials of cloud 'sim-admin' \(\/tmp\/test\/clouds.yaml\): HTTP 401/);
  assert.ok(e.hint && e.hint.length > 0);
  const text = JSON.stringify({ m: e.message, h: e.hint, b: e.blocks });
  assert.ok(!text.includes(ADMIN_PASSWORD), text);
});

test('a token answer without X-Subject-Token is CAPI_GATE_BAD_RESPONSE', async () => {
  const { cloud, transport } = sessions();
  cloud.agent.get('http://127.0.0.1:5002').intercept({ path: '/v3/auth/tokens', method: 'POST' }).reply(201, { token: {} });
  const s = new AdminSession({ ...adminCreds, authUrl: 'http://127.0.0.1:5002' }, { transport });
  const e = await rejection(s.token(signal));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_BAD_RESPONSE'), String(e));
});

test('tokens and secrets never appear in errors or the trace', async () => {
  const { cloud, tenant, transport } = sessions();
  cloud.agent
    .get(MAGNUM)
    .intercept({ path: '/v1/clusters/x', method: 'GET' })
    .reply(() => ({ statusCode: 400, data: { errors: [{ title: `bad ${cloud.tokens[0] ?? ''} ${APPCRED_SECRET}` }] } }));
  const e = await rejection(getCluster(tenant, 'x', signal));
  assert.ok(e instanceof ApiError);
  const token = cloud.tokens[0] ?? 'missing';
  const text = JSON.stringify({ m: e.message, h: e.hint, b: e.blocks, s: e.serverMessage, trace: transport.trace.all() });
  for (const secret of [token, APPCRED_SECRET, ADMIN_PASSWORD]) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  assert.match(e.message, /\[REDACTED\]/);
});

test('admin-only calls take AdminSession; a TenantSession does not compile', async () => {
  const { cloud, admin, tenant } = sessions();
  cloud.agent.get(OCTAVIA).intercept({ path: '/v2.0/lbaas/loadbalancers/lb-1/failover', method: 'PUT' }).reply(202, '');
  cloud.agent.get(OCTAVIA).intercept({ path: '/v2.0/octavia/amphorae?loadbalancer_id=lb-1', method: 'GET' }).reply(200, { amphorae: [] });
  await failoverLoadBalancer(admin, 'lb-1', signal);
  await listAmphorae(admin, { loadbalancerId: 'lb-1' }, signal);
  const typeChecks = (a: AdminSession, t: TenantSession): void => {
    // @ts-expect-error failover needs the admin scope
    void failoverLoadBalancer(t, 'lb-1', signal);
    // @ts-expect-error amphorae are admin-only
    void listAmphorae(t, { loadbalancerId: 'lb-1' }, signal);
    // @ts-expect-error project lookup is admin-scoped (DOCFIX-034)
    void resolveProjectId(t, 'capi-mgmt', 'capi', signal);
    // @ts-expect-error cluster CRUD is tenant-scoped
    void getCluster(a, 'capi-test-1', signal);
    // @ts-expect-error a project id must come from resolveProjectId, not a literal
    const _narrowed: Parameters<typeof narrowToProject>[1] = 'd5bc125c7c1841d389b76cd0a7b0a915';
  };
  assert.equal(typeof typeChecks, 'function');
  assert.equal(admin.scope, 'admin');
  assert.equal(tenant.scope, 'tenant');
});
