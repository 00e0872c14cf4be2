// Magnum v1 (container-infra), api-notes §3: cluster templates, clusters and certificates.
// The server resolves names (GET /clusters/{name-or-uuid}); create answers 202 {uuid} only.
// Cluster CRUD and certificates take the tenant session (the capi-mgmt project).

import { z } from 'zod';
import { allPages, nextFromUrl } from './paging.js';
import type { TenantSession } from './session.js';

/** Caracal's maximum (api-notes §3.1); at 1.13+ stack_id would disappear. */
export const MAGNUM_API_VERSION = 'container-infra 1.11';
const HEADERS = { 'openstack-api-version': MAGNUM_API_VERSION };

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
  const res = await s.request({ service: 'container-infra', method: 'GET', path: `/clustertemplates/${seg(nameOrUuid)}`, headers: HEADERS, accept: [404, 409], operation: 'get cluster template', signal });
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
    const res = await s.requestJson(
      { service: 'container-infra', method: 'GET', path: '/clustertemplates/detail', headers: HEADERS, query: { ...next }, operation: 'list cluster templates', signal },
      templatesSchema,
    );
    return { items: res.data.clustertemplates, next: nextFromUrl(res.data.next) };
  });
  return all.filter((t) => t.name === name);
}

/** Of duplicates, the oldest (created_at, then uuid): a run that sees a later duplicate also sees this one. */
export function oldestTemplate<T extends { readonly uuid: string; readonly createdAt?: string | undefined }>(ts: readonly T[]): T | undefined {
  const at = (t: T) => (t.createdAt ? Date.parse(t.createdAt) : Number.POSITIVE_INFINITY);
  return [...ts].sort((a, b) => at(a) - at(b) || (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0))[0];
}

export async function getTemplate(s: TenantSession, nameOrUuid: string, signal: AbortSignal): Promise<ClusterTemplate> {
  const res = await s.requestJson(
    { service: 'container-infra', method: 'GET', path: `/clustertemplates/${seg(nameOrUuid)}`, headers: HEADERS, operation: 'get cluster template', signal },
    templateSchema,
  );
  return res.data;
}

/** POST /v1/clustertemplates (201); the body is the CLI's, explicit nulls included (api-notes §3.2). Never replayed. */
export async function createTemplate(s: TenantSession, spec: TemplateSpec, signal: AbortSignal): Promise<ClusterTemplate> {
  const json = {
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
  const res = await s.requestJson(
    { service: 'container-infra', method: 'POST', path: '/clustertemplates', headers: HEADERS, json, operation: 'create cluster template', signal },
    templateSchema,
  );
  return res.data;
}

export async function findCluster(s: TenantSession, nameOrUuid: string, signal: AbortSignal): Promise<Cluster | undefined> {
  return s.findJson(
    { service: 'container-infra', method: 'GET', path: `/clusters/${seg(nameOrUuid)}`, headers: HEADERS, operation: 'get cluster', signal },
    clusterSchema,
  );
}

export async function getCluster(s: TenantSession, nameOrUuid: string, signal: AbortSignal): Promise<Cluster> {
  const res = await s.requestJson(
    { service: 'container-infra', method: 'GET', path: `/clusters/${seg(nameOrUuid)}`, headers: HEADERS, operation: 'get cluster', signal },
    clusterSchema,
  );
  return res.data;
}

/** GET /v1/clusters, every page. */
export async function listClusters(s: TenantSession, signal: AbortSignal): Promise<Cluster[]> {
  return allPages('clusters', async (next) => {
    const res = await s.requestJson({ service: 'container-infra', method: 'GET', path: '/clusters', headers: HEADERS, query: { ...next }, operation: 'list clusters', signal }, clustersSchema);
    return { items: res.data.clusters, next: nextFromUrl(res.data.next) };
  });
}

/** POST /v1/clusters → 202 {uuid}. Never replayed: on doubt, look the cluster up by name. */
export async function createCluster(s: TenantSession, spec: ClusterSpec, signal: AbortSignal): Promise<{ uuid: string }> {
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
  const res = await s.requestJson(
    { service: 'container-infra', method: 'POST', path: '/clusters', headers: HEADERS, json, operation: 'create cluster', signal },
    createdSchema,
  );
  return { uuid: res.data.uuid };
}

/** DELETE /v1/clusters/{name-or-uuid} → 204. Returns false when it was already gone (404). */
export async function deleteCluster(s: TenantSession, nameOrUuid: string, signal: AbortSignal): Promise<boolean> {
  const res = await s.request({
    service: 'container-infra',
    method: 'DELETE',
    path: `/clusters/${seg(nameOrUuid)}`,
    headers: HEADERS,
    accept: [404],
    operation: 'delete cluster',
    signal,
  });
  return res.status !== 404;
}

/** The cluster CA (PEM) that signs the workload API server and client certificates. */
export async function getClusterCa(s: TenantSession, clusterUuid: string, signal: AbortSignal): Promise<string> {
  const res = await s.requestJson(
    { service: 'container-infra', method: 'GET', path: `/certificates/${seg(clusterUuid)}`, headers: HEADERS, operation: 'get cluster CA', signal },
    certificateSchema,
  );
  return res.data.pem;
}

/** POST /v1/certificates {cluster_uuid, csr} → 201 {pem}: the signed client certificate. */
export async function signCertificate(s: TenantSession, clusterUuid: string, csrPem: string, signal: AbortSignal): Promise<string> {
  const res = await s.requestJson(
    {
      service: 'container-infra',
      method: 'POST',
      path: '/certificates',
      headers: HEADERS,
      json: { cluster_uuid: clusterUuid, csr: csrPem },
      operation: 'sign certificate',
      signal,
    },
    certificateSchema,
  );
  return res.data.pem;
}

export const magnum = {
  findTemplate,
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
