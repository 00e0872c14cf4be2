// The simulated OpenStack site (issue 3, "Simulator, part 1"): Keystone, Glance, Magnum with
// the CAPI Helm driver, Octavia, Nova and Neutron as plain-HTTP servers on loopback, driven by
// a virtual clock, steered through /_sim/ and fault scenarios. startSim() is the one entry
// point; the CLI wrapper (`capi-gate sim`) prints `ready` and owns the process.

import { createHash } from 'node:crypto';
import type { Site, SiteInput } from '../src/site/schema.js';
import { principalOf } from './auth.js';
import type { ClusterCa } from './certs.js';
import { issueServerCert } from './certs.js';
import { SimClock } from './clock.js';
import type { ApiService, Durations, OctaviaRbac, SimContext } from './context.js';
import { DEFAULT_DURATIONS } from './context.js';
import { createControl, createVipStub } from './control.js';
import { defaultSite } from './default-site.js';
import { CapiHelmDriver } from './driver.js';
import { FaultEngine } from './faults.js';
import type { Credential, AppCredCredential, SimFiles } from './files.js';
import { simSiteInput, writeSimFiles } from './files.js';
import { createGlance } from './glance.js';
import type { Reply, RunningService, ServiceName, SimRequest } from './http.js';
import { startService } from './http.js';
import { createKeystone } from './keystone.js';
import { isLoopback, toLoopback } from './loopback.js';
import { createMagnum } from './magnum.js';
import { NeutronOps, createNeutron } from './neutron.js';
import { createNova } from './nova.js';
import { OctaviaOps, createOctavia } from './octavia.js';
import { followControlPlaneMembers } from './octavia-children.js';
import { applyOp } from './ops.js';
import { Rng, freshSeed } from './rand.js';
import { RequestLog } from './request-log.js';
import type { Scenario } from './scenarios.js';
import { loadScenario } from './scenarios.js';
import { ADMIN_USER, EXTERNAL_CIDR, TENANT_USER, imageBytes, seedCompute, seedIdentities, seedImage, seedNetworks } from './seed.js';
import type { TimelineListener } from './state.js';
import { World } from './state.js';
import { attachWorkloadClusters } from './kube/site.js';
import { ccmLoadBalancerHooks } from './cloud/ccm.js';
import { InProcessCloud } from './cloud/in-process.js';
import type { CloudPort } from './cloud/port.js';
import { KUBE_SCENARIOS, loadKubeScenario } from './kube/index.js';
import type { KubeApiHandle, LoadBalancerHooks } from './kube/index.js';

export { toLoopback, urlToLoopback } from './loopback.js';
export { SimClock } from './clock.js';
export type { ClusterCa } from './certs.js';
export type { FaultRuleInput } from './faults.js';
export type { RequestLogEntry } from './request-log.js';
export type { Scenario } from './scenarios.js';
export { listScenarios, loadScenario } from './scenarios.js';
export type { TimelineEntry, World } from './state.js';
export type { SimOp } from './ops.js';
export { defaultSite } from './default-site.js';

export interface SimOptions {
  /** The site to simulate; default: the runbook's values (docs/site.example.yaml). */
  site?: Site;
  /** Multiplies every simulated duration (0.01: a 10-minute create takes 6 s). Default 1. */
  timeScale?: number;
  /** A scenario name (sim/scenarios/NAME.yaml) or a path to a scenario file. */
  scenario?: string;
  /**
   * Seeds ids and names (and, unless the scenario has its own seed, fault-rule probabilities).
   * Default: a fresh random seed at every start, as a rebuilt site has fresh ids (DOCFIX-034);
   * the seed in use is SimHandle.seed, and passing it again reproduces the run.
   */
  seed?: number;
  /** Where to write site.yaml, clouds.yaml, openrc-admin, openrc-tenant. */
  outDir?: string;
  /** Loopback address to bind; default 127.0.0.1. */
  host?: string;
  /** Octavia's role model (default `legacy`: writes need load-balancer_member, D-039). */
  octaviaRbac?: OctaviaRbac;
  /** Overrides of simulated durations (ms, before scaling). */
  durations?: Partial<Durations>;
  /** Seed the kube image (default true; a scenario may turn it off). */
  image?: boolean;
  /** Cap every list page at this many items (default: the scenario's, else none). */
  pageSize?: number;
  /** Magnum's highest microversion, "1.N" (default 1.10, Zed's). */
  magnumMaxVersion?: string;
  /** Ops of the rest of the site (the host side's juju ...): answers the op, or undefined to leave it to ops.ts. */
  hostOp?: (op: unknown) => string | undefined;
}

export interface PasswordCredentials extends Credential {
  readonly cloud: string;
}

export interface SimCredentials {
  readonly admin: PasswordCredentials;
  readonly tenant: PasswordCredentials;
  readonly appCred: AppCredCredential & { readonly cloud: string };
}

export interface SimUrls {
  /** e.g. http://127.0.0.1:PORT/v3 */
  readonly keystone: string;
  /** Base URL serving /_sim/... and /cdn/... */
  readonly control: string;
  /** Service roots (scheme://host:port). */
  readonly magnum: string;
  readonly glance: string;
  readonly octavia: string;
  readonly nova: string;
  readonly neutron: string;
  readonly vip: string;
  /** The stage-and-verify image URL on the simulated CDN. */
  readonly cdnImage: string;
}

export interface SimHandle {
  /** The seed of ids and names: `capi-gate sim --seed N` with it starts the same world again. */
  readonly seed: number;
  readonly urls: SimUrls;
  readonly files?: SimFiles;
  readonly credentials: SimCredentials;
  /** The site being simulated (real-site addresses) and the site file written for clients (loopback). */
  readonly site: Site;
  readonly siteInput: SiteInput;
  readonly scenario: Scenario | undefined;
  readonly clock: SimClock;
  readonly world: World;
  readonly faults: FaultEngine;
  readonly requests: RequestLog;
  /** The per-cluster CA (certificate and private key), by cluster uuid or name. */
  clusterCa(ref: string): ClusterCa | undefined;
  /** A server certificate signed by a cluster's CA (for a simulated kube-apiserver). */
  issueClusterServerCert(ref: string, ips: string[], dns?: string[]): Promise<{ certPem: string; keyPem: string; caPem: string }>;
  /** Every state change, as it happens; returns the unsubscribe function. */
  onTimeline(l: TimelineListener): () => void;
  /** Applies a world mutation (see ops.ts); returns what it did. */
  applyOp(op: unknown): string;
  /**
   * What the OpenStack CCM does for a Service of type LoadBalancer in a cluster: an Octavia LB on
   * the cluster subnet plus a floating IP from the cluster's external network. `ip` is that FIP
   * mapped into loopback. Structurally the kube simulator's LoadBalancerHooks.
   */
  serviceLoadBalancerHooks(clusterRef: string): LoadBalancerHooks;
  /** The in-process cloud port (what the simulated CAPO/CCM use) acting as a project. */
  cloud(projectId: string): CloudPort;
  /** The simulated kube-apiserver of a cluster (started at its api_address once CREATE_COMPLETE). */
  kubeApi(clusterRef: string): KubeApiHandle | undefined;
  close(): Promise<void>;
}

const SERVICES: ApiService[] = ['keystone', 'magnum', 'glance', 'octavia', 'nova', 'neutron'];

export async function startSim(opts: SimOptions = {}): Promise<SimHandle> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host)) throw new Error(`the simulator binds loopback only (127.0.0.0/8 or ::1), not ${host}`);
  // Kubernetes-side scenarios live in sim/kube/scenarios; the rest in sim/scenarios.
  const kubeScenario = opts.scenario && (KUBE_SCENARIOS as readonly string[]).includes(opts.scenario) ? loadKubeScenario(opts.scenario) : undefined;
  const scenario = opts.scenario && !kubeScenario ? loadScenario(opts.scenario) : undefined;
  const site = opts.site ?? defaultSite();
  const seed = opts.seed ?? freshSeed();
  const rng = new Rng(seed);
  const clock = new SimClock(opts.timeScale ?? 1);
  // A scenario's seed keeps its fault rules' dice the same while the ids change from start to start.
  const faults = new FaultEngine(new Rng(opts.seed ?? scenario?.seed ?? seed), () => clock.timeScale);
  const log = new RequestLog();
  const world = new World(clock, rng);
  const handlers = new Map<ServiceName, (req: SimRequest) => Promise<Reply>>();
  const running: RunningService[] = [];
  let ctx: SimContext | undefined;

  const start = async (service: ServiceName) => {
    const svc = await startService({
      service,
      host,
      handle: (req) => {
        const h = handlers.get(service);
        if (!h) return Promise.resolve({ status: 503, text: 'starting' });
        return h(req);
      },
      principalOf: (req) => (ctx ? principalOf(ctx, req) : { principal: 'anonymous' }),
      faults,
      log,
      now: () => clock.now(),
    });
    running.push(svc);
    return svc;
  };

  try {
    const urls = {} as Record<ApiService, string>;
    for (const s of SERVICES) urls[s] = (await start(s)).url;
    const vip = await start('vip');
    const control = await start('control');

    ctx = {
      world, clock, faults, log, rng, urls,
      durations: { ...DEFAULT_DURATIONS, ...(kubeScenario?.octavia.failoverMs ? { failover: kubeScenario.octavia.failoverMs } : {}), ...opts.durations },
      octaviaRbac: opts.octaviaRbac ?? scenario?.octaviaRbac ?? 'legacy',
      driverHealth: scenario?.driverHealth ?? 'coherent',
      pageSize: opts.pageSize ?? scenario?.pageSize,
      magnumMaxVersion: opts.magnumMaxVersion,
      serviceIds: Object.fromEntries(SERVICES.map((s) => [s, rng.hex(32)])) as Record<ApiService, string>,
      names: { adminUser: ADMIN_USER, tenantUser: TENANT_USER, externalSubnetCidr: EXTERNAL_CIDR, workloadCidr: site.workloadCidr, mgmtVmName: site.mgmtVm.name },
    };
    const c = ctx;
    const neutron = new NeutronOps(c);
    const octavia = new OctaviaOps(c, neutron);
    // CAPI/CAPO act as the cluster's application credential: its project and its user.
    const driver = new CapiHelmDriver(c, (cl) => new InProcessCloud(c, neutron, octavia, cl.projectId, cl.userId).now);

    const offMembers = followControlPlaneMembers(c);
    const ids = seedIdentities(c, site);
    const image = (opts.image ?? scenario?.image ?? true) ? seedImage(c, site, ids.adminProject.id) : undefined;
    seedCompute(c, site, ids);
    const { mgmtFip } = seedNetworks(c, site, ids, neutron, image);

    const apply = (op: unknown) => opts.hostOp?.(op) ?? applyOp(c, site, ids, driver, op, neutron);
    const cdnFile = site.image.url.split('/').pop() || `${site.image.name}.qcow2`;
    const cdnData = imageBytes(site.image.name);
    const cdn = new Map([[cdnFile, cdnData]]);

    handlers.set('keystone', createKeystone(c));
    handlers.set('glance', createGlance(c));
    handlers.set('magnum', createMagnum(c, driver));
    handlers.set('octavia', createOctavia(c, octavia));
    handlers.set('nova', createNova(c));
    handlers.set('neutron', createNeutron(c, neutron));
    handlers.set('vip', createVipStub());
    handlers.set('control', createControl({ ctx: c, applyOp: apply, cdn }));

    if (scenario) {
      faults.add(scenario.rules);
      for (const op of scenario.setup) apply(op);
      for (const hook of scenario.on) {
        world.onTimeline((e) => {
          if (e.kind !== 'magnum.cluster' || e.to !== hook.clusterStatus) return;
          const fire = () => {
            for (const op of hook.ops) {
              try {
                apply(op);
              } catch (err) {
                log.errors.push(err);
              }
            }
          };
          // afterMs 0: with the transition itself, so no client can look in between.
          if (hook.afterMs === 0) fire();
          else clock.after(hook.afterMs, `scenario ${scenario.name}: on ${hook.clusterStatus}`, fire);
        });
      }
    }

    const authUrl = `${urls.keystone}/v3`;
    const domainName = (id: string) => world.domains.get(id)?.name ?? id;
    const credentials: SimCredentials = {
      admin: {
        cloud: 'sim-admin', authUrl, username: ids.admin.name, password: ids.admin.password, userDomainName: domainName(ids.admin.domainId),
        projectName: ids.adminProject.name, projectId: ids.adminProject.id, projectDomainName: domainName(ids.adminProject.domainId),
      },
      tenant: {
        cloud: 'sim-tenant', authUrl, username: ids.tenant.name, password: ids.tenant.password, userDomainName: domainName(ids.tenant.domainId),
        projectName: ids.project.name, projectId: ids.project.id, projectDomainName: domainName(ids.project.domainId),
      },
      appCred: { cloud: 'sim-appcred', authUrl, id: ids.appCred.id, name: ids.appCred.name, secret: ids.appCred.secret },
    };
    const cdnImage = `${control.url}/cdn/${encodeURIComponent(cdnFile)}`;
    const fileInputs = {
      site, admin: credentials.admin, tenant: credentials.tenant, appCred: credentials.appCred,
      urls: { ...urls, vip: vip.url, control: control.url }, cdnUrl: cdnImage,
      cdnSha512: createHash('sha512').update(cdnData).digest('hex'), mgmtFip: toLoopback(mgmtFip),
    };
    const files = opts.outDir ? writeSimFiles(opts.outDir, fileInputs) : undefined;
    const findCluster = (ref: string) => [...world.clusters.values()].find((x) => x.uuid === ref || x.name === ref);
    // The simulated CCM, through the in-process cloud port as the cluster's project.
    const ccmCloud = (ref: string) => {
      const cl = findCluster(ref);
      return cl ? { cl, cloud: new InProcessCloud(c, neutron, octavia, cl.projectId, cl.userId) } : undefined;
    };
    const hooksFor = (ref: string): LoadBalancerHooks => ccmLoadBalancerHooks({
      cloud: () => {
        const x = ccmCloud(ref);
        return x ? Promise.resolve(x.cloud) : Promise.reject(new Error(`no cluster subnet for ${ref}`));
      },
      subnet: async () => {
        const x = ccmCloud(ref);
        const sn = x ? await x.cloud.subnet(x.cl.res.subnetId ?? '') : undefined;
        if (!sn) throw new Error(`no cluster subnet for ${ref}`);
        return sn;
      },
      get externalNetwork() {
        const cl = findCluster(ref);
        const tpl = cl ? world.templates.get(cl.templateId) : undefined;
        return String(tpl?.fields['external_network_id'] ?? site.externalNetwork);
      },
      // The CCM's pool members: per node its fixed address (kubeadm labels control-plane nodes
      // node.kubernetes.io/exclude-from-external-load-balancers: workers only).
      members: () => {
        const x = ccmCloud(ref);
        return (x?.cl.res.serverIds ?? []).map((id) => x?.cloud.now.server(id)).filter((s): s is NonNullable<typeof s> => s !== undefined && !s.name.includes('-control-plane-'))
          .map((s) => ({ name: s.name, address: s.addresses[0] ?? '' })).filter((n) => n.address !== '');
      },
    });
    const kube = attachWorkloadClusters({
      world, clock, serviceLoadBalancerHooks: hooksFor,
      defaultKubeVersion: site.image.kubeVersion, workloadCidr: site.workloadCidr, authUrl,
      ...(kubeScenario ? { scenario: kubeScenario } : {}), errors: log.errors,
    });
    let closed = false;

    return {
      seed,
      urls: { keystone: authUrl, control: control.url, magnum: urls.magnum, glance: urls.glance, octavia: urls.octavia, nova: urls.nova, neutron: urls.neutron, vip: vip.url, cdnImage },
      ...(files ? { files } : {}),
      credentials,
      site,
      siteInput: simSiteInput(fileInputs),
      scenario,
      clock,
      world,
      faults,
      requests: log,
      cloud: (projectId) => new InProcessCloud(c, neutron, octavia, projectId),
      clusterCa: (ref) => {
        const cl = findCluster(ref);
        return cl ? world.cas.get(cl.uuid) : undefined;
      },
      issueClusterServerCert: async (ref, ips, dns = []) => {
        const cl = findCluster(ref);
        const ca = cl ? world.cas.get(cl.uuid) : undefined;
        if (!cl || !ca) throw new Error(`no cluster CA for ${ref}`);
        const cert = await issueServerCert(ca, 'kube-apiserver', ips, ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', ...dns], clock.now());
        return { ...cert, caPem: ca.certPem };
      },
      onTimeline: (l) => world.onTimeline(l),
      applyOp: apply,
      serviceLoadBalancerHooks: hooksFor,
      kubeApi: (ref) => kube.api(ref),
      close: async () => {
        if (closed) return;
        closed = true;
        offMembers();
        await kube.close().catch(() => undefined);
        clock.close();
        await Promise.all(running.map((s) => s.close()));
      },
    };
  } catch (err) {
    clock.close();
    await Promise.all(running.map((s) => s.close()));
    throw err;
  }
}
