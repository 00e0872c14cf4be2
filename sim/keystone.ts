// Keystone v3 (api-notes §2): discovery, password and application-credential auth with
// project / domain / system scope, X-Subject-Token, the catalog, token validation, domains,
// projects, users, roles, role assignments and application credentials.

import type { Auth } from './auth.js';
import { tokenAuth } from './auth.js';
import type { ApiService, SimContext } from './context.js';
import type { Reply, SimRequest } from './http.js';
import { Router, dispatch, fail, noContent, objectBody, ok } from './http.js';
import { secret } from './rand.js';
import type { AppCred, Project, Role, Token, User } from './state.js';
import { keystoneTime } from './timefmt.js';

const SERVICE_META: Record<ApiService, { type: string; name: string; suffix: string }> = {
  keystone: { type: 'identity', name: 'keystone', suffix: '/v3' },
  magnum: { type: 'container-infra', name: 'magnum', suffix: '/v1' },
  octavia: { type: 'load-balancer', name: 'octavia', suffix: '' },
  glance: { type: 'image', name: 'glance', suffix: '' },
  nova: { type: 'compute', name: 'nova', suffix: '/v2.1' },
  neutron: { type: 'network', name: 'neutron', suffix: '' },
};

export const REGION = 'RegionOne';

/** The catalog URL of each service in the exact form the real clients need (api-notes §1.1). */
export function catalogUrl(ctx: SimContext, s: ApiService): string {
  return ctx.urls[s] + SERVICE_META[s].suffix;
}

export function catalog(ctx: SimContext): unknown[] {
  return (Object.keys(SERVICE_META) as ApiService[]).map((s) => ({
    id: ctx.serviceIds[s],
    type: SERVICE_META[s].type,
    name: SERVICE_META[s].name,
    endpoints: (['public', 'internal', 'admin'] as const).map((iface, i) => ({
      id: `${ctx.serviceIds[s].slice(0, 30)}${i}${iface[0]}`,
      interface: iface,
      region_id: REGION,
      region: REGION,
      url: catalogUrl(ctx, s),
    })),
  }));
}

function versionObject(base: string): Record<string, unknown> {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${base}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

const UNAUTH = 'The request you have made requires authentication.';

function unauthorized(message = UNAUTH): never {
  fail('keystone', 401, message);
}

function forbidden(action: string): never {
  fail('keystone', 403, `You are not authorized to perform the requested action: ${action}.`);
}

function notFound(kind: string, id: string): never {
  fail('keystone', 404, `Could not find ${kind}: ${id}.`);
}

function rec(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

export function createKeystone(ctx: SimContext): (req: SimRequest) => Promise<Reply> {
  const w = ctx.world;
  const base = () => ctx.urls.keystone;
  const link = (path: string) => `${base()}/v3/${path}`;

  const domainRef = (id: string) => {
    const d = w.domains.get(id);
    return { id, name: d?.name ?? id };
  };
  const renderDomain = (id: string) => {
    const d = w.domains.get(id);
    if (!d) notFound('domain', id);
    return { id: d.id, name: d.name, description: d.description, enabled: d.enabled, tags: [], options: {}, links: { self: link(`domains/${d.id}`) } };
  };
  const renderProject = (p: Project) => ({
    id: p.id, name: p.name, domain_id: p.domainId, description: p.description, enabled: p.enabled, parent_id: p.domainId,
    is_domain: false, tags: [], options: {}, links: { self: link(`projects/${p.id}`) },
  });
  const renderUser = (u: User) => ({
    id: u.id, name: u.name, domain_id: u.domainId, enabled: u.enabled, password_expires_at: null, options: {},
    ...(u.email ? { email: u.email } : {}), links: { self: link(`users/${u.id}`) },
  });
  const renderRole = (r: Role) => ({ id: r.id, name: r.name, domain_id: null, description: null, options: {}, links: { self: link(`roles/${r.id}`) } });
  const renderAppCred = (a: AppCred, withSecret: boolean) => ({
    id: a.id, name: a.name, description: a.description, ...(withSecret ? { secret: a.secret } : {}),
    expires_at: a.expiresAt === null ? null : keystoneTime(a.expiresAt), project_id: a.projectId, user_id: a.userId,
    unrestricted: a.unrestricted, system: null,
    roles: a.roleIds.map((id) => ({ id, name: w.roles.get(id)?.name ?? id, domain_id: null })), access_rules: [],
    links: { self: link(`users/${a.userId}/application_credentials/${a.id}`) },
  });

  const renderToken = (t: Token, withCatalog: boolean) => {
    const user = w.users.get(t.userId);
    const body: Record<string, unknown> = {
      methods: t.methods,
      user: { domain: domainRef(user?.domainId ?? 'default'), id: t.userId, name: user?.name ?? t.userId, password_expires_at: null },
      audit_ids: [t.auditId],
      expires_at: keystoneTime(t.expiresAt),
      issued_at: keystoneTime(t.issuedAt),
    };
    if (t.projectId) {
      const p = w.projects.get(t.projectId);
      body['project'] = { domain: domainRef(p?.domainId ?? 'default'), id: t.projectId, name: p?.name ?? t.projectId };
      body['is_domain'] = false;
    } else if (t.domainId) {
      body['domain'] = domainRef(t.domainId);
    } else if (t.system) {
      body['system'] = { all: true };
    }
    if (t.projectId || t.domainId || t.system) {
      body['roles'] = t.roleIds.map((id) => ({ id, name: w.roles.get(id)?.name ?? id }));
      if (withCatalog) body['catalog'] = catalog(ctx);
    }
    if (t.appCredId) {
      const a = w.appCreds.get(t.appCredId);
      body['application_credential'] = { id: t.appCredId, name: a?.name ?? '', restricted: !(a?.unrestricted ?? false) };
    }
    return { token: body };
  };

  const auth = (req: SimRequest): Auth => {
    const a = tokenAuth(ctx, req.header('x-auth-token'));
    if (!a) unauthorized();
    return a;
  };

  const findUser = (u: Record<string, unknown>): User | undefined => {
    const id = str(u['id']);
    if (id) return w.users.get(id);
    const name = str(u['name']);
    const dom = rec(u['domain']);
    if (!name || !dom) return undefined;
    const domId = str(dom['id']) ?? (str(dom['name']) ? w.domainByName(str(dom['name']) as string)?.id : undefined);
    return domId ? w.userByName(name, domId) : undefined;
  };

  const issue = (userId: string, methods: string[], scope: { projectId?: string; domainId?: string; system?: boolean }, roleIds: string[], appCredId?: string, limit?: number | null): Token => {
    const now = ctx.clock.now();
    // A token lives tokenTtl of real time whatever the time scale (an hour is an hour for the
    // client holding it): in simulated time that is tokenTtl / timeScale.
    let expiresAt = now + ctx.durations.tokenTtl / ctx.clock.timeScale;
    if (limit !== undefined && limit !== null) expiresAt = Math.min(expiresAt, limit);
    const t: Token = {
      value: `gAAAAAB${secret(96)}`, userId, methods, ...scope, roleIds, ...(appCredId ? { appCredId } : {}),
      issuedAt: now, expiresAt, auditId: secret(16).slice(0, 22),
    };
    w.tokens.set(t.value, t);
    return t;
  };

  const postTokens = (req: SimRequest): Reply => {
    const body = objectBody(req);
    const a = rec(body['auth']);
    const identity = rec(a?.['identity']);
    const methods = Array.isArray(identity?.['methods']) ? (identity['methods'] as unknown[]).filter((m): m is string => typeof m === 'string') : [];
    if (!a || !identity || methods.length === 0) fail('keystone', 400, 'Expecting to find identity in auth. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.');
    const scope = a['scope'];
    let token: Token;
    if (methods.includes('application_credential')) {
      const ac = rec(identity['application_credential']);
      if (!ac) unauthorized();
      if (scope !== undefined) unauthorized('Application credentials cannot request a scope.');
      let cred: AppCred | undefined;
      const id = str(ac['id']);
      if (id) cred = w.appCreds.get(id);
      else {
        const owner = rec(ac['user']) ? findUser(rec(ac['user']) as Record<string, unknown>) : undefined;
        const name = str(ac['name']);
        if (owner && name) cred = [...w.appCreds.values()].find((c) => c.userId === owner.id && c.name === name);
      }
      // Real Keystone: an unknown id is a 404; a wrong secret a 401; bcrypt reads only 72 bytes.
      if (!cred && id) fail('keystone', 404, `Could not find Application Credential: ${id}.`);
      const given = typeof ac['secret'] === 'string' ? Buffer.from(ac['secret']).subarray(0, 72) : undefined;
      if (!cred || !given || !given.equals(Buffer.from(cred.secret).subarray(0, 72))) unauthorized();
      if (cred.expiresAt !== null && cred.expiresAt <= ctx.clock.now()) unauthorized('The application credential has expired.');
      const user = w.users.get(cred.userId);
      if (!user || !user.enabled) unauthorized();
      // The user must still hold the roles; a revoked role drops out of the token.
      const held = new Set(w.rolesOf(user.id, cred.projectId).map((r) => r.id));
      const roleIds = cred.roleIds.filter((r) => held.has(r));
      if (roleIds.length === 0) unauthorized();
      token = issue(user.id, ['application_credential'], { projectId: cred.projectId }, roleIds, cred.id, cred.expiresAt);
    } else if (methods.includes('password') || methods.includes('token')) {
      let user: User | undefined;
      let methodList = methods;
      if (methods.includes('password')) {
        const pw = rec(identity['password']);
        const u = rec(pw?.['user']);
        user = u ? findUser(u) : undefined;
        if (!user || !user.enabled || u?.['password'] !== user.password) unauthorized();
      } else {
        const t = rec(identity['token']);
        const prev = tokenAuth(ctx, str(t?.['id']));
        if (!prev) unauthorized();
        if (prev.appCred) unauthorized('A token created by an application credential cannot be rescoped.');
        user = prev.user;
        methodList = prev.token.methods;
      }
      const sc = scope === 'unscoped' ? undefined : rec(scope);
      if (sc?.['project']) {
        const p = rec(sc['project']) ?? {};
        let project: Project | undefined;
        const pid = str(p['id']);
        if (pid) project = w.projects.get(pid);
        else {
          const dom = rec(p['domain']);
          const domId = str(dom?.['id']) ?? (str(dom?.['name']) ? w.domainByName(str(dom?.['name']) as string)?.id : undefined);
          const name = str(p['name']);
          if (name && domId) project = w.projectByName(name, domId);
        }
        if (!project) unauthorized();
        const roles = w.rolesOf(user.id, project.id);
        if (roles.length === 0) unauthorized(`User ${user.id} has no access to project ${project.id}`);
        token = issue(user.id, methodList, { projectId: project.id }, roles.map((r) => r.id));
      } else if (sc?.['domain']) {
        const d = rec(sc['domain']) ?? {};
        const dom = str(d['id']) ? w.domains.get(str(d['id']) as string) : str(d['name']) ? w.domainByName(str(d['name']) as string) : undefined;
        // Only project role assignments exist here; real Keystone answers 401 without a domain one.
        void dom;
        unauthorized(`User ${user.id} has no access to domain ${str(d['id']) ?? str(d['name']) ?? ''}`);
      } else if (sc?.['system']) {
        // Likewise no system role assignments: 401, as real Keystone answers without one.
        unauthorized(`User ${user.id} has no access to the system`);
      } else {
        token = issue(user.id, methodList, {}, []);
      }
    } else {
      unauthorized(`Attempted to authenticate with an unsupported method.`);
    }
    const nocatalog = req.query.has('nocatalog');
    return ok(renderToken(token, !nocatalog), 201, { 'X-Subject-Token': token.value });
  };

  const validate = (req: SimRequest): Reply => {
    auth(req);
    const subject = tokenAuth(ctx, req.header('x-subject-token'));
    if (!subject) fail('keystone', 404, 'Failed to validate token');
    return ok(renderToken(subject.token, !req.query.has('nocatalog')), 200, { 'X-Subject-Token': subject.token.value });
  };

  const listLinks = (path: string) => ({ self: link(path), previous: null, next: null });

  const router = new Router()
    .on('GET', /^\/$/, () => ({ status: 300, json: { versions: { values: [versionObject(base())] } }, headers: { Location: `${base()}/v3/` } }))
    .on('GET', /^\/v3\/?$/, () => ok({ version: versionObject(base()) }))
    .on('POST', /^\/v3\/auth\/tokens$/, postTokens)
    .on('GET', /^\/v3\/auth\/tokens$/, validate)
    .on('DELETE', /^\/v3\/auth\/tokens$/, (req) => {
      auth(req);
      const subject = req.header('x-subject-token');
      if (!subject || !w.tokens.delete(subject)) fail('keystone', 404, 'Failed to validate token');
      return noContent();
    })
    .on('GET', /^\/v3\/auth\/catalog$/, (req) => {
      auth(req);
      return ok({ catalog: catalog(ctx), links: listLinks('auth/catalog') });
    })
    .on('GET', /^\/v3\/auth\/projects$/, (req) => {
      const a = auth(req);
      const ids = new Set(w.assignments.filter((x) => x.userId === a.user.id).map((x) => x.projectId));
      return ok({ projects: [...w.projects.values()].filter((p) => ids.has(p.id)).map(renderProject), links: listLinks('auth/projects') });
    })
    .on('GET', /^\/v3\/domains$/, (req) => {
      const a = auth(req);
      if (!a.isAdmin) forbidden('identity:list_domains');
      const name = req.query.get('name');
      return ok({ domains: [...w.domains.values()].filter((d) => name === null || d.name === name).map((d) => renderDomain(d.id)), links: listLinks('domains') });
    })
    .on('GET', /^\/v3\/domains\/([^/]+)$/, (req, [id]) => {
      const a = auth(req);
      const d = w.domains.get(id ?? '');
      if (!d) notFound('domain', id ?? '');
      const own = a.projectId ? w.projects.get(a.projectId)?.domainId === d.id : false;
      if (!a.isAdmin && !own) forbidden('identity:get_domain');
      return ok({ domain: renderDomain(d.id) });
    })
    .on('GET', /^\/v3\/projects$/, (req) => {
      const a = auth(req);
      if (!a.isAdmin) forbidden('identity:list_projects');
      const name = req.query.get('name');
      const dom = req.query.get('domain_id');
      const list = [...w.projects.values()].filter((p) => (name === null || p.name === name) && (dom === null || p.domainId === dom));
      return ok({ projects: list.map(renderProject), links: listLinks('projects') });
    })
    .on('GET', /^\/v3\/projects\/([^/]+)$/, (req, [id]) => {
      const a = auth(req);
      const p = w.projects.get(id ?? '');
      if (!p) notFound('project', id ?? '');
      if (!a.isAdmin && a.projectId !== p.id) forbidden('identity:get_project');
      return ok({ project: renderProject(p) });
    })
    .on('GET', /^\/v3\/users$/, (req) => {
      const a = auth(req);
      if (!a.isAdmin) forbidden('identity:list_users');
      const name = req.query.get('name');
      const dom = req.query.get('domain_id');
      const list = [...w.users.values()].filter((u) => (name === null || u.name === name) && (dom === null || u.domainId === dom));
      return ok({ users: list.map(renderUser), links: listLinks('users') });
    })
    .on('GET', /^\/v3\/users\/([^/]+)$/, (req, [id]) => {
      const a = auth(req);
      const u = w.users.get(id ?? '');
      if (!u) notFound('user', id ?? '');
      if (!a.isAdmin && a.user.id !== u.id) forbidden('identity:get_user');
      return ok({ user: renderUser(u) });
    })
    .on('GET', /^\/v3\/users\/([^/]+)\/projects$/, (req, [id]) => {
      const a = auth(req);
      if (!a.isAdmin && a.user.id !== id) forbidden('identity:list_user_projects');
      const ids = new Set(w.assignments.filter((x) => x.userId === id).map((x) => x.projectId));
      return ok({ projects: [...w.projects.values()].filter((p) => ids.has(p.id)).map(renderProject), links: listLinks(`users/${id}/projects`) });
    })
    .on('GET', /^\/v3\/roles$/, (req) => {
      auth(req);
      const name = req.query.get('name');
      return ok({ roles: [...w.roles.values()].filter((r) => name === null || r.name === name).map(renderRole), links: listLinks('roles') });
    })
    .on('GET', /^\/v3\/roles\/([^/]+)$/, (req, [id]) => {
      auth(req);
      const r = w.roles.get(id ?? '');
      if (!r) notFound('role', id ?? '');
      return ok({ role: renderRole(r) });
    })
    .on('GET', /^\/v3\/role_assignments$/, (req) => {
      const a = auth(req);
      const userId = req.query.get('user.id');
      const projectId = req.query.get('scope.project.id');
      const roleId = req.query.get('role.id');
      // Zed's policy: admin, or a reader with system or domain scope; a project member is refused
      // even for its own assignments (the parity tier: 403 from the real Keystone).
      if (!a.isAdmin) forbidden('identity:list_role_assignments');
      const names = req.query.has('include_names') && req.query.get('include_names') !== 'false';
      const list = w.assignments.filter((x) => (userId === null || x.userId === userId) && (projectId === null || x.projectId === projectId) && (roleId === null || x.roleId === roleId));
      return ok({
        role_assignments: list.map((x) => {
          const role = w.roles.get(x.roleId);
          const user = w.users.get(x.userId);
          const project = w.projects.get(x.projectId);
          return {
            // A global role (no domain_id) carries no domain, as Keystone's _expand_role.
            role: names ? { id: x.roleId, name: role?.name } : { id: x.roleId },
            user: names ? { id: x.userId, name: user?.name, domain: domainRef(user?.domainId ?? 'default') } : { id: x.userId },
            scope: { project: names ? { id: x.projectId, name: project?.name, domain: domainRef(project?.domainId ?? 'default') } : { id: x.projectId } },
            links: { assignment: link(`projects/${x.projectId}/users/${x.userId}/roles/${x.roleId}`) },
          };
        }),
        links: listLinks('role_assignments'),
      });
    })
    .on(['PUT', 'DELETE', 'HEAD'], /^\/v3\/projects\/([^/]+)\/users\/([^/]+)\/roles\/([^/]+)$/, (req, [pid, uid, rid]) => {
      const a = auth(req);
      if (!a.isAdmin) forbidden('identity:create_grant');
      const p = w.projects.get(pid ?? '');
      const u = w.users.get(uid ?? '');
      const r = w.roles.get(rid ?? '');
      if (!p) notFound('project', pid ?? '');
      if (!u) notFound('user', uid ?? '');
      if (!r) notFound('role', rid ?? '');
      const has = w.assignments.some((x) => x.userId === u.id && x.projectId === p.id && x.roleId === r.id);
      if (req.method === 'HEAD') {
        if (!has) notFound('role assignment', `${r.id}`);
        return noContent();
      }
      if (req.method === 'PUT') w.grant(u.id, p.id, r.name);
      else {
        if (!has) notFound('role assignment', r.id);
        w.assignments = w.assignments.filter((x) => !(x.userId === u.id && x.projectId === p.id && x.roleId === r.id));
      }
      w.record({ kind: 'keystone.assignment', id: `${u.name}@${p.name}`, to: `${req.method === 'PUT' ? '+' : '-'}${r.name}` });
      return noContent();
    })
    .on('POST', /^\/v3\/users\/([^/]+)\/application_credentials$/, (req, [uid]) => {
      const a = auth(req);
      if (a.user.id !== uid) forbidden('Cannot create an application credential for another user');
      if (a.appCred && !a.appCred.unrestricted) forbidden("Using method 'application_credential' is not allowed for managing additional application credentials");
      if (!a.projectId) fail('keystone', 400, 'An application credential must be created with a project-scoped token.');
      const body = rec(objectBody(req)['application_credential']);
      const name = str(body?.['name']);
      if (!body || !name) fail('keystone', 400, "Invalid input for field 'name': a name is required.");
      if ([...w.appCreds.values()].some((c) => c.userId === a.user.id && c.name === name)) fail('keystone', 409, `Conflict occurred attempting to store application_credential - Duplicate entry found with name ${name}.`);
      const held = w.rolesOf(a.user.id, a.projectId);
      let roleIds: string[];
      if (Array.isArray(body['roles'])) {
        roleIds = (body['roles'] as unknown[]).map((r) => {
          const o = rec(r) ?? {};
          const role = str(o['id']) ? w.roles.get(str(o['id']) as string) : str(o['name']) ? w.roleByName(str(o['name']) as string) : undefined;
          if (!role || !held.some((h) => h.id === role.id)) fail('keystone', 400, 'Cannot create an application credential with unassigned role');
          return role.id;
        });
      } else {
        roleIds = [...a.token.roleIds];
      }
      const expires = str(body['expires_at']);
      const cred: AppCred = {
        id: ctx.rng.hex(32), name, description: str(body['description']) ?? '', secret: str(body['secret']) ?? secret(64),
        userId: a.user.id, projectId: a.projectId, roleIds: [...new Set(roleIds)], expiresAt: expires ? Date.parse(expires) : null,
        unrestricted: body['unrestricted'] === true, createdAt: ctx.clock.now(),
      };
      w.appCreds.set(cred.id, cred);
      w.record({ kind: 'keystone.application_credential', id: cred.id, name, to: 'created', detail: `roles=${cred.roleIds.map((r) => w.roles.get(r)?.name).join(',')}` });
      return ok({ application_credential: renderAppCred(cred, true) }, 201);
    })
    .on('GET', /^\/v3\/users\/([^/]+)\/application_credentials$/, (req, [uid]) => {
      const a = auth(req);
      if (!a.isAdmin && a.user.id !== uid) forbidden('identity:list_application_credentials');
      const name = req.query.get('name');
      const list = [...w.appCreds.values()].filter((c) => c.userId === uid && (name === null || c.name === name));
      return ok({ application_credentials: list.map((c) => renderAppCred(c, false)), links: listLinks(`users/${uid}/application_credentials`) });
    })
    .on(['GET', 'DELETE'], /^\/v3\/users\/([^/]+)\/application_credentials\/([^/]+)$/, (req, [uid, id]) => {
      const a = auth(req);
      if (!a.isAdmin && a.user.id !== uid) forbidden('identity:get_application_credential');
      const c = w.appCreds.get(id ?? '');
      if (!c || c.userId !== uid) notFound('application credential', id ?? '');
      if (req.method === 'GET') return ok({ application_credential: renderAppCred(c, false) });
      if (a.appCred && !a.appCred.unrestricted) forbidden("Using method 'application_credential' is not allowed for managing additional application credentials");
      w.appCreds.delete(c.id);
      for (const [k, t] of w.tokens) if (t.appCredId === c.id) w.tokens.delete(k);
      w.record({ kind: 'keystone.application_credential', id: c.id, name: c.name, to: 'deleted' });
      return noContent();
    });

  return (req) => dispatch(router, req);
}
