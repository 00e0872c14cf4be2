// Keystone v3 on both sides: password and application-credential tokens, wrong credentials, and
// the lookups the project resolution and the D-039 pre-check make.

import type { Service } from '../backend.js';
import type { ParityCase } from '../case.js';
import { field } from '../ops.js';

function authBody(l: { username: string; userDomainName: string; password: string; projectId?: string }, password = l.password): unknown {
  return { auth: { identity: { methods: ['password'], password: { user: { name: l.username, domain: { name: l.userDomainName }, password } } }, scope: { project: { id: l.projectId } } } };
}

export const CASES: ParityCase[] = [
  {
    name: 'keystone: password tokens, right and wrong',
    clientOps: ['authenticate admin scope', 'authenticate tenant scope'],
    ops: [
      'keystone POST /v3/auth/tokens',
    ],
    async run(b, rec) {
      const l = b.member2Login;
      rec.step('project-scoped token', await b.member2.call('keystone', 'POST', '/auth/tokens', authBody(l)));
      rec.step('wrong password', await b.member2.call('keystone', 'POST', '/auth/tokens', authBody(l, 'not-the-password')));
      rec.step('a project the user has no role on', await b.member2.call('keystone', 'POST', '/auth/tokens', { auth: { identity: { methods: ['password'], password: { user: { name: l.username, domain: { name: l.userDomainName }, password: l.password } } }, scope: { project: { id: b.admin.projectId } } } }));
    },
  },
  {
    name: 'keystone: lookups of domain, project, user and role assignments',
    clientOps: ['find domain', 'get domain', 'find project', 'find user', 'list role assignments'],
    ops: [
      'keystone GET /v3/domains?name',
      'keystone GET /v3/projects?domain_id&name',
    ],
    async run(b, rec) {
      const dom = rec.step('domain by name', await b.admin.call('keystone', 'GET', `/domains?name=${encodeURIComponent(b.site.project.domain)}`));
      const domainId = String((field(dom, 'domains') as { id: string }[] | undefined)?.[0]?.id);
      rec.step('domain by id', await b.admin.call('keystone', 'GET', `/domains/${domainId}`));
      rec.step('domain by name in the path', await b.admin.call('keystone', 'GET', `/domains/${encodeURIComponent(b.site.project.domain)}`));
      rec.step('project by domain and name', await b.admin.call('keystone', 'GET', `/projects?domain_id=${domainId}&name=${encodeURIComponent(b.site.project.name)}`));
      rec.step('project missing', await b.admin.call('keystone', 'GET', `/projects?domain_id=${domainId}&name=no-such-project`));
      const users = rec.step('user by name and domain', await b.admin.call('keystone', 'GET', `/users?name=capi-user2&domain_id=${domainId}`));
      const userId = String((field(users, 'users') as { id: string }[] | undefined)?.[0]?.id);
      rec.step(
        'role assignments',
        await b.admin.call('keystone', 'GET', `/role_assignments?user.id=${userId}&scope.project.id=${b.tenant.projectId}&include_names=true&effective=true`),
      );
      rec.step('role assignments as the tenant', await b.tenant.call('keystone', 'GET', `/role_assignments?user.id=${userId}&scope.project.id=${b.tenant.projectId}`));
    },
  },
];


export const SERVICES: readonly Service[] = ['keystone'];
