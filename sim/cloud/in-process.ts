// The in-process CloudPort: the simulator's own Neutron/Octavia/Nova world, acting as one
// project (and user: the cluster's application credential's). On the pure simulator the CAPI Helm
// driver (through `now`, the ImmediateCloud face: it runs on the virtual clock) and the simulated
// CCM (through the async CloudPort face) make every OpenStack change through it. The async face
// is the immediate one settled, so both make the same calls in the same order and a seed gives
// the same ids.

import type { SimContext } from '../context.js';
import { HttpError } from '../http.js';
import { capoApiListener, occmServiceListener } from '../octavia-children.js';
import { parseCidr } from '../loopback.js';
import type { NeutronOps } from '../neutron.js';
import { findFlavor } from '../nova.js';
import type { OctaviaOps } from '../octavia.js';
import type { LoadBalancer, Server } from '../state.js';
import type { CloudPort, FloatingIpState, ImmediateCloud, LoadBalancerSpec, LoadBalancerState, NetRef, ServerSpec, ServerState, SubnetRef } from './port.js';
import { CloudError } from './port.js';

function lbState(lb: LoadBalancer): LoadBalancerState {
  return { id: lb.id, name: lb.name, provisioningStatus: lb.provisioningStatus, operatingStatus: lb.operatingStatus, vipAddress: lb.vipAddress, vipPortId: lb.vipPortId };
}

function serverState(s: Server): ServerState {
  return { id: s.id, name: s.name, status: s.status, addresses: s.addresses.filter((a) => a.type === 'fixed').map((a) => a.addr) };
}

/** The immediate answer as a promise: a refusal rejects. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}

/** What completes later in simulated time as a promise: start gets the resolver; a refusal rejects. */
function later<T>(start: (done: (v: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    try {
      start(resolve);
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
}

/** Runs a world mutation; a simulated service refusal becomes a CloudError. */
function guard<T>(service: string, method: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof HttpError) throw new CloudError(service, method, path, e.reply.status, JSON.stringify(e.reply.json ?? e.reply.text ?? ''));
    throw e;
  }
}

export class InProcessCloud implements CloudPort {
  readonly kind = 'in-process' as const;
  /** The same operations answered at once, for a controller on the virtual clock. */
  readonly now: ImmediateCloud;

  constructor(private readonly ctx: SimContext, private readonly neutron: NeutronOps, private readonly octavia: OctaviaOps, private readonly projectId: string, private readonly userId = '') {
    this.now = {
      externalNetwork: (ref) => this.externalNetworkNow(ref),
      createNetwork: (name) => this.createNetworkNow(name),
      createSubnet: (name, network, cidr, dns, firstHost) => this.createSubnetNow(name, network, cidr, dns, firstHost),
      subnet: (id) => this.subnetNow(id),
      createRouter: (name, external, subnet) => this.createRouterNow(name, external, subnet),
      deleteRouter: (id) => this.deleteRouterNow(id),
      deleteNetwork: (id) => this.deleteNetworkNow(id),
      createSecurityGroup: (name, description, tcpPorts) => this.createSecurityGroupNow(name, description, tcpPorts),
      deleteSecurityGroup: (id) => this.deleteSecurityGroupNow(id),
      createServer: (spec, boot) => this.createServerNow(spec, boot),
      server: (id) => this.serverNow(id),
      deleteServer: (id) => this.deleteServerNow(id),
      createLoadBalancer: (spec, onActive) => this.createLoadBalancerNow(spec, onActive),
      loadBalancer: (id) => this.loadBalancerNow(id),
      loadBalancersNamed: (name) => this.loadBalancersNamedNow(name),
      deleteLoadBalancer: (id, onGone) => this.deleteLoadBalancerNow(id, onGone),
      createFloatingIpForLoadBalancer: (external, lb, description, preferredHost) => this.createFloatingIpNow(external, lb, description, preferredHost),
      floatingIpsOfLoadBalancer: (lb) => this.floatingIpsOfLoadBalancerNow(lb),
      deleteFloatingIp: (id) => this.deleteFloatingIpNow(id),
    };
  }

  private get w() {
    return this.ctx.world;
  }

  // ------------------------------------------------------------------ the async CloudPort face
  externalNetwork(ref: string): Promise<NetRef> {
    return settle(() => this.now.externalNetwork(ref));
  }

  createNetwork(name: string): Promise<NetRef> {
    return settle(() => this.now.createNetwork(name));
  }

  createSubnet(name: string, network: NetRef, cidr: string, dns: readonly string[]): Promise<SubnetRef> {
    return settle(() => this.now.createSubnet(name, network, cidr, dns));
  }

  subnet(id: string): Promise<SubnetRef | undefined> {
    return settle(() => this.now.subnet(id));
  }

  createRouter(name: string, external: NetRef | undefined, subnet: SubnetRef): Promise<NetRef> {
    return settle(() => this.now.createRouter(name, external, subnet));
  }

  deleteRouter(id: string): Promise<void> {
    return settle(() => this.now.deleteRouter(id));
  }

  deleteNetwork(id: string): Promise<void> {
    return settle(() => this.now.deleteNetwork(id));
  }

  createSecurityGroup(name: string, description: string, tcpPorts: readonly number[]): Promise<NetRef> {
    return settle(() => this.now.createSecurityGroup(name, description, tcpPorts));
  }

  deleteSecurityGroup(id: string): Promise<void> {
    return settle(() => this.now.deleteSecurityGroup(id));
  }

  createServer(spec: ServerSpec): Promise<ServerState> {
    return settle(() => this.now.createServer(spec));
  }

  server(id: string): Promise<ServerState | undefined> {
    return settle(() => this.now.server(id));
  }

  deleteServer(id: string): Promise<void> {
    return settle(() => this.now.deleteServer(id));
  }

  createLoadBalancer(spec: LoadBalancerSpec): Promise<LoadBalancerState> {
    return later((done) => this.now.createLoadBalancer(spec, done));
  }

  loadBalancer(id: string): Promise<LoadBalancerState | undefined> {
    return settle(() => this.now.loadBalancer(id));
  }

  loadBalancersNamed(name: string): Promise<LoadBalancerState[]> {
    return settle(() => this.now.loadBalancersNamed(name));
  }

  deleteLoadBalancer(id: string): Promise<void> {
    return later((done) => this.now.deleteLoadBalancer(id, () => done()));
  }

  createFloatingIpForLoadBalancer(external: NetRef, lb: LoadBalancerState, description: string): Promise<FloatingIpState> {
    return settle(() => this.now.createFloatingIpForLoadBalancer(external, lb, description));
  }

  floatingIpsOfLoadBalancer(lb: LoadBalancerState): Promise<FloatingIpState[]> {
    return settle(() => this.now.floatingIpsOfLoadBalancer(lb));
  }

  deleteFloatingIp(id: string): Promise<void> {
    return settle(() => this.now.deleteFloatingIp(id));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  // ------------------------------------------------------------------ the world, at once
  private externalNetworkNow(ref: string): NetRef {
    const n = this.w.networkByName(ref) ?? this.w.networks.get(ref);
    if (!n) throw new CloudError('neutron', 'GET', '/v2.0/networks', 404, `no external network ${ref}`);
    return { id: n.id, name: n.name };
  }

  private createNetworkNow(name: string): NetRef {
    const n = this.neutron.createNetwork(name, this.projectId);
    return { id: n.id, name: n.name };
  }

  private createSubnetNow(name: string, network: NetRef, cidr: string, dns: readonly string[], firstHost?: number): SubnetRef {
    const net = this.w.networks.get(network.id);
    if (!net) throw new CloudError('neutron', 'POST', '/v2.0/subnets', 404, `network ${network.id} not found`);
    const s = this.neutron.createSubnet(name, net, cidr, this.projectId, { dns: [...dns] });
    if (firstHost !== undefined) s.nextIp = parseCidr(s.cidr).base + firstHost;
    return { id: s.id, name: s.name, networkId: net.id, cidr };
  }

  private subnetNow(id: string): SubnetRef | undefined {
    const s = this.w.subnets.get(id);
    return s ? { id: s.id, name: s.name, networkId: s.networkId, cidr: s.cidr } : undefined;
  }

  private createRouterNow(name: string, external: NetRef | undefined, subnet: SubnetRef): NetRef {
    return guard('neutron', 'POST', '/v2.0/routers', () => {
      const r = this.neutron.createRouter(name, this.projectId);
      const ext = external ? this.w.networks.get(external.id) : undefined;
      if (ext) this.neutron.setGateway(r, ext);
      const sn = this.w.subnets.get(subnet.id);
      if (sn) this.neutron.addInterface(r, sn);
      return { id: r.id, name: r.name };
    });
  }

  private deleteRouterNow(id: string): void {
    const r = this.w.routers.get(id);
    if (!r) return;
    guard('neutron', 'DELETE', `/v2.0/routers/${id}`, () => {
      for (const itf of [...r.interfaces]) this.neutron.removeInterface(r, itf.subnetId);
      this.neutron.deleteRouter(r);
    });
  }

  private deleteNetworkNow(id: string): void {
    const n = this.w.networks.get(id);
    if (n) guard('neutron', 'DELETE', `/v2.0/networks/${id}`, () => this.neutron.deleteNetwork(n));
  }

  private createSecurityGroupNow(name: string, description: string, tcpPorts: readonly number[]): NetRef {
    const g = this.neutron.createSecurityGroup(name, this.projectId, description, [...tcpPorts]);
    return { id: g.id, name: g.name };
  }

  private deleteSecurityGroupNow(id: string): void {
    const g = this.w.securityGroups.get(id);
    if (g) guard('neutron', 'DELETE', `/v2.0/security-groups/${id}`, () => this.neutron.deleteSecurityGroup(g));
  }

  private createServerNow(spec: ServerSpec, boot?: (activate: () => void) => void): ServerState {
    const net = this.w.networks.get(spec.networkId);
    const sn = net ? this.w.subnets.get(net.subnetIds[0] ?? '') : undefined;
    if (!net || !sn) throw new CloudError('nova', 'POST', '/servers', 400, `network ${spec.networkId} has no subnet`);
    const now = this.ctx.clock.now();
    const sgIds = spec.securityGroups.map((n) => [...this.w.securityGroups.values()].find((g) => g.name === n && g.projectId === this.projectId)?.id).filter((x): x is string => !!x);
    const s: Server = {
      id: this.ctx.rng.uuid(), name: spec.name, projectId: this.projectId, userId: this.userId, status: 'BUILD', vmState: 'building', powerState: 0, taskState: 'spawning',
      flavorId: findFlavor(this.ctx, spec.flavor)?.id ?? spec.flavor, imageId: spec.imageId, keyName: spec.keyName ?? null, networkName: net.name, addresses: [], createdAt: now, updatedAt: now,
      launchedAt: null, metadata: { ...spec.metadata }, host: `compute-${this.ctx.rng.int(1, 3)}`, securityGroups: [...spec.securityGroups],
    };
    const port = this.neutron.createPort(net, sn, this.projectId, 'compute:nova', s.id, { name: spec.name, sgIds });
    s.addresses.push({ addr: port.fixedIps[0]?.ip ?? '', mac: port.mac, type: 'fixed' });
    this.w.servers.set(s.id, s);
    this.w.record({ kind: 'nova.server', id: s.id, name: s.name, from: null, to: 'BUILD' });
    const activate = () => {
      if (this.w.servers.get(s.id) !== s) return;
      Object.assign(s, { status: 'ACTIVE', vmState: 'active', powerState: 1, taskState: null, launchedAt: this.ctx.clock.now(), updatedAt: this.ctx.clock.now() });
      this.w.record({ kind: 'nova.server', id: s.id, name: s.name, from: 'BUILD', to: 'ACTIVE' });
    };
    if (boot) boot(activate);
    else this.ctx.clock.after(this.ctx.durations.serverBoot, `server ${s.name} active`, activate);
    return serverState(s);
  }

  private serverNow(id: string): ServerState | undefined {
    const s = this.w.servers.get(id);
    return s ? serverState(s) : undefined;
  }

  private deleteServerNow(id: string): void {
    const s = this.w.servers.get(id);
    if (!s) return;
    this.w.servers.delete(id);
    for (const [pid, p] of this.w.ports) if (p.deviceId === id) this.w.ports.delete(pid);
    this.w.record({ kind: 'nova.server', id, name: s.name, from: s.status, to: 'DELETED' });
  }

  private createLoadBalancerNow(spec: LoadBalancerSpec, onActive?: (lb: LoadBalancerState) => void): LoadBalancerState {
    const sn = this.w.subnets.get(spec.subnet.id);
    if (!sn) throw new CloudError('octavia', 'POST', '/v2/lbaas/loadbalancers', 400, `subnet ${spec.subnet.id} not found`);
    const members = (l: LoadBalancerSpec['listeners'][number]) => l.members.map((m) => ({ name: m.name ?? m.address, address: m.address, port: m.port, subnetId: sn.id }));
    // As CAPO builds its API LB, or as the OpenStack CCM builds a Service's: per listener a
    // ROUND_ROBIN pool, its members and a TCP monitor.
    const listeners = spec.listeners.map((l, i) => {
      const built = spec.builtBy === 'capo' ? capoApiListener(spec.name, l.port) : occmServiceListener(spec.name, i, { port: l.port, nodePort: l.port, protocol: l.protocol }, []);
      return { ...built, pool: { ...built.pool, members: members(l) } };
    });
    const lb = guard('octavia', 'POST', '/v2/lbaas/loadbalancers', () => this.octavia.create(spec.name, this.projectId, sn, {
      description: spec.description, ...(spec.vipAddress ? { vipAddress: spec.vipAddress } : {}), listeners,
    }, onActive ? (active) => onActive(lbState(active)) : undefined));
    return lbState(lb);
  }

  private loadBalancerNow(id: string): LoadBalancerState | undefined {
    const lb = this.w.loadBalancers.get(id);
    return lb ? lbState(lb) : undefined;
  }

  private loadBalancersNamedNow(name: string): LoadBalancerState[] {
    return [...this.w.loadBalancers.values()].filter((x) => x.name === name).map(lbState);
  }

  private deleteLoadBalancerNow(id: string, onGone?: () => void): void {
    const lb = this.w.loadBalancers.get(id);
    if (!lb) return onGone?.();
    this.octavia.delete(lb, onGone);
  }

  private createFloatingIpNow(external: NetRef, lb: LoadBalancerState, description: string, preferredHost?: number): FloatingIpState {
    const ext = this.w.networks.get(external.id);
    if (!ext) throw new CloudError('neutron', 'POST', '/v2.0/floatingips', 404, `external network ${external.id} not found`);
    const port = this.w.ports.get(lb.vipPortId);
    if (!port) throw new CloudError('neutron', 'POST', '/v2.0/floatingips', 404, `port ${lb.vipPortId} not found`);
    const f = guard('neutron', 'POST', '/v2.0/floatingips', () => this.neutron.createFloatingIp(ext, this.projectId, port, preferredHost, description));
    return { id: f.id, address: f.address, portId: f.portId };
  }

  private floatingIpsOfLoadBalancerNow(lb: LoadBalancerState): FloatingIpState[] {
    return [...this.w.floatingIps.values()].filter((f) => f.portId === lb.vipPortId).map((f) => ({ id: f.id, address: f.address, portId: f.portId }));
  }

  private deleteFloatingIpNow(id: string): void {
    const f = this.w.floatingIps.get(id);
    if (f) guard('neutron', 'DELETE', `/v2.0/floatingips/${id}`, () => this.neutron.deleteFloatingIp(f));
  }
}
