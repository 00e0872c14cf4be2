// Test helper (not a test): a MockAgent (disableNetConnect) that plays Keystone v3 with a
// catalog for every service, so client tests only add the service interceptors they check.

import { MockAgent } from 'undici';
import type { MockCallHistoryLog } from 'undici';
import type { Clock } from '../core/clock.js';
import { HttpTransport } from '../http/index.js';
import type { CloudCredentials } from './credentials.js';
import { AdminSession, brandProjectId, narrowToProject } from './session.js';
import type { ProjectId, TenantSession } from './session.js';

export const KEYSTONE = 'http://127.0.0.1:5000';
export const MAGNUM = 'http://127.0.0.1:9511';
export const GLANCE = 'http://127.0.0.1:9292';
export const OCTAVIA = 'http://127.0.0.1:9876';
export const NOVA = 'http://127.0.0.1:8774';
export const NEUTRON = 'http://127.0.0.1:9696';

export const ADMIN_PROJECT_ID = '65ce73e6798e4d1e8dd066609b7033ef';
export const CAPI_PROJECT_ID = 'd5bc125c7c1841d389b76cd0a7b0a915';
export const ADMIN_PASSWORD = 'admin-Pa55word-never-shown';
export const APPCRED_SECRET = 'appcred-S3cret-never-shown';

function endpoints(url: string) {
  return ['public', 'internal', 'admin'].map((i) => ({ id: `${i}-${url}`, interface: i, region_id: 'RegionOne', region: 'RegionOne', url }));
}

export const CATALOG = [
  { type: 'identity', name: 'keystone', endpoints: endpoints(`${KEYSTONE}/v3`) },
  { type: 'container-infra', name: 'magnum', endpoints: endpoints(`${MAGNUM}/v1`) },
  { type: 'image', name: 'glance', endpoints: endpoints(GLANCE) },
  { type: 'load-balancer', name: 'octavia', endpoints: endpoints(OCTAVIA) },
  { type: 'compute', name: 'nova', endpoints: endpoints(`${NOVA}/v2.1`) },
  { type: 'network', name: 'neutron', endpoints: endpoints(NEUTRON) },
];

export const adminCreds: CloudCredentials = {
  cloud: 'sim-admin',
  source: '/tmp/test/clouds.yaml',
  authUrl: `${KEYSTONE}/v3`,
  authType: 'password',
  user: { name: 'admin', domainName: 'admin_domain' },
  password: ADMIN_PASSWORD,
  project: { name: 'admin', domainName: 'admin_domain' },
};

export const tenantAppCred: CloudCredentials = {
  cloud: 'sim-tenant',
  source: '/tmp/test/clouds.yaml',
  authUrl: `${KEYSTONE}/v3`,
  authType: 'v3applicationcredential',
  applicationCredential: { id: 'ac-0001', secret: APPCRED_SECRET },
};

export interface MockCloudOptions {
  /** Token lifetime in ms (server side: issued_at → expires_at). Default 1 h. */
  readonly tokenLifetimeMs?: number;
  /** The project an application credential is bound to. */
  readonly appCredProjectId?: string;
}

export interface MockCloud {
  readonly agent: MockAgent;
  /** Every token issued, in order. */
  readonly tokens: string[];
  /** Parsed bodies of POST /v3/auth/tokens, in order. */
  readonly authBodies: Record<string, unknown>[];
  /** Calls recorded by the MockAgent (all origins), optionally only one origin. */
  calls(origin?: string): MockCallHistoryLog[];
}

export function mockCloud(options: MockCloudOptions = {}): MockCloud {
  const agent = new MockAgent({ enableCallHistory: true });
  agent.disableNetConnect();
  const tokens: string[] = [];
  const authBodies: Record<string, unknown>[] = [];
  const lifetime = options.tokenLifetimeMs ?? 3_600_000;
  agent
    .get(KEYSTONE)
    .intercept({ path: '/v3/auth/tokens', method: 'POST' })
    .reply<object>((req) => {
      const body = JSON.parse(String(req.body)) as { auth: { identity: { methods: string[] }; scope?: { project?: { id?: string; name?: string } } } };
      authBodies.push(body as unknown as Record<string, unknown>);
      const appCred = body.auth.identity.methods.includes('application_credential');
      if (appCred && body.auth.scope) {
        return { statusCode: 401, data: { error: { code: 401, message: 'Application credentials cannot request a scope.', title: 'Unauthorized' } } };
      }
      const scope = body.auth.scope?.project;
      const projectId = appCred ? (options.appCredProjectId ?? CAPI_PROJECT_ID) : scope?.id ?? (scope?.name === 'admin' ? ADMIN_PROJECT_ID : undefined);
      const token = `gAAAAABtoken-${tokens.length + 1}-${'q'.repeat(48)}`;
      tokens.push(token);
      const issued = Date.UTC(2026, 10, 24, 3, 7, 0);
      const data = {
        token: {
          methods: body.auth.identity.methods,
          user: { id: appCred ? 'u-capi' : 'u-admin', name: appCred ? 'capi-user' : 'admin', domain: { id: 'default', name: 'Default' } },
          expires_at: new Date(issued + lifetime).toISOString(),
          issued_at: new Date(issued).toISOString(),
          ...(projectId ? { project: { id: projectId, name: projectId === ADMIN_PROJECT_ID ? 'admin' : 'capi-mgmt', domain: { id: 'd', name: 'd' } } } : {}),
          roles: [{ id: 'r1', name: 'member' }],
          catalog: projectId ? CATALOG : [],
          ...(appCred ? { application_credential: { id: 'ac-0001', name: 'capi', restricted: true } } : {}),
        },
      };
      return { statusCode: 201, data, responseOptions: { headers: { 'x-subject-token': token, 'content-type': 'application/json' } } };
    })
    .persist();
  return {
    agent,
    tokens,
    authBodies,
    calls(origin) {
      const all = agent.getCallHistory()?.calls() ?? [];
      return origin ? all.filter((c) => c.origin === origin) : all;
    },
  };
}

/** A clock tests move by hand. */
export function manualClock(start = Date.UTC(2026, 10, 24, 3, 7, 0)): Clock & { advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
    sleep(ms) {
      t += ms;
      return Promise.resolve();
    },
  };
}

export interface Sessions {
  readonly cloud: MockCloud;
  readonly transport: HttpTransport;
  readonly admin: AdminSession;
  readonly tenant: TenantSession;
  readonly projectId: ProjectId;
}

/** An admin session and a tenant session (app-cred) on a mock cloud. */
export function sessions(options: MockCloudOptions & { clock?: Clock; tenantCreds?: CloudCredentials } = {}): Sessions {
  const cloud = mockCloud(options);
  const clock = options.clock ?? manualClock();
  const transport = new HttpTransport({ dispatcher: cloud.agent, clock, random: () => 0 });
  const admin = new AdminSession(adminCreds, { transport, clock, region: 'RegionOne', interface: 'public' });
  const projectId = brandProjectId(CAPI_PROJECT_ID);
  const tenant = narrowToProject(options.tenantCreds ?? tenantAppCred, projectId, { transport, clock, region: 'RegionOne', interface: 'public' });
  return { cloud, transport, admin, tenant, projectId };
}

export function header(call: MockCallHistoryLog | undefined, name: string): string | undefined {
  const h = call?.headers as Record<string, string | string[]> | null | undefined;
  const v = h?.[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

export function jsonBody(call: MockCallHistoryLog | undefined): unknown {
  return call?.body ? JSON.parse(String(call.body)) : undefined;
}

export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}
