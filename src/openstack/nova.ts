// Nova v2.1 (api-notes §6): servers by name (server-side ?name= is a regex, so it is anchored
// and matched exactly here), os-start (D-041 manual start), flavors by name with ram/vcpus,
// keypairs. Every call carries X-OpenStack-Nova-API-Version: 2.1.

import { z } from 'zod';
import { CapiGateError } from '../core/errors.js';
import { allPages, nextFromLinks, pageLinks } from './paging.js';
import type { AnySession } from './session.js';

const HEADERS = { 'x-openstack-nova-api-version': '2.1' };

const serverSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.string(),
    tenant_id: z.string().nullish(),
    key_name: z.string().nullish(),
    'OS-EXT-STS:vm_state': z.string().nullish(),
    'OS-EXT-STS:power_state': z.number().nullish(),
    'OS-EXT-STS:task_state': z.string().nullish(),
    'OS-EXT-SRV-ATTR:host': z.string().nullish(),
    addresses: z
      .record(z.string(), z.array(z.object({ addr: z.string(), version: z.number().nullish(), 'OS-EXT-IPS:type': z.string().nullish() })))
      .nullish(),
    flavor: z.object({ id: z.string().nullish(), original_name: z.string().nullish() }).nullish(),
  })
  .transform((s) => ({
    id: s.id,
    name: s.name,
    /** ACTIVE, BUILD, SHUTOFF, ERROR, ... */
    status: s.status,
    projectId: s.tenant_id ?? undefined,
    keyName: s.key_name ?? undefined,
    vmState: s['OS-EXT-STS:vm_state'] ?? undefined,
    /** 1 RUNNING, 4 SHUTDOWN, 6 CRASHED ... */
    powerState: s['OS-EXT-STS:power_state'] ?? undefined,
    taskState: s['OS-EXT-STS:task_state'] ?? undefined,
    /** Admin callers only. */
    host: s['OS-EXT-SRV-ATTR:host'] ?? undefined,
    addresses: Object.entries(s.addresses ?? {}).flatMap(([network, list]) =>
      list.map((a) => ({ network, addr: a.addr, type: a['OS-EXT-IPS:type'] ?? undefined })),
    ),
    flavorId: s.flavor?.id ?? undefined,
  }));
export type Server = z.output<typeof serverSchema>;

const flavorSchema = z
  .object({ id: z.string(), name: z.string(), ram: z.number(), vcpus: z.number(), disk: z.number().nullish() })
  .transform((f) => ({ id: f.id, name: f.name, ramMb: f.ram, vcpus: f.vcpus, diskGb: f.disk ?? undefined }));
export type Flavor = z.output<typeof flavorSchema>;

const keypairSchema = z
  .object({ keypair: z.object({ name: z.string(), fingerprint: z.string().nullish(), public_key: z.string().nullish(), type: z.string().nullish() }) })
  .transform((k) => ({
    name: k.keypair.name,
    fingerprint: k.keypair.fingerprint ?? undefined,
    publicKey: k.keypair.public_key ?? undefined,
    type: k.keypair.type ?? undefined,
  }));
export type Keypair = z.output<typeof keypairSchema>;

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const serversSchema = z.object({ servers: z.array(serverSchema), servers_links: pageLinks });
const flavorsSchema = z.object({ flavors: z.array(flavorSchema), flavors_links: pageLinks });

export interface ServerFilter {
  readonly name?: string;
  /**
   * Every project's servers (admin only): Nova shows an admin only its own project's servers
   * unless all_tenants is set, and then narrows by project_id.
   */
  readonly allTenants?: boolean;
  readonly projectId?: string;
}

/**
 * GET /servers/detail with ?name= anchored, then an exact client-side match (novaclient does the
 * same). Every page: Nova caps a list at [api] max_limit (1000) and links the next page.
 */
export async function listServers(s: AnySession, filter: ServerFilter, signal: AbortSignal): Promise<Server[]> {
  const servers = await allPages('servers', async (next) => {
    const res = await s.requestJson(
      {
        service: 'compute',
        method: 'GET',
        path: '/servers/detail',
        headers: HEADERS,
        query: {
          name: filter.name !== undefined ? `^${escapeRegex(filter.name)}$` : undefined,
          all_tenants: filter.allTenants ? '1' : undefined,
          project_id: filter.projectId,
          ...next,
        },
        operation: 'list servers',
        signal,
      },
      serversSchema,
    );
    return { items: res.data.servers, next: nextFromLinks(res.data.servers_links) };
  });
  return filter.name === undefined ? servers : servers.filter((x) => x.name === filter.name);
}

export async function getServer(s: AnySession, id: string, signal: AbortSignal): Promise<Server> {
  const res = await s.requestJson(
    { service: 'compute', method: 'GET', path: `/servers/${encodeURIComponent(id)}`, headers: HEADERS, operation: 'get server', signal },
    z.object({ server: serverSchema }),
  );
  return res.data.server;
}

/**
 * The one server with this name in the session's project (or, with `scope`, in that project
 * across tenants, admin only); CAPI_GATE_PRECONDITION when ambiguous.
 */
export async function findServerByName(s: AnySession, name: string, signal: AbortSignal, scope?: { readonly allTenants: true; readonly projectId?: string }): Promise<Server | undefined> {
  const list = await listServers(s, { name, ...scope }, signal);
  if (list.length > 1) {
    throw new CapiGateError('CAPI_GATE_PRECONDITION', `${list.length} servers are named '${name}' (${list.map((x) => x.id).join(', ')})`, {
      hint: 'Name the server by id in the site file, or rename the duplicates.',
    });
  }
  return list[0];
}

/** POST /servers/{id}/action {"os-start": null} → 202 (D-041 manual start). A 409 means it is not SHUTOFF. */
export async function startServer(s: AnySession, id: string, signal: AbortSignal): Promise<void> {
  await s.request({
    service: 'compute',
    method: 'POST',
    path: `/servers/${encodeURIComponent(id)}/action`,
    headers: HEADERS,
    json: { 'os-start': null },
    operation: 'start server',
    signal,
  });
}

export async function getFlavor(s: AnySession, id: string, signal: AbortSignal): Promise<Flavor> {
  const res = await s.requestJson(
    { service: 'compute', method: 'GET', path: `/flavors/${encodeURIComponent(id)}`, headers: HEADERS, operation: 'get flavor', signal },
    z.object({ flavor: flavorSchema }),
  );
  return res.data.flavor;
}

/** Flavors have no name filter: GET /flavors/detail (what the project may use). */
/** GET /flavors/detail, every page (capped at [api] max_limit like servers). */
export async function listFlavors(s: AnySession, signal: AbortSignal): Promise<Flavor[]> {
  return allPages('flavors', async (next) => {
    const res = await s.requestJson(
      { service: 'compute', method: 'GET', path: '/flavors/detail', headers: HEADERS, query: { ...next }, operation: 'list flavors', signal },
      flavorsSchema,
    );
    return { items: res.data.flavors, next: nextFromLinks(res.data.flavors_links) };
  });
}

/** The flavor of that exact name (one list; to look up several, list once with listFlavors). */
export async function findFlavorByName(s: AnySession, name: string, signal: AbortSignal): Promise<Flavor | undefined> {
  return (await listFlavors(s, signal)).find((f) => f.name === name);
}

/** Keypairs belong to the user of the session; undefined when absent. */
export async function findKeypair(s: AnySession, name: string, signal: AbortSignal): Promise<Keypair | undefined> {
  return s.findJson(
    { service: 'compute', method: 'GET', path: `/os-keypairs/${encodeURIComponent(name)}`, headers: HEADERS, operation: 'get keypair', signal },
    keypairSchema,
  );
}

/** GET /os-keypairs: the session user's keypairs (names only; Nova does not page them at 2.1). */
export async function listKeypairs(s: AnySession, signal: AbortSignal): Promise<string[]> {
  const res = await s.requestJson(
    { service: 'compute', method: 'GET', path: '/os-keypairs', headers: HEADERS, operation: 'list keypairs', signal },
    z.object({ keypairs: z.array(z.object({ keypair: z.object({ name: z.string() }) })) }),
  );
  return res.data.keypairs.map((k) => k.keypair.name);
}

export const nova = { listServers, getServer, findServerByName, startServer, getFlavor, listFlavors, findFlavorByName, findKeypair, listKeypairs } as const;
export type NovaClient = typeof nova;
