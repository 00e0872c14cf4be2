// Simulated CAPI + CAPO controllers on the management cluster's store (issue 16, item 2): they
// reconcile the objects the Magnum driver writes into magnum-<project id> (Cluster,
// OpenStackCluster, KubeadmControlPlane, MachineDeployment, OpenStackMachineTemplates, the
// <stack>-cloud-credentials secret) into OpenStack resources through a CloudPort, as the
// cluster's application credential: network + subnet + router + security groups, the
// control-plane and worker servers, the API load balancer (listener 6443, pool, control-plane
// members) and its floating IP. Then the status the driver reads back: OpenStackCluster ready
// with apiServerLoadBalancer, Cluster controlPlaneEndpoint / phase Provisioned, KCP and MD ready.
// Delete (deletionTimestamp on the Cluster or OpenStackCluster): servers, LB, FIP, router,
// network, security groups, then the finalizers go. A refusal on delete keeps the finalizer and
// retries (the appendix-A stuck-delete target); clearing the finalizer by hand lets it go.

import type { KObject, KubeStore } from '../kube/store.js';
import { CLUSTER_FINALIZER, OSC_FINALIZER } from '../kube/management.js';
import type { CloudPort, LoadBalancerState, NetRef, SubnetRef } from './port.js';
import { CloudError } from './port.js';

export const OSC = 'infrastructure.cluster.x-k8s.io/openstackclusters';
export const OSMT = 'infrastructure.cluster.x-k8s.io/openstackmachinetemplates';
export const CLUSTER = 'cluster.x-k8s.io/clusters';
export const KCP = 'controlplane.cluster.x-k8s.io/kubeadmcontrolplanes';
export const MD = 'cluster.x-k8s.io/machinedeployments';
export const API_PORT = 6443;

export const OSMT_DEF = {
  group: 'infrastructure.cluster.x-k8s.io', version: 'v1beta1', plural: 'openstackmachinetemplates', singular: 'openstackmachinetemplate',
  kind: 'OpenStackMachineTemplate', namespaced: true, shortNames: ['osmt'], categories: ['cluster-api'],
} as const;

/** What the controllers know of a cluster's OpenStack side, kept in OpenStackCluster.status. */
interface Built {
  network?: NetRef;
  subnet?: SubnetRef;
  router?: NetRef;
  externalNetwork?: NetRef;
  sgControlPlane?: NetRef;
  sgWorker?: NetRef;
  servers?: { id: string; name: string; role: 'control-plane' | 'worker'; ip?: string }[];
  lb?: LoadBalancerState;
  fip?: { id: string; address: string };
}

export interface ReadyCluster {
  readonly namespace: string;
  readonly stackId: string;
  /** The floating IP of the API LB (real-site address). */
  readonly fip: string;
  readonly caCertPem: string;
  readonly caKeyPem: string;
  readonly kubeVersion: string;
  readonly masterCount: number;
  readonly nodeCount: number;
  readonly controlPlane: readonly { name: string; ip?: string }[];
  readonly workers: readonly { name: string; ip?: string }[];
  readonly subnet: SubnetRef;
  readonly externalNetwork: string;
  /** The cloud as the cluster's application credential (for the CCM). */
  readonly cloud: CloudPort;
}

export interface CapoOptions {
  readonly store: KubeStore;
  /** The cloud for a cluster, from its clouds.yaml (the <stack>-cloud-credentials secret). */
  cloudFor(cloudsYaml: string, namespace: string, stackId: string): CloudPort;
  /** Starts the workload cluster's API at the FIP's loopback mapping; resolves once it serves. */
  startWorkload(c: ReadyCluster): Promise<void>;
  stopWorkload(namespace: string, stackId: string): Promise<void>;
  /** Called once the API LB and its FIP are up, just before the cluster reads Provisioned (a fault hook). */
  beforeProvisioned?(c: { readonly namespace: string; readonly stackId: string; readonly apiLbId: string }): Promise<void>;
  /** A fault hook on delete, once the servers are gone: a reason holds the finalizer (the delete retries). */
  holdDelete?(c: { readonly namespace: string; readonly stackId: string }): string | undefined;
  /** Reconcile period (real ms; default 1000). */
  readonly periodMs?: number;
  /** After a failed reconcile, wait this long before the next try (real ms; default 10 000: CAPO's requeue). */
  readonly retryMs?: number;
  /** Wait for servers ACTIVE at most this long (real ms; default 300 000). */
  readonly serverWaitMs?: number;
  /** Progress and errors (one line each; no secrets). */
  log?(line: string): void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function b64(s: unknown): string {
  return typeof s === 'string' ? Buffer.from(s, 'base64').toString('utf8') : '';
}

export class CapoController {
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly busy = new Set<string>();
  private readonly known = new Map<string, { ns: string; stack: string }>();
  private readonly retryAt = new Map<string, number>();
  private readonly clouds = new Map<string, CloudPort>();
  private stopped = false;
  /** Every reconcile error, by cluster (for tests and the site's log). */
  readonly errors: { at: number; cluster: string; message: string }[] = [];

  constructor(private readonly o: CapoOptions) {
    if (!o.store.def(OSMT)) o.store.register(OSMT_DEF);
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.o.periodMs ?? 1000);
    this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (let i = 0; i < 100 && this.busy.size > 0; i++) await sleep(100);
    for (const c of this.clouds.values()) await c.close();
  }

  private log(line: string): void {
    this.o.log?.(line);
  }

  private tick(): void {
    if (this.stopped) return;
    const present = new Set<string>();
    for (const osc of this.o.store.peekAll(OSC)) {
      const key = `${osc.metadata.namespace ?? ''}/${osc.metadata.name}`;
      present.add(key);
      this.known.set(key, { ns: osc.metadata.namespace ?? '', stack: osc.metadata.name });
      if (this.busy.has(key) || (this.retryAt.get(key) ?? 0) > Date.now()) continue;
      this.busy.add(key);
      void this.reconcile(osc.metadata.namespace ?? '', osc.metadata.name)
        .catch((e: unknown) => {
          const message = e instanceof Error ? e.message : String(e);
          this.errors.push({ at: Date.now(), cluster: key, message });
          this.log(`capo ${key}: ${message}`);
          this.setOscStatus(osc.metadata.namespace ?? '', osc.metadata.name, { failureMessage: message });
          this.retryAt.set(key, Date.now() + (this.o.retryMs ?? 10_000));
        })
        .finally(() => this.busy.delete(key));
    }
    // An OpenStackCluster that went without us (its finalizer cleared by hand: the stuck-delete
    // remedy) takes its workload API with it; what it held in OpenStack stays behind.
    for (const [key, k] of this.known) {
      if (present.has(key) || this.busy.has(key)) continue;
      this.known.delete(key);
      this.log(`capo ${key}: OpenStackCluster gone`);
      void this.o.stopWorkload(k.ns, k.stack).catch(() => undefined);
      const c = this.clouds.get(key);
      this.clouds.delete(key);
      void c?.close();
    }
  }

  private get(key: string, ns: string, name: string): KObject | undefined {
    return this.o.store.peek(key, ns, name);
  }

  private patchStatus(key: string, ns: string, name: string, status: Record<string, unknown>): void {
    const o = this.get(key, ns, name);
    if (!o) return;
    o.status = { ...(o.status as Record<string, unknown> | undefined), ...status } as KObject['status'];
    this.o.store.update(key, o);
  }

  private setOscStatus(ns: string, name: string, status: Record<string, unknown>): void {
    this.patchStatus(OSC, ns, name, status);
  }

  private built(osc: KObject): Built {
    return ((osc.status as { capiGateBuilt?: Built } | undefined)?.capiGateBuilt ?? {});
  }

  private save(ns: string, name: string, b: Built): void {
    this.setOscStatus(ns, name, { capiGateBuilt: structuredClone(b) });
  }

  private addFinalizer(key: string, o: KObject, f: string): void {
    if (o.metadata.deletionTimestamp || (o.metadata.finalizers ?? []).includes(f)) return;
    o.metadata.finalizers = [...(o.metadata.finalizers ?? []), f];
    this.o.store.update(key, o);
  }

  private cloud(ns: string, stack: string, osc: KObject): CloudPort {
    const key = `${ns}/${stack}`;
    const have = this.clouds.get(key);
    if (have) return have;
    const ref = (osc.spec as { identityRef?: { name?: string } } | undefined)?.identityRef?.name ?? `${stack}-cloud-credentials`;
    const secret = this.o.store.peek('secrets', ns, ref);
    const yaml = b64((secret as { data?: Record<string, string> } | undefined)?.data?.['clouds.yaml']);
    if (!yaml) throw new CloudError('capo', 'GET', `secrets/${ref}`, 404, `secret ${ns}/${ref} has no clouds.yaml (the cluster's application credential)`);
    const c = this.o.cloudFor(yaml, ns, stack);
    this.clouds.set(key, c);
    return c;
  }

  private async reconcile(ns: string, stack: string): Promise<void> {
    const osc = this.get(OSC, ns, stack);
    if (!osc) return;
    const cluster = this.get(CLUSTER, ns, stack);
    if (osc.metadata.deletionTimestamp || cluster?.metadata.deletionTimestamp) return this.reconcileDelete(ns, stack);
    this.addFinalizer(OSC, osc, OSC_FINALIZER);
    if (cluster) this.addFinalizer(CLUSTER, cluster, CLUSTER_FINALIZER);
    if ((osc.status as { ready?: boolean } | undefined)?.ready === true) return;
    await this.reconcileCreate(ns, stack);
  }

  private async reconcileCreate(ns: string, stack: string): Promise<void> {
    const osc = this.get(OSC, ns, stack);
    if (!osc) return;
    const spec = (osc.spec ?? {}) as { externalNetwork?: { id?: string; filter?: { name?: string } }; managedSubnets?: { cidr?: string; dnsNameservers?: string[] }[] };
    const cloud = this.cloud(ns, stack, osc);
    const b = this.built(osc);
    const base = `k8s-clusterapi-cluster-${ns}-${stack}`;
    const stillThere = () => {
      const o = this.get(OSC, ns, stack);
      return o !== undefined && !o.metadata.deletionTimestamp && !this.get(CLUSTER, ns, stack)?.metadata.deletionTimestamp;
    };
    if (!b.externalNetwork) {
      b.externalNetwork = await cloud.externalNetwork(spec.externalNetwork?.id ?? spec.externalNetwork?.filter?.name ?? '');
      this.save(ns, stack, b);
    }
    if (!b.network) {
      b.network = await cloud.createNetwork(base);
      this.save(ns, stack, b);
    }
    if (!b.subnet) {
      const sn = spec.managedSubnets?.[0];
      b.subnet = await cloud.createSubnet(base, b.network, sn?.cidr ?? '10.6.0.0/24', sn?.dnsNameservers ?? []);
      this.save(ns, stack, b);
    }
    if (!b.router) {
      b.router = await cloud.createRouter(base, b.externalNetwork, b.subnet);
      this.save(ns, stack, b);
    }
    if (!b.sgControlPlane) {
      b.sgControlPlane = await cloud.createSecurityGroup(`k8s-cluster-${ns}-${stack}-secgroup-controlplane`, 'Cluster API managed group', [API_PORT, 2379, 2380]);
      this.save(ns, stack, b);
    }
    if (!b.sgWorker) {
      b.sgWorker = await cloud.createSecurityGroup(`k8s-cluster-${ns}-${stack}-secgroup-worker`, 'Cluster API managed group', [10250]);
      this.save(ns, stack, b);
    }
    this.setOscStatus(ns, stack, {
      network: { id: b.network.id, name: b.network.name, subnets: [{ id: b.subnet.id, name: b.subnet.name, cidr: b.subnet.cidr }] },
      router: { id: b.router.id, name: b.router.name }, externalNetwork: { id: b.externalNetwork.id, name: b.externalNetwork.name },
      controlPlaneSecurityGroup: { id: b.sgControlPlane.id, name: b.sgControlPlane.name }, workerSecurityGroup: { id: b.sgWorker.id, name: b.sgWorker.name },
    });
    this.patchStatus(CLUSTER, ns, stack, { phase: 'Provisioning', infrastructureReady: false, controlPlaneReady: false });
    this.log(`capo ${ns}/${stack}: network, subnet, router and security groups ready`);

    // Machines: the control plane first, then the workers (CAPI's order).
    const kcp = this.get(KCP, ns, `${stack}-control-plane`);
    const md = this.get(MD, ns, `${stack}-default-worker`);
    const cpCount = Number((kcp?.spec as { replicas?: number } | undefined)?.replicas ?? 1);
    const wkCount = Number((md?.spec as { replicas?: number } | undefined)?.replicas ?? 0);
    const template = (o: KObject | undefined, path: 'kcp' | 'md') => {
      const ref = path === 'kcp'
        ? (o?.spec as { machineTemplate?: { infrastructureRef?: { name?: string } } } | undefined)?.machineTemplate?.infrastructureRef?.name
        : (o?.spec as { template?: { spec?: { infrastructureRef?: { name?: string } } } } | undefined)?.template?.spec?.infrastructureRef?.name;
      const t = ref ? this.get(OSMT, ns, ref) : undefined;
      const s = (t?.spec as { template?: { spec?: { flavor?: string; image?: { id?: string }; sshKeyName?: string } } } | undefined)?.template?.spec;
      if (!s?.flavor || !s.image?.id) throw new CloudError('capo', 'GET', `openstackmachinetemplates/${ref ?? '?'}`, 404, `machine template ${ns}/${ref ?? '?'} is missing or has no flavor/image`);
      return { flavor: s.flavor, imageId: s.image.id, ...(s.sshKeyName ? { keyName: s.sshKeyName } : {}) };
    };
    b.servers ??= [];
    const suffix = () => Math.random().toString(36).slice(2, 7).padEnd(5, 'x');
    const want: { role: 'control-plane' | 'worker'; count: number; sg: NetRef; name: () => string; t: ReturnType<typeof template> }[] = [
      { role: 'control-plane', count: cpCount, sg: b.sgControlPlane, name: () => `${stack}-control-plane-${suffix()}`, t: template(kcp, 'kcp') },
      { role: 'worker', count: wkCount, sg: b.sgWorker, name: () => `${stack}-default-worker-${suffix()}-${suffix()}`, t: template(md, 'md') },
    ];
    for (const w of want) {
      while (b.servers.filter((s) => s.role === w.role).length < w.count) {
        if (!stillThere()) return;
        const s = await cloud.createServer({ name: w.name(), ...w.t, networkId: b.network.id, securityGroups: [w.sg.name], metadata: { 'cluster-api-provider-openstack': 'true', 'k8s-cluster': stack } });
        b.servers.push({ id: s.id, name: s.name, role: w.role });
        this.save(ns, stack, b);
      }
    }
    const deadline = Date.now() + (this.o.serverWaitMs ?? 300_000);
    for (const s of b.servers) {
      for (;;) {
        if (!stillThere()) return;
        const st = await cloud.server(s.id);
        if (!st) throw new CloudError('nova', 'GET', `/servers/${s.id}`, 404, `server ${s.name} disappeared`);
        if (st.status === 'ERROR') throw new CloudError('nova', 'GET', `/servers/${s.id}`, 500, `server ${s.name} is in ERROR`);
        if (st.status === 'ACTIVE' && st.addresses[0]) {
          s.ip = st.addresses[0];
          break;
        }
        if (Date.now() > deadline) throw new CloudError('nova', 'GET', `/servers/${s.id}`, 0, `server ${s.name} not ACTIVE in time (${st.status})`);
        await sleep(1000);
      }
    }
    this.save(ns, stack, b);
    this.log(`capo ${ns}/${stack}: ${b.servers.length} servers ACTIVE`);

    // The API load balancer (listener 6443, control-plane members) and its floating IP.
    if (!b.lb) {
      const name = `${base}-kubeapi`;
      const prior = (await cloud.loadBalancersNamed(name))[0];
      b.lb = prior ?? await cloud.createLoadBalancer({
        name, description: `Created by cluster-api-provider-openstack cluster ${ns}-${stack}`, subnet: b.subnet, builtBy: 'capo',
        listeners: [{ protocol: 'TCP', port: API_PORT, members: b.servers.filter((s) => s.role === 'control-plane' && s.ip).map((s) => ({ name: s.name, address: s.ip ?? '', port: API_PORT })) }],
      });
      this.save(ns, stack, b);
    }
    if (!stillThere()) return;
    if (!b.fip) {
      const prior = (await cloud.floatingIpsOfLoadBalancer(b.lb))[0];
      const f = prior ?? await cloud.createFloatingIpForLoadBalancer(b.externalNetwork, b.lb, `API floating IP for cluster ${stack}`);
      b.fip = { id: f.id, address: f.address };
      this.save(ns, stack, b);
    }
    this.log(`capo ${ns}/${stack}: API load balancer ${b.lb.id} ACTIVE, floating IP ${b.fip.address}`);

    // The workload cluster's API at the FIP's loopback mapping, with the CA Magnum generated.
    const ca = this.o.store.peek('secrets', ns, `${stack}-ca`) as { data?: Record<string, string> } | undefined;
    const caCertPem = b64(ca?.data?.['tls.crt']);
    const caKeyPem = b64(ca?.data?.['tls.key']);
    if (!caCertPem || !caKeyPem) throw new CloudError('capo', 'GET', `secrets/${stack}-ca`, 404, `secret ${ns}/${stack}-ca has no tls.crt/tls.key (the cluster CA)`);
    const version = String((kcp?.spec as { version?: string } | undefined)?.version ?? 'v1.34.8');
    await this.o.startWorkload({
      namespace: ns, stackId: stack, fip: b.fip.address, caCertPem, caKeyPem, kubeVersion: version, masterCount: cpCount, nodeCount: wkCount,
      controlPlane: b.servers.filter((s) => s.role === 'control-plane').map((s) => ({ name: s.name, ...(s.ip ? { ip: s.ip } : {}) })),
      workers: b.servers.filter((s) => s.role === 'worker').map((s) => ({ name: s.name, ...(s.ip ? { ip: s.ip } : {}) })),
      subnet: b.subnet, externalNetwork: b.externalNetwork.id, cloud,
    });
    if (!stillThere()) return;

    if (this.o.beforeProvisioned) await this.o.beforeProvisioned({ namespace: ns, stackId: stack, apiLbId: b.lb.id });
    const internalIP = b.lb.vipAddress;
    this.setOscStatus(ns, stack, {
      ready: true, failureMessage: undefined,
      apiServerLoadBalancer: { name: `${base}-kubeapi`, id: b.lb.id, ip: b.fip.address, internalIP, allowedCIDRs: [] },
    });
    const cl = this.get(CLUSTER, ns, stack);
    if (cl) {
      cl.spec = { ...(cl.spec as Record<string, unknown>), controlPlaneEndpoint: { host: b.fip.address, port: API_PORT } } as KObject['spec'];
      this.o.store.update(CLUSTER, cl);
    }
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const cond = (type: string) => ({ type, status: 'True', lastTransitionTime: now });
    this.patchStatus(KCP, ns, `${stack}-control-plane`, { replicas: cpCount, readyReplicas: cpCount, updatedReplicas: cpCount, initialized: true, ready: true, version, conditions: [cond('Ready'), cond('Available')] });
    this.patchStatus(MD, ns, `${stack}-default-worker`, { phase: 'Running', replicas: wkCount, readyReplicas: wkCount, availableReplicas: wkCount, updatedReplicas: wkCount, conditions: [cond('Ready')] });
    this.patchStatus(CLUSTER, ns, stack, { phase: 'Provisioned', infrastructureReady: true, controlPlaneReady: true, observedGeneration: 1, conditions: [cond('Ready'), cond('InfrastructureReady'), cond('ControlPlaneReady')] });
    this.log(`capo ${ns}/${stack}: cluster Provisioned`);
  }

  private async reconcileDelete(ns: string, stack: string): Promise<void> {
    const osc = this.get(OSC, ns, stack);
    await this.o.stopWorkload(ns, stack);
    if (osc && (osc.metadata.finalizers ?? []).includes(OSC_FINALIZER)) {
      const b = this.built(osc);
      const cloud = this.cloud(ns, stack, osc);
      this.patchStatus(CLUSTER, ns, stack, { phase: 'Deleting' });
      for (const s of [...(b.servers ?? [])].reverse()) {
        await cloud.deleteServer(s.id);
        b.servers = (b.servers ?? []).filter((x) => x.id !== s.id);
        this.save(ns, stack, b);
      }
      const held = this.o.holdDelete?.({ namespace: ns, stackId: stack });
      if (held) throw new CloudError('capo', 'DELETE', 'loadbalancer', 0, held);
      // CAPO finds the API LB by name, so a credential Octavia refuses wedges the delete here.
      const lbs = await cloud.loadBalancersNamed(`k8s-clusterapi-cluster-${ns}-${stack}-kubeapi`);
      for (const lb of lbs) {
        for (const f of await cloud.floatingIpsOfLoadBalancer(lb)) await cloud.deleteFloatingIp(f.id);
        await cloud.deleteLoadBalancer(lb.id);
      }
      if (b.fip) await cloud.deleteFloatingIp(b.fip.id);
      delete b.lb;
      delete b.fip;
      this.save(ns, stack, b);
      if (b.router) await cloud.deleteRouter(b.router.id);
      if (b.network) await cloud.deleteNetwork(b.network.id);
      for (const g of [b.sgControlPlane, b.sgWorker]) if (g) await cloud.deleteSecurityGroup(g.id);
      this.save(ns, stack, {});
      this.log(`capo ${ns}/${stack}: OpenStack resources deleted`);
    }
    this.finishDelete(ns, stack);
  }

  /** The finalizers go; the OpenStackCluster, then the Cluster and what belongs to it follow. */
  private finishDelete(ns: string, stack: string): void {
    const store = this.o.store;
    for (const key of [OSC, CLUSTER]) {
      const o = store.peek(key, ns, stack);
      if (!o) continue;
      if (key === CLUSTER && !o.metadata.deletionTimestamp) continue;
      store.remove(key, ns, stack);
    }
    for (const key of [KCP, MD, OSMT]) for (const o of store.peekAll(key, ns)) if (o.metadata.name.startsWith(`${stack}-`)) store.remove(key, ns, o.metadata.name);
    for (const s of store.peekAll('secrets', ns)) if (s.metadata.name.startsWith(`${stack}-`)) store.remove('secrets', ns, s.metadata.name);
    this.known.delete(`${ns}/${stack}`);
    const c = this.clouds.get(`${ns}/${stack}`);
    this.clouds.delete(`${ns}/${stack}`);
    void c?.close();
  }

}
