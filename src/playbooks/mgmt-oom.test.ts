import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nova } from '../openstack/nova.js';
import type { OpenStack } from '../openstack/index.js';
import { ADMIN_PROJECT_ID, CAPI_PROJECT_ID, NOVA, manualClock, sessions } from '../openstack/mock-cloud.test-helper.js';
import type { Phase08Services } from '../phase08/services.js';
import { exampleSite } from '../../test/helpers.js';
import { mgmtOom } from './mgmt-oom.js';

const OPS_PROJECT_ID = '0a5f0000000040008000000000000077';

/**
 * Nova's list semantics (nova/api/openstack/compute/servers.py): without all_tenants the caller's
 * own project only (project_id / tenant_id are then ignored); with it (admin), every project,
 * narrowed by project_id when given.
 */
function novaServers(vm: { readonly name: string; readonly projectId: string }, callerProject: (token: string) => string) {
  return (opts: { path: string; headers?: unknown }) => {
    const q = new URL(opts.path, 'http://x').searchParams;
    const all = q.get('all_tenants') === '1';
    const project = q.get('project_id');
    const token = String((opts.headers as Record<string, string> | undefined)?.['x-auth-token'] ?? '');
    const seen = all ? !project || project === vm.projectId : callerProject(token) === vm.projectId;
    const server = { id: '4f1b0000-0000-4000-8000-000000000004', name: vm.name, status: 'SHUTOFF', tenant_id: vm.projectId, 'OS-EXT-STS:power_state': 4, addresses: {}, flavor: { id: 'f1' } };
    return { statusCode: 200, data: { servers: seen ? [server] : [], servers_links: [] } };
  };
}

function context(vmProject: string) {
  const { cloud, admin, tenant, projectId } = sessions();
  const site = exampleSite();
  // The mock Keystone scopes application credentials to capi-mgmt and the password user to admin.
  const callerProject = (token: string) => {
    const body = cloud.authBodies[cloud.tokens.indexOf(token)] as { auth?: { identity?: { methods?: string[] } } } | undefined;
    return body?.auth?.identity?.methods?.includes('application_credential') ? CAPI_PROJECT_ID : ADMIN_PROJECT_ID;
  };
  cloud.agent.get(NOVA).intercept({ path: (p) => p.startsWith('/v2.1/servers/detail'), method: 'GET' }).reply(novaServers({ name: site.site.mgmtVm.name, projectId: vmProject }, callerProject)).persist();
  const os = { admin, tenant, projectId, nova } as unknown as OpenStack;
  const ctx = {
    site, clock: manualClock(), signal: new AbortController().signal, say: () => undefined, captured: () => undefined,
    services: { openstack: () => Promise.resolve(os) } as unknown as Phase08Services,
  };
  return { ctx, cloud };
}

test('mgmt-oom: the admin fallback lists with all_tenants (an admin list shows only the admin project otherwise) and finds the SHUTOFF VM', async () => {
  const { ctx, cloud } = context(OPS_PROJECT_ID);
  const d = await mgmtOom.detect(ctx);
  assert.equal(d.found, true, d.evidence);
  assert.match(d.evidence, /is SHUTOFF/);
  const queries = cloud.calls(NOVA).map((c) => Object.fromEntries(new URL(c.fullUrl).searchParams));
  assert.deepEqual(queries.map((q) => [q['all_tenants'], q['project_id']]), [[undefined, undefined], ['1', CAPI_PROJECT_ID], ['1', undefined]]);
});

test('mgmt-oom: a VM in the capi-mgmt project is found by the tenant, without the admin fallback', async () => {
  const { ctx, cloud } = context(CAPI_PROJECT_ID);
  const d = await mgmtOom.detect(ctx);
  assert.equal(d.found, true, d.evidence);
  assert.equal(cloud.calls(NOVA).length, 1);
});

test('mgmt-oom: a VM in the admin\'s own project needs no all_tenants, and the fallback still finds it', async () => {
  const { ctx } = context(ADMIN_PROJECT_ID);
  assert.equal((await mgmtOom.detect(ctx)).found, true);
});
