// Keystone admin helpers (api-notes §2.4, §2.6): project id by name + domain (DOCFIX-034),
// users by name, and effective role assignments for the D-039 load-balancer_member pre-check.
// All take the admin session: listing projects and assignments is admin-only by policy.

import { z } from 'zod';
import { CapiGateError } from '../core/errors.js';
import { brandProjectId } from './session.js';
import type { AdminSession, AnySession, ProjectId } from './session.js';

export interface Domain {
  readonly id: string;
  readonly name: string;
}

export interface User {
  readonly id: string;
  readonly name: string;
  readonly domainId: string | undefined;
}

export interface RoleAssignment {
  readonly roleId: string;
  readonly roleName: string | undefined;
  readonly userId: string | undefined;
  readonly projectId: string | undefined;
}

const domain = z.object({ id: z.string(), name: z.string() });
const domainsSchema = z.object({ domains: z.array(domain) });
const domainSchema = z.object({ domain });
const projectsSchema = z.object({ projects: z.array(z.object({ id: z.string(), name: z.string(), domain_id: z.string().nullish() })) });
const usersSchema = z.object({ users: z.array(z.object({ id: z.string(), name: z.string(), domain_id: z.string().nullish() })) });
const assignmentsSchema = z.object({
  role_assignments: z.array(
    z.object({
      role: z.object({ id: z.string(), name: z.string().nullish() }),
      user: z.object({ id: z.string() }).nullish(),
      scope: z.object({ project: z.object({ id: z.string() }).nullish() }).nullish(),
    }),
  ),
});

/** A domain by name, then by id (the CLI tries the id path first; names are what the site holds). */
export async function findDomain(admin: AdminSession, nameOrId: string, signal: AbortSignal): Promise<Domain | undefined> {
  const byName = await admin.requestJson(
    { service: 'identity', method: 'GET', path: '/domains', query: { name: nameOrId }, operation: 'find domain', signal },
    domainsSchema,
  );
  const hit = byName.data.domains[0];
  if (hit) return hit;
  const byId = await admin.findJson(
    { service: 'identity', method: 'GET', path: `/domains/${encodeURIComponent(nameOrId)}`, operation: 'get domain', signal },
    domainSchema,
  );
  return byId?.domain;
}

/**
 * The runbook's `openstack project show NAME --domain DOMAIN -f value -c id`, while admin-scoped
 * (DOCFIX-034): the only source of a ProjectId, which narrowToProject requires.
 */
export async function resolveProjectId(admin: AdminSession, name: string, domainName: string, signal: AbortSignal): Promise<ProjectId> {
  const d = await findDomain(admin, domainName, signal);
  if (!d) {
    throw new CapiGateError('CAPI_GATE_PRECONDITION', `domain '${domainName}' not found (looking up project '${name}')`, {
      hint: 'Check project.domain in the site file (`openstack domain list`).',
    });
  }
  const res = await admin.requestJson(
    { service: 'identity', method: 'GET', path: '/projects', query: { domain_id: d.id, name }, operation: 'find project', signal },
    projectsSchema,
  );
  const matches = res.data.projects.filter((p) => p.name === name);
  const first = matches[0];
  if (!first) {
    throw new CapiGateError('CAPI_GATE_PRECONDITION', `project '${name}' not found in domain '${domainName}'`, {
      hint: 'Check project.name and project.domain in the site file (`openstack project list --domain DOMAIN`).',
    });
  }
  return brandProjectId(first.id);
}

export async function findUser(admin: AdminSession, name: string, domainName: string | undefined, signal: AbortSignal): Promise<User | undefined> {
  let domainId: string | undefined;
  if (domainName !== undefined) {
    const d = await findDomain(admin, domainName, signal);
    if (!d) return undefined;
    domainId = d.id;
  }
  const res = await admin.requestJson(
    { service: 'identity', method: 'GET', path: '/users', query: { name, domain_id: domainId }, operation: 'find user', signal },
    usersSchema,
  );
  const matches = res.data.users.filter((u) => u.name === name);
  if (matches.length > 1) {
    throw new CapiGateError('CAPI_GATE_PRECONDITION', `${matches.length} users named '${name}'${domainName ? '' : ' across domains'}`, {
      hint: 'Name the user domain.',
    });
  }
  const u = matches[0];
  return u ? { id: u.id, name: u.name, domainId: u.domain_id ?? undefined } : undefined;
}

/** GET /v3/role_assignments?user.id=&scope.project.id=&include_names&effective (D-039 pre-check). */
export async function listRoleAssignments(
  admin: AdminSession,
  filter: { readonly userId: string; readonly projectId: string; readonly effective?: boolean },
  signal: AbortSignal,
): Promise<RoleAssignment[]> {
  const res = await admin.requestJson(
    {
      service: 'identity',
      method: 'GET',
      path: '/role_assignments',
      query: {
        'user.id': filter.userId,
        'scope.project.id': filter.projectId,
        include_names: 'true',
        ...(filter.effective !== false ? { effective: 'true' } : {}),
      },
      operation: 'list role assignments',
      signal,
    },
    assignmentsSchema,
  );
  return res.data.role_assignments.map((a) => ({
    roleId: a.role.id,
    roleName: a.role.name ?? undefined,
    userId: a.user?.id,
    projectId: a.scope?.project?.id ?? undefined,
  }));
}

/** Who a session authenticates as, and with which roles on its project (from the token; no extra call). */
export async function whoAmI(session: AnySession, signal: AbortSignal): Promise<{ userId: string; userName: string | undefined; projectId: string | undefined; roles: readonly string[] }> {
  const t = await session.token(signal);
  return { userId: t.userId, userName: t.userName, projectId: t.projectId, roles: t.roles };
}

export const keystone = { findDomain, resolveProjectId, findUser, listRoleAssignments, whoAmI } as const;
export type KeystoneClient = typeof keystone;
