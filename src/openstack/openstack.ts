// The OpenStack facade: credentials for both scopes, one transport, the admin session, the
// capi-mgmt project id resolved while admin-scoped, then the tenant session narrowed to that id
// (the runbook's scope-hygiene preambles, DOCFIX-034). The tenant authenticates on first use.

import type { Dispatcher } from 'undici';
import type { Clock } from '../core/clock.js';
import { realClock } from '../core/clock.js';
import { HttpTransport, readCaBundle } from '../http/index.js';
import type { TraceEntry } from '../http/index.js';
import type { Site } from '../site/schema.js';
import { loadCloudCredentials } from './clouds.js';
import type { CredentialSearch } from './clouds.js';
import type { CloudCredentials } from './credentials.js';
import { glance } from './glance.js';
import type { GlanceClient } from './glance.js';
import { keystone, resolveProjectId } from './keystone.js';
import type { KeystoneClient } from './keystone.js';
import { magnum } from './magnum.js';
import type { MagnumClient } from './magnum.js';
import { neutron } from './neutron.js';
import type { NeutronClient } from './neutron.js';
import { nova } from './nova.js';
import type { NovaClient } from './nova.js';
import { octavia } from './octavia.js';
import type { OctaviaClient } from './octavia.js';
import { AdminSession, narrowToProject } from './session.js';
import type { ProjectId, SessionOptions, TenantSession } from './session.js';

export interface ConnectOptions {
  readonly site: Site;
  /** Default process.env (OS_CLOUD, OS_CLIENT_CONFIG_FILE, OS_*). */
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  readonly signal: AbortSignal;
  /** undici MockAgent in tests; default an Agent with the site's (or the cloud's) TLS settings. */
  readonly dispatcher?: Dispatcher;
  /** Where to look for clouds.yaml besides the site's file (tests point cwd/home at a temp dir). */
  readonly search?: Omit<CredentialSearch, 'env' | 'cloudsFile'>;
  readonly onCall?: (entry: TraceEntry) => void;
  /** Jitter source for retries (seeded in tests). */
  readonly random?: () => number;
}

export interface OpenStack {
  readonly admin: AdminSession;
  readonly tenant: TenantSession;
  readonly projectId: ProjectId;
  readonly keystone: KeystoneClient;
  readonly magnum: MagnumClient;
  readonly glance: GlanceClient;
  readonly octavia: OctaviaClient;
  readonly nova: NovaClient;
  readonly neutron: NeutronClient;
  /** The shared transport: its trace holds the last calls. */
  readonly transport: HttpTransport;
  /** Closes connections. */
  close(): Promise<void>;
}

function tlsFrom(site: Site, admin: CloudCredentials, tenant: CloudCredentials): { ca?: string; insecure: boolean } {
  const insecure = site.tls.insecure || admin.insecure === true || tenant.insecure === true;
  if (site.tls.caBundle) return { ca: readCaBundle(site.tls.caBundle, 'site tls.caBundle'), insecure };
  const fromCloud = admin.cacert ?? tenant.cacert;
  if (fromCloud) return { ca: readCaBundle(fromCloud, `cacert of cloud '${admin.cacert ? admin.cloud : tenant.cloud}'`), insecure };
  return { insecure };
}

/** Loads both clouds' credentials (no network). Errors are CAPI_GATE_CREDENTIALS naming cloud and file. */
export function loadSiteCredentials(site: Site, env: NodeJS.ProcessEnv, search: ConnectOptions['search'] = {}): { admin: CloudCredentials; tenant: CloudCredentials } {
  const common = { ...search, env, ...(site.openstack.cloudsFile ? { cloudsFile: site.openstack.cloudsFile } : {}) };
  return {
    admin: loadCloudCredentials({ ...common, cloud: site.openstack.clouds.admin }),
    tenant: loadCloudCredentials({ ...common, cloud: site.openstack.clouds.tenant }),
  };
}

/**
 * Connects to the site's cloud: authenticates the admin scope and resolves the project id by
 * name + domain (that is the only network work done here); the tenant session authenticates on
 * its first call.
 */
export async function connectOpenStack(options: ConnectOptions): Promise<OpenStack> {
  const { site, signal } = options;
  const env = options.env ?? process.env;
  const clock = options.clock ?? realClock;
  const creds = loadSiteCredentials(site, env, options.search);
  const transport = new HttpTransport({
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : { tls: tlsFrom(site, creds.admin, creds.tenant) }),
    clock,
    ...(options.onCall ? { onCall: options.onCall } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
  const sessionOptions: SessionOptions = { transport, clock, region: site.openstack.region, interface: site.openstack.interface };
  const admin = new AdminSession(creds.admin, { ...sessionOptions, adminProject: { name: site.adminProject.name, domainName: site.adminProject.domain } });
  try {
    const projectId = await resolveProjectId(admin, site.project.name, site.project.domain, signal);
    const tenant = narrowToProject(creds.tenant, projectId, sessionOptions);
    return {
      admin,
      tenant,
      projectId,
      keystone,
      magnum,
      glance,
      octavia,
      nova,
      neutron,
      transport,
      close: () => (options.dispatcher ? Promise.resolve() : transport.close()),
    };
  } catch (e) {
    if (!options.dispatcher) await transport.close().catch(() => undefined);
    throw e;
  }
}
