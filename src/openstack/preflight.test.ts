import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockAgent } from 'undici';
import { exampleSite } from '../../test/helpers.js';
import { isCapiGateError } from '../core/errors.js';
import type { Site } from '../site/schema.js';
import { CAPI_PROJECT_ID, KEYSTONE, MAGNUM, mockCloud, rejection } from './mock-cloud.test-helper.js';
import { describePreflight, preflight } from './preflight.js';

const signal = new AbortController().signal;

function siteWithClouds(): { site: Site; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-preflight-'));
  const cloudsFile = join(dir, 'clouds.yaml');
  writeFileSync(cloudsFile, `clouds:
  roosevelt-admin:
    auth:
      auth_url: ${KEYSTONE}/v3
      username: admin
      password: preflight-test-admin-pw
      user_domain_name: admin_domain
      project_name: admin
      project_domain_name: admin_domain
  roosevelt-capi:
    auth_type: v3applicationcredential
    auth:
      auth_url: ${KEYSTONE}/v3
      application_credential_id: ac-0001
      application_credential_secret: preflight-test-ac-secret
`);
  const base = exampleSite().site;
  return { site: { ...base, tls: { insecure: false }, openstack: { ...base.openstack, cloudsFile } }, dir };
}

function keystoneLookups(agent: MockAgent): void {
  const pool = agent.get(KEYSTONE);
  pool.intercept({ path: '/v3/domains', method: 'GET', query: { name: 'capi' } }).reply(200, { domains: [{ id: 'dom-capi', name: 'capi' }] });
  pool.intercept({ path: '/v3/projects', method: 'GET', query: { domain_id: 'dom-capi', name: 'capi-mgmt' } }).reply(200, { projects: [{ id: CAPI_PROJECT_ID, name: 'capi-mgmt' }] });
}

test('pre-flight: one token per scope, the catalog checked for the services asked for; the run reuses the connection', async () => {
  const { site, dir } = siteWithClouds();
  const cloud = mockCloud();
  keystoneLookups(cloud.agent);
  const r = await preflight({ site, env: {}, signal, dispatcher: cloud.agent, search: { cwd: dir, homeDir: dir, systemDir: dir }, services: ['container-infra', 'network', 'identity'] });
  assert.equal(cloud.authBodies.length, 2, 'admin and tenant authenticated once each');
  assert.deepEqual(r.clouds, ['roosevelt-admin', 'roosevelt-capi']);
  assert.deepEqual(r.services, ['identity', 'container-infra', 'network']);
  assert.match(describePreflight(r), /^pre-flight: 2 clouds authenticated \(roosevelt-admin, roosevelt-capi\), catalog has 3 services \(keystone, magnum, neutron\) in \d+ ms$/);
  cloud.agent.get(MAGNUM).intercept({ path: '/v1/clusters/capi-test-1', method: 'GET' }).reply(404, { errors: [{ title: 'not found' }] });
  assert.equal(await r.openstack.magnum.findCluster(r.openstack.tenant, 'capi-test-1', signal), undefined);
  assert.equal(cloud.authBodies.length, 2, 'the run goes on with the pre-flight\'s tokens');
});

test('pre-flight: a region the catalog does not serve is a precondition error naming it', async () => {
  const { site, dir } = siteWithClouds();
  const cloud = mockCloud();
  keystoneLookups(cloud.agent);
  const e = await rejection(preflight({ site: { ...site, openstack: { ...site.openstack, region: 'Nowhere' } }, env: {}, signal, dispatcher: cloud.agent, search: { cwd: dir, homeDir: dir, systemDir: dir }, services: ['image'] }));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_PRECONDITION'), String(e));
  assert.match(e.message, /^pre-flight: the catalog has no public endpoint for 'identity' in region Nowhere/);
});

test('pre-flight: refused credentials are CAPI_GATE_CREDENTIALS, an unreachable Keystone CAPI_GATE_UNREACHABLE (exit 3), both naming the cloud', async () => {
  const { site, dir } = siteWithClouds();
  const refusing = new MockAgent();
  refusing.disableNetConnect();
  refusing.get(KEYSTONE).intercept({ path: '/v3/auth/tokens', method: 'POST' }).reply(401, { error: { code: 401, message: 'The request you have made requires authentication.' } }).persist();
  const refused = await rejection(preflight({ site, env: {}, signal, dispatcher: refusing, search: { cwd: dir, homeDir: dir, systemDir: dir }, services: ['image'] }));
  assert.ok(isCapiGateError(refused, 'CAPI_GATE_CREDENTIALS'), String(refused));
  assert.match(refused.message, /^pre-flight: keystone refused the admin credentials of cloud 'roosevelt-admin'/);
  assert.doesNotMatch(refused.message, /preflight-test-admin-pw/);

  const dead = new MockAgent();
  dead.disableNetConnect();
  dead.get(KEYSTONE).intercept({ path: '/v3/auth/tokens', method: 'POST' }).replyWithError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5000'), { code: 'ECONNREFUSED' })).persist();
  const e = await rejection(preflight({ site, env: {}, signal, dispatcher: dead, search: { cwd: dir, homeDir: dir, systemDir: dir }, services: ['image'], random: () => 0 }));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_UNREACHABLE'), String(e));
  assert.equal(e.exitCode, 3);
  assert.match(e.message, new RegExp(`^pre-flight: Keystone of cloud 'roosevelt-admin' \\(.*clouds\\.yaml\\) at ${KEYSTONE}/v3 cannot be reached`));
  assert.match(e.hint ?? '', /nothing was run, nothing is recorded/);
});

test('pre-flight: a Keystone that does not answer within the budget is unreachable, not a hang', async () => {
  const { site, dir } = siteWithClouds();
  const slow = new MockAgent();
  slow.disableNetConnect();
  slow.get(KEYSTONE).intercept({ path: '/v3/auth/tokens', method: 'POST' }).reply(201, {}).delay(5_000).persist();
  const started = Date.now();
  const e = await rejection(preflight({ site, env: {}, signal, dispatcher: slow, search: { cwd: dir, homeDir: dir, systemDir: dir }, services: ['image'], deadlineMs: 200 }));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_UNREACHABLE'), String(e));
  assert.match(e.message, /^pre-flight: Keystone of cloud 'roosevelt-admin' .* did not issue an admin token within 200ms$/);
  assert.ok(Date.now() - started < 4_000, `ended after ${Date.now() - started} ms`);
});
