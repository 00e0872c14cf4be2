import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleSite } from '../../test/helpers.js';
import { isCapiGateError } from '../core/errors.js';
import type { Site } from '../site/schema.js';
import { CAPI_PROJECT_ID, KEYSTONE, MAGNUM, OCTAVIA, header, mockCloud, rejection } from './mock-cloud.test-helper.js';
import { connectOpenStack } from './openstack.js';

const signal = new AbortController().signal;

function siteWithClouds(): { site: Site; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-connect-'));
  const cloudsFile = join(dir, 'clouds.yaml');
  writeFileSync(
    cloudsFile,
    `clouds:
  roosevelt-admin:
    auth:
      auth_url: ${KEYSTONE}/v3
      username: admin
      password: connect-test-admin-pw
      user_domain_name: admin_domain
      project_name: admin
      project_domain_name: admin_domain
  roosevelt-capi:
    auth_type: v3applicationcredential
    auth:
      auth_url: ${KEYSTONE}/v3
      application_credential_id: ac-0001
      application_credential_secret: connect-test-ac-secret
`,
  );
  const base = exampleSite().site;
  return { site: { ...base, openstack: { ...base.openstack, cloudsFile } }, dir };
}

function keystoneLookups(cloud: ReturnType<typeof mockCloud>): void {
  const pool = cloud.agent.get(KEYSTONE);
  pool.intercept({ path: '/v3/domains', method: 'GET', query: { name: 'capi' } }).reply(200, { domains: [{ id: 'dom-capi', name: 'capi' }] });
  pool
    .intercept({ path: '/v3/projects', method: 'GET', query: { domain_id: 'dom-capi', name: 'capi-mgmt' } })
    .reply(200, { projects: [{ id: CAPI_PROJECT_ID, name: 'capi-mgmt' }] });
}

test('connect: admin auth + project resolution now, tenant auth on first use, scoped to that id', async () => {
  const { site, dir } = siteWithClouds();
  const cloud = mockCloud();
  keystoneLookups(cloud);
  const os = await connectOpenStack({ site, env: {}, signal, dispatcher: cloud.agent, search: { cwd: dir, homeDir: dir, systemDir: dir } });
  assert.equal(os.projectId, CAPI_PROJECT_ID);
  assert.equal(os.tenant.projectId, CAPI_PROJECT_ID);
  assert.equal(cloud.authBodies.length, 1, 'only the admin scope has authenticated');
  assert.equal(os.tenant.authentications, 0);
  cloud.agent.get(MAGNUM).intercept({ path: '/v1/clusters/capi-test-1', method: 'GET' }).reply(404, { errors: [{ title: 'Cluster capi-test-1 could not be found.' }] });
  assert.equal(await os.magnum.findCluster(os.tenant, 'capi-test-1', signal), undefined);
  assert.equal(cloud.authBodies.length, 2);
  assert.ok(!('scope' in (cloud.authBodies[1] as { auth: object }).auth), 'app-cred auth must send no scope');
  assert.equal(header(cloud.calls(MAGNUM)[0], 'x-auth-token'), cloud.tokens[1]);
  // Admin-only calls go out with the admin token.
  cloud.agent.get(OCTAVIA).intercept({ path: '/v2.0/lbaas/loadbalancers/lb/failover', method: 'PUT' }).reply(202, '');
  await os.octavia.failoverLoadBalancer(os.admin, 'lb', signal);
  assert.equal(header(cloud.calls(OCTAVIA)[0], 'x-auth-token'), cloud.tokens[0]);
  assert.ok(os.transport.trace.all().length >= 5);
  await os.close();
});

test('connect fails with CAPI_GATE_CREDENTIALS before any call when a cloud is missing', async () => {
  const { site, dir } = siteWithClouds();
  const cloud = mockCloud();
  const broken: Site = { ...site, openstack: { ...site.openstack, clouds: { admin: 'roosevelt-admin', tenant: 'typo-capi' } } };
  const e = await rejection(connectOpenStack({ site: broken, env: {}, signal, dispatcher: cloud.agent, search: { cwd: dir, homeDir: dir, systemDir: dir } }));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_CREDENTIALS'));
  assert.match(e.message, /cloud 'typo-capi' is not in .*clouds\.yaml \(it has: roosevelt-admin, roosevelt-capi\)/);
  assert.equal(cloud.calls().length, 0);
});

test('connect fails with a precondition error when the project is not in its domain', async () => {
  const { site, dir } = siteWithClouds();
  const cloud = mockCloud();
  const pool = cloud.agent.get(KEYSTONE);
  pool.intercept({ path: '/v3/domains', method: 'GET', query: { name: 'capi' } }).reply(200, { domains: [{ id: 'dom-capi', name: 'capi' }] });
  pool.intercept({ path: '/v3/projects', method: 'GET', query: { domain_id: 'dom-capi', name: 'capi-mgmt' } }).reply(200, { projects: [] });
  const e = await rejection(connectOpenStack({ site, env: {}, signal, dispatcher: cloud.agent, search: { cwd: dir, homeDir: dir, systemDir: dir } }));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_PRECONDITION'));
});
