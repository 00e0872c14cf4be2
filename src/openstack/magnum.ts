// Magnum v1 (container-infra), api-notes §3: cluster templates, clusters and certificates.
// The server resolves names (GET /clusters/{name-or-uuid}); create answers 202 {uuid} only.
// Cluster CRUD and certificates take the tenant session (the capi-mgmt project).

import { z } from 'zod';
import type { ZodType } from 'zod';
import { realClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { CapiGateError } from '../core/errors.js';
import type { HttpResponse } from '../http/index.js';
import { allPages, nextFromUrl } from './paging.js';
import type { ServiceCall, TenantSession } from './session.js';

/**
 * The microversion capi-gate asks for: 1.10 (Zed's maximum; node groups of 0 nodes, an unknown
 * template a 404). Nothing it uses needs more, and at 1.13+ stack_id would disappear.
 */
export const MAGNUM_WANTED_VERSION = '1.10';
/** The header value of the wanted microversion (what a session sends until a server says otherwise). */
export const MAGNUM_API_VERSION = `container-infra ${MAGNUM_WANTED_VERSION}`;

/** The microversion each session settled on, once a server refused the wanted one. */
const negotiated = new WeakMap<TenantSession, string>();

function minorOf(v: string): number {
  return Number(/^1\.(\d+)$/.exec(v)?.[1] ?? Number.NaN);
}

/**
 * The maximum a Magnum answer advertises: the 406 body's max_version (magnum.microversion-unsupported),
 * else the OpenStack-API-Maximum-Version header every v1 answer carries.
 */
export function advertisedMaxVersion(res: Pick<HttpResponse, 'headers' | 'body'>): string | undefined {
  try {
    const body = JSON.parse(res.body.toString('utf8')) as { errors?: { max_version?: unknown }[] };
    const v = body.errors?.[0]?.max_version;
    if (typeof v === 'string' && Number.isFinite(minorOf(v))) return v;
  } catch {
    // Not JSON: the header below is the other place Magnum says it.
  }
  const h = /container-infra\s+(1\.\d+)/.exec(res.headers['openstack-api-maximum-version'] ?? '')?.[1];
  return h;
}

/** min(server max, wanted): what to send to a server advertising `max`. */
export function chooseVersion(max: string): string {
  return minorOf(max) < minorOf(MAGNUM_WANTED_VERSION) ? max : MAGNUM_WANTED_VERSION;
}

type MagnumCall = Omit<ServiceCall, 'service' | 'headers'>;

/**
 * Every Magnum call: the session's microversion, and on a 406 (the server's range does not hold
 * it: Magnum checks the version before it routes, so nothing was done, even for a POST) the call
 * again at min(the server's advertised maximum, MAGNUM_WANTED_VERSION), remembered for the session.
 */
async function call(s: TenantSession, c: MagnumCall): Promise<HttpResponse> {
  const version = negotiated.get(s) ?? MAGNUM_WANTED_VERSION;
  const res = await s.request({ ...c, service: 'container-infra', headers: { 'openstack-api-version': `container-infra ${version}` }, accept: [...(c.accept ?? []), 406] });
  if (res.status !== 406) return res;
  const max = advertisedMaxVersion(res);
  const next = max ? chooseVersion(max) : undefined;
  if (!next || next === version) {
    throw new CapiGateError('CAPI_GATE_API', `Magnum refused microversion container-infra ${version} (406) on ${c.operation}${max ? `; it advertises at most ${max}` : ' and advertised no maximum'}`, {
      hint: 'The container-infra endpoint in the catalog may not be Magnum v1, or a proxy strips the OpenStack-API-Version headers.',
    });
  }
  negotiated.set(s, next);
  return s.request({ ...c, service: 'container-infra', headers: { 'openstack-api-version': `container-infra ${next}` } });
}

async function callJson<T>(s: TenantSession, c: MagnumCall, schema: ZodType<T>): Promise<T> {
  return s.parseJson(await call(s, c), schema);
}

/** The microversion this session sends to Magnum (the wanted one until a server refused it). */
export function sessionVersion(s: TenantSession): string {
  return negotiated.get(s) ?? MAGNUM_WANTED_VERSION;
}

const labels = z.record(z.string(), z.unknown()).nullish().transform((v) => Object.fromEntries(Object.entries(v ?? {}).map(([k, x]) => [k, String(x)])));

const templateSchema = z
  .object({
    uuid: z.string(),
    name: z.string().nullish(),
    coe: z.string().nullish(),
    image_id: z.string().nullish(),
    flavor_id: z.string().nullish(),
    master_flavor_id: z.string().nullish(),
    external_network_id: z.string().nullish(),
    network_driver: z.string().nullish(),
    keypair_id: z.string().nullish(),
    dns_nameserver: z.string().nullish(),
    docker_storage_driver: z.string().nullish(),
    labels,
    master_lb_enabled: z.boolean().nullish(),
    floating_ip_enabled: z.boolean().nullish(),
    tls_disabled: z.boolean().nullish(),
    server_type: z.string().nullish(),
    cluster_distro: z.string().nullish(),
    public: z.boolean().nullish(),
    project_id: z.string().nullish(),
    created_at: z.string().nullish(),
  })
  .transform((t) => ({
    uuid: t.uuid,
    name: t.name ?? '',
    coe: t.coe ?? undefined,
    imageId: t.image_id ?? undefined,
    flavorId: t.flavor_id ?? undefined,
    masterFlavorId: t.master_flavor_id ?? undefined,
    externalNetworkId: t.external_network_id ?? undefined,
    networkDriver: t.network_driver ?? undefined,
    keypairId: t.keypair_id ?? undefined,
    dnsNameserver: t.dns_nameserver ?? undefined,
    dockerStorageDriver: t.docker_storage_driver ?? undefined,
    labels: t.labels,
    masterLbEnabled: t.master_lb_enabled ?? false,
    floatingIpEnabled: t.floating_ip_enabled ?? false,
    tlsDisabled: t.tls_disabled ?? false,
    serverType: t.server_type ?? undefined,
    clusterDistro: t.cluster_distro ?? undefined,
    public: t.public ?? false,
    projectId: t.project_id ?? undefined,
    createdAt: t.created_at ?? undefined,
  }));
export type ClusterTemplate = z.output<typeof templateSchema>;

const strings = z.array(z.string()).nullish().transform((v) => v ?? []);

const clusterSchema = z
  .object({
    uuid: z.string(),
    name: z.string().nullish(),
    status: z.string(),
    status_reason: z.string().nullish(),
    health_status: z.string().nullish(),
    health_status_reason: z.record(z.string(), z.unknown()).nullish(),
    api_address: z.string().nullish(),
    cluster_template_id: z.string().nullish(),
    keypair: z.string().nullish(),
    master_count: z.number().nullish(),
    node_count: z.number().nullish(),
    master_addresses: strings,
    node_addresses: strings,
    stack_id: z.string().nullish(),
    coe_version: z.string().nullish(),
    labels,
    faults: z.record(z.string(), z.unknown()).nullish(),
    project_id: z.string().nullish(),
    created_at: z.string().nullish(),
    updated_at: z.string().nullish(),
  })
  .transform((c) => ({
    uuid: c.uuid,
    name: c.name ?? '',
    status: c.status,
    statusReason: c.status_reason ?? undefined,
    /** HEALTHY, UNHEALTHY, UNKNOWN; undefined until the first health poll. */
    healthStatus: c.health_status ?? undefined,
    healthStatusReason: Object.fromEntries(Object.entries(c.health_status_reason ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])),
    /** A full URL, https://host:port, once the control-plane endpoint exists. */
    apiAddress: c.api_address ?? undefined,
    clusterTemplateId: c.cluster_template_id ?? undefined,
    keypair: c.keypair ?? undefined,
    masterCount: c.master_count ?? undefined,
    nodeCount: c.node_count ?? undefined,
    masterAddresses: c.master_addresses,
    nodeAddresses: c.node_addresses,
    /** The CAPI release / cluster name, e.g. capi-test-1-kgwwe7c4qj6a. */
    stackId: c.stack_id ?? undefined,
    coeVersion: c.coe_version ?? undefined,
    labels: c.labels,
    faults: Object.fromEntries(Object.entries(c.faults ?? {}).map(([k, v]) => [k, String(v)])),
    projectId: c.project_id ?? undefined,
    createdAt: c.created_at ?? undefined,
    updatedAt: c.updated_at ?? undefined,
  }));
export type Cluster = z.output<typeof clusterSchema>;

/** List items carry fewer fields (api-notes §3.3); the same type with what is absent left empty. */
const clustersSchema = z.object({ clusters: z.array(clusterSchema), next: z.string().nullish() });
const templatesSchema = z.object({ clustertemplates: z.array(templateSchema), next: z.string().nullish() });
const createdSchema = z.object({ uuid: z.string() });
const certificateSchema = z.object({ cluster_uuid: z.string().nullish(), pem: z.string() });

export interface TemplateSpec {
  readonly name: string;
  readonly coe?: string;
  /** Names as given: Magnum validates and stores them as strings. */
  readonly image: string;
  readonly externalNetwork: string;
  readonly masterFlavor: string;
  readonly flavor: string;
  readonly networkDriver: string;
  readonly dnsNameserver?: string;
  readonly dockerStorageDriver?: string;
  readonly serverType?: string;
  readonly masterLbEnabled: boolean;
  readonly floatingIpEnabled: boolean;
  readonly labels?: Readonly<Record<string, string>>;
  readonly keypair?: string;
  readonly tlsDisabled?: boolean;
}

export interface ClusterSpec {
  readonly name: string;
  /** Template name or uuid; the server resolves it. */
  readonly template: string;
  readonly keypair: string;
  readonly masterCount: number;
  readonly nodeCount: number;
  readonly createTimeoutMin?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly mergeLabels?: boolean;
}

function seg(s: string): string {
  return encodeURIComponent(s);
}

/**
 * GET /v1/clustertemplates/{name-or-uuid}. Magnum allows duplicate names (two runs racing a
 * check-then-create make two) and then answers 409 "Multiple cluster templates exist with same
 * name"; the lookup then lists them and takes the oldest, the one every run picks.
 */
export async function findTemplate(s: TenantSession, nameOrUuid: string, signal: AbortSignal): Promise<ClusterTemplate | undefined> {
  const res = await call(s, { method: 'GET', path: `/clustertemplates/${seg(nameOrUuid)}`, accept: [404, 409], operation: 'get cluster template', signal });
  if (res.status === 404) return undefined;
  if (res.status === 409) return oldestTemplate(await listTemplatesNamed(s, nameOrUuid, signal));
  return s.parseJson(res, templateSchema);
}

/**
 * GET /v1/clustertemplates/detail (created_at is only in the detailed list), those named `name`;
 * every page (Magnum caps a list at [api] max_limit, 1000, and gives a `next` URL).
 */
export async function listTemplatesNamed(s: TenantSession, name: string, signal: AbortSignal): Promise<ClusterTemplate[]> {
  const all = await allPages('cluster templates', async (next) => {
    const data = await callJson(s, { method: 'GET', path: '/clustertemplates/detail', query: { ...next }, operation: 'list cluster templates', signal }, templatesSchema);
    return { items: data.clustertemplates, next: nextFromUrl(data.next) };
  });
  return all.filter((t) => t.name === name);
}

/** Every cluster template the tenant sees (GET /v1/clustertemplates/detail, every page). */
export async function listTemplates(s: TenantSession, signal: AbortSignal): Promise<ClusterTemplate[]> {
  return allPages('cluster templates', async (next) => {
    const data = await callJson(s, { method: 'GET', path: '/clustertemplates/detail', query: { ...next }, operation: 'list cluster templates', signal }, templatesSchema);
    return { items: data.clustertemplates, next: nextFromUrl(data.next) };
  });
}

/** Of duplicates, the oldest (created_at, then uuid): a run that sees a later duplicate also sees this one. */
export function oldestTemplate<T extends { readonly uuid: string; readonly createdAt?: string | undefined }>(ts: readonly T[]): T | undefined {
  const at = (t: T) => (t.createdAt ? Date.parse(t.createdAt) : Number.POSITIVE_INFINITY);
  return [...ts].sort((a, b) => at(a) - at(b) || (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0))[0];
}

export async function getTemplate(s: TenantSession, nameOrUuid: string, signal: AbortSignal): Promise<ClusterTemplate> {
  return callJson(s, { method: 'GET', path: `/clustertemplates/${seg(nameOrUuid)}`, operation: 'get cluster template', signal }, templateSchema);
}

/**
 * The keys createTemplate sends: each a field of Magnum's ClusterTemplate API type (an unknown key
 * is a 400 there). The body is the CLI's, explicit nulls included (api-notes §3.2).
 */
export function templateBody(spec: TemplateSpec): Record<string, unknown> {
  return {
    name: spec.name,
    image_id: spec.image,
    keypair_id: spec.keypair ?? null,
    external_network_id: spec.externalNetwork,
    coe: spec.coe ?? 'kubernetes',
    fixed_network: null,
    fixed_subnet: null,
    network_driver: spec.networkDriver,
    volume_driver: null,
    dns_nameserver: spec.dnsNameserver ?? '8.8.8.8',
    flavor_id: spec.flavor,
    master_flavor_id: spec.masterFlavor,
    docker_volume_size: null,
    docker_storage_driver: spec.dockerStorageDriver ?? 'overlay2',
    http_proxy: null,
    https_proxy: null,
    no_proxy: null,
    labels: { ...spec.labels },
    tls_disabled: spec.tlsDisabled ?? false,
    public: false,
    registry_enabled: false,
    server_type: spec.serverType ?? 'vm',
    master_lb_enabled: spec.masterLbEnabled,
    floating_ip_enabled: spec.floatingIpEnabled,
  };
}

/** POST /v1/clustertemplates (201). Never replayed. */
export async function createTemplate(s: TenantSession, spec: TemplateSpec, signal: AbortSignal): Promise<ClusterTemplate> {
  return callJson(s, { method: 'POST', path: '/clustertemplates', json: templateBody(spec), operation: 'create cluster template', signal }, templateSchema);
}

export async function findCluster(s: TenantSession, nameOrUuid: string, signal: AbortSignal): Promise<Cluster | undefined> {
  const res = await call(s, { method: 'GET', path: `/clusters/${seg(nameOrUuid)}`, accept: [404], operation: 'get cluster', signal });
  if (res.status === 404) return undefined;
  return s.parseJson(res, clusterSchema);
}

export async function getCluster(s: TenantSession, nameOrUuid: string, signal: AbortSignal): Promise<Cluster> {
  return callJson(s, { method: 'GET', path: `/clusters/${seg(nameOrUuid)}`, operation: 'get cluster', signal }, clusterSchema);
}

/** GET /v1/clusters, every page. */
export async function listClusters(s: TenantSession, signal: AbortSignal): Promise<Cluster[]> {
  return allPages('clusters', async (next) => {
    const data = await callJson(s, { method: 'GET', path: '/clusters', query: { ...next }, operation: 'list clusters', signal }, clustersSchema);
    return { items: data.clusters, next: nextFromUrl(data.next) };
  });
}

/** The keys createCluster sends: each a field of Magnum's Cluster API type (an unknown key is a 400 there). */
export function clusterBody(spec: ClusterSpec): Record<string, unknown> {
  const json: Record<string, unknown> = {
    name: spec.name,
    cluster_template_id: spec.template,
    keypair: spec.keypair,
    master_count: spec.masterCount,
    node_count: spec.nodeCount,
    create_timeout: spec.createTimeoutMin ?? 60,
    discovery_url: null,
  };
  if (spec.labels) json['labels'] = { ...spec.labels };
  if (spec.mergeLabels) json['merge_labels'] = true;
  return json;
}

/** POST /v1/clusters → 202 {uuid}. Never replayed: on doubt, look the cluster up by name. */
export async function createCluster(s: TenantSession, spec: ClusterSpec, signal: AbortSignal): Promise<{ uuid: string }> {
  const data = await callJson(s, { method: 'POST', path: '/clusters', json: clusterBody(spec), operation: 'create cluster', signal }, createdSchema);
  return { uuid: data.uuid };
}

/** DELETE /v1/clusters/{name-or-uuid} → 204. Returns false when it was already gone (404). */
export async function deleteCluster(s: TenantSession, nameOrUuid: string, signal: AbortSignal): Promise<boolean> {
  const res = await call(s, { method: 'DELETE', path: `/clusters/${seg(nameOrUuid)}`, accept: [404], operation: 'delete cluster', signal });
  return res.status !== 404;
}

export interface CertificateOptions {
  /** How long a 404 is waited out: Magnum's conductor writes the row and the CA after the 202 (default 60 s). */
  readonly waitMs?: number;
  readonly clock?: Clock;
}

const CA_RETRY_MS = [1_000, 2_000, 4_000, 8_000] as const;

/**
 * A certificates call. A 404 right after the create is the conductor not having written the
 * cluster row or its CA yet ("A key pair None could not be found."): waited out for
 * options.waitMs. A 403 is Magnum's certificate policy: only the user who created the cluster
 * (or an admin) may read its CA or have a CSR signed, and the tenant credential is another user.
 */
async function certificateCall(s: TenantSession, c: MagnumCall, clusterUuid: string, options: CertificateOptions): Promise<HttpResponse> {
  const clock = options.clock ?? realClock;
  const until = clock.now() + (options.waitMs ?? 60_000);
  for (let attempt = 0; ; attempt++) {
    const res = await call(s, { ...c, accept: [403, 404] });
    if (res.status === 403) {
      throw new CapiGateError('CAPI_GATE_FORBIDDEN', `Magnum refused ${c.operation} for cluster ${clusterUuid} (403): its certificate policy allows that only to the user who created the cluster, or an admin`, {
        hint: 'Use the credential of the user who created the cluster (the site\'s tenant cloud, the one 8.1 created it with); another member of the project is refused.',
      });
    }
    if (res.status !== 404) return res;
    const delay = CA_RETRY_MS[Math.min(attempt, CA_RETRY_MS.length - 1)] ?? 8_000;
    if (clock.now() + delay > until) {
      throw new CapiGateError('CAPI_GATE_API', `Magnum ${c.operation} for cluster ${clusterUuid}: 404 for ${Math.round((options.waitMs ?? 60_000) / 1000)} s (${magnumMessage(res) ?? 'not found'})`, {
        hint: 'The cluster, or its CA, does not exist: Magnum\'s conductor writes both after the create\'s 202. Check `openstack coe cluster show` and the magnum-conductor log.',
      });
    }
    await clock.sleep(delay, c.signal);
  }
}

function magnumMessage(res: HttpResponse): string | undefined {
  try {
    const body = JSON.parse(res.body.toString('utf8')) as { errors?: { detail?: unknown; title?: unknown }[] };
    const e = body.errors?.[0];
    const m = e?.detail ?? e?.title;
    return typeof m === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** The cluster CA (PEM) that signs the workload API server and client certificates. */
export async function getClusterCa(s: TenantSession, clusterUuid: string, signal: AbortSignal, options: CertificateOptions = {}): Promise<string> {
  const res = await certificateCall(s, { method: 'GET', path: `/certificates/${seg(clusterUuid)}`, operation: 'get cluster CA', signal }, clusterUuid, options);
  return s.parseJson(res, certificateSchema).pem;
}

/** POST /v1/certificates {cluster_uuid, csr} → 201 {pem}: the signed client certificate. */
export async function signCertificate(s: TenantSession, clusterUuid: string, csrPem: string, signal: AbortSignal, options: CertificateOptions = {}): Promise<string> {
  const res = await certificateCall(s, { method: 'POST', path: '/certificates', json: { cluster_uuid: clusterUuid, csr: csrPem }, operation: 'sign certificate', signal }, clusterUuid, options);
  return s.parseJson(res, certificateSchema).pem;
}

export const magnum = {
  findTemplate,
  listTemplates,
  listTemplatesNamed,
  getTemplate,
  createTemplate,
  findCluster,
  getCluster,
  listClusters,
  createCluster,
  deleteCluster,
  getClusterCa,
  signCertificate,
} as const;
export type MagnumClient = typeof magnum;
