// Shared CLI plumbing: version, runs directory, site loading, services.

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Phase08Services } from '../phase08/index.js';
import type { LoadedSite } from '../site/load.js';
import { realClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { connectOpenStack } from '../openstack/index.js';
import { createHostServices } from '../hosts/index.js';
import { occmLoadBalancerName, serviceLoadBalancerMatches } from '../kube/services.js';
import type { KubeServices, LoadBalancerState } from '../kube/index.js';

function lbState(lb: { id: string; name: string; provisioningStatus: string; operatingStatus: string }): LoadBalancerState {
  return { id: lb.id, name: lb.name, provisioningStatus: lb.provisioningStatus, operatingStatus: lb.operatingStatus };
}

/** Adapts the OpenStack clients to what 8.3 and D-011.4 need: certificates and the Service LB are tenant calls, failover is admin. */
function kubeServices(site: LoadedSite, openstack: (signal: AbortSignal) => Promise<OpenStack>): KubeServices {
  return {
    magnum: {
      getCa: async (ref, signal) => {
        const os = await openstack(signal);
        return os.magnum.getClusterCa(os.tenant, ref, signal);
      },
      signCsr: async (ref, csrPem, signal) => {
        const os = await openstack(signal);
        return os.magnum.signCertificate(os.tenant, ref, csrPem, signal);
      },
      locate: async (name, signal) => {
        const os = await openstack(signal);
        const c = await os.magnum.getCluster(os.tenant, name, signal);
        return { uuid: c.uuid, apiAddress: c.apiAddress ?? null };
      },
    },
    ...(site.site.managementCluster ? { managementKubeconfig: site.site.managementCluster.kubeconfig } : {}),
    octavia: {
      serviceLoadBalancers: async (svc, signal) => {
        const os = await openstack(signal);
        // The CCM names the LB after the CAPI cluster (the stack_id), not the Magnum name.
        const lbs = await os.octavia.listLoadBalancers(os.tenant, svc.capiCluster ? { name: occmLoadBalancerName(svc.capiCluster, svc.namespace, svc.name) } : { projectId: os.projectId }, signal);
        return lbs.filter((lb) => lb.provisioningStatus !== 'DELETED' && serviceLoadBalancerMatches(lb.name, svc)).map(lbState);
      },
      failover: async (id, signal) => {
        const os = await openstack(signal);
        await os.octavia.failoverLoadBalancer(os.admin, id, signal);
      },
      getLoadBalancer: async (id, signal) => {
        const os = await openstack(signal);
        const lb = await os.octavia.findLoadBalancer(os.admin, id, signal);
        return lb ? lbState(lb) : undefined;
      },
      pools: async (id, signal) => {
        const os = await openstack(signal);
        const pools = await os.octavia.listPools(os.tenant, { loadbalancerId: id }, signal);
        return Promise.all(pools.map(async (p) => ({
          id: p.id, name: p.name, lbAlgorithm: p.lbAlgorithm, protocol: p.protocol, operatingStatus: p.operatingStatus,
          members: (await os.octavia.listMembers(os.tenant, p.id, signal)).map((m) => ({ name: m.name, address: m.address, protocolPort: m.protocolPort, operatingStatus: m.operatingStatus })),
        })));
      },
    },
  };
}
import type { OpenStack } from '../openstack/index.js';
import { CapiGateError } from '../core/errors.js';
import { clusterName } from '../site/schema.js';
import type { TraceEntry } from '../http/index.js';

/**
 * The folder holding capi-gate's package.json, docs/ and the simulator's scenario files: three up
 * from dist/src/cli/ and dist/bundle/cli/ (the clone, the npm package). The single executable has
 * no such folder next to it: its entry (scripts/sea-entry.cjs) unpacks those files and names the
 * folder in globalThis.__capiGatePackageRoot before the bundle runs.
 */
export const PACKAGE_ROOT = (globalThis as { __capiGatePackageRoot?: string }).__capiGatePackageRoot ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function version(): string {
  try {
    return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** What scripts/bundle.mjs records of the build in dist/build-info.json. */
interface BuildInfo { readonly commit?: string; readonly dirty?: boolean; readonly builtAt?: string }

/** `capi-gate --version`: the version and the commit the build was made from (dist/build-info.json). */
export function versionLine(): string {
  let info: BuildInfo = {};
  try {
    info = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'dist', 'build-info.json'), 'utf8')) as BuildInfo;
  } catch {
    // a bare `tsc` build: no build record
  }
  const commit = info.commit ? `commit ${info.commit}${info.dirty ? ' with uncommitted changes' : ''}` : 'commit unknown (no dist/build-info.json: built without scripts/bundle.mjs)';
  return `capi-gate ${version()} (${commit}${info.builtAt ? `, built ${info.builtAt}` : ''})`;
}

export function runsDir(opt: string | undefined): string {
  return resolve(opt ?? process.env.CAPI_GATE_RUNS_DIR ?? 'runs');
}

export interface BuiltServices {
  readonly services: Phase08Services;
  close(): Promise<void>;
}

/**
 * The real clients, each connected lazily and once; a failed connect is retried on the next use.
 * `connected`: the connection the run's pre-flight made (its tokens are reused).
 */
export function buildServices(site: LoadedSite, env: NodeJS.ProcessEnv, clock: Clock = realClock, connected?: OpenStack, onCall?: (entry: TraceEntry) => void): BuiltServices {
  let os: Promise<OpenStack> | undefined = connected ? Promise.resolve(connected) : undefined;
  const openstack = (signal: AbortSignal): Promise<OpenStack> => {
    if (!os) {
      os = connectOpenStack({ site: site.site, env, clock, signal, ...(onCall ? { onCall } : {}) });
      os.catch(() => {
        os = undefined;
      });
    }
    return os;
  };
  const services: Phase08Services = {
    env,
    openstack,
    hosts: createHostServices(site, env),
    kube: kubeServices(site, openstack),
  };
  return {
    services,
    close: async () => {
      const o = await os?.catch(() => undefined);
      await o?.close();
    },
  };
}

/** The site with another cluster name (checked as the site file's would be). */
export function withClusterName(loaded: LoadedSite, name: string): LoadedSite {
  const r = clusterName.safeParse(name);
  if (!r.success) throw new CapiGateError('CAPI_GATE_USAGE', `cluster name ${JSON.stringify(name)}: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return { ...loaded, site: { ...loaded.site, cluster: { ...loaded.site.cluster, name } } };
}
