// The HTTP CloudPort: the real Neutron, Octavia and Nova, found through the real Keystone's
// catalog, as the cluster's application credential (how CAPO and the CCM authenticate: the
// clouds.yaml in the cluster's <stack>-cloud-credentials secret). A small client of its own:
// sim/ imports no client code under test. Loopback only.

import { isLoopback } from '../loopback.js';
import type { CallRecord } from '../request-log.js';
import type { CloudPort, FloatingIpState, LoadBalancerSpec, LoadBalancerState, NetRef, ServerSpec, ServerState, SubnetRef } from './port.js';
import { CloudError } from './port.js';
import { capoApiListener, occmServiceListener } from '../octavia-children.js';

export interface AppCredAuth {
  /** e.g. http://127.0.0.1:5000/v3 */
  readonly authUrl: string;
  readonly id: string;
  readonly secret: string;
  readonly region?: string;
  readonly interface?: string;
}

/** One outbound call, for the site's request log (no bodies, no tokens). */
export type OutboundCall = CallRecord;

type Service = 'network' | 'load-balancer' | 'compute';

interface CatalogEntry {
  readonly type: string;
  readonly endpoints: { readonly interface: string; readonly region_id?: string; readonly region?: string; readonly url: string }[];
}

export interface HttpCloudOptions {
  readonly auth: AppCredAuth;
  /** Every outbound call goes here. */
  readonly onCall?: (c: OutboundCall) => void;
  /** Poll interval while waiting for Octavia/Nova (real ms; default 1000). */
  readonly pollMs?: number;
  /** Give up waiting for an LB or a delete after this long (real ms; default 300 000). */
  readonly waitMs?: number;
}

function assertLoopback(url: string): void {
  const h = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (!isLoopback(h)) throw new Error(`the simulator's cloud port talks to loopback only, not ${url}`);
}

const VIP_PORT_DESCRIPTION = 'VIP port of an Octavia load balancer (capi-gate simulator cloud port)';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class HttpCloud implements CloudPort {
  readonly kind = 'http' as const;
  private token: string | undefined;
  private endpoints: Partial<Record<Service, string>> = {};
  private projectId = '';
  private closed = false;

  constructor(private readonly o: HttpCloudOptions) {
    assertLoopback(o.auth.authUrl);
  }

  private async authenticate(): Promise<void> {
    const t0 = Date.now();
    const res = await fetch(`${this.o.auth.authUrl.replace(/\/+$/, '')}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['application_credential'], application_credential: { id: this.o.auth.id, secret: this.o.auth.secret } } } }),
    });
    this.o.onCall?.({ at: t0, service: 'identity', method: 'POST', path: '/v3/auth/tokens', status: res.status, ms: Date.now() - t0 });
    const body = (await res.json().catch(() => ({}))) as { token?: { catalog?: CatalogEntry[]; project?: { id: string } }; error?: { message?: string } };
    const token = res.headers.get('x-subject-token');
    if (res.status !== 201 || !token) throw new CloudError('keystone', 'POST', '/v3/auth/tokens', res.status, body.error?.message ?? 'authentication failed');
    this.token = token;
    this.projectId = body.token?.project?.id ?? '';
    const region = this.o.auth.region ?? 'RegionOne';
    const iface = this.o.auth.interface ?? 'public';
    for (const type of ['network', 'load-balancer', 'compute'] as const) {
      const e = body.token?.catalog?.find((c) => c.type === type)?.endpoints.find((x) => x.interface === iface && (x.region_id ?? x.region) === region);
      if (e) {
        assertLoopback(e.url);
        this.endpoints[type] = e.url.replace(/\/+$/, '');
      }
    }
  }

  /** The project the credential is scoped to. */
  async project(): Promise<string> {
    if (!this.token) await this.authenticate();
    return this.projectId;
  }

  private async call<T>(service: Service, method: string, path: string, body?: unknown, ok: number[] = [200, 201, 202, 204]): Promise<{ status: number; json: T }> {
    if (this.closed) throw new CloudError(service, method, path, 0, 'the cloud port is closed');
    for (let attempt = 0; ; attempt++) {
      if (!this.token) await this.authenticate();
      const base = this.endpoints[service];
      if (!base) throw new CloudError(service, method, path, 0, `no ${service} endpoint in the catalog`);
      const t0 = Date.now();
      const headers: Record<string, string> = { 'x-auth-token': this.token ?? '', accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (service === 'compute') headers['openstack-api-version'] = 'compute 2.1';
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      } catch (e) {
        this.o.onCall?.({ at: t0, service, method, path: path.split('?')[0] ?? path, status: 0, ms: Date.now() - t0 });
        throw new CloudError(service, method, path, 0, e instanceof Error ? e.message : String(e));
      }
      const text = await res.text();
      this.o.onCall?.({ at: t0, service, method, path: path.split('?')[0] ?? path, status: res.status, ms: Date.now() - t0 });
      if (res.status === 401 && attempt === 0) {
        this.token = undefined;
        continue;
      }
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      if (!ok.includes(res.status)) {
        const msg = (json as { NeutronError?: { message?: string }; faultstring?: string; description?: string; message?: string; [k: string]: unknown } | undefined);
        const m = msg?.NeutronError?.message ?? msg?.faultstring ?? msg?.description ?? msg?.message ?? Object.values(msg ?? {}).map((v) => (v as { message?: string })?.message).find(Boolean) ?? text.slice(0, 200);
        throw new CloudError(service, method, path.split('?')[0] ?? path, res.status, String(m));
      }
      return { status: res.status, json: json as T };
    }
  }

  private async waitFor<T>(what: string, poll: () => Promise<T | undefined>, done: (v: T | undefined) => boolean): Promise<T | undefined> {
    const deadline = Date.now() + (this.o.waitMs ?? 300_000);
    for (;;) {
      const v = await poll();
      if (done(v)) return v;
      if (Date.now() > deadline) throw new CloudError('wait', 'GET', what, 0, `still waiting after ${Math.round((this.o.waitMs ?? 300_000) / 1000)} s`);
      await sleep(this.o.pollMs ?? 1000);
    }
  }

  // ------------------------------------------------------------------ Neutron
  async externalNetwork(ref: string): Promise<NetRef> {
    const byName = await this.call<{ networks: { id: string; name: string }[] }>('network', 'GET', `/v2.0/networks?router:external=true&name=${encodeURIComponent(ref)}`);
    const n = byName.json.networks[0] ?? (await this.call<{ networks: { id: string; name: string }[] }>('network', 'GET', `/v2.0/networks?router:external=true&id=${encodeURIComponent(ref)}`)).json.networks[0];
    if (!n) throw new CloudError('neutron', 'GET', '/v2.0/networks', 404, `no external network ${ref}`);
    return { id: n.id, name: n.name };
  }

  async createNetwork(name: string): Promise<NetRef> {
    const r = await this.call<{ network: { id: string; name: string } }>('network', 'POST', '/v2.0/networks', { network: { name, admin_state_up: true } });
    return { id: r.json.network.id, name };
  }

  async createSubnet(name: string, network: NetRef, cidr: string, dns: readonly string[]): Promise<SubnetRef> {
    const r = await this.call<{ subnet: { id: string } }>('network', 'POST', '/v2.0/subnets', { subnet: { name, network_id: network.id, ip_version: 4, cidr, dns_nameservers: dns } });
    return { id: r.json.subnet.id, name, networkId: network.id, cidr };
  }

  async subnet(id: string): Promise<SubnetRef | undefined> {
    const r = await this.call<{ subnet?: { id: string; name: string; network_id: string; cidr: string } }>('network', 'GET', `/v2.0/subnets/${id}`, undefined, [200, 404]);
    const s = r.status === 404 ? undefined : r.json.subnet;
    return s ? { id: s.id, name: s.name, networkId: s.network_id, cidr: s.cidr } : undefined;
  }

  async createRouter(name: string, external: NetRef | undefined, subnet: SubnetRef): Promise<NetRef> {
    const r = await this.call<{ router: { id: string } }>('network', 'POST', '/v2.0/routers', { router: { name, ...(external ? { external_gateway_info: { network_id: external.id } } : {}) } });
    await this.call('network', 'PUT', `/v2.0/routers/${r.json.router.id}/add_router_interface`, { subnet_id: subnet.id });
    return { id: r.json.router.id, name };
  }

  async deleteRouter(id: string): Promise<void> {
    const ports = await this.call<{ ports: { id: string; device_owner: string; fixed_ips: { subnet_id: string }[] }[] }>('network', 'GET', `/v2.0/ports?device_id=${encodeURIComponent(id)}`);
    for (const p of ports.json.ports) {
      if (p.device_owner !== 'network:router_interface' && p.device_owner !== 'network:router_interface_distributed') continue;
      for (const ip of p.fixed_ips) await this.call('network', 'PUT', `/v2.0/routers/${id}/remove_router_interface`, { subnet_id: ip.subnet_id }, [200, 404]);
    }
    await this.call('network', 'PUT', `/v2.0/routers/${id}`, { router: { external_gateway_info: {} } }, [200, 404]);
    await this.call('network', 'DELETE', `/v2.0/routers/${id}`, undefined, [204, 404]);
  }

  async deleteNetwork(id: string): Promise<void> {
    await this.call('network', 'DELETE', `/v2.0/networks/${id}`, undefined, [204, 404]);
  }

  async createSecurityGroup(name: string, description: string, tcpPorts: readonly number[]): Promise<NetRef> {
    const g = await this.call<{ security_group: { id: string } }>('network', 'POST', '/v2.0/security-groups', { security_group: { name, description } });
    for (const p of tcpPorts) {
      await this.call('network', 'POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: g.json.security_group.id, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: p, port_range_max: p, remote_ip_prefix: '0.0.0.0/0' } });
    }
    return { id: g.json.security_group.id, name };
  }

  async deleteSecurityGroup(id: string): Promise<void> {
    await this.call('network', 'DELETE', `/v2.0/security-groups/${id}`, undefined, [204, 404]);
  }

  // ------------------------------------------------------------------ Nova
  private async flavorId(ref: string): Promise<string> {
    const r = await this.call<{ flavors: { id: string; name: string }[] }>('compute', 'GET', '/flavors');
    const f = r.json.flavors.find((x) => x.id === ref || x.name === ref);
    if (!f) throw new CloudError('nova', 'GET', '/flavors', 404, `no flavor ${ref}`);
    return f.id;
  }

  async createServer(spec: ServerSpec): Promise<ServerState> {
    const flavorRef = await this.flavorId(spec.flavor);
    const r = await this.call<{ server: { id: string } }>('compute', 'POST', '/servers', {
      server: {
        name: spec.name, flavorRef, imageRef: spec.imageId, ...(spec.keyName ? { key_name: spec.keyName } : {}),
        networks: [{ uuid: spec.networkId }], security_groups: spec.securityGroups.map((name) => ({ name })), metadata: { ...spec.metadata },
      },
    });
    return { id: r.json.server.id, name: spec.name, status: 'BUILD', addresses: [] };
  }

  async server(id: string): Promise<ServerState | undefined> {
    const r = await this.call<{ server?: { id: string; name: string; status: string; addresses?: Record<string, { addr: string; version: number; 'OS-EXT-IPS:type'?: string }[]> } }>('compute', 'GET', `/servers/${id}`, undefined, [200, 404]);
    const s = r.status === 404 ? undefined : r.json.server;
    if (!s) return undefined;
    const addresses = Object.values(s.addresses ?? {}).flat().filter((a) => a.version === 4 && (a['OS-EXT-IPS:type'] ?? 'fixed') === 'fixed').map((a) => a.addr);
    return { id: s.id, name: s.name, status: s.status, addresses };
  }

  async deleteServer(id: string): Promise<void> {
    await this.call('compute', 'DELETE', `/servers/${id}`, undefined, [204, 404]);
    await this.waitFor(`/servers/${id}`, () => this.server(id), (s) => s === undefined);
  }

  // ------------------------------------------------------------------ Octavia
  private lbOf(x: { id: string; name: string; provisioning_status: string; operating_status: string; vip_address: string; vip_port_id: string }): LoadBalancerState {
    return { id: x.id, name: x.name, provisioningStatus: x.provisioning_status, operatingStatus: x.operating_status, vipAddress: x.vip_address, vipPortId: x.vip_port_id };
  }

  private async waitActive(lbId: string): Promise<LoadBalancerState> {
    const lb = await this.waitFor(`/v2/lbaas/loadbalancers/${lbId}`, () => this.loadBalancer(lbId), (v) => v === undefined || !v.provisioningStatus.startsWith('PENDING'));
    if (!lb) throw new CloudError('octavia', 'GET', `/v2/lbaas/loadbalancers/${lbId}`, 404, 'the load balancer disappeared');
    if (lb.provisioningStatus !== 'ACTIVE') throw new CloudError('octavia', 'GET', `/v2/lbaas/loadbalancers/${lbId}`, 409, `the load balancer is ${lb.provisioningStatus}`);
    return lb;
  }

  async createLoadBalancer(spec: LoadBalancerSpec): Promise<LoadBalancerState> {
    // The VIP port is made in Neutron first and handed to Octavia (vip_port_id + its subnet and
    // address): the control plane's Octavia runs the noop network driver, which would invent a
    // port Neutron does not have; with a given port it uses that one, as a real Octavia does.
    const port = await this.call<{ port: { id: string; fixed_ips: { subnet_id: string; ip_address: string }[] } }>('network', 'POST', '/v2.0/ports', {
      port: { name: `octavia-lb-vip-${spec.name}`.slice(0, 255), network_id: spec.subnet.networkId, fixed_ips: [{ subnet_id: spec.subnet.id, ...(spec.vipAddress ? { ip_address: spec.vipAddress } : {}) }], device_owner: 'Octavia', description: VIP_PORT_DESCRIPTION },
    });
    const vip = port.json.port.fixed_ips[0]?.ip_address;
    let r: { json: { loadbalancer: { id: string } } };
    try {
      r = await this.call<{ loadbalancer: { id: string } }>('load-balancer', 'POST', '/v2/lbaas/loadbalancers', { loadbalancer: { name: spec.name, description: spec.description, vip_subnet_id: spec.subnet.id, vip_port_id: port.json.port.id, ...(vip ? { vip_address: vip } : {}) } });
    } catch (e) {
      await this.call('network', 'DELETE', `/v2.0/ports/${port.json.port.id}`, undefined, [204, 404]).catch(() => undefined);
      throw e;
    }
    const id = r.json.loadbalancer.id;
    await this.waitActive(id);
    // As CAPO builds its API LB, or as the OpenStack CCM builds a Service's (the in-process side's
    // names and monitors): per listener a ROUND_ROBIN pool, its members and a TCP monitor.
    for (const [i, l] of spec.listeners.entries()) {
      const built = spec.builtBy === 'capo' ? capoApiListener(spec.name, l.port) : occmServiceListener(spec.name, i, { port: l.port, nodePort: l.port, protocol: l.protocol }, []);
      const li = await this.call<{ listener: { id: string } }>('load-balancer', 'POST', '/v2/lbaas/listeners', { listener: { name: built.name.slice(0, 255), protocol: built.protocol, protocol_port: built.port, loadbalancer_id: id } });
      await this.waitActive(id);
      const pool = await this.call<{ pool: { id: string } }>('load-balancer', 'POST', '/v2/lbaas/pools', { pool: { name: built.pool.name.slice(0, 255), protocol: built.pool.protocol, lb_algorithm: built.pool.algorithm, listener_id: li.json.listener.id } });
      await this.waitActive(id);
      const mon = built.pool.monitor;
      if (mon) {
        await this.call('load-balancer', 'POST', '/v2/lbaas/healthmonitors', {
          healthmonitor: { name: mon.name.slice(0, 255), pool_id: pool.json.pool.id, type: mon.type, delay: mon.delay, timeout: mon.timeout, max_retries: mon.maxRetries, max_retries_down: mon.maxRetriesDown },
        });
        await this.waitActive(id);
      }
      for (const m of l.members) {
        await this.call('load-balancer', 'POST', `/v2/lbaas/pools/${pool.json.pool.id}/members`, { member: { name: (m.name ?? m.address).slice(0, 255), address: m.address, protocol_port: m.port, subnet_id: spec.subnet.id } });
        await this.waitActive(id);
      }
    }
    return this.waitActive(id);
  }

  async loadBalancer(id: string): Promise<LoadBalancerState | undefined> {
    const r = await this.call<{ loadbalancer?: Parameters<HttpCloud['lbOf']>[0] }>('load-balancer', 'GET', `/v2/lbaas/loadbalancers/${id}`, undefined, [200, 404]);
    const lb = r.status === 404 ? undefined : r.json.loadbalancer;
    return lb && lb.provisioning_status !== 'DELETED' ? this.lbOf(lb) : undefined;
  }

  async loadBalancersNamed(name: string): Promise<LoadBalancerState[]> {
    const r = await this.call<{ loadbalancers: Parameters<HttpCloud['lbOf']>[0][] }>('load-balancer', 'GET', `/v2/lbaas/loadbalancers?name=${encodeURIComponent(name)}`);
    return r.json.loadbalancers.filter((x) => x.name === name && x.provisioning_status !== 'DELETED').map((x) => this.lbOf(x));
  }

  async deleteLoadBalancer(id: string): Promise<void> {
    const lb = await this.loadBalancer(id);
    if (!lb) return;
    if (lb.provisioningStatus.startsWith('PENDING') && lb.provisioningStatus !== 'PENDING_DELETE') await this.waitFor(`/v2/lbaas/loadbalancers/${id}`, () => this.loadBalancer(id), (v) => v === undefined || !v.provisioningStatus.startsWith('PENDING'));
    await this.call('load-balancer', 'DELETE', `/v2/lbaas/loadbalancers/${id}?cascade=true`, undefined, [204, 404, 409]);
    await this.waitFor(`/v2/lbaas/loadbalancers/${id}`, () => this.loadBalancer(id), (v) => v === undefined);
    await this.deleteVipPort(lb.vipPortId);
  }

  /** The VIP port this port made (never another one). */
  private async deleteVipPort(portId: string): Promise<void> {
    const p = await this.call<{ port?: { description?: string } }>('network', 'GET', `/v2.0/ports/${portId}`, undefined, [200, 404]);
    if (p.status === 200 && p.json.port?.description === VIP_PORT_DESCRIPTION) await this.call('network', 'DELETE', `/v2.0/ports/${portId}`, undefined, [204, 404]);
  }

  async createFloatingIpForLoadBalancer(external: NetRef, lb: LoadBalancerState, description: string): Promise<FloatingIpState> {
    const r = await this.call<{ floatingip: { id: string; floating_ip_address: string; port_id: string | null } }>('network', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: external.id, port_id: lb.vipPortId, description } });
    return { id: r.json.floatingip.id, address: r.json.floatingip.floating_ip_address, portId: r.json.floatingip.port_id };
  }

  async floatingIpsOfLoadBalancer(lb: LoadBalancerState): Promise<FloatingIpState[]> {
    const r = await this.call<{ floatingips: { id: string; floating_ip_address: string; port_id: string | null }[] }>('network', 'GET', `/v2.0/floatingips?port_id=${encodeURIComponent(lb.vipPortId)}`);
    return r.json.floatingips.map((f) => ({ id: f.id, address: f.floating_ip_address, portId: f.port_id }));
  }

  async deleteFloatingIp(id: string): Promise<void> {
    await this.call('network', 'DELETE', `/v2.0/floatingips/${id}`, undefined, [204, 404]);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
