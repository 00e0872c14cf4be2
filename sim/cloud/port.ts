// The port through which the simulator's cloud controllers (simulated CAPO and the simulated
// OpenStack CCM) reach OpenStack (issue 16, item 1). Two implementations:
//   - in-process.ts: the simulator's own world (NeutronOps / OctaviaOps), today's behaviour;
//   - http.ts: the real APIs over HTTP, authenticated with the cluster's application credential
//     as CAPO and the CCM do (their own small client: sim/ imports no client code under test).
// Every method is async and throws CloudError on a refusal, so a controller retries or reports
// the same way on both.

export interface NetRef {
  readonly id: string;
  readonly name: string;
}

export interface SubnetRef extends NetRef {
  readonly networkId: string;
  readonly cidr: string;
}

export interface ServerSpec {
  readonly name: string;
  /** Flavor name or id. */
  readonly flavor: string;
  readonly imageId: string;
  readonly keyName?: string;
  readonly networkId: string;
  readonly securityGroups: readonly string[];
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface ServerState {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  /** Fixed IPv4 addresses on the server's ports. */
  readonly addresses: readonly string[];
}

export interface ListenerSpec {
  readonly protocol: 'TCP' | 'HTTP' | 'HTTPS';
  readonly port: number;
  readonly members: readonly { readonly name?: string; readonly address: string; readonly port: number }[];
}

export interface LoadBalancerSpec {
  readonly name: string;
  readonly description: string;
  readonly subnet: SubnetRef;
  readonly listeners: readonly ListenerSpec[];
}

export interface LoadBalancerState {
  readonly id: string;
  readonly name: string;
  readonly provisioningStatus: string;
  readonly operatingStatus: string;
  readonly vipAddress: string;
  readonly vipPortId: string;
}

export interface FloatingIpState {
  readonly id: string;
  readonly address: string;
  readonly portId: string | null;
}

export class CloudError extends Error {
  constructor(readonly service: string, readonly method: string, readonly path: string, readonly status: number, message: string) {
    super(`${service} ${method} ${path}: ${status} ${message}`);
    this.name = 'CloudError';
  }
}

/** What CAPO and the CCM do to OpenStack, as one tenant (the cluster's application credential). */
export interface CloudPort {
  readonly kind: 'in-process' | 'http';
  /** The external network by name or id (router gateways and floating IPs come from it). */
  externalNetwork(ref: string): Promise<NetRef>;
  createNetwork(name: string): Promise<NetRef>;
  createSubnet(name: string, network: NetRef, cidr: string, dns: readonly string[]): Promise<SubnetRef>;
  /** A router with its gateway on the external network and an interface on the subnet. */
  createRouter(name: string, external: NetRef, subnet: SubnetRef): Promise<NetRef>;
  /** Removes the router's interfaces and gateway, then the router; absent is not an error. */
  deleteRouter(id: string): Promise<void>;
  /** Deletes the network (and its subnets); absent is not an error. */
  deleteNetwork(id: string): Promise<void>;
  createSecurityGroup(name: string, description: string, tcpPorts: readonly number[]): Promise<NetRef>;
  deleteSecurityGroup(id: string): Promise<void>;
  createServer(spec: ServerSpec): Promise<ServerState>;
  server(id: string): Promise<ServerState | undefined>;
  deleteServer(id: string): Promise<void>;
  /** Builds the LB with its listeners, pools and members; resolves once it is ACTIVE. */
  createLoadBalancer(spec: LoadBalancerSpec): Promise<LoadBalancerState>;
  loadBalancer(id: string): Promise<LoadBalancerState | undefined>;
  loadBalancersNamed(name: string): Promise<LoadBalancerState[]>;
  /** Cascade delete; resolves once Octavia no longer lists it. */
  deleteLoadBalancer(id: string): Promise<void>;
  /** A floating IP on the external network bound to the LB's VIP port. */
  createFloatingIpForLoadBalancer(external: NetRef, lb: LoadBalancerState, description: string): Promise<FloatingIpState>;
  floatingIpsOfLoadBalancer(lb: LoadBalancerState): Promise<FloatingIpState[]>;
  deleteFloatingIp(id: string): Promise<void>;
  close(): Promise<void>;
}
