// What every simulated service shares: the world, the clock, fault rules, the request log,
// the published URLs and the simulated durations.

import type { SimClock } from './clock.js';
import type { FaultDecision, FaultEngine } from './faults.js';
import type { Principal, ServiceName } from './http.js';
import type { Rng } from './rand.js';
import type { RequestLog } from './request-log.js';
import type { World } from './state.js';

export type ApiService = 'keystone' | 'magnum' | 'glance' | 'octavia' | 'nova' | 'neutron';

/** Simulated durations in ms, before the time scale applies. */
export interface Durations {
  clusterCreate: number;
  clusterDelete: number;
  lbCreate: number;
  lbDelete: number;
  failover: number;
  /** From a load balancer's ACTIVE to its amphora's first heartbeat (operating_status OFFLINE -> ONLINE). */
  lbHeartbeat: number;
  imageImport: number;
  imageUpload: number;
  serverBoot: number;
  serverStart: number;
  healthPoll: number;
  /**
   * magnum-conductor's status sync (magnum/service/periodic.py sync_cluster_status: spacing=10 s,
   * on oslo.service's boundary grid from the conductor's start, no jitter under 20 s): the driver's
   * update_cluster_status, and so every status the CAPI side reaches, lands on one of its ticks.
   */
  magnumSync: number;
  capoRetry: number;
  tokenTtl: number;
}

export const DEFAULT_DURATIONS: Durations = {
  clusterCreate: 600_000,
  clusterDelete: 180_000,
  lbCreate: 120_000,
  lbDelete: 30_000,
  failover: 100_000,
  // Octavia's [health_manager] heartbeat_interval (10 s): the first heartbeat of a fresh amphora.
  lbHeartbeat: 10_000,
  imageImport: 60_000,
  imageUpload: 10_000,
  serverBoot: 60_000,
  serverStart: 15_000,
  healthPoll: 60_000,
  magnumSync: 10_000,
  capoRetry: 30_000,
  tokenTtl: 3_600_000,
};

/**
 * Octavia's role model (api-notes §5.4): `legacy` grants writes to load-balancer_member only
 * (the runbook's deployment, D-039), `new` to member, `either` to both.
 */
export type OctaviaRbac = 'legacy' | 'new' | 'either';

export type DriverHealth = 'coherent' | 'cosmetic-unhealthy';

export interface SimContext {
  readonly world: World;
  readonly clock: SimClock;
  readonly faults: FaultEngine;
  readonly log: RequestLog;
  readonly rng: Rng;
  /** Base URL (scheme://host:port, no path) of each service. */
  readonly urls: Record<ApiService, string>;
  readonly durations: Durations;
  readonly octaviaRbac: OctaviaRbac;
  /**
   * The driver's health sync: `coherent` (phase-07's 1.4.0 driver: HEALTHY when every condition is
   * Ready) or `cosmetic-unhealthy` (the pre-1.4.0 driver of D-042: UNHEALTHY on a working cluster).
   */
  readonly driverHealth: DriverHealth;
  /**
   * The deployment's cap on a list page (Neutron's and Octavia's pagination_max_limit, Nova's and
   * Magnum's [api] max_limit; Glance's api_limit_max); undefined: a list is one page unless the
   * client sends `limit`.
   */
  readonly pageSize?: number | undefined;
  /** Magnum's highest microversion (Zed and 2023.1: 1.10; 2024.1: 1.11). Default 1.10. */
  readonly magnumMaxVersion?: string | undefined;
  /** Catalog service ids, stable for the life of the simulator. */
  readonly serviceIds: Record<ApiService, string>;
  readonly names: { readonly adminUser: string; readonly tenantUser: string; readonly externalSubnetCidr: string; readonly workloadCidr: string; readonly mgmtVmName: string };
}

/**
 * A call the simulated driver (magnum-capi-helm / CAPO / the CCM) makes to another service:
 * logged like a client request and subject to fault rules with phase `driver`.
 */
export function driverCall(ctx: SimContext, service: ServiceName, method: string, path: string, principal: Principal, user?: string): FaultDecision {
  const d = ctx.faults.decide({ service, method, path, principal, phase: 'driver' });
  const status = d.action?.type === 'status' ? d.action.status : d.action?.type === 'drop' ? 0 : 200;
  ctx.log.add({ service: 'driver', method, path: `${service}:${path}`, status, ms: 0, userAgent: 'magnum-capi-helm (simulated)', principal, user, faults: d.ruleIds, at: ctx.clock.now() });
  return d;
}
