// What the 8.3 and D-011.4 steps need from ctx.services.kube. The CLI adapts the OpenStack
// clients (Magnum certificates, Octavia) to these small interfaces; tests give fakes or the
// simulator. Scopes: the certificates and the Service LB lookup are tenant (capi-mgmt) calls,
// failover is admin-only (a project member gets 403).

import type { CertificateSigner } from './kubeconfig.js';

export interface LoadBalancerState {
  readonly id: string;
  readonly name: string;
  readonly provisioningStatus: string;
  readonly operatingStatus: string;
}

/** A pool of a Service LB as the CCM built it: its algorithm and members (node address : NodePort). */
export interface PoolState {
  readonly id: string;
  readonly name: string;
  readonly lbAlgorithm: string;
  readonly protocol: string;
  readonly operatingStatus: string;
  readonly members: readonly { readonly name: string; readonly address: string; readonly protocolPort: number; readonly operatingStatus: string }[];
}

/** Magnum, as the workload kubeconfig needs it. */
export interface MagnumAccess extends CertificateSigner {
  /** GET /v1/clusters/{name}: uuid and api_address, for when 8.2 did not capture them in this run. */
  locate?(clusterName: string, signal: AbortSignal): Promise<{ readonly uuid: string; readonly apiAddress: string | null }>;
}

/** A Service whose Octavia LB the CCM owns. */
export interface ServiceRef {
  readonly namespace: string;
  readonly name: string;
  /**
   * The CCM's --cluster-name: the CAPI cluster name (Magnum stack_id, captured as capi_suffix),
   * when known. The chart sets it to the Helm release name, not the Magnum cluster name.
   */
  readonly capiCluster?: string;
}

export interface KubeOctavia {
  /**
   * Tenant scope: the Octavia LBs the OpenStack CCM created for a Service, named
   * kube_service_<capi cluster>_<namespace>_<name> (see serviceLoadBalancerMatches). [] once they are gone.
   */
  serviceLoadBalancers(service: ServiceRef, signal: AbortSignal): Promise<readonly LoadBalancerState[]>;
  /** Admin scope: PUT /v2.0/lbaas/loadbalancers/{id}/failover (202). */
  failover(lbId: string, signal: AbortSignal): Promise<void>;
  /** GET /v2.0/lbaas/loadbalancers/{id}; undefined on 404. */
  getLoadBalancer(lbId: string, signal: AbortSignal): Promise<LoadBalancerState | undefined>;
  /** Tenant scope: the LB's pools with their members (`openstack loadbalancer pool list` / `member list`). */
  pools?(lbId: string, signal: AbortSignal): Promise<readonly PoolState[]>;
}

export interface KubeTuning {
  /** Requests to /hostname (>= 20: a healthy 2-member LB fails by chance with p < 2 * 0.5^20). */
  readonly rrRequests: number;
  /** Each /hostname request's time limit. */
  readonly requestTimeoutMs: number;
  /** Pause between workload-API probes during the failover. */
  readonly probeIntervalMs: number;
  /** Poll interval floor and cap for the waits of 8.3 and D-011.4. */
  readonly pollMinMs: number;
  readonly pollMaxMs: number;
}

export const DEFAULT_KUBE_TUNING: KubeTuning = { rrRequests: 20, requestTimeoutMs: 5_000, probeIntervalMs: 1_000, pollMinMs: 1_000, pollMaxMs: 10_000 };

export interface KubeServices {
  /** Magnum's certificates API (tenant scope); needed unless workloadKubeconfig is given. */
  readonly magnum?: MagnumAccess;
  /** An existing workload kubeconfig to use instead of building one from Magnum (--kubeconfig). */
  readonly workloadKubeconfig?: string;
  /** Management cluster kubeconfig (site.managementCluster.kubeconfig, resolved). */
  readonly managementKubeconfig?: string;
  readonly octavia: KubeOctavia;
  readonly tuning?: Partial<KubeTuning>;
}

/** The Octavia LB name the OpenStack CCM gives a Service's LB. */
export function occmLoadBalancerName(clusterName: string, namespace: string, name: string): string {
  return `kube_service_${clusterName}_${namespace}_${name}`;
}

/**
 * Whether an Octavia LB name is the CCM's LB for a Service: the exact name when the CAPI
 * cluster name is known, else any kube_service_*_<namespace>_<name>.
 */
export function serviceLoadBalancerMatches(lbName: string, svc: ServiceRef): boolean {
  if (svc.capiCluster) return lbName === occmLoadBalancerName(svc.capiCluster, svc.namespace, svc.name);
  return lbName.startsWith('kube_service_') && lbName.endsWith(`_${svc.namespace}_${svc.name}`);
}
