// `capi-gate sim --openstack real` (issue 16, item 3): the simulator serves only what no machine
// here can run -- the management cluster's Kubernetes API, the workload clusters' API servers,
// the hosts (juju, Vault, the mgmt VM over SSH, the image CDN, the hypervisor) -- and the REAL
// OpenStack services (scripts/real-openstack.sh --profile full) do everything else:
//
//  - the management cluster's kubeconfig goes beside the test Magnum driver's state file
//    ($REAL_OPENSTACK_DIR/full/magnum/capi-mgmt.kubeconfig, with this process's pid), so real
//    Magnum's driver writes the CAPI objects here, as magnum-capi-helm does;
//  - the simulated CAPI/CAPO (sim/cloud/capo.ts) reconcile them into the real Neutron, Nova and
//    Octavia through the HTTP cloud port, as the cluster's application credential;
//  - the workload API is served at the loopback address the real floating IP maps to, and its
//    CCM builds Services' load balancers in the real Octavia the same way;
//  - the site file and clouds.yaml point at the real services (coreVips: their URLs).
// No OpenStack API is served by this process: requests.json in --out shows what it served.

import { chmodSync, copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import type { Site, SiteInput } from '../../src/site/schema.js';
import { loadSite } from '../../src/site/load.js';
import { SimClock } from '../clock.js';
import { CapoController } from '../cloud/capo.js';
import type { ReadyCluster } from '../cloud/capo.js';
import { ccmLoadBalancerHooks } from '../cloud/ccm.js';
import { HttpCloud } from '../cloud/http.js';
import type { OutboundCall } from '../cloud/http.js';
import { startHostSims } from '../hosts/index.js';
import type { HostSimHandle } from '../hosts/index.js';
import { startKubeApi, startManagementApi } from '../kube/index.js';
import type { KubeApiHandle, ManagementApiHandle } from '../kube/index.js';
import { createTestCa, issueClientCert } from '../kube/tls.js';
import { clientEnv } from '../client-env.js';
import { setLoopbackNet, toLoopback } from '../loopback.js';
import { MgmtVmWatch } from './mgmt-vm.js';
import type { RealFault } from './faults.js';
import type { PasswordCloud } from './faults.js';
import { PLAIN_CLOUD, PRE_D039_CREATOR_ROLES, after, deleteApplicationCredential, lendKeypair, setLoadBalancerStatus } from './faults.js';

export const DEFAULT_REAL_DIR = '/tmp/capi-gate-real-openstack';

export interface RealSiteOptions {
  readonly outDir: string;
  /** The clouds.yaml scripts/real-openstack.sh wrote (real-admin, real-tenant); default $REAL_OPENSTACK_DIR/clouds.yaml. */
  readonly realClouds?: string;
  /** The Kubernetes side's simulated durations run 1/timeScale faster (default 0.05). */
  readonly timeScale?: number;
  /** Snapshot 2 on every hypervisor domain (D-011.7 can PASS). */
  readonly snapshot2?: boolean;
  /** A host-side scenario (sim/hosts/scenarios). */
  readonly hostScenario?: string;
  /** A fault made in the real services (sim/real/faults.ts). */
  readonly fault?: RealFault;
  /** Progress lines (no secrets). */
  log?(line: string): void;
}

export interface RealSiteHandle {
  readonly siteFile: string;
  readonly cloudsFile: string;
  readonly realDir: string;
  readonly hosts: HostSimHandle;
  readonly management: ManagementApiHandle;
  readonly managementKubeconfig: string;
  readonly capo: CapoController;
  readonly clock: SimClock;
  /** Every call this process made to the real services (no bodies, no tokens). */
  readonly outbound: readonly OutboundCall[];
  /** The workload API of a cluster (by stack id), once Provisioned. */
  workload(stackId: string): KubeApiHandle | undefined;
  /** What this process served, by server (written to requests.json in outDir too). */
  requestSummary(): RequestSummary;
  env(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export interface RequestSummary {
  /** Requests to a simulated OpenStack API: none is started, so always 0 (kept for the log's reader). */
  readonly openstack: number;
  readonly management: number;
  readonly workload: Record<string, number>;
  /** Calls made to the real services, by service type. */
  readonly outboundByService: Record<string, number>;
}

interface CloudsFile {
  clouds?: Record<string, { auth?: Record<string, string>; region_name?: string; interface?: string }>;
}

/** Reads the real control plane's files; throws with what is missing. */
export function readRealDir(realClouds: string): { dir: string; site: Site; siteText: string; clouds: CloudsFile; magnumDir: string; mgmtFip: string | undefined } {
  const dir = dirname(resolve(realClouds));
  if (!existsSync(realClouds)) throw new Error(`${realClouds} does not exist: the real control plane is not up (bash scripts/real-openstack.sh up --profile full)`);
  const siteFile = join(dir, 'site.yaml');
  const magnumDir = join(dir, 'full', 'magnum');
  if (!existsSync(siteFile) || !existsSync(magnumDir)) throw new Error(`${dir} holds no full profile (site.yaml, full/magnum): run bash scripts/real-openstack.sh up --profile full`);
  const clouds = parseYaml(readFileSync(realClouds, 'utf8')) as CloudsFile;
  for (const c of ['real-admin', 'real-tenant']) if (!clouds.clouds?.[c]) throw new Error(`${realClouds} has no cloud ${c}`);
  let mgmtFip: string | undefined;
  try {
    mgmtFip = (JSON.parse(readFileSync(join(dir, 'full', 'seed.json'), 'utf8')) as { mgmtVm?: { fip?: string } }).mgmtVm?.fip;
  } catch {
    mgmtFip = undefined;
  }
  return { dir, site: loadSite(siteFile).site, siteText: readFileSync(siteFile, 'utf8'), clouds, magnumDir, mgmtFip };
}

/** The live pid in a kubeconfig .pid file other than ours, if any. */
function otherHolder(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

function cloudFromClouds(yaml: string, onCall: (c: OutboundCall) => void): HttpCloud {
  const c = (parseYaml(yaml) as CloudsFile).clouds?.['openstack'];
  const a = c?.auth;
  if (!a?.['auth_url'] || !a['application_credential_id'] || !a['application_credential_secret']) throw new Error('the cluster clouds.yaml has no application credential');
  return new HttpCloud({
    auth: { authUrl: a['auth_url'], id: a['application_credential_id'], secret: a['application_credential_secret'], region: c?.region_name ?? 'RegionOne', interface: c?.interface ?? 'public' },
    onCall,
  });
}

export async function startRealSite(o: RealSiteOptions): Promise<RealSiteHandle> {
  const realClouds = resolve(o.realClouds ?? join(process.env['REAL_OPENSTACK_DIR'] ?? DEFAULT_REAL_DIR, 'clouds.yaml'));
  const real = readRealDir(realClouds);
  // One simulated data plane per real control plane: Magnum's driver follows one kubeconfig.
  const holder = otherHolder(join(real.magnumDir, 'capi-mgmt.kubeconfig.pid'));
  if (holder !== undefined) throw new Error(`another capi-gate sim --openstack real (pid ${holder}) serves this real control plane: stop it first (one data plane per real control plane)`);
  const outDir = resolve(o.outDir);
  const log = (l: string) => o.log?.(l);
  // The real floating IPs map to 127.a.b.c exactly (the driver publishes api_address so).
  setLoopbackNet(0);
  const scale = o.timeScale ?? 0.05;
  const clock = new SimClock(scale);
  const outbound: OutboundCall[] = [];
  const onCall = (c: OutboundCall) => {
    outbound.push(c);
    if (outbound.length > 20_000) outbound.splice(0, outbound.length - 20_000);
  };
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    // The hosts; the core VIPs are the real services, so no VIP listener is started.
    const hosts = await startHostSims({
      // The CDN off the pure simulator's 10.12.9.80, so both can run on one machine.
      site: real.site, outDir, vips: false, cdnAddress: '10.12.9.88', ...(real.mgmtFip ? { mgmtFip: real.mgmtFip } : {}),
      ...(o.snapshot2 !== undefined ? { snapshot2: o.snapshot2 } : {}), ...(o.hostScenario ? { scenario: o.hostScenario } : {}),
    });
    closers.push(() => hosts.close());

    // The management cluster on the mgmt VM's address, and its kubeconfig for the site and for
    // the real Magnum driver (beside its state file, with our pid: a stale file does not count).
    const now = Math.min(Date.now(), clock.now());
    const ca = await createTestCa('capi-mgmt-ca', now);
    const management = await startManagementApi({ host: hosts.mgmtVm.host, port: 6443, caCertPem: ca.certPem, caKeyPem: ca.keyPem, clock });
    closers.push(() => management.close());
    const user = await issueClientCert(ca.certPem, ca.keyPem, { commonName: 'kubernetes-admin', organization: 'system:masters', nowMs: now });
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const kubeconfig = stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'capi-mgmt',
      clusters: [{ name: 'capi-mgmt', cluster: { server: management.url, 'certificate-authority-data': b64(ca.certPem) } }],
      users: [{ name: 'kubernetes-admin', user: { 'client-certificate-data': b64(user.certPem), 'client-key-data': b64(user.keyPem) } }],
      contexts: [{ name: 'capi-mgmt', context: { cluster: 'capi-mgmt', user: 'kubernetes-admin' } }],
    });
    const managementKubeconfig = join(outDir, 'capi-mgmt.kubeconfig');
    writeFileSync(managementKubeconfig, kubeconfig, { mode: 0o600 });
    chmodSync(managementKubeconfig, 0o600);
    const driverKubeconfig = join(real.magnumDir, 'capi-mgmt.kubeconfig');
    writeFileSync(driverKubeconfig, kubeconfig, { mode: 0o600 });
    writeFileSync(`${driverKubeconfig}.pid`, `${process.pid}\n`, { mode: 0o600 });
    closers.push(() => {
      // only ours: another simulator may have taken over the file since
      try {
        if (readFileSync(`${driverKubeconfig}.pid`, 'utf8').trim() === String(process.pid)) {
          rmSync(`${driverKubeconfig}.pid`, { force: true });
          rmSync(driverKubeconfig, { force: true });
        }
      } catch {
        /* already gone */
      }
      return Promise.resolve();
    });

    // The workload clusters' APIs, by namespace/stack.
    const workloads = new Map<string, Promise<KubeApiHandle>>();
    const started = new Map<string, KubeApiHandle>();
    const startWorkload = async (c: ReadyCluster): Promise<void> => {
      const key = `${c.namespace}/${c.stackId}`;
      let p = workloads.get(key);
      if (!p) {
        // The OpenStack CCM names a Service LB's members after the nodes.
        const nodes = [...c.controlPlane, ...c.workers].filter((n): n is { name: string; ip: string } => !!n.ip);
        p = startKubeApi({
          host: toLoopback(c.fip), port: 6443, caCertPem: c.caCertPem, caKeyPem: c.caKeyPem, clock,
          hooks: ccmLoadBalancerHooks({ cloud: () => Promise.resolve(c.cloud), subnet: () => Promise.resolve(c.subnet), externalNetwork: c.externalNetwork, members: () => nodes.map((n) => ({ name: n.name, address: n.ip })) }),
          model: {
            clusterName: c.stackId, masterCount: c.masterCount, nodeCount: c.nodeCount, kubeVersion: c.kubeVersion,
            nodeNetwork: c.subnet.cidr.split('/')[0]?.split('.').slice(0, 3).join('.') ?? '10.20.16',
            nodes: { controlPlane: c.controlPlane, workers: c.workers },
          },
        });
        workloads.set(key, p);
        p.then((api) => started.set(key, api), () => workloads.delete(key));
      }
      await p;
      log(`workload ${c.stackId}: API at https://${toLoopback(c.fip)}:6443`);
    };
    const servedBy: Record<string, number> = {};
    const stopWorkload = async (ns: string, stack: string): Promise<void> => {
      const key = `${ns}/${stack}`;
      const api = started.get(key);
      if (api) servedBy[key] = (servedBy[key] ?? 0) + api.requests.length;
      const p = workloads.get(key);
      workloads.delete(key);
      started.delete(key);
      if (p) await (await p.catch(() => undefined))?.close();
    };
    closers.push(async () => {
      for (const p of workloads.values()) await (await p.catch(() => undefined))?.close();
    });

    const admin = real.clouds.clouds?.['real-admin']?.auth ?? {};
    const capo = new CapoController({
      store: management.management.store,
      cloudFor: (yaml) => {
        const cloud = cloudFromClouds(yaml, onCall);
        if (o.fault !== 'appcred-deleted') return cloud;
        const deleted = deleteApplicationCredential(admin as PasswordCloud, yaml).then(
          (id) => log(`fault appcred-deleted: application credential ${id} deleted in the real Keystone`),
          (e: unknown) => log(`fault appcred-deleted: ${e instanceof Error ? e.message : String(e)}`),
        );
        return after(deleted, cloud);
      },
      startWorkload, stopWorkload, log,
      ...(o.fault === 'stuck-delete' ? {
        holdDelete: (c: { stackId: string }) => `fault stuck-delete: the simulated CAPO holds the OpenStackCluster ${c.stackId} finalizer (its API load balancer delete does not go through)`,
      } : {}),
      ...(o.fault === 'api-lb-error' ? {
        beforeProvisioned: async (c: { stackId: string; apiLbId: string }) => {
          await setLoadBalancerStatus(real.dir, c.apiLbId, 'ERROR');
          log(`fault api-lb-error: API LB ${c.apiLbId} of ${c.stackId} set to ERROR in the real Octavia's database`);
        },
      } : {}),
    });
    capo.start();
    closers.push(() => capo.stop());

    // The mgmt VM is a server in the real Nova: while it is not ACTIVE (stopped: the D-041 OOM),
    // its SSH and the management API are down, as on the real site.
    const vmWatch = new MgmtVmWatch({
      authUrl: admin['auth_url'] ?? '', username: admin['username'] ?? '', password: admin['password'] ?? '',
      userDomainName: admin['user_domain_name'] ?? 'Default', projectName: admin['project_name'] ?? 'admin', projectDomainName: admin['project_domain_name'] ?? 'Default',
      vmName: real.site.mgmtVm.name, onCall,
      onChange: async (up) => {
        log(`mgmt VM ${real.site.mgmtVm.name}: ${up ? 'ACTIVE' : 'not ACTIVE'}; management API and SSH ${up ? 'up' : 'down'}`);
        management.setAvailable(up);
        await hosts.mgmtVm.setUp(up).catch(() => undefined);
      },
    });
    if (o.fault === 'mgmt-vm-oom') {
      await vmWatch.stopServer();
      log(`fault mgmt-vm-oom: ${real.site.mgmtVm.name} stopped through the real Nova`);
    }
    vmWatch.start();
    closers.push(() => vmWatch.stop());

    // stale-appcred: the cluster creator is the seeded tenant user without load-balancer_member.
    let creator: Record<string, unknown> = {};
    if (o.fault === 'stale-appcred') {
      const plain = real.clouds.clouds?.[PLAIN_CLOUD]?.auth;
      if (!plain) throw new Error(`${realClouds} has no cloud ${PLAIN_CLOUD} (a tenant user without load-balancer_member)`);
      const giveBack = await lendKeypair(plain as PasswordCloud, real.site.keypair, join(real.dir, 'id_ed25519.pub'));
      closers.push(() => giveBack());
      creator = { clusterCreatorRoles: PRE_D039_CREATOR_ROLES };
      log(`fault stale-appcred: the cluster is created as ${PLAIN_CLOUD} (${(plain as PasswordCloud).username ?? '?'}: no load-balancer_member), with keypair ${real.site.keypair}`);
    }

    // clouds.yaml and the site file, pointing at the real services.
    const cloudsFile = join(outDir, 'clouds.yaml');
    copyFileSync(realClouds, cloudsFile);
    chmodSync(cloudsFile, 0o600);
    const raw = parseYaml(real.siteText) as Record<string, unknown>;
    const overlay = hosts.siteOverlay;
    const composed: SiteInput = {
      ...(raw as unknown as SiteInput),
      image: overlay.image,
      outOfScopeEndpoints: overlay.outOfScopeEndpoints,
      tls: overlay.tls,
      vault: overlay.vault,
      juju: overlay.juju,
      reservedHostMemoryMb: overlay.reservedHostMemoryMb,
      mgmtVm: overlay.mgmtVm,
      hypervisor: overlay.hypervisor,
      managementCluster: { kubeconfig: managementKubeconfig },
      openstack: {
        ...(raw['openstack'] as SiteInput['openstack']), cloudsFile,
        ...(o.fault === 'stale-appcred' ? { clouds: { ...(raw['openstack'] as SiteInput['openstack']).clouds, tenant: PLAIN_CLOUD } } : {}),
      },
      ...creator,
      // Its figures are scaled, its Magnum is not: the conductor's status sync ticks every real 10 s.
      polling: { intervalScale: 0.1, magnumStatusSync: '10s' },
    };
    const siteFile = join(outDir, 'site.yaml');
    writeFileSync(siteFile, `# capi-gate site: the REAL OpenStack services of ${real.dir} (scripts/real-openstack.sh --profile full)\n# with the simulated data plane of \`capi-gate sim --openstack real\` (management cluster ${management.url})\n${stringify(composed)}`);

    const requestSummary = (): RequestSummary => {
      const workload: Record<string, number> = { ...servedBy };
      for (const [k, api] of started) workload[k] = (workload[k] ?? 0) + api.requests.length;
      const outboundByService: Record<string, number> = {};
      for (const c of outbound) outboundByService[c.service] = (outboundByService[c.service] ?? 0) + 1;
      return { openstack: 0, management: management.requests.length, workload, outboundByService };
    };
    const writeSummary = () => writeFileSync(join(outDir, 'requests.json'), `${JSON.stringify(requestSummary(), null, 2)}\n`);
    const summaryTimer = setInterval(writeSummary, 5000);
    closers.push(() => {
      clearInterval(summaryTimer);
      writeSummary();
      return Promise.resolve();
    });
    writeSummary();

    let closed = false;
    return {
      siteFile, cloudsFile, realDir: real.dir, hosts, management, managementKubeconfig, capo, clock, outbound,
      workload: (stack) => [...started.entries()].find(([k]) => k.endsWith(`/${stack}`))?.[1],
      requestSummary,
      env: (base = process.env) => clientEnv(cloudsFile, hosts.binDir, base),
      close: async () => {
        if (closed) return;
        closed = true;
        await closeAll();
        clock.close();
      },
    };
  } catch (e) {
    await closeAll();
    clock.close();
    throw e;
  }
}
