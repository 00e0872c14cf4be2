import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCapiGateError } from '../core/errors.js';
import { findUser, listRoleAssignments, resolveProjectId, whoAmI } from './keystone.js';
import { CAPI_PROJECT_ID, KEYSTONE, header, rejection, sessions } from './mock-cloud.test-helper.js';

const signal = new AbortController().signal;

test('resolveProjectId: domain by name, then project by domain_id + name, admin token', async () => {
  const { cloud, admin } = sessions();
  const pool = cloud.agent.get(KEYSTONE);
  pool.intercept({ path: '/v3/domains', method: 'GET', query: { name: 'capi' } }).reply(200, { domains: [{ id: 'dom-capi', name: 'capi' }] });
  pool
    .intercept({ path: '/v3/projects', method: 'GET', query: { domain_id: 'dom-capi', name: 'capi-mgmt' } })
    .reply(200, { projects: [{ id: CAPI_PROJECT_ID, name: 'capi-mgmt', domain_id: 'dom-capi' }], links: {} });
  const id = await resolveProjectId(admin, 'capi-mgmt', 'capi', signal);
  assert.equal(id, CAPI_PROJECT_ID);
  const calls = cloud.calls(KEYSTONE).filter((c) => c.method === 'GET');
  assert.equal(calls.length, 2);
  for (const c of calls) assert.equal(header(c, 'x-auth-token'), cloud.tokens[0]);
});

test('a domain given by id is found by the id path; a missing project is a precondition error', async () => {
  const { cloud, admin } = sessions();
  const pool = cloud.agent.get(KEYSTONE);
  pool.intercept({ path: '/v3/domains', method: 'GET', query: { name: 'default' } }).reply(200, { domains: [] });
  pool.intercept({ path: '/v3/domains/default', method: 'GET' }).reply(200, { domain: { id: 'default', name: 'Default' } });
  pool.intercept({ path: '/v3/projects', method: 'GET', query: { domain_id: 'default', name: 'capi-mgmt' } }).reply(200, { projects: [] });
  const e = await rejection(resolveProjectId(admin, 'capi-mgmt', 'default', signal));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_PRECONDITION'));
  assert.equal(e.message, "project 'capi-mgmt' not found in domain 'default'");
});

test('a missing domain is a precondition error naming it', async () => {
  const { cloud, admin } = sessions();
  const pool = cloud.agent.get(KEYSTONE);
  pool.intercept({ path: '/v3/domains', method: 'GET', query: { name: 'nope' } }).reply(200, { domains: [] });
  pool.intercept({ path: '/v3/domains/nope', method: 'GET' }).reply(404, { error: { code: 404, message: 'Could not find domain: nope.' } });
  const e = await rejection(resolveProjectId(admin, 'capi-mgmt', 'nope', signal));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_PRECONDITION') && /domain 'nope' not found/.test(e.message));
});

test('role assignments: effective, include_names, for a user on a project (D-039)', async () => {
  const { cloud, admin } = sessions();
  cloud.agent
    .get(KEYSTONE)
    .intercept({
      path: '/v3/role_assignments',
      method: 'GET',
      query: { 'user.id': 'u-capi', 'scope.project.id': CAPI_PROJECT_ID, include_names: 'true', effective: 'true' },
    })
    .reply(200, {
      role_assignments: [
        { role: { id: 'r1', name: 'member' }, user: { id: 'u-capi', name: 'capi-user' }, scope: { project: { id: CAPI_PROJECT_ID, name: 'capi-mgmt' } } },
        { role: { id: 'r2', name: 'load-balancer_member' }, user: { id: 'u-capi' }, scope: { project: { id: CAPI_PROJECT_ID } } },
      ],
    });
  const roles = await listRoleAssignments(admin, { userId: 'u-capi', projectId: CAPI_PROJECT_ID }, signal);
  assert.deepEqual(roles.map((r) => r.roleName), ['member', 'load-balancer_member']);
  assert.equal(roles[1]?.projectId, CAPI_PROJECT_ID);
});

test('findUser by name within a domain; whoAmI from the token', async () => {
  const { cloud, admin, tenant } = sessions();
  const pool = cloud.agent.get(KEYSTONE);
  pool.intercept({ path: '/v3/domains', method: 'GET', query: { name: 'capi' } }).reply(200, { domains: [{ id: 'dom-capi', name: 'capi' }] });
  pool.intercept({ path: '/v3/users', method: 'GET', query: { name: 'capi-user', domain_id: 'dom-capi' } }).reply(200, { users: [{ id: 'u-capi', name: 'capi-user', domain_id: 'dom-capi' }] });
  assert.deepEqual(await findUser(admin, 'capi-user', 'capi', signal), { id: 'u-capi', name: 'capi-user', domainId: 'dom-capi' });
  const me = await whoAmI(tenant, signal);
  assert.equal(me.userId, 'u-capi');
  assert.equal(me.projectId, CAPI_PROJECT_ID);
  assert.deepEqual(me.roles, ['member']);
});
