// The in-process CloudPort: the simulator's own Neutron/Octavia/Nova world, acting as one
// project. The simulated CCM goes through it on the pure simulator (what sim/index.ts did inline
// before: the same calls in the same order, so seeds give the same ids).

import type { SimContext } from '../context.js';
import { HttpError } from '../http.js';
import { occmServiceListener } from '../octavia-children.js';
import type { NeutronOps } from '../neutron.js';
import type { OctaviaOps } from '../octavia.js';
import type { LoadBalancer, Server } from '../state.js';
import type { CloudPort, FloatingIpState, LoadBalancerSpec, LoadBalancerState, NetRef, ServerSpec, ServerState, SubnetRef } from './port.js';
import { CloudError } from './port.js';

function lbState(lb: LoadBalancer): LoadBalancerState {
  return { id: lb.id, name: lb.name, provisioningStatus: lb.provisioningStatus, operatingStatus: lb.operatingStatus, vipAddress: lb.vipAddress, vipPortId: lb.vipPortId };
}

function serverState(s: Server): ServerState {
  return { id: s.id, name: s.name, status: s.status, addresses: s.addresses.filter((a) => a.type === 'fixed').map((a) => a.addr) };
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

  constructor(private readonly ctx: SimContext, private readonly neutron: NeutronOps, private readonly octavia: OctaviaOps, private readonly projectId: string) {}

  private get w() {
    return this.ctx.world;
  }

  externalNetwork(ref: string): Promise<NetRef> {
    const n = this.w.networkByName(ref) ?? this.w.networks.get(ref);
    if (!n) return Promise.reject(new CloudError('neutron', 'GET', '/v2.0/networks', 404, `no external network ${ref}`));
    return Promise.resolve({ id: n.id, name: n.name });
  }

  createNetwork(name: string): Promise<NetRef> {
    const n = this.neutron.createNetwork(name, this.projectId);
    return Promise.resolve({ id: n.id, name: n.name });
  }

  createSubnet(name: string, network: NetRef, cidr: string, dns: readonly string[]): Promise<SubnetRef> {
    const net = this.w.networks.get(network.id);
    if (!net) return Promise.reject(new CloudError('neutron', 'POST', '/v2.0/subnets', 404, `network ${network.id} not found`));
    const s = this.neutron.createSubnet(name, net, cidr, this.projectId, { dns: [...dns] });
    return Promise.resolve({ id: s.id, name: s.name, networkId: net.id, cidr });
  }

  createRouter(name: string, external: NetRef, subnet: SubnetRef): Promise<NetRef> {
    return Promise.resolve(guard('neutron', 'POST', '/v2.0/routers', () => {
      const r = this.neutron.createRouter(name, this.projectId);
      const ext = this.w.networks.get(external.id);
      if (ext) this.neutron.setGateway(r, ext);
      const sn = this.w.subnets.get(subnet.id);
      if (sn) this.neutron.addInterface(r, sn);
      return { id: r.id, name: r.name };
    }));
  }

  deleteRouter(id: string): Promise<void> {
    const r = this.w.routers.get(id);
    if (!r) return Promise.resolve();
    guard('neutron', 'DELETE', `/v2.0/routers/${id}`, () => {
      for (const itf of [...r.interfaces]) this.neutron.removeInterface(r, itf.subnetId);
      this.neutron.deleteRouter(r);
    });
    return Promise.resolve();
  }

  deleteNetwork(id: string): Promise<void> {
    const n = this.w.networks.get(id);
    if (n) guard('neutron', 'DELETE', `/v2.0/networks/${id}`, () => this.neutron.deleteNetwork(n));
    return Promise.resolve();
  }

  createSecurityGroup(name: string, description: string, tcpPorts: readonly number[]): Promise<NetRef> {
    const g = this.neutron.createSecurityGroup(name, this.projectId, description, [...tcpPorts]);
    return Promise.resolve({ id: g.id, name: g.name });
  }

  deleteSecurityGroup(id: string): Promise<void> {
    const g = this.w.securityGroups.get(id);
    if (g) guard('neutron', 'DELETE', `/v2.0/security-groups/${id}`, () => this.neutron.deleteSecurityGroup(g));
    return Promise.resolve();
  }

  createServer(spec: ServerSpec): Promise<ServerState> {
    const net = this.w.networks.get(spec.networkId);
    const sn = net ? this.w.subnets.get(net.subnetIds[0] ?? '') : undefined;
    if (!net || !sn) return Promise.reject(new CloudError('nova', 'POST', '/servers', 400, `network ${spec.networkId} has no subnet`));
    const now = this.ctx.clock.now();
    const sgIds = spec.securityGroups.map((n) => [...this.w.securityGroups.values()].find((g) => g.name === n && g.projectId === this.projectId)?.id).filter((x): x is string => !!x);
    const s: Server = {
      id: this.ctx.rng.uuid(), name: spec.name, projectId: this.projectId, userId: '', status: 'BUILD', vmState: 'building', powerState: 0, taskState: 'spawning',
      flavorId: spec.flavor, imageId: spec.imageId, keyName: spec.keyName ?? null, networkName: net.name, addresses: [], createdAt: now, updatedAt: now,
      launchedAt: null, metadata: { ...spec.metadata }, host: `compute-${this.ctx.rng.int(1, 3)}`, securityGroups: [...spec.securityGroups],
    };
    const port = this.neutron.createPort(net, sn, this.projectId, 'compute:nova', s.id, { name: spec.name, sgIds });
    s.addresses.push({ addr: port.fixedIps[0]?.ip ?? '', mac: port.mac, type: 'fixed' });
    this.w.servers.set(s.id, s);
    this.w.record({ kind: 'nova.server', id: s.id, name: s.name, from: null, to: 'BUILD' });
    this.ctx.clock.after(this.ctx.durations.serverBoot, `server ${s.name} active`, () => {
      if (this.w.servers.get(s.id) !== s) return;
      Object.assign(s, { status: 'ACTIVE', vmState: 'active', powerState: 1, taskState: null, launchedAt: this.ctx.clock.now(), updatedAt: this.ctx.clock.now() });
      this.w.record({ kind: 'nova.server', id: s.id, name: s.name, from: 'BUILD', to: 'ACTIVE' });
    });
    return Promise.resolve(serverState(s));
  }

  server(id: string): Promise<ServerState | undefined> {
    const s = this.w.servers.get(id);
    return Promise.resolve(s ? serverState(s) : undefined);
  }

  deleteServer(id: string): Promise<void> {
    const s = this.w.servers.get(id);
    if (!s) return Promise.resolve();
    this.w.servers.delete(id);
    for (const [pid, p] of this.w.ports) if (p.deviceId === id) this.w.ports.delete(pid);
    this.w.record({ kind: 'nova.server', id, name: s.name, from: s.status, to: 'DELETED' });
    return Promise.resolve();
  }

  createLoadBalancer(spec: LoadBalancerSpec): Promise<LoadBalancerState> {
    return new Promise((resolve, reject) => {
      try {
        const sn = this.w.subnets.get(spec.subnet.id);
        if (!sn) throw new CloudError('octavia', 'POST', '/v2/lbaas/loadbalancers', 400, `subnet ${spec.subnet.id} not found`);
        // As the OpenStack CCM builds them: per listener a ROUND_ROBIN pool, its members and a TCP monitor.
        const listeners = spec.listeners.map((l, i) => {
          const built = occmServiceListener(spec.name, i, { port: l.port, nodePort: l.port, protocol: l.protocol }, []);
          return { ...built, pool: { ...built.pool, members: l.members.map((m) => ({ name: m.name ?? m.address, address: m.address, port: m.port, subnetId: sn.id })) } };
        });
        guard('octavia', 'POST', '/v2/lbaas/loadbalancers', () => this.octavia.create(spec.name, this.projectId, sn, { description: spec.description, listeners }, (lb) => resolve(lbState(lb))));
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  loadBalancer(id: string): Promise<LoadBalancerState | undefined> {
    const lb = this.w.loadBalancers.get(id);
    return Promise.resolve(lb ? lbState(lb) : undefined);
  }

  loadBalancersNamed(name: string): Promise<LoadBalancerState[]> {
    return Promise.resolve([...this.w.loadBalancers.values()].filter((x) => x.name === name).map(lbState));
  }

  deleteLoadBalancer(id: string): Promise<void> {
    const lb = this.w.loadBalancers.get(id);
    if (!lb) return Promise.resolve();
    return new Promise((resolve) => this.octavia.delete(lb, resolve));
  }

  createFloatingIpForLoadBalancer(external: NetRef, lb: LoadBalancerState, description: string): Promise<FloatingIpState> {
    const ext = this.w.networks.get(external.id);
    const port = this.w.ports.get(lb.vipPortId);
    if (!ext) return Promise.reject(new CloudError('neutron', 'POST', '/v2.0/floatingips', 404, `external network ${external.id} not found`));
    const f = guard('neutron', 'POST', '/v2.0/floatingips', () => this.neutron.createFloatingIp(ext, this.projectId, port, undefined, description));
    return Promise.resolve({ id: f.id, address: f.address, portId: f.portId });
  }

  floatingIpsOfLoadBalancer(lb: LoadBalancerState): Promise<FloatingIpState[]> {
    return Promise.resolve([...this.w.floatingIps.values()].filter((f) => f.portId === lb.vipPortId).map((f) => ({ id: f.id, address: f.address, portId: f.portId })));
  }

  deleteFloatingIp(id: string): Promise<void> {
    const f = this.w.floatingIps.get(id);
    if (f) this.neutron.deleteFloatingIp(f);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
