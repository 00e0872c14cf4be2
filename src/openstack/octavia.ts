// Octavia v2 (api-notes §5): load balancers (get, list with ?id= / ?name= / ?project_id=,
// delete with cascade), failover and amphorae. Failover and amphorae need the admin scope
// (load-balancer:admin); a tenant session there is a compile error, and on the wire a 403.

import { z } from 'zod';
import { CapiGateError } from '../core/errors.js';
import { ApiError } from '../http/index.js';
import { allPages, nextFromLinks, pageLinks } from './paging.js';
import type { AdminSession, AnySession } from './session.js';

const idList = z
  .array(z.object({ id: z.string() }))
  .nullish()
  .transform((v) => (v ?? []).map((x) => x.id));

const lbSchema = z
  .object({
    id: z.string(),
    name: z.string().nullish(),
    provisioning_status: z.string(),
    operating_status: z.string(),
    vip_address: z.string().nullish(),
    vip_port_id: z.string().nullish(),
    vip_subnet_id: z.string().nullish(),
    vip_network_id: z.string().nullish(),
    project_id: z.string().nullish(),
    provider: z.string().nullish(),
    listeners: idList,
    pools: idList,
    created_at: z.string().nullish(),
    updated_at: z.string().nullish(),
  })
  .transform((l) => ({
    id: l.id,
    name: l.name ?? '',
    /** ACTIVE, DELETED, ERROR, PENDING_CREATE, PENDING_UPDATE, PENDING_DELETE. */
    provisioningStatus: l.provisioning_status,
    /** ONLINE, OFFLINE, DEGRADED, ERROR, NO_MONITOR. */
    operatingStatus: l.operating_status,
    vipAddress: l.vip_address ?? undefined,
    vipPortId: l.vip_port_id ?? undefined,
    vipSubnetId: l.vip_subnet_id ?? undefined,
    vipNetworkId: l.vip_network_id ?? undefined,
    projectId: l.project_id ?? undefined,
    /** A null provider is shown as octavia. */
    provider: l.provider ?? 'octavia',
    listenerIds: l.listeners,
    poolIds: l.pools,
    createdAt: l.created_at ?? undefined,
    updatedAt: l.updated_at ?? undefined,
  }));
export type LoadBalancer = z.output<typeof lbSchema>;

const lbOne = z.object({ loadbalancer: lbSchema });
const lbMany = z.object({ loadbalancers: z.array(lbSchema), loadbalancers_links: pageLinks });

const amphoraSchema = z
  .object({
    id: z.string(),
    loadbalancer_id: z.string().nullish(),
    compute_id: z.string().nullish(),
    role: z.string().nullish(),
    status: z.string(),
    lb_network_ip: z.string().nullish(),
    ha_ip: z.string().nullish(),
    vrrp_ip: z.string().nullish(),
    cert_expiration: z.string().nullish(),
  })
  .transform((a) => ({
    id: a.id,
    loadbalancerId: a.loadbalancer_id ?? undefined,
    computeId: a.compute_id ?? undefined,
    /** STANDALONE, MASTER, BACKUP. */
    role: a.role ?? undefined,
    /** BOOTING, ALLOCATED, READY, PENDING_CREATE, PENDING_DELETE, DELETED, ERROR. */
    status: a.status,
    lbNetworkIp: a.lb_network_ip ?? undefined,
    haIp: a.ha_ip ?? undefined,
    vrrpIp: a.vrrp_ip ?? undefined,
    certExpiration: a.cert_expiration ?? undefined,
  }));
export type Amphora = z.output<typeof amphoraSchema>;
const amphoraeSchema = z.object({ amphorae: z.array(amphoraSchema), amphorae_links: pageLinks });

export interface LoadBalancerFilter {
  readonly id?: string;
  readonly name?: string;
  readonly projectId?: string;
  readonly provisioningStatus?: string;
}

/**
 * The LB by id; undefined when Octavia has none (404). Octavia loads an LB whatever its project
 * and then asks the policy, so another project's LB is a 403, not a 404: the list of the
 * session's own project tells that apart from a credential without the load-balancer role (whose
 * 403 is passed on as is, for the D-039 diagnosis).
 */
export async function findLoadBalancer(s: AnySession, id: string, signal: AbortSignal): Promise<LoadBalancer | undefined> {
  const res = await s.request({ service: 'load-balancer', method: 'GET', path: `/lbaas/loadbalancers/${encodeURIComponent(id)}`, accept: [403, 404], operation: 'get load balancer', signal });
  if (res.status === 404) return undefined;
  if (res.status === 403) {
    const own = await listLoadBalancers(s, { id }, signal);
    const where = own[0] ? `is listed in the session's project, yet its GET is refused` : 'is not in the session\'s project (Octavia answers 403, not 404, for another project\'s load balancer)';
    throw new CapiGateError('CAPI_GATE_PRECONDITION', `load balancer ${id} ${where}`, {
      hint: 'It is not this project\'s to read or change: check the id (a capture from another site or project?), or look at it with the admin scope.',
    });
  }
  return s.parseJson(res, lbOne).loadbalancer;
}

/** Whether a 409 says the LB is already in this pending state (Octavia's LBPendingStateError). */
function pendingConflict(e: unknown, state: string): boolean {
  return e instanceof ApiError && e.status === 409 && new RegExp(`\\b${state}\\b`).test(e.serverMessage ?? e.message);
}

export async function getLoadBalancer(s: AnySession, id: string, signal: AbortSignal): Promise<LoadBalancer> {
  const res = await s.requestJson(
    { service: 'load-balancer', method: 'GET', path: `/lbaas/loadbalancers/${encodeURIComponent(id)}`, operation: 'get load balancer', signal },
    lbOne,
  );
  return res.data.loadbalancer;
}

export async function listLoadBalancers(s: AnySession, filter: LoadBalancerFilter, signal: AbortSignal): Promise<LoadBalancer[]> {
  return allPages('load balancers', async (next) => {
    const res = await s.requestJson(
      {
        service: 'load-balancer',
        method: 'GET',
        path: '/lbaas/loadbalancers',
        query: { id: filter.id, name: filter.name, project_id: filter.projectId, provisioning_status: filter.provisioningStatus, ...next },
        operation: 'list load balancers',
        signal,
      },
      lbMany,
    );
    return { items: res.data.loadbalancers, next: nextFromLinks(res.data.loadbalancers_links) };
  });
}

/**
 * DELETE (cascade removes listeners, pools and members). False when it was already gone (404).
 * A 409 "Invalid state PENDING_DELETE" means a delete is already under way (this call's own
 * first attempt, whose answer was lost before the retry, or another's): true, wait as usual.
 */
export async function deleteLoadBalancer(s: AnySession, id: string, options: { readonly cascade?: boolean }, signal: AbortSignal): Promise<boolean> {
  try {
    const res = await s.request({
      service: 'load-balancer',
      method: 'DELETE',
      path: `/lbaas/loadbalancers/${encodeURIComponent(id)}`,
      query: { cascade: options.cascade ? 'true' : undefined },
      accept: [404],
      operation: 'delete load balancer',
      signal,
    });
    return res.status !== 404;
  } catch (e) {
    if (pendingConflict(e, 'PENDING_DELETE')) return true;
    throw e;
  }
}

/**
 * PUT .../failover (202): ACTIVE or ERROR → PENDING_UPDATE → ACTIVE. Admin only (appendix-A
 * LB-failover). The transport retries a PUT on 502/503/504; when the first attempt went through
 * and only its answer was lost, Octavia answers the retry 409 "Invalid state PENDING_UPDATE":
 * the failover is under way ('under-way'), and the caller waits as usual. A 409 on the first
 * attempt is somebody else's change and is thrown.
 */
export async function failoverLoadBalancer(admin: AdminSession, id: string, signal: AbortSignal): Promise<'accepted' | 'under-way'> {
  try {
    await admin.request({
      service: 'load-balancer',
      method: 'PUT',
      path: `/lbaas/loadbalancers/${encodeURIComponent(id)}/failover`,
      operation: 'failover load balancer',
      signal,
    });
    return 'accepted';
  } catch (e) {
    if (pendingConflict(e, 'PENDING_UPDATE') && (e as ApiError).attempts > 1) return 'under-way';
    throw e;
  }
}

/** GET /v2.0/octavia/amphorae?loadbalancer_id= (admin only). */
export async function listAmphorae(admin: AdminSession, filter: { readonly loadbalancerId: string }, signal: AbortSignal): Promise<Amphora[]> {
  return allPages('amphorae', async (next) => {
    const res = await admin.requestJson(
      { service: 'load-balancer', method: 'GET', path: '/octavia/amphorae', query: { loadbalancer_id: filter.loadbalancerId, ...next }, operation: 'list amphorae', signal },
      amphoraeSchema,
    );
    return { items: res.data.amphorae, next: nextFromLinks(res.data.amphorae_links) };
  });
}

/** GET /v2/lbaas/providers: the provider drivers this Octavia offers (amphora, ovn ...). */
export async function listProviders(s: AnySession, signal: AbortSignal): Promise<{ name: string; description: string }[]> {
  const res = await s.requestJson(
    { service: 'load-balancer', method: 'GET', path: '/lbaas/providers', operation: 'list providers', signal },
    z.object({ providers: z.array(z.object({ name: z.string(), description: z.string().nullish() })) }),
  );
  return res.data.providers.map((p) => ({ name: p.name, description: p.description ?? '' }));
}

const memberSchema = z
  .object({ id: z.string(), name: z.string().nullish(), address: z.string(), protocol_port: z.number(), operating_status: z.string(), provisioning_status: z.string(), weight: z.number().nullish() })
  .transform((m) => ({ id: m.id, name: m.name ?? '', address: m.address, protocolPort: m.protocol_port, operatingStatus: m.operating_status, provisioningStatus: m.provisioning_status, weight: m.weight ?? 1 }));
export type PoolMember = z.output<typeof memberSchema>;
const membersSchema = z.object({ members: z.array(memberSchema), members_links: pageLinks });

const poolSchema = z
  .object({ id: z.string(), name: z.string().nullish(), lb_algorithm: z.string(), protocol: z.string(), operating_status: z.string(), provisioning_status: z.string(), healthmonitor_id: z.string().nullish() })
  .transform((p) => ({ id: p.id, name: p.name ?? '', lbAlgorithm: p.lb_algorithm, protocol: p.protocol, operatingStatus: p.operating_status, provisioningStatus: p.provisioning_status, healthMonitorId: p.healthmonitor_id ?? undefined }));
export type Pool = z.output<typeof poolSchema>;
const poolsSchema = z.object({ pools: z.array(poolSchema), pools_links: pageLinks });

/** GET /v2.0/lbaas/pools?loadbalancer_id= : the LB's pools (ROUND_ROBIN, LEAST_CONNECTIONS, ...). */
export async function listPools(s: AnySession, filter: { readonly loadbalancerId: string }, signal: AbortSignal): Promise<Pool[]> {
  return allPages('pools', async (next) => {
    const res = await s.requestJson(
      { service: 'load-balancer', method: 'GET', path: '/lbaas/pools', query: { loadbalancer_id: filter.loadbalancerId, ...next }, operation: 'list pools', signal },
      poolsSchema,
    );
    return { items: res.data.pools, next: nextFromLinks(res.data.pools_links) };
  });
}

/** GET /v2.0/lbaas/pools/{id}/members. */
export async function listMembers(s: AnySession, poolId: string, signal: AbortSignal): Promise<PoolMember[]> {
  return allPages('members', async (next) => {
    const res = await s.requestJson(
      { service: 'load-balancer', method: 'GET', path: `/lbaas/pools/${encodeURIComponent(poolId)}/members`, query: { ...next }, operation: 'list pool members', signal },
      membersSchema,
    );
    return { items: res.data.members, next: nextFromLinks(res.data.members_links) };
  });
}

export const octavia = { listProviders, findLoadBalancer, getLoadBalancer, listLoadBalancers, deleteLoadBalancer, failoverLoadBalancer, listAmphorae, listPools, listMembers } as const;
export type OctaviaClient = typeof octavia;
