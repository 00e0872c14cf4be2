// The whole simulated site: the OpenStack APIs with the workload clusters (startSim), plus the
// host side (juju, Vault, core VIPs, the mgmt VM over SSH, the image CDN, the hypervisor:
// startHostSims), composed into one site.yaml. A scenario name is looked up in all three
// scenario folders. Deadlines and poll intervals in the written site follow the time scale, so a
// simulated 100 s failover is judged against a 100 s expectation.

import { chmodSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Site, SiteInput } from '../src/site/schema.js';
import { parseDuration } from '../src/core/duration.js';
import { listHostScenarios, startHostSims } from './hosts/index.js';
import type { HostSimHandle } from './hosts/index.js';
import { clientEnv } from './client-env.js';
import { firstLoopbackNet, setLoopbackNet } from './loopback.js';
import { KUBE_SCENARIOS } from './kube/index.js';
import { attachManagementCluster } from './kube/management-site.js';
import type { ManagementSite } from './kube/management-site.js';
import { defaultSite, listScenarios, startSim } from './index.js';
import { OpError } from './ops.js';
import type { SimHandle, SimOptions } from './index.js';

export interface SiteSimOptions extends Omit<SimOptions, 'scenario' | 'outDir'> {
  readonly outDir: string;
  /** A scenario name from sim/scenarios, sim/hosts/scenarios or sim/kube/scenarios. */
  readonly scenario?: string;
  /** Snapshot 2 on every domain, so the verdict can reach ACCEPTED. */
  readonly snapshot2?: boolean;
  /** The loopback net (0..99); default: the first free one from 0. */
  readonly net?: number;
}

export interface SiteSimHandle {
  readonly sim: SimHandle;
  readonly hosts: HostSimHandle;
  /** The management cluster's API (on the mgmt VM's address; down while the VM is not ACTIVE). */
  readonly management: ManagementSite;
  /** The composed site file for clients. */
  readonly siteFile: string;
  readonly cloudsFile: string;
  /** The environment a client run needs: OS_CLIENT_CONFIG_FILE and the juju stand-in on PATH. */
  env(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export function allScenarios(): { openstack: string[]; hosts: string[]; kube: string[] } {
  return { openstack: listScenarios(), hosts: listHostScenarios(), kube: [...KUBE_SCENARIOS] };
}

function scaleDeadlines(d: Site['deadlines'], scale: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(d)) {
    const ms = parseDuration(v) ?? 0;
    // Network timeouts stay real; everything the cloud does runs on simulated time.
    out[k] = k === 'probe' ? v : `${Math.max(1000, Math.round(ms * scale))}ms`;
  }
  return out;
}

/**
 * The control API's ops on the host side (POST /_sim/ops): `juju-set-config` sets a charm option
 * (a VIP that moved: `{op: juju-set-config, application: keystone, key: vip, value: 127.12.4.70}`).
 */
function hostOp(hosts: HostSimHandle, raw: unknown): string | undefined {
  if (raw === null || typeof raw !== 'object' || (raw as { op?: unknown }).op !== 'juju-set-config') return undefined;
  const { application, key, value } = raw as { application?: unknown; key?: unknown; value?: unknown };
  if (typeof application !== 'string' || typeof key !== 'string' || typeof value !== 'string') throw new OpError('invalid op: juju-set-config needs application, key and value (strings)');
  const state = hosts.juju.read();
  if (!state.applications[application]) throw new OpError(`no juju application ${application}`);
  ((state.config ??= {})[application] ??= {})[key] = value;
  hosts.juju.write(state);
  return `juju config ${application} ${key}=${value}`;
}

/**
 * Starts the site on the first free loopback net from o.net (default 0, or CAPI_GATE_SIM_FIRST_NET): a second simulated site
 * on the machine (another test, another `capi-gate sim`) moves to the next net.
 */
export async function startSiteSim(o: SiteSimOptions): Promise<SiteSimHandle> {
  const first = o.net ?? firstLoopbackNet();
  for (let n = first; ; n++) {
    setLoopbackNet(n);
    try {
      return await startSiteSimOnce(o);
    } catch (e) {
      const busy = /EADDRINUSE/.test(e instanceof Error ? e.message : String(e));
      if (!busy || o.net !== undefined || n >= first + 40) throw e;
    }
  }
}

async function startSiteSimOnce(o: SiteSimOptions): Promise<SiteSimHandle> {
  const site = o.site ?? defaultSite();
  const known = allScenarios();
  if (o.scenario && ![...known.openstack, ...known.hosts, ...known.kube].includes(o.scenario)) {
    throw new Error(`unknown scenario ${JSON.stringify(o.scenario)}; known: ${[...known.openstack, ...known.hosts, ...known.kube].sort().join(', ')}`);
  }
  const hostScenario = o.scenario && known.hosts.includes(o.scenario) ? o.scenario : undefined;
  const simScenario = o.scenario && !hostScenario ? o.scenario : undefined;
  const hosts = await startHostSims({ site, outDir: o.outDir, ...(hostScenario ? { scenario: hostScenario } : {}), ...(o.snapshot2 !== undefined ? { snapshot2: o.snapshot2 } : {}) });
  let sim: SimHandle;
  try {
    const image = hosts.openstack.image ?? o.image;
    // Its own folder: its mgmt env file and site.yaml must not overwrite the host side's.
    const { scenario: _named, snapshot2: _snap, net: _net, ...simOpts } = o;
    sim = await startSim({ ...simOpts, hostOp: (op) => hostOp(hosts, op), outDir: join(o.outDir, 'openstack'), site, ...(simScenario ? { scenario: simScenario } : {}), ...(image !== undefined ? { image } : {}) });
  } catch (e) {
    await hosts.close();
    throw e;
  }
  let management: ManagementSite;
  try {
    management = await attachManagementCluster({
      world: sim.world, clock: sim.clock, host: hosts.mgmtVm.host, outDir: o.outDir, mgmtVmName: site.mgmtVm.name,
      clearFinalizer: (uuid) => void sim.applyOp({ op: 'cluster-clear-finalizer', cluster: uuid }),
    });
  } catch (e) {
    await sim.close();
    await hosts.close();
    throw e;
  }
  // One mgmt VM: the host side's SSH endpoint follows its Nova state (a host OOM SHUTOFF, D-041,
  // takes SSH away with the management API; `server start` brings both back).
  const hostVmUp = hosts.mgmtVm.up;
  const offVm = sim.onTimeline((e) => {
    if (e.kind !== 'nova.server' || e.name !== site.mgmtVm.name) return;
    if (e.to === 'SHUTOFF' || e.to === 'DELETED') void hosts.mgmtVm.setUp(false).catch(() => undefined);
    else if (e.to === 'ACTIVE' && hostVmUp) void hosts.mgmtVm.setUp(true).catch(() => undefined);
  });
  if ([...sim.world.servers.values()].some((s) => s.name === site.mgmtVm.name && s.status === 'SHUTOFF')) await hosts.mgmtVm.setUp(false);
  const scale = o.timeScale ?? 1;
  const composed: SiteInput = {
    ...sim.siteInput,
    ...hosts.siteOverlay,
    managementCluster: { kubeconfig: management.kubeconfigPath },
    openstack: { ...sim.siteInput.openstack, cloudsFile: join(o.outDir, 'clouds.yaml') },
    polling: { intervalScale: Math.min(1, scale) },
    deadlines: scaleDeadlines(sim.site.deadlines, scale),
  };
  // The credentials files sit beside the composed site file, as `capi-gate sim --out` promises.
  for (const f of ['clouds.yaml', 'openrc-admin', 'openrc-tenant']) {
    copyFileSync(join(o.outDir, 'openstack', f), join(o.outDir, f));
    chmodSync(join(o.outDir, f), 0o600);
  }
  const siteFile = join(o.outDir, 'site.yaml');
  writeFileSync(siteFile, `# capi-gate simulated site: addresses are loopback (10.a.b.c -> 127.a.b.c); control API ${sim.urls.control}/_sim/\n# time scale ${scale}: deadlines and poll intervals are scaled with it; seed ${sim.seed} (capi-gate sim --seed ${sim.seed} reproduces the ids)\n${stringify(composed)}`);
  const cloudsFile = join(o.outDir, 'clouds.yaml');
  return {
    sim,
    hosts,
    management,
    siteFile,
    cloudsFile,
    env: (base = process.env) => clientEnv(cloudsFile, hosts.binDir, base),
    close: async () => {
      offVm();
      await management.close().catch(() => undefined);
      await sim.close();
      await hosts.close();
    },
  };
}
