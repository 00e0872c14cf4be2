// Token checks for the non-Keystone services (what keystonemiddleware does): a missing,
// unknown or expired X-Auth-Token is a 401 in the service's own error format.

import type { SimContext } from './context.js';
import type { Principal, SimRequest } from './http.js';
import { fail } from './http.js';
import type { AppCred, Token, User } from './state.js';

export interface Auth {
  readonly token: Token;
  readonly user: User;
  readonly projectId: string | undefined;
  readonly roles: ReadonlySet<string>;
  readonly isAdmin: boolean;
  readonly principal: Principal;
  readonly appCred: AppCred | undefined;
}

export function tokenAuth(ctx: SimContext, value: string | undefined): Auth | undefined {
  if (!value) return undefined;
  const token = ctx.world.tokens.get(value);
  if (!token || token.expiresAt <= ctx.clock.now()) return undefined;
  const user = ctx.world.users.get(token.userId);
  if (!user || !user.enabled) return undefined;
  const roles = new Set(token.roleIds.map((id) => ctx.world.roles.get(id)?.name).filter((n): n is string => n !== undefined));
  const appCred = token.appCredId ? ctx.world.appCreds.get(token.appCredId) : undefined;
  if (token.appCredId && !appCred) return undefined;
  const isAdmin = roles.has('admin');
  const principal: Principal = appCred ? 'appcred' : isAdmin ? 'admin' : 'tenant';
  return { token, user, projectId: token.projectId, roles, isAdmin, principal, appCred };
}

export function requestAuth(ctx: SimContext, req: SimRequest): Auth | undefined {
  return tokenAuth(ctx, req.header('x-auth-token'));
}

/** A valid, project-scoped token or the service's 401. */
export function requireAuth(ctx: SimContext, req: SimRequest): Auth & { projectId: string } {
  const a = requestAuth(ctx, req);
  if (!a) fail(req.service, 401, 'The request you have made requires authentication.');
  if (!a.projectId) fail(req.service, 403, 'A project-scoped token is required.');
  return a as Auth & { projectId: string };
}

export function principalOf(ctx: SimContext, req: SimRequest): { principal: Principal; user?: string } {
  const a = requestAuth(ctx, req);
  return a ? { principal: a.principal, user: a.user.name } : { principal: 'anonymous' };
}
