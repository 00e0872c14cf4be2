// The pre-flight of a run, before any step: the credentials load (a clouds.yaml is found and
// holds each cloud the site names), each scope gets one Keystone token, and each token's catalog
// has an endpoint for every service the selected steps call. Its failure is a precondition of
// the run, never a verdict on the cloud: nothing has been asked of the cloud's services yet. The
// connection it makes (tokens, resolved project id) is the one the run then uses.

import { CapiGateError, isAbortError, toCapiGateError } from '../core/errors.js';
import { realClock } from '../core/clock.js';
import { formatDuration } from '../core/duration.js';
import type { ServiceType } from './catalog.js';
import { SERVICE_NAMES } from './catalog.js';
import { connectOpenStack, loadSiteCredentials } from './openstack.js';
import type { ConnectOptions, OpenStack } from './openstack.js';

/** A Keystone that has not issued a token in this long is reported as not answering. */
export const PREFLIGHT_DEADLINE_MS = 60_000;

/**
 * The scopes that call each service (admin: project lookup, Octavia failover and amphorae, image
 * and flavor checks; tenant: everything the cluster creator does). A service is checked in the
 * catalog of each scope that calls it: with endpoint filtering, one project may see what the other
 * does not.
 */
const SCOPES: Readonly<Record<ServiceType, readonly ('admin' | 'tenant')[]>> = {
  identity: ['admin', 'tenant'],
  image: ['admin', 'tenant'],
  'load-balancer': ['admin', 'tenant'],
  compute: ['admin', 'tenant'],
  network: ['tenant'],
  'container-infra': ['tenant'],
};

export interface PreflightOptions extends ConnectOptions {
  /** The services the selected steps call (identity is always checked). */
  readonly services: readonly ServiceType[];
  /** Overall budget (default PREFLIGHT_DEADLINE_MS). */
  readonly deadlineMs?: number;
}

export interface PreflightResult {
  readonly openstack: OpenStack;
  /** The distinct cloud entries that authenticated (admin and tenant may be one). */
  readonly clouds: readonly string[];
  /** The services found in the catalog, identity first. */
  readonly services: readonly ServiceType[];
  readonly elapsedMs: number;
}

export async function preflight(o: PreflightOptions): Promise<PreflightResult> {
  const clock = o.clock ?? realClock;
  const started = clock.now();
  const env = o.env ?? process.env;
  // Loaded here too (it is only a file read) so that a failure below can name cloud and URL.
  const creds = loadSiteCredentials(o.site, env, o.search);
  const budgetMs = o.deadlineMs ?? PREFLIGHT_DEADLINE_MS;
  const deadline = AbortSignal.timeout(budgetMs);
  const signal = AbortSignal.any([o.signal, deadline]);
  const services: ServiceType[] = ['identity', ...new Set(o.services.filter((s) => s !== 'identity'))];
  let os: OpenStack | undefined;
  let scope: 'admin' | 'tenant' = 'admin';
  try {
    os = await connectOpenStack({ ...o, signal });
    scope = 'tenant';
    await os.tenant.token(signal);
    for (const service of services) {
      for (const s of SCOPES[service]) await (s === 'admin' ? os.admin : os.tenant).endpoint(service, signal);
    }
  } catch (e) {
    await os?.close().catch(() => undefined);
    const c = scope === 'admin' ? creds.admin : creds.tenant;
    if (o.signal.aborted) throw toCapiGateError(e);
    const where = `Keystone of cloud '${c.cloud}' (${c.source}) at ${c.authUrl}`;
    const hint = `Check auth_url of '${c.cloud}' and that this host reaches it (curl -sk ${c.authUrl}); nothing was run, nothing is recorded.`;
    if (deadline.aborted && isAbortError(e)) {
      throw new CapiGateError('CAPI_GATE_UNREACHABLE', `pre-flight: ${where} did not issue ${scope === 'admin' ? 'an admin' : 'a tenant'} token within ${formatDuration(budgetMs)}`, { hint, cause: e });
    }
    const err = toCapiGateError(e);
    const status = (e as { status?: unknown }).status;
    if (err.code === 'CAPI_GATE_TRANSPORT' || (err.code === 'CAPI_GATE_API' && typeof status === 'number' && status >= 500)) {
      throw new CapiGateError('CAPI_GATE_UNREACHABLE', `pre-flight: ${where} ${err.code === 'CAPI_GATE_TRANSPORT' ? 'cannot be reached' : 'does not work'}: ${err.message.split('\n')[0] ?? ''}`, { hint, cause: e, blocks: err.blocks });
    }
    if (err.code === 'CAPI_GATE_PRECONDITION' || err.code === 'CAPI_GATE_CREDENTIALS') {
      throw new CapiGateError(err.code, `pre-flight: ${err.message}`, { ...(err.hint ? { hint: err.hint } : {}), cause: e, blocks: err.blocks });
    }
    throw err;
  }
  const clouds = [...new Set([creds.admin.cloud, creds.tenant.cloud])];
  return { openstack: os, clouds, services, elapsedMs: clock.now() - started };
}

/** One line for the run's output: what the pre-flight established. */
export function describePreflight(r: PreflightResult): string {
  const n = r.clouds.length;
  return `pre-flight: ${n} cloud${n === 1 ? '' : 's'} authenticated (${r.clouds.join(', ')}), catalog has ${r.services.length} service${r.services.length === 1 ? '' : 's'} (${r.services.map((s) => SERVICE_NAMES[s]).join(', ')}) in ${r.elapsedMs} ms`;
}
