// The magnum-capi-helm driver and what CAPI/CAPO do for it (api-notes §3.3-3.5), on the
// virtual clock: mint the cluster's app-cred with every role on the creator's token (D-039),
// read kube_version from the IMAGE, build network/router/security groups, the API LB (its
// Octavia calls made with the app-cred, so a credential without the LB role wedges the
// create), the floating IP and api_address, control-plane and worker servers, health, and the
// reverse on delete. Each driver call is logged and passes through the fault rules (phase
// `driver`), which is how scenarios like stale-appcred reach inside the create. Every OpenStack
// change and read of the cluster's resources goes through the cloud port (cloud/port.ts), as
// the cluster's project and user, in its immediate form: the driver runs on the virtual clock.

import type { SimContext } from './context.js';
import { driverCall } from './context.js';
import { findImage } from './glance.js';
import { toLoopback, parseCidr } from './loopback.js';
import { canRead, canWrite } from './octavia.js';
import type { SimTimer } from './clock.js';
import type { Cluster, Token } from './state.js';
import type { ImmediateCloud, LoadBalancerState, NetRef, ServerState } from './cloud/port.js';
import { CloudError } from './cloud/port.js';

export const API_PORT = 6443;

/** The states magnum/service/periodic.py sync_cluster_health_status polls. */
const HEALTH_SYNC_STATES = ['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS'];

export function clusterNamespace(projectId: string): string {
  return `magnum-${projectId.toLowerCase().replace(/[^a-z0-9]/g, '')}`;
}

export class CapiHelmDriver {
  private timers = new Map<string, SimTimer[]>();
  private clouds = new Map<string, ImmediateCloud>();

  /** When magnum-conductor started: its status syncs tick every durations.magnumSync from here. */
  private readonly syncOrigin: number;

  /** cloudFor: the cloud as the cluster's application credential (its project and user). */
  constructor(private readonly ctx: SimContext, private readonly cloudFor: (c: Cluster) => ImmediateCloud) {
    this.syncOrigin = ctx.clock.now();
  }

  /** Sim ms to the next tick (strictly after now) of a magnum-conductor periodic task of period P. */
  private untilTick(P: number): number {
    const since = this.ctx.clock.now() - this.syncOrigin;
    return P > 0 ? (Math.floor(since / P) + 1) * P - since : 0;
  }

  /** Sim ms to magnum-conductor's next status sync. */
  private untilSync(): number {
    return this.untilTick(this.ctx.durations.magnumSync);
  }

  /**
   * When each cluster last reached a COMPLETE status: the health sync of that same tick listed the
   * clusters before the status sync's job (spawned in the same tick) saved it, so it skips it.
   */
  private completedAt = new Map<string, number>();

  /**
   * A state the CAPI side has reached shows in Magnum only when the conductor's next status sync
   * reads it back (ClusterUpdateJob -> driver.update_cluster_status): real Magnum's CREATE_COMPLETE
   * and DELETE_COMPLETE come on its 10-s ticks, never between them.
   */
  private atSync(c: Cluster, label: string, fn: () => void): void {
    this.after(c, this.untilSync(), `${label} (status sync)`, fn);
  }

  private get w() {
    return this.ctx.world;
  }

  private cloud(c: Cluster): ImmediateCloud {
    let cloud = this.clouds.get(c.uuid);
    if (!cloud) {
      cloud = this.cloudFor(c);
      this.clouds.set(c.uuid, cloud);
    }
    return cloud;
  }

  /** The template's external network; undefined when the cloud has none by that name or id. */
  private externalNetwork(c: Cluster): NetRef | undefined {
    const tpl = this.w.templates.get(c.templateId);
    try {
      return this.cloud(c).externalNetwork(String(tpl?.fields['external_network_id'] ?? ''));
    } catch (e) {
      if (e instanceof CloudError && e.status === 404) return undefined;
      throw e;
    }
  }

  private securityGroupNames(c: Cluster): [controlPlane: string, worker: string] {
    const prefix = `k8s-cluster-${clusterNamespace(c.projectId)}-${c.stackId ?? ''}-secgroup`;
    return [`${prefix}-controlplane`, `${prefix}-worker`];
  }

  private after(c: Cluster, simMs: number, label: string, fn: () => void): void {
    const t = this.ctx.clock.after(simMs, `cluster ${c.name}: ${label}`, () => {
      const list = this.timers.get(c.uuid);
      if (list) this.timers.set(c.uuid, list.filter((x) => x !== t));
      if (this.w.clusters.get(c.uuid) !== c) return;
      // The CAPI controllers run on the non-HA mgmt VM: while it is not ACTIVE (a host OOM
      // SHUTOFF, D-041) nothing of the cluster moves; it resumes once the VM is started.
      const mgmt = [...this.w.servers.values()].find((s) => s.name === this.ctx.names.mgmtVmName);
      if (mgmt && mgmt.status !== 'ACTIVE') {
        if (!label.startsWith('paused: ')) this.note(c, `management cluster unreachable (${mgmt.name} ${mgmt.status}): ${label} waits`);
        this.after(c, this.ctx.durations.capoRetry, label.startsWith('paused: ') ? label : `paused: ${label}`, fn);
        return;
      }
      fn();
    });
    this.timers.set(c.uuid, [...(this.timers.get(c.uuid) ?? []), t]);
  }

  private cancelAll(c: Cluster): void {
    for (const t of this.timers.get(c.uuid) ?? []) this.ctx.clock.cancel(t);
    this.timers.delete(c.uuid);
  }

  private setStatus(c: Cluster, status: string, reason: string | null = null): void {
    const from = c.status;
    c.status = status;
    c.statusReason = reason;
    c.updatedAt = this.ctx.clock.now();
    this.w.record({ kind: 'magnum.cluster', id: c.uuid, name: c.name, from, to: status, ...(reason ? { detail: reason } : {}) });
  }

  private note(c: Cluster, what: string): void {
    this.w.record({ kind: 'magnum.cluster.progress', id: c.uuid, name: c.name, to: what });
  }

  /** The principal and user the driver acts as: the cluster's app-cred. */
  private appCredCall(c: Cluster, service: 'octavia' | 'neutron' | 'nova' | 'keystone', method: string, path: string): { ok: true } | { ok: false; status: number; message: string } {
    const cred = c.res.appCredId ? this.w.appCreds.get(c.res.appCredId) : undefined;
    const user = cred ? this.w.users.get(cred.userId)?.name : undefined;
    const d = driverCall(this.ctx, service, method, path, 'appcred', user);
    if (d.action?.type === 'status') return { ok: false, status: d.action.status, message: d.action.message ?? (d.action.status === 403 ? 'Policy does not allow this request to be performed.' : `HTTP ${d.action.status}`) };
    if (d.action?.type === 'drop') return { ok: false, status: 0, message: 'connection reset by peer' };
    if (!cred) return { ok: false, status: 401, message: 'The request you have made requires authentication (application credential not found).' };
    if (service === 'octavia') {
      const roles = new Set(cred.roleIds.map((id) => this.w.roles.get(id)?.name ?? ''));
      const allowed = method === 'GET' ? canRead({ roles, isAdmin: roles.has('admin') }, this.ctx.octaviaRbac) : canWrite({ roles, isAdmin: roles.has('admin') }, this.ctx.octaviaRbac);
      if (!allowed) return { ok: false, status: 403, message: 'Policy does not allow this request to be performed.' };
    }
    return { ok: true };
  }

  create(c: Cluster, creator: Token): void {
    const D = this.ctx.durations;
    const started = this.ctx.clock.now();
    c.stackId = `${c.name.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 30)}-${this.ctx.rng.suffix(12)}`;
    // D-039: the app-cred is created WITHOUT a roles list, so it inherits every role on the creator's token.
    const cred = {
      id: this.ctx.rng.hex(32), name: `magnum-${c.uuid}`, description: `Magnum cluster (${c.uuid})`, secret: this.ctx.rng.hex(48),
      userId: creator.userId, projectId: c.projectId, roleIds: [...creator.roleIds], expiresAt: null, unrestricted: false, createdAt: started,
    };
    driverCall(this.ctx, 'keystone', 'POST', `/v3/users/${creator.userId}/application_credentials`, 'tenant', this.w.users.get(creator.userId)?.name);
    this.w.appCreds.set(cred.id, cred);
    c.res.appCredId = cred.id;
    this.w.record({ kind: 'keystone.application_credential', id: cred.id, name: cred.name, to: 'created', detail: `roles=${cred.roleIds.map((r) => this.w.roles.get(r)?.name).join(',')}` });
    this.setStatus(c, 'CREATE_IN_PROGRESS');

    this.after(c, 2_000, 'image check', () => {
      const tpl = this.w.templates.get(c.templateId);
      const imageRef = String(tpl?.fields['image_id'] ?? '');
      const { image } = findImage(this.ctx, imageRef, { isAdmin: true, projectId: c.projectId });
      const kube = image?.props['kube_version'];
      if (!image) return this.fail(c, `Image ${imageRef} could not be found.`);
      if (image.status !== 'active') return this.fail(c, `Image ${image.id} is not active (status ${image.status}).`);
      if (typeof kube !== 'string' || kube.length === 0) return this.fail(c, `Image ${image.id} does not have a kube_version property.`);
      c.res.imageId = image.id;
      c.res.kubeVersion = kube;
      this.after(c, 8_000, 'network', () => this.buildNetwork(c));
    });
    this.after(c, this.untilTick(D.healthPoll), 'health poll', () => this.pollHealth(c));
  }

  private fail(c: Cluster, reason: string): void {
    this.cancelAll(c);
    c.faults = { 'default-master': reason, 'default-worker': reason };
    this.setStatus(c, 'CREATE_FAILED', `Failed to create cluster ${c.uuid}: ${reason}`);
  }

  private buildNetwork(c: Cluster): void {
    const tpl = this.w.templates.get(c.templateId);
    const ns = clusterNamespace(c.projectId);
    const base = `k8s-clusterapi-cluster-${ns}-${c.stackId ?? ''}`;
    for (const path of ['/v2.0/networks', '/v2.0/subnets', '/v2.0/routers', '/v2.0/security-groups']) {
      const r = this.appCredCall(c, 'neutron', 'POST', path);
      if (!r.ok) {
        c.res.lastError = `neutron ${path}: ${r.status} ${r.message}`;
        this.note(c, `infrastructure retry: ${c.res.lastError}`);
        this.after(c, this.ctx.durations.capoRetry, 'network retry', () => this.buildNetwork(c));
        return;
      }
    }
    const cloud = this.cloud(c);
    const ext = this.externalNetwork(c);
    const cidr = c.labels['fixed_subnet_cidr'] ?? this.ctx.names.workloadCidr;
    const net = cloud.createNetwork(base);
    const dns = tpl?.fields['dns_nameserver'];
    // Fixed addresses from .10 up, as on the reference site.
    const sn = cloud.createSubnet(base, net, cidr, typeof dns === 'string' ? [dns] : [], 10);
    const router = cloud.createRouter(base, ext, sn);
    const [cpName, wkName] = this.securityGroupNames(c);
    const cp = cloud.createSecurityGroup(cpName, 'Cluster API managed group', [API_PORT, 2379, 2380]);
    const wk = cloud.createSecurityGroup(wkName, 'Cluster API managed group', [10250]);
    Object.assign(c.res, { networkId: net.id, subnetId: sn.id, routerId: router.id, sgIds: [cp.id, wk.id] });
    this.note(c, 'network, subnet, router and security groups ready');
    this.after(c, 5_000, 'api lb', () => this.createLb(c));
  }

  private createLb(c: Cluster): void {
    c.res.lbAttempts++;
    const r = this.appCredCall(c, 'octavia', 'POST', '/v2.0/lbaas/loadbalancers');
    if (!r.ok) {
      c.res.lastError = `octavia POST /v2.0/lbaas/loadbalancers: ${r.status} ${r.message}`;
      this.note(c, `api load balancer attempt ${c.res.lbAttempts} failed: ${c.res.lastError}`);
      this.after(c, this.ctx.durations.capoRetry, 'api lb retry', () => this.createLb(c));
      return;
    }
    const cloud = this.cloud(c);
    const sn = cloud.subnet(c.res.subnetId ?? '');
    if (!sn) return this.fail(c, 'the cluster subnet disappeared');
    delete c.res.lastError;
    const ns = clusterNamespace(c.projectId);
    const vip = parseCidr(sn.cidr).base + this.ctx.rng.int(100, 200);
    const lbName = `k8s-clusterapi-cluster-${ns}-${c.stackId ?? ''}-kubeapi`;
    const lb = cloud.createLoadBalancer({
      name: lbName, description: `Created by cluster-api-provider-openstack cluster ${ns}-${c.stackId ?? ''}`, subnet: sn, builtBy: 'capo',
      vipAddress: [24, 16, 8, 0].map((s) => Math.floor(vip / 2 ** s) % 256).join('.'), listeners: [{ protocol: 'TCP', port: API_PORT, members: [] }],
    }, (active) => this.after(c, 1_000, 'floating ip', () => this.attachFip(c, active)));
    c.res.lbId = lb.id;
    this.note(c, `api load balancer ${lb.id} requested (vip ${lb.vipAddress})`);
  }

  private attachFip(c: Cluster, lb: LoadBalancerState): void {
    const r = this.appCredCall(c, 'neutron', 'POST', '/v2.0/floatingips');
    if (!r.ok) {
      c.res.lastError = `neutron POST /v2.0/floatingips: ${r.status} ${r.message}`;
      this.note(c, `floating ip failed: ${c.res.lastError}`);
      this.after(c, this.ctx.durations.capoRetry, 'floating ip retry', () => this.attachFip(c, lb));
      return;
    }
    const ext = this.externalNetwork(c);
    if (!ext) return this.fail(c, 'the external network or the VIP port is missing');
    let fip;
    try {
      // Host 180 of the external subnet first: a stable API address per seed.
      fip = this.cloud(c).createFloatingIpForLoadBalancer(ext, lb, `API floating IP for cluster ${c.stackId ?? ''}`, 180);
    } catch (e) {
      if (e instanceof CloudError && e.status === 404) return this.fail(c, 'the external network or the VIP port is missing');
      throw e;
    }
    c.res.fipId = fip.id;
    c.res.fipAddress = fip.address;
    // api_address is published loopback-mapped so a client on this machine can reach it (toLoopback).
    c.apiAddress = `https://${toLoopback(fip.address)}:${API_PORT}`;
    c.updatedAt = this.ctx.clock.now();
    this.note(c, `controlPlaneEndpoint ${fip.address}:${API_PORT} (api_address ${c.apiAddress})`);
    this.bootServers(c, 'master');
  }

  private bootServers(c: Cluster, role: 'master' | 'worker'): void {
    const tpl = this.w.templates.get(c.templateId);
    const count = role === 'master' ? c.masterCount : c.nodeCount;
    const flavorRef = role === 'master' ? c.masterFlavorId ?? String(tpl?.fields['master_flavor_id'] ?? '') : c.flavorId ?? String(tpl?.fields['flavor_id'] ?? '');
    const cloud = this.cloud(c);
    const networkId = c.res.networkId ?? '';
    const sn = cloud.subnet(c.res.subnetId ?? '');
    if (!sn || sn.networkId !== networkId) return this.fail(c, 'the cluster network disappeared');
    const sgName = this.securityGroupNames(c)[role === 'master' ? 0 : 1];
    const msHash = this.ctx.rng.suffix(5);
    // Nova's builds finish on the driver's timer below, so they wait with it while the mgmt VM is down.
    const activators: (() => void)[] = [];
    for (let i = 0; i < count; i++) {
      const name = role === 'master' ? `${c.stackId ?? ''}-control-plane-${this.ctx.rng.suffix(5)}` : `${c.stackId ?? ''}-default-worker-${msHash}-${this.ctx.rng.suffix(5)}`;
      const s = cloud.createServer({
        name, flavor: flavorRef, imageId: c.res.imageId ?? '', ...(c.keypair !== null ? { keyName: c.keypair } : {}), networkId, securityGroups: [sgName],
        metadata: { 'cluster-api-provider-openstack': 'true', 'k8s-cluster': c.stackId ?? '' },
      }, (activate) => activators.push(activate));
      // The CAPI Helm driver never fills master_addresses / node_addresses: they stay [].
      c.res.serverIds.push(s.id);
    }
    const boot = this.ctx.durations.serverBoot * (role === 'master' ? 1 : 1.5);
    this.after(c, boot, `${role} servers active`, () => {
      for (const activate of activators) activate();
      if (role === 'master') {
        c.coeVersion = c.res.kubeVersion ?? null;
        this.note(c, 'control plane ready');
        this.bootServers(c, 'worker');
      } else {
        this.note(c, 'workers ready; addons deploying');
        const remaining = Math.max(1_000, c.createdAt + this.ctx.durations.clusterCreate - this.ctx.clock.now());
        // Health follows on Magnum's next periodic health sync, not with the status.
        this.after(c, remaining, 'addons deployed', () => this.atSync(c, 'create complete', () => {
          this.completedAt.set(c.uuid, this.ctx.clock.now());
          this.setStatus(c, 'CREATE_COMPLETE');
        }));
      }
    });
  }

  /**
   * Magnum's periodic health sync (every [kubernetes] health_polling_interval, 60 s) through the
   * driver's capi_monitor: four reasons, HEALTHY only when all are Ready. Magnum syncs only
   * clusters in HEALTH_SYNC_STATES, so during a create (and after CREATE_FAILED) health_status
   * stays null and health_status_reason {}.
   */
  pollHealth(c: Cluster, reschedule = true): void {
    if (c.status.startsWith('DELETE')) return;
    const again = () => this.after(c, this.untilTick(this.ctx.durations.healthPoll), 'health poll', () => this.pollHealth(c));
    if (!HEALTH_SYNC_STATES.includes(c.status) || (reschedule && this.completedAt.get(c.uuid) === this.ctx.clock.now())) {
      if (reschedule && !c.status.endsWith('_FAILED')) again();
      return;
    }
    const cloud = this.cloud(c);
    const lb = c.res.lbId ? cloud.loadBalancer(c.res.lbId) : undefined;
    const servers = c.res.serverIds.map((id) => cloud.server(id)).filter((s): s is ServerState => s !== undefined);
    const masters = servers.filter((s) => s.name.includes('-control-plane-'));
    const workers = servers.filter((s) => s.name.includes('-default-worker-'));
    const infraReady = lb?.provisioningStatus === 'ACTIVE' && c.apiAddress !== null;
    const cpReady = masters.length === c.masterCount && masters.every((s) => s.status === 'ACTIVE');
    const ngReady = workers.length === c.nodeCount && workers.every((s) => s.status === 'ACTIVE');
    const complete = c.status === 'CREATE_COMPLETE' || c.status === 'UPDATE_COMPLETE';
    const waiting = [!infraReady && 'InfrastructureReady', !cpReady && 'ControlPlaneReady', !complete && 'Ready'].filter(Boolean);
    c.healthReason = {
      cluster: waiting.length === 0 ? 'Ready' : `Waiting on ${JSON.stringify(waiting).replace(/"/g, "'").replace(/,/g, ', ')}`,
      infrastructure: infraReady ? 'Ready' : 'Infrastructure not ready.',
      controlplane: cpReady ? 'Ready' : "Waiting on ['MachinesReady', 'Ready']",
      nodegroup: ngReady ? 'Ready' : `MachineDeployment ${c.stackId ?? ''}-default-worker: Waiting on ['Ready']`,
    };
    // D-042: the pre-1.4.0 driver reads a condition the CAPI contract no longer sets, so a working
    // cluster reads UNHEALTHY (the as-built run).
    if (this.ctx.driverHealth === 'cosmetic-unhealthy' && waiting.length === 0) c.healthReason = { ...c.healthReason, cluster: "Waiting on ['ControlPlaneInitialized']" };
    const next = Object.values(c.healthReason).every((v) => v === 'Ready') ? 'HEALTHY' : 'UNHEALTHY';
    if (next !== c.healthStatus) this.w.record({ kind: 'magnum.cluster.health', id: c.uuid, name: c.name, from: c.healthStatus, to: next });
    c.healthStatus = next;
    if (reschedule && !c.status.endsWith('_FAILED')) again();
  }

  delete(c: Cluster): void {
    if (c.status === 'DELETE_IN_PROGRESS') return;
    this.cancelAll(c);
    c.res.deleteStartedAt = this.ctx.clock.now();
    this.setStatus(c, 'DELETE_IN_PROGRESS');
    this.after(c, 10_000, 'delete servers', () => {
      const cloud = this.cloud(c);
      for (const id of c.res.serverIds) cloud.deleteServer(id);
      c.res.serverIds = [];
      this.after(c, 10_000, 'delete api lb', () => this.deleteLb(c));
    });
  }

  private deleteLb(c: Cluster): void {
    // CAPO looks the API LB up by name first, so a credential Octavia refuses wedges the delete
    // even when no LB was ever built (appendix-A stuck-delete).
    const lookup = this.appCredCall(c, 'octavia', 'GET', '/v2.0/lbaas/loadbalancers');
    if (!lookup.ok) {
      c.res.lastError = `octavia GET /v2.0/lbaas/loadbalancers: ${lookup.status} ${lookup.message}`;
      this.note(c, `api load balancer lookup failed (stuck-delete): ${c.res.lastError}`);
      this.after(c, this.ctx.durations.capoRetry, 'api lb delete retry', () => this.deleteLb(c));
      return;
    }
    const cloud = this.cloud(c);
    const lb = c.res.lbId ? cloud.loadBalancer(c.res.lbId) : undefined;
    if (!lb) return this.deleteNetwork(c);
    const r = this.appCredCall(c, 'octavia', 'DELETE', `/v2.0/lbaas/loadbalancers/${lb.id}`);
    if (!r.ok) {
      c.res.lastError = `octavia DELETE /v2.0/lbaas/loadbalancers/${lb.id}: ${r.status} ${r.message}`;
      this.note(c, `api load balancer delete failed (stuck-delete): ${c.res.lastError}`);
      this.after(c, this.ctx.durations.capoRetry, 'api lb delete retry', () => this.deleteLb(c));
      return;
    }
    if (lb.provisioningStatus.startsWith('PENDING')) {
      this.after(c, this.ctx.durations.capoRetry, 'api lb delete wait', () => this.deleteLb(c));
      return;
    }
    cloud.deleteLoadBalancer(lb.id, () => this.after(c, 1_000, 'delete network', () => this.deleteNetwork(c)));
  }

  private deleteNetwork(c: Cluster): void {
    const cloud = this.cloud(c);
    try {
      if (c.res.fipId) cloud.deleteFloatingIp(c.res.fipId);
      if (c.res.routerId) cloud.deleteRouter(c.res.routerId);
      if (c.res.networkId) cloud.deleteNetwork(c.res.networkId);
      for (const id of c.res.sgIds) cloud.deleteSecurityGroup(id);
    } catch (err) {
      const msg = err instanceof CloudError ? err.reason : String(err);
      c.res.lastError = `neutron cleanup: ${msg}`;
      this.note(c, `network cleanup blocked: ${msg}`);
      this.after(c, this.ctx.durations.capoRetry, 'network cleanup retry', () => this.deleteNetwork(c));
      return;
    }
    const remaining = Math.max(1_000, (c.res.deleteStartedAt ?? this.ctx.clock.now()) + this.ctx.durations.clusterDelete - this.ctx.clock.now());
    this.after(c, remaining, 'capi objects gone', () => this.atSync(c, 'delete complete', () => this.finish(c)));
  }

  private finish(c: Cluster): void {
    this.setStatus(c, 'DELETE_COMPLETE');
    this.removeRow(c);
  }

  private removeRow(c: Cluster): void {
    this.cancelAll(c);
    this.completedAt.delete(c.uuid);
    this.clouds.delete(c.uuid);
    if (c.res.appCredId) this.w.appCreds.delete(c.res.appCredId);
    this.w.cas.delete(c.uuid);
    this.w.clusters.delete(c.uuid);
    this.w.record({ kind: 'magnum.cluster', id: c.uuid, name: c.name, from: c.status, to: 'gone' });
  }

  /**
   * The appendix-A stuck-delete remedy: clearing the OpenStackCluster finalizer lets the CAPI
   * Cluster (and so the Magnum row) go, leaving any OpenStack resources behind for the manual
   * neutron cleanup in dependency order.
   */
  clearFinalizer(c: Cluster): void {
    this.note(c, 'OpenStackCluster finalizer cleared; leftovers stay for manual cleanup');
    this.setStatus(c, 'DELETE_COMPLETE');
    this.removeRow(c);
  }
}
