// The simulated site's data: one store per service, plus a timeline of every state change.
// Handlers read and write it; lifecycles (driver.ts, octavia.ts, glance.ts) move it along on
// the virtual clock. Secrets (passwords, app-cred secrets, tokens, CA keys) live here and are
// left out of snapshot().

import type { SimClock } from './clock.js';
import type { Rng } from './rand.js';
import type { ClusterCa } from './certs.js';
import { intToIp as intIp, ipToInt as ipInt } from './loopback.js';

export interface Domain { id: string; name: string; description: string; enabled: boolean }
export interface Project { id: string; name: string; domainId: string; description: string; enabled: boolean }
export interface User { id: string; name: string; domainId: string; password: string; enabled: boolean; email?: string }
export interface Role { id: string; name: string }
export interface Assignment { userId: string; projectId: string; roleId: string }
export interface AppCred {
  id: string; name: string; description: string; secret: string; userId: string; projectId: string;
  roleIds: string[]; expiresAt: number | null; unrestricted: boolean; createdAt: number;
}
export interface Token {
  value: string; userId: string; methods: string[]; projectId?: string; domainId?: string; system?: boolean;
  roleIds: string[]; appCredId?: string; issuedAt: number; expiresAt: number; auditId: string;
}

export interface Image {
  id: string; name: string | null; status: string; visibility: string; owner: string; osHidden: boolean;
  protected: boolean; diskFormat: string | null; containerFormat: string | null; size: number | null; virtualSize: number | null;
  checksum: string | null; hashAlgo: string | null; hashValue: string | null; minRam: number; minDisk: number;
  tags: string[]; props: Record<string, unknown>; createdAt: number; updatedAt: number; staged?: Buffer;
}

export interface Flavor { id: string; name: string; ram: number; vcpus: number; disk: number }
export interface Keypair { name: string; userId: string; publicKey: string; fingerprint: string; createdAt: number; id: number }
export interface Server {
  id: string; name: string; projectId: string; userId: string; status: string; vmState: string; powerState: number;
  taskState: string | null; flavorId: string; imageId: string; keyName: string | null; networkName: string;
  addresses: { addr: string; mac: string; type: 'fixed' | 'floating' }[]; createdAt: number; updatedAt: number;
  launchedAt: number | null; metadata: Record<string, string>; host: string; securityGroups: string[];
}

export interface Network {
  id: string; name: string; projectId: string; external: boolean; shared: boolean; subnetIds: string[]; mtu: number;
  status: string; createdAt: number; description: string;
}
export interface Subnet {
  id: string; name: string; networkId: string; projectId: string; cidr: string; gatewayIp: string;
  poolStart: string; poolEnd: string; dns: string[]; enableDhcp: boolean; createdAt: number; nextIp: number; description: string;
}
export interface Router {
  id: string; name: string; projectId: string; gateway: { networkId: string; ip: string; subnetId: string } | null;
  interfaces: { subnetId: string; portId: string }[]; createdAt: number; description: string;
}
export interface Port {
  id: string; name: string; networkId: string; projectId: string; mac: string; fixedIps: { subnetId: string; ip: string }[];
  deviceId: string; deviceOwner: string; securityGroupIds: string[]; createdAt: number; status: string;
}
export interface FloatingIp {
  id: string; address: string; networkId: string; projectId: string; portId: string | null; fixedIp: string | null;
  routerId: string | null; createdAt: number; description: string;
}
export interface SecurityGroup {
  id: string; name: string; projectId: string; description: string; createdAt: number;
  rules: { id: string; direction: string; ethertype: string; protocol: string | null; portMin: number | null; portMax: number | null; remoteIpPrefix: string | null; remoteGroupId: string | null; standardAttrId: number }[];
}

export interface Amphora {
  id: string; lbId: string; computeId: string; lbNetworkIp: string; vrrpIp: string; haIp: string; vrrpPortId: string; role: string;
  status: string; createdAt: number; updatedAt: number; imageId: string;
}
export interface LoadBalancer {
  id: string; name: string; description: string; projectId: string; provisioningStatus: string; operatingStatus: string;
  adminStateUp: boolean; vipAddress: string; vipPortId: string; vipSubnetId: string; vipNetworkId: string; provider: string;
  listenerIds: string[]; poolIds: string[]; createdAt: number; updatedAt: number | null; tags: string[];
}

/** An Octavia listener, pool, member or health monitor: provisioning/operating status like the LB's. */
interface LbChild {
  id: string; name: string; description: string; projectId: string; lbId: string; provisioningStatus: string; operatingStatus: string;
  adminStateUp: boolean; createdAt: number; updatedAt: number | null; tags: string[];
}
export interface Listener extends LbChild { protocol: string; protocolPort: number; defaultPoolId: string | null; connectionLimit: number }
export interface Pool extends LbChild { listenerId: string | null; protocol: string; lbAlgorithm: string; memberIds: string[]; healthMonitorId: string | null }
export interface Member extends LbChild { poolId: string; address: string; protocolPort: number; subnetId: string | null; weight: number; backup: boolean }
export interface HealthMonitor extends LbChild {
  poolId: string; type: string; delay: number; timeout: number; maxRetries: number; maxRetriesDown: number;
  httpMethod: string | null; urlPath: string | null; expectedCodes: string | null;
}

export interface Template {
  uuid: string; projectId: string; userId: string; createdAt: number; updatedAt: number | null;
  fields: Record<string, unknown>;
}

export interface Cluster {
  uuid: string; name: string; projectId: string; userId: string; templateId: string; status: string;
  statusReason: string | null; healthStatus: string | null; healthReason: Record<string, string>;
  stackId: string | null; apiAddress: string | null; coeVersion: string | null; keypair: string | null;
  masterCount: number; nodeCount: number; createTimeout: number; labels: Record<string, string>;
  /**
   * Nodegroups the conductor has written (0, 1: the master's, 2: both; absent: both). Real Magnum's
   * master_count and node_count are sums over the nodegroups, which the conductor creates after
   * the row, one commit each: a GET in between sees master_count 1 and node_count 0.
   */
  nodegroupsWritten?: number;
  masterFlavorId: string | null; flavorId: string | null; floatingIpEnabled: boolean; masterLbEnabled: boolean;
  fixedNetwork: string | null; fixedSubnet: string | null; dockerVolumeSize: number | null; discoveryUrl: string | null;
  masterAddresses: string[]; nodeAddresses: string[]; faults: Record<string, string>; createdAt: number; updatedAt: number | null;
  /** The create's merge_labels (Zed stores and shows it; default false). */
  mergeLabels?: boolean;
  /** Side effects owned by the driver, removed on delete. */
  res: {
    appCredId?: string; networkId?: string; subnetId?: string; routerId?: string; sgIds: string[]; lbId?: string;
    fipId?: string; fipAddress?: string; serverIds: string[]; lbAttempts: number; lastError?: string;
    imageId?: string; kubeVersion?: string; deleteStartedAt?: number;
  };
}

export interface TimelineEntry {
  readonly seq: number;
  readonly at: number;
  readonly kind: string;
  readonly id: string;
  readonly name?: string;
  readonly from?: string | null;
  readonly to: string;
  readonly detail?: string;
}

export type TimelineListener = (e: TimelineEntry) => void;

export class World {
  readonly domains = new Map<string, Domain>();
  readonly projects = new Map<string, Project>();
  readonly users = new Map<string, User>();
  readonly roles = new Map<string, Role>();
  assignments: Assignment[] = [];
  readonly appCreds = new Map<string, AppCred>();
  readonly tokens = new Map<string, Token>();
  readonly images = new Map<string, Image>();
  readonly flavors = new Map<string, Flavor>();
  readonly keypairs = new Map<string, Keypair>();
  readonly servers = new Map<string, Server>();
  readonly networks = new Map<string, Network>();
  readonly subnets = new Map<string, Subnet>();
  readonly routers = new Map<string, Router>();
  readonly ports = new Map<string, Port>();
  readonly floatingIps = new Map<string, FloatingIp>();
  readonly securityGroups = new Map<string, SecurityGroup>();
  readonly loadBalancers = new Map<string, LoadBalancer>();
  readonly amphorae = new Map<string, Amphora>();
  readonly lbListeners = new Map<string, Listener>();
  readonly pools = new Map<string, Pool>();
  readonly members = new Map<string, Member>();
  readonly healthMonitors = new Map<string, HealthMonitor>();
  readonly templates = new Map<string, Template>();
  readonly clusters = new Map<string, Cluster>();
  readonly cas = new Map<string, ClusterCa>();
  readonly timeline: TimelineEntry[] = [];
  private listeners: TimelineListener[] = [];
  private seq = 0;
  private keypairSeq = 0;
  private standardAttrSeq = 0;

  constructor(readonly clock: SimClock, readonly rng: Rng) {}

  record(e: Omit<TimelineEntry, 'seq' | 'at'>): void {
    const entry: TimelineEntry = { seq: ++this.seq, at: this.clock.now(), ...e };
    this.timeline.push(entry);
    if (this.timeline.length > 20000) this.timeline.splice(0, this.timeline.length - 20000);
    for (const l of [...this.listeners]) {
      try {
        l(entry);
      } catch {
        // a listener's failure must not break the simulated site
      }
    }
  }

  onTimeline(l: TimelineListener): () => void {
    this.listeners.push(l);
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
    };
  }

  nextKeypairId(): number {
    return ++this.keypairSeq;
  }

  /** Neutron's standardattributes id (one sequence for every resource that has them; rules only here). */
  nextStandardAttrId(): number {
    return ++this.standardAttrSeq;
  }

  roleByName(name: string): Role | undefined {
    for (const r of this.roles.values()) if (r.name === name) return r;
    return undefined;
  }

  rolesOf(userId: string, projectId: string): Role[] {
    const ids = new Set(this.assignments.filter((a) => a.userId === userId && a.projectId === projectId).map((a) => a.roleId));
    return [...this.roles.values()].filter((r) => ids.has(r.id));
  }

  grant(userId: string, projectId: string, roleName: string): void {
    const role = this.roleByName(roleName);
    if (!role) throw new Error(`no role ${roleName}`);
    if (!this.assignments.some((a) => a.userId === userId && a.projectId === projectId && a.roleId === role.id)) {
      this.assignments.push({ userId, projectId, roleId: role.id });
    }
  }

  domainByName(name: string): Domain | undefined {
    for (const d of this.domains.values()) if (d.name === name) return d;
    return undefined;
  }

  projectByName(name: string, domainId: string): Project | undefined {
    for (const p of this.projects.values()) if (p.name === name && p.domainId === domainId) return p;
    return undefined;
  }

  userByName(name: string, domainId: string): User | undefined {
    for (const u of this.users.values()) if (u.name === name && u.domainId === domainId) return u;
    return undefined;
  }

  networkByName(name: string): Network | undefined {
    for (const n of this.networks.values()) if (n.name === name) return n;
    return undefined;
  }

  /** Allocates the next free address of a subnet (skipping any in use). */
  allocateIp(subnetId: string, preferred?: number): string {
    const sn = this.subnets.get(subnetId);
    if (!sn) throw new Error(`no subnet ${subnetId}`);
    const used = new Set<string>();
    for (const p of this.ports.values()) for (const f of p.fixedIps) if (f.subnetId === subnetId) used.add(f.ip);
    for (const f of this.floatingIps.values()) used.add(f.address);
    const start = ipInt(sn.poolStart);
    const end = ipInt(sn.poolEnd);
    const tryFrom = (from: number): string | undefined => {
      for (let n = from; n <= end; n++) {
        const ip = intIp(n);
        if (!used.has(ip)) return ip;
      }
      return undefined;
    };
    const ip = (preferred !== undefined ? tryFrom(Math.max(start, preferred)) : undefined) ?? tryFrom(Math.max(start, sn.nextIp)) ?? tryFrom(start);
    if (!ip) throw new Error(`subnet ${sn.cidr} is exhausted`);
    if (preferred === undefined) sn.nextIp = ipInt(ip) + 1;
    return ip;
  }

  mac(): string {
    return `fa:16:3e:${this.rng.hex(2)}:${this.rng.hex(2)}:${this.rng.hex(2)}`;
  }
}

