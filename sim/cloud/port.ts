// The port through which the simulator's cloud controllers (simulated CAPI/CAPO and the simulated
// OpenStack CCM) reach OpenStack. Two implementations:
//   - in-process.ts: the simulator's own world (NeutronOps / OctaviaOps); the pure simulator's
//     CAPI Helm driver (driver.ts) and CCM use it, the driver through its ImmediateCloud face;
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
  /** The VIP's fixed address on the subnet (default: the next free one). */
  readonly vipAddress?: string;
  /**
   * Whose naming the listeners, pools and monitors follow: CAPO's API LB
   * (<lb>-<port>, TCP monitor 10/5/5/3) or the OpenStack CCM's Service LB
   * (listener_<i>_<lb>, pool_<i>_<lb>, monitor_<i>_<lb>, TCP monitor 5/3/1/3). Default 'ccm'.
   * Both sides (in-process and HTTP) build them so.
   */
  readonly builtBy?: 'capo' | 'ccm';
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
  /** What the service said (its error body or message), without the request line. */
  readonly reason: string;

  constructor(readonly service: string, readonly method: string, readonly path: string, readonly status: number, message: string) {
    super(`${service} ${method} ${path}: ${status} ${message}`);
    this.reason = message;
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
  /** The subnet by id; undefined when it is gone. */
  subnet(id: string): Promise<SubnetRef | undefined>;
  /** A router with its gateway on the external network (none when undefined) and an interface on the subnet. */
  createRouter(name: string, external: NetRef | undefined, subnet: SubnetRef): Promise<NetRef>;
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
  /** A floating IP on the external network bound to the LB's VIP port (a 404 when that port is gone). */
  createFloatingIpForLoadBalancer(external: NetRef, lb: LoadBalancerState, description: string): Promise<FloatingIpState>;
  floatingIpsOfLoadBalancer(lb: LoadBalancerState): Promise<FloatingIpState[]>;
  deleteFloatingIp(id: string): Promise<void>;
  close(): Promise<void>;
}

type Answered<F> = F extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;

/**
 * The same operations answered at once, as the in-process world can: the pure simulator's
 * CAPI/CAPO driver runs on the virtual clock, where a step and the timers it arms must happen
 * inside one clock callback (a /_sim/clock advance fires timer after timer with no microtask in
 * between), so it cannot await. Derived from CloudPort, so the two stay one interface. What
 * completes later in simulated time takes a callback instead of resolving later.
 */
export type ImmediateCloud = {
  readonly [K in Exclude<keyof CloudPort, 'kind' | 'close' | 'createSubnet' | 'createServer' | 'createLoadBalancer' | 'deleteLoadBalancer' | 'createFloatingIpForLoadBalancer'>]: Answered<CloudPort[K]>;
} & {
  /** firstHost: fixed addresses are handed out from the subnet's base + firstHost (the simulated site's CAPO network starts at .10). */
  createSubnet(name: string, network: NetRef, cidr: string, dns: readonly string[], firstHost?: number): SubnetRef;
  /**
   * boot: who runs Nova's build; it gets the function that makes the server ACTIVE. Default: a
   * timer of the simulated boot time. The pure simulator's driver runs it on its own timers, so a
   * build waits, as everything CAPI does, while the management VM is down.
   */
  createServer(spec: ServerSpec, boot?: (activate: () => void) => void): ServerState;
  /** Returns the LB as requested (PENDING_CREATE); onActive once Octavia made it ACTIVE. */
  createLoadBalancer(spec: LoadBalancerSpec, onActive?: (lb: LoadBalancerState) => void): LoadBalancerState;
  /** Starts the cascade delete; onGone once Octavia no longer lists it (at once when it is absent). */
  deleteLoadBalancer(id: string, onGone?: () => void): void;
  /** preferredHost: the host number in the external subnet tried first (the simulated site's stable API address). */
  createFloatingIpForLoadBalancer(external: NetRef, lb: LoadBalancerState, description: string, preferredHost?: number): FloatingIpState;
};
