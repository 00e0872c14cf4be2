// Keystone v3 sessions (DESIGN "Scope hygiene by construction"). A session authenticates lazily,
// keeps token + catalog, re-authenticates before expires_at and once on a 401, and signs every
// service call with X-Auth-Token. Admin scope and tenant project scope are distinct classes:
// a call that needs one does not compile with the other.

import type { ZodType } from 'zod';
import { realClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { CapiGateError, isCapiGateError } from '../core/errors.js';
import { redactor } from '../core/redact.js';
import { ApiError } from '../http/index.js';
import type { HttpMethod, HttpRequest, HttpResponse, HttpTransport, JsonResponse, Query } from '../http/index.js';
import { SERVICE_NAMES, selectEndpoint, versionedEndpoint } from './catalog.js';
import type { ServiceType } from './catalog.js';
import { describeOrigin } from './credentials.js';
import type { CloudCredentials, EndpointInterface, NamedRef } from './credentials.js';
import { refreshAt, tokenBodySchema } from './token.js';
import type { TokenInfo } from './token.js';

declare const projectIdBrand: unique symbol;
/** A project id that was resolved by name while admin-scoped (DOCFIX-034), never a literal. */
export type ProjectId = string & { readonly [projectIdBrand]: true };

/** Only keystone.ts mints these (resolveProjectId). */
export function brandProjectId(id: string): ProjectId {
  return id as ProjectId;
}

export interface SessionOptions {
  readonly transport: HttpTransport;
  readonly clock?: Clock;
  /** Site openstack.region (wins over the cloud entry's region_name). */
  readonly region?: string;
  readonly interface?: EndpointInterface;
  /** Refresh this long before expiry (default 60 s; at most half the token lifetime). */
  readonly reauthMarginMs?: number;
}

export interface ServiceCall {
  readonly service: ServiceType;
  readonly method: HttpMethod;
  /** Joined to the versioned endpoint, e.g. "/clusters/capi-test-1". */
  readonly path: string;
  readonly operation: string;
  readonly signal: AbortSignal;
  readonly query?: Query;
  readonly headers?: Readonly<Record<string, string>>;
  readonly json?: unknown;
  readonly body?: HttpRequest['body'];
  readonly accept?: readonly number[];
  readonly timeoutMs?: number;
}

/** The scope part of POST /v3/auth/tokens; undefined sends none (application credentials). */
type ScopeRequest = { project: Record<string, unknown> } | undefined;

function userJson(u: NamedRef): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (u.id) out['id'] = u.id;
  if (u.name) out['name'] = u.name;
  if (!u.id && (u.domainId || u.domainName)) out['domain'] = u.domainId ? { id: u.domainId } : { name: u.domainName };
  return out;
}

/** POST /v3/auth/tokens body (api-notes §2.2). Application credentials never carry a scope. */
export function authRequestBody(creds: CloudCredentials, scope: ScopeRequest): Record<string, unknown> {
  if (creds.authType === 'v3applicationcredential') {
    const ac = creds.applicationCredential;
    const appCred: Record<string, unknown> = ac.id ? { id: ac.id, secret: ac.secret } : { name: ac.name, secret: ac.secret, user: userJson(ac.user ?? {}) };
    return { auth: { identity: { methods: ['application_credential'], application_credential: appCred } } };
  }
  const identity = { methods: ['password'], password: { user: { ...userJson(creds.user), password: creds.password } } };
  return { auth: { identity, ...(scope ? { scope } : {}) } };
}

function projectScope(p: NamedRef): ScopeRequest {
  if (p.id) return { project: { id: p.id } };
  return { project: { name: p.name, domain: p.domainId ? { id: p.domainId } : { name: p.domainName } } };
}

function identityUrl(authUrl: string): string {
  return versionedEndpoint('identity', authUrl);
}

abstract class Session {
  abstract readonly scope: 'admin' | 'tenant';
  readonly credentials: CloudCredentials;
  protected readonly transport: HttpTransport;
  protected readonly clock: Clock;
  private readonly region: string | undefined;
  private readonly iface: EndpointInterface;
  private readonly marginMs: number;
  private current: TokenInfo | undefined;
  private pending: Promise<TokenInfo> | undefined;
  private authCount = 0;

  protected constructor(creds: CloudCredentials, options: SessionOptions) {
    // Credentials may be built by hand (tests, other loaders): register their secrets here too.
    redactor.add(creds.authType === 'password' ? creds.password : creds.applicationCredential.secret);
    this.credentials = creds;
    this.transport = options.transport;
    this.clock = options.clock ?? realClock;
    this.region = options.region ?? creds.region;
    this.iface = options.interface ?? creds.interface ?? 'public';
    this.marginMs = options.reauthMarginMs ?? 60_000;
  }

  /** The cloud name and where its credentials came from (for messages). */
  get origin(): string {
    return describeOrigin(this.credentials);
  }

  /** How many times this session has authenticated (tests and benchmarks). */
  get authentications(): number {
    return this.authCount;
  }

  protected abstract scopeRequest(): ScopeRequest;
  /** Checks the issued token has the scope this session promises (throws CAPI_GATE_CREDENTIALS). */
  protected abstract checkScope(token: TokenInfo): void;

  /** Drops the token; the next call re-authenticates. */
  invalidate(): void {
    this.current = undefined;
  }

  /** A valid token, authenticating when there is none or it is about to expire. */
  async token(signal: AbortSignal): Promise<TokenInfo> {
    for (;;) {
      const cur = this.current;
      if (cur && this.clock.now() < cur.refreshAtMs) return cur;
      this.pending ??= this.authenticate(signal).finally(() => {
        this.pending = undefined;
      });
      try {
        return await this.pending;
      } catch (e) {
        // Another caller's abort ended the shared attempt; ours is still wanted.
        if (isCapiGateError(e, 'CAPI_GATE_ABORTED') && !signal.aborted) continue;
        throw e;
      }
    }
  }

  /** The base URL for a service type (catalog, interface, region, version suffix). */
  async endpoint(service: ServiceType, signal: AbortSignal): Promise<string> {
    const token = await this.token(signal);
    if (service === 'identity' && !token.catalog.some((s) => s.type === 'identity')) return identityUrl(this.credentials.authUrl);
    return versionedEndpoint(service, selectEndpoint(token.catalog, service, { interface: this.iface, region: this.region }));
  }

  /** A signed call to a catalog service; re-authenticates once on 401. */
  async request(call: ServiceCall): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.token(call.signal);
      const base = await this.endpoint(call.service, call.signal);
      try {
        return await this.transport.request({
          method: call.method,
          url: `${base}${call.path}`,
          service: SERVICE_NAMES[call.service],
          operation: call.operation,
          signal: call.signal,
          headers: { ...call.headers, 'x-auth-token': token.value },
          ...(call.query ? { query: call.query } : {}),
          ...(call.json !== undefined ? { json: call.json } : {}),
          ...(call.body !== undefined ? { body: call.body } : {}),
          ...(call.accept ? { accept: call.accept } : {}),
          ...(call.timeoutMs !== undefined ? { timeoutMs: call.timeoutMs } : {}),
        });
      } catch (e) {
        // A 401 is refused before the service acts, so even a POST may be sent again once.
        if (e instanceof ApiError && e.status === 401 && attempt === 1 && call.body === undefined) {
          if (this.current === token) this.invalidate();
          continue;
        }
        throw e;
      }
    }
  }

  async requestJson<T>(call: ServiceCall, schema: ZodType<T>): Promise<JsonResponse<T>> {
    const res = await this.request(call);
    return { ...res, data: this.transport.parseJson(res, schema) };
  }

  /** Parses a response of request() (CAPI_GATE_BAD_RESPONSE with the last calls when it does not fit). */
  parseJson<T>(res: HttpResponse, schema: ZodType<T>): T {
    return this.transport.parseJson(res, schema);
  }

  /** requestJson, with 404 answered as undefined (a lookup that may find nothing). */
  async findJson<T>(call: ServiceCall, schema: ZodType<T>): Promise<T | undefined> {
    const res = await this.request({ ...call, accept: [...(call.accept ?? []), 404] });
    if (res.status === 404) return undefined;
    return this.transport.parseJson(res, schema);
  }

  private async authenticate(signal: AbortSignal): Promise<TokenInfo> {
    const creds = this.credentials;
    const url = `${identityUrl(creds.authUrl)}/auth/tokens`;
    let res: HttpResponse;
    try {
      res = await this.transport.request({
        method: 'POST',
        url,
        service: 'keystone',
        operation: `authenticate ${this.scope} scope`,
        signal,
        json: authRequestBody(creds, this.scopeRequest()),
        // Issuing a token creates nothing that matters; replaying it is harmless.
        replaySafe: true,
      });
    } catch (e) {
      if (e instanceof ApiError && e.status >= 400 && e.status < 500) throw this.refused(e);
      throw e;
    }
    const subject = res.headers['x-subject-token'];
    if (!subject) {
      throw new CapiGateError('CAPI_GATE_BAD_RESPONSE', `keystone authenticate ${this.scope} scope: HTTP ${res.status} without an X-Subject-Token header`, {
        hint: 'The auth URL does not point at Keystone v3 (a proxy, or a v2.0 endpoint?).',
      });
    }
    redactor.add(subject);
    const body = this.transport.parseJson(res, tokenBodySchema).token;
    const serverNow = Date.parse(res.headers['date'] ?? '') || Date.parse(body.issued_at ?? '') || this.clock.now();
    const token: TokenInfo = {
      value: subject,
      refreshAtMs: refreshAt(this.clock.now(), body.expires_at, body.issued_at, this.marginMs, serverNow),
      expiresAt: body.expires_at,
      methods: body.methods,
      userId: body.user.id,
      userName: body.user.name ?? undefined,
      projectId: body.project?.id,
      projectName: body.project?.name ?? undefined,
      roles: (body.roles ?? []).map((r) => r.name),
      catalog: (body.catalog ?? []).map((s) => ({ type: s.type, name: s.name ?? undefined, endpoints: s.endpoints })),
      applicationCredentialId: body.application_credential?.id,
    };
    this.checkScope(token);
    this.current = token;
    this.authCount++;
    return token;
  }

  private refused(e: ApiError): CapiGateError {
    const c = this.credentials;
    const appCred = c.authType === 'v3applicationcredential';
    const hint = appCred
      ? 'Check the application credential id/secret and that it has not expired or been deleted; an application credential takes no project scope (unset OS_PROJECT_* left over from another openrc).'
      : 'Check the username, password, user domain and project in the cloud entry; the user needs a role on the project.';
    return new CapiGateError(
      'CAPI_GATE_CREDENTIALS',
      redactor.redact(`keystone refused the ${this.scope} credentials of ${this.origin}: HTTP ${e.status}${e.serverMessage ? ` ${e.serverMessage}` : ''}`),
      { hint, cause: e, blocks: e.blocks },
    );
  }
}

/**
 * Admin scope: the admin cloud's own project (admin-openrc). Octavia failover and amphorae,
 * role assignments and project lookup take this type.
 */
export class AdminSession extends Session {
  readonly scope = 'admin' as const;
  declare private readonly adminBrand: never;
  private readonly fallbackProject: NamedRef | undefined;

  /** `adminProject` scopes a password cloud entry that names no project (the site's adminProject). */
  constructor(creds: CloudCredentials, options: SessionOptions & { adminProject?: NamedRef }) {
    super(creds, options);
    this.fallbackProject = options.adminProject;
  }

  protected scopeRequest(): ScopeRequest {
    const c = this.credentials;
    if (c.authType === 'v3applicationcredential') return undefined;
    const p = c.project ?? this.fallbackProject;
    if (!p) {
      throw new CapiGateError('CAPI_GATE_CREDENTIALS', `${this.origin} names no project for the admin scope`, {
        hint: 'Add auth.project_name and auth.project_domain_name (the admin project) to the cloud entry.',
      });
    }
    return projectScope(p);
  }

  protected checkScope(token: TokenInfo): void {
    if (!token.projectId) {
      throw new CapiGateError('CAPI_GATE_CREDENTIALS', `the admin token of ${this.origin} is not project-scoped`, {
        hint: 'The admin scope needs a project (the admin project) so that its token carries roles and a catalog.',
      });
    }
  }
}

/**
 * Tenant scope, narrowed to the capi-mgmt project id (DOCFIX-034). Cluster CRUD and
 * certificates take this type. Built only by narrowToProject.
 */
export class TenantSession extends Session {
  readonly scope = 'tenant' as const;
  declare private readonly tenantBrand: never;
  readonly projectId: ProjectId;

  /** @internal use narrowToProject */
  constructor(creds: CloudCredentials, projectId: ProjectId, options: SessionOptions) {
    super(creds, options);
    this.projectId = projectId;
  }

  protected scopeRequest(): ScopeRequest {
    // Leftover project names in the entry are ignored: the scope is the resolved id, nothing else.
    return this.credentials.authType === 'v3applicationcredential' ? undefined : { project: { id: this.projectId } };
  }

  protected checkScope(token: TokenInfo): void {
    if (token.projectId !== this.projectId) {
      const appCred = this.credentials.authType === 'v3applicationcredential';
      throw new CapiGateError(
        'CAPI_GATE_CREDENTIALS',
        `the tenant token of ${this.origin} is scoped to project ${token.projectId ?? '(none)'}, not the resolved project ${this.projectId}`,
        {
          hint: appCred
            ? 'An application credential is bound to the project it was created in: create it while scoped to the capi-mgmt project.'
            : 'The scope leaked (DOCFIX-034): the tenant session must be narrowed to the resolved project id.',
        },
      );
    }
  }
}

export type AnySession = AdminSession | TenantSession;

/** The tenant session for a resolved project id; authenticates on first use. */
export function narrowToProject(creds: CloudCredentials, projectId: ProjectId, options: SessionOptions): TenantSession {
  return new TenantSession(creds, projectId, options);
}
