// Magnum v1 (api-notes §3): the container-infra microversion header (max 1.10, Zed; configurable),
// cluster templates (the server resolves name-or-uuid; 404 / 409; `links` always present;
// image / flavor / keypair / external-network validation), clusters (202 {"uuid"}; the
// lifecycle lives in driver.ts) and the certificates API with a per-cluster CA.

import type { Auth } from './auth.js';
import { requireAuth } from './auth.js';
import { CsrError, createClusterCa, signCsr } from './certs.js';
import type { SimContext } from './context.js';
import type { CapiHelmDriver } from './driver.js';
import { findImage } from './glance.js';
import type { Reply, SimRequest } from './http.js';
import { HttpError, Router, dispatch, fail, noContent, objectBody, ok } from './http.js';
import { findFlavor } from './nova.js';
import { page } from './paging.js';
import { pecanWantsJson } from './service-errors.js';
import type { Cluster, Template } from './state.js';
import { magnumTime } from './timefmt.js';

export const MIN_VERSION = '1.1';
/** Zed's CURRENT_MAX_VER (magnum/api/controllers/versions.py); 2024.1 has 1.11. */
export const MAX_VERSION = '1.10';
const SERVICE_WORDS = ['container-infra'];

/** Network drivers the CAPI Helm chart 0.25.1 packages (DOCFIX-032: only Calico). */
const NETWORK_DRIVERS = ['calico'];

function versionHeaders(v: string, max: string): Record<string, string> {
  return {
    'OpenStack-API-Minimum-Version': `container-infra ${MIN_VERSION}`,
    'OpenStack-API-Maximum-Version': `container-infra ${max}`,
    'OpenStack-API-Version': `container-infra ${v}`,
    Vary: 'OpenStack-API-Version',
  };
}

function minor(v: string): number {
  return Number(v.split('.')[1] ?? '0');
}

/**
 * Parses `OpenStack-API-Version: container-infra X.Y|latest` as Zed does
 * (magnum/api/controllers/versions.py Version.parse_headers, then v1's _check_version): a missing
 * header means 1.1; a header that is not two words or names another service, or a version that is
 * not two integers, is a plain 406 whose detail names the header only; a major other than 1, or a
 * minor outside the range, is HTTPNotAcceptableAPIVersion (`outOfRange`) with the range in words.
 */
export function negotiate(header: string | undefined, max = MAX_VERSION): { version: string } | { error: string; outOfRange?: true } {
  if (header === undefined) return { version: MIN_VERSION };
  const parts = header.trim().split(/\s+/);
  if (parts.length !== 2) return { error: 'Invalid service type for OpenStack-API-Version header' };
  let [service = '', v = ''] = parts;
  if (v.toLowerCase() === 'latest') [service, v] = ['container-infra', max];
  if (!SERVICE_WORDS.includes(service)) return { error: 'Invalid service type for OpenStack-API-Version header' };
  const nums = v.split('.');
  if (nums.length !== 2 || !nums.every((x) => /^[+-]?\d+$/.test(x))) return { error: 'Invalid value for OpenStack-API-Version header' };
  const [maj, min] = nums.map((x) => Number.parseInt(x, 10)) as [number, number];
  const asked = `${maj}.${min}`;
  const range = `[container-infra ${MIN_VERSION}, container-infra ${max}]`;
  if (maj !== 1) return { outOfRange: true, error: `Mutually exclusive versions requested. Version ${asked} requested but not supported by this service.The supported version range is: ${range}.` };
  if (min < minor(MIN_VERSION) || min > minor(max)) return { outOfRange: true, error: `Version ${asked} was requested but the minor version is not supported by this service. The supported version range is: ${range}.` };
  return { version: asked };
}

/**
 * The 406 for a version negotiate() refused, as Zed's stack builds it: pecan renders the exception
 * as JSON {code, title, description} only when the Accept header prefers JSON (pecanWantsJson);
 * HTTPNotAcceptableAPIVersion then adds the range, its code, a help link and its title to what it
 * could read of that body (nothing when it was not JSON); ParsableErrorMiddleware passes that on
 * as is, and turns a plain 406 into its usual item (title and detail only from a JSON body).
 */
function notAcceptable(n: { error: string; outOfRange?: true }, max: string, accept: string | undefined): Reply {
  const json = pecanWantsJson(accept);
  const body: Record<string, unknown> = json ? { code: 406, title: 'Not Acceptable', description: n.error } : {};
  const e = n.outOfRange
    ? Object.assign(body, { max_version: max, min_version: MIN_VERSION, code: 'magnum.microversion-unsupported', links: [{ rel: 'help', href: 'http://docs.openstack.org/api-guide/compute/microversions.html' }], title: 'Requested microversion is unsupported' })
    : { request_id: '', code: '', status: 406, title: json ? 'Not Acceptable' : '', detail: json ? n.error : '', links: [] };
  return { status: 406, json: { errors: [e] }, headers: versionHeaders(max, max) };
}

/** magnum.objects.fields.ClusterStatus.STATUS_FAILED. */
const STATUS_FAILED = new Set(['CREATE_FAILED', 'UPDATE_FAILED', 'DELETE_FAILED', 'ROLLBACK_FAILED', 'RESUME_FAILED']);

const TEMPLATE_DEFAULTS: Record<string, unknown> = {
  name: null, coe: 'kubernetes', image_id: null, flavor_id: 'm1.medium', master_flavor_id: null, keypair_id: null, external_network_id: null,
  fixed_network: null, fixed_subnet: null, network_driver: null, volume_driver: null, dns_nameserver: '8.8.8.8', apiserver_port: null,
  docker_volume_size: null, docker_storage_driver: 'overlay2', cluster_distro: null, http_proxy: null, https_proxy: null, no_proxy: null,
  labels: {}, tls_disabled: false, public: false, registry_enabled: false, insecure_registry: null, server_type: 'vm',
  master_lb_enabled: false, floating_ip_enabled: true, hidden: false, tags: null,
};

/**
 * The attributes of Zed's ClusterTemplate and Cluster API types (wsme, in
 * magnum/api/controllers/v1/cluster_template.py and cluster.py): a body key outside them is a
 * 400 "Unknown attribute for argument ...".
 */
const TEMPLATE_KEYS = new Set(['apiserver_port', 'cluster_distro', 'coe', 'dns_nameserver', 'docker_storage_driver', 'docker_volume_size', 'external_network_id', 'fixed_network', 'fixed_subnet', 'flavor_id', 'floating_ip_enabled', 'hidden', 'http_proxy', 'https_proxy', 'image_id', 'insecure_registry', 'keypair_id', 'labels', 'links', 'master_flavor_id', 'master_lb_enabled', 'name', 'network_driver', 'no_proxy', 'project_id', 'public', 'registry_enabled', 'server_type', 'tags', 'tls_disabled', 'user_id', 'uuid', 'volume_driver', 'created_at', 'updated_at']);
const CLUSTER_KEYS = new Set(['api_address', 'cluster_template_id', 'coe_version', 'container_version', 'create_timeout', 'discovery_url', 'docker_volume_size', 'faults', 'fixed_network', 'fixed_subnet', 'flavor_id', 'floating_ip_enabled', 'health_status', 'health_status_reason', 'keypair', 'labels', 'labels_added', 'labels_overridden', 'labels_skipped', 'links', 'master_addresses', 'master_count', 'master_flavor_id', 'master_lb_enabled', 'merge_labels', 'name', 'node_addresses', 'node_count', 'project_id', 'stack_id', 'status', 'status_reason', 'user_id', 'uuid', 'created_at', 'updated_at']);

/** The os_distro values the magnum-capi-helm driver provides (server_type vm, coe kubernetes). */
export const DRIVER_DISTROS = ['ubuntu', 'flatcar'];

function rejectUnknownKeys(b: Record<string, unknown>, known: ReadonlySet<string>, argument: string): void {
  const unknown = Object.keys(b).filter((k) => !known.has(k));
  if (unknown.length) fail('magnum', 400, `Unknown attribute${unknown.length > 1 ? 's' : ''} for argument ${argument}: ${unknown.join(', ')}`);
}

/** How long after the 202 the conductor writes the cluster row, and then the trust and the CA (ms, simulated). */
const CONDUCTOR_ROW_MS = 500;
const CONDUCTOR_CA_MS = 1_500;
/** How long after DELETE's 204 the conductor calls the driver and saves DELETE_IN_PROGRESS (ms, simulated). */
const CONDUCTOR_DELETE_MS = 500;
/** After the row, the conductor writes the master nodegroup, then the workers' (ms, simulated; one commit each on Zed). */
const CONDUCTOR_NODEGROUP_MS = 200;

// The list keeps these (unset_fields_except); merge_labels, unset there, shows its wsattr default
// (false) whatever the cluster's own.
const LIST_FIELDS = ['uuid', 'name', 'cluster_template_id', 'keypair', 'docker_volume_size', 'labels', 'node_count', 'status', 'master_flavor_id', 'flavor_id', 'create_timeout', 'master_count', 'health_status', 'stack_id', 'links'];

export function createMagnum(ctx: SimContext, driver: CapiHelmDriver): (req: SimRequest) => Promise<Reply> {
  const w = ctx.world;
  const m = () => ctx.urls.magnum;
  const maxVersion = ctx.magnumMaxVersion ?? MAX_VERSION;
  const links = (kind: string, id: string) => [{ href: `${m()}/v1/${kind}/${id}`, rel: 'self' }, { href: `${m()}/${kind}/${id}`, rel: 'bookmark' }];

  // Zed's cluster template has no driver attribute (the driver is chosen from the image's os_distro).
  const renderTemplate = (t: Template) => ({
    ...TEMPLATE_DEFAULTS, ...t.fields, uuid: t.uuid, project_id: t.projectId, user_id: t.userId,
    created_at: magnumTime(t.createdAt), updated_at: t.updatedAt === null ? null : magnumTime(t.updatedAt), links: links('clustertemplates', t.uuid),
  });

  const renderCluster = (c: Cluster, version: string): Record<string, unknown> => {
    const body: Record<string, unknown> = {
      status: c.status, health_status: c.healthStatus, cluster_template_id: c.templateId, node_addresses: c.nodeAddresses, uuid: c.uuid,
      stack_id: c.stackId, status_reason: c.statusReason, created_at: magnumTime(c.createdAt), updated_at: c.updatedAt === null ? null : magnumTime(c.updatedAt),
      coe_version: c.coeVersion, labels: c.labels, labels_overridden: {}, labels_skipped: {}, labels_added: {}, fixed_network: c.fixedNetwork,
      fixed_subnet: c.fixedSubnet, floating_ip_enabled: c.floatingIpEnabled, keypair: c.keypair, merge_labels: c.mergeLabels ?? false,
      api_address: c.apiAddress, master_addresses: c.masterAddresses, master_lb_enabled: c.masterLbEnabled, create_timeout: c.createTimeout,
      node_count: (c.nodegroupsWritten ?? 2) >= 2 ? c.nodeCount : 0, discovery_url: c.discoveryUrl, docker_volume_size: c.dockerVolumeSize,
      master_count: (c.nodegroupsWritten ?? 2) >= 1 ? c.masterCount : 0, // (a show answers 400 at 0, above)
      container_version: null, name: c.name, master_flavor_id: c.masterFlavorId, flavor_id: c.flavorId,
      health_status_reason: c.healthReason, project_id: c.projectId, user_id: c.userId, links: links('clusters', c.uuid),
    };
    // Zed's get_one adds faults (the failed node groups' status_reason) to a cluster in a FAILED
    // state only; otherwise the attribute is unset and wsme leaves it out.
    if (STATUS_FAILED.has(c.status)) body['faults'] = c.faults;
    if (minor(version) >= 13) {
      body['cluster_id'] = body['stack_id'];
      delete body['stack_id'];
    }
    return body;
  };

  const visibleTemplate = (a: Auth, t: Template) => a.isAdmin || t.projectId === a.projectId || t.fields['public'] === true;
  const visibleCluster = (a: Auth, c: Cluster) => a.isAdmin || c.projectId === a.projectId;

  const findTemplate = (a: Auth, ref: string): Template => {
    const byId = w.templates.get(ref);
    if (byId && visibleTemplate(a, byId)) return byId;
    const named = [...w.templates.values()].filter((t) => t.fields['name'] === ref && visibleTemplate(a, t));
    if (named.length > 1) fail('magnum', 409, 'Multiple cluster templates exist with same name. Please use the cluster template uuid instead.');
    const t = named[0];
    if (!t) fail('magnum', 404, `ClusterTemplate ${ref} could not be found.`);
    return t;
  };

  const findCluster = (a: Auth, ref: string): Cluster => {
    const byId = w.clusters.get(ref);
    if (byId && visibleCluster(a, byId)) return byId;
    const named = [...w.clusters.values()].filter((c) => c.name === ref && visibleCluster(a, c));
    if (named.length > 1) fail('magnum', 409, 'Multiple clusters exist with same name. Please use the cluster uuid instead.');
    const c = named[0];
    if (!c) fail('magnum', 404, `Cluster ${ref} could not be found.`);
    return c;
  };

  const keypairExists = (a: Auth, name: string) => w.keypairs.has(`${a.user.id}/${name}`);

  const createTemplate = (req: SimRequest): Reply => {
    const a = requireAuth(ctx, req);
    const b = objectBody(req);
    rejectUnknownKeys(b, TEMPLATE_KEYS, 'cluster_template');
    const str = (k: string) => (typeof b[k] === 'string' && (b[k] as string).length > 0 ? (b[k] as string) : undefined);
    if (!str('coe')) fail('magnum', 400, "Invalid input for field/attribute coe. Value: None. Mandatory field missing.");
    if (!str('image_id')) fail('magnum', 400, "Invalid input for field/attribute image_id. Value: None. Mandatory field missing.");
    if ((b['public'] === true || b['hidden'] === true) && !a.isAdmin) fail('magnum', 403, 'Not authorized to set public or hidden flag for cluster template.');
    const imageRef = str('image_id') ?? '';
    const found = findImage(ctx, imageRef, a);
    // enforce_driver_supported runs first: the body's cluster_distro, else the image's os_distro
    // (an image it cannot resolve gives None); some driver must provide (server_type, distro, coe).
    const serverType = b['server_type'] === undefined || b['server_type'] === null ? 'vm' : String(b['server_type']);
    const given = str('cluster_distro') ?? (found.image && !found.ambiguous ? found.image.props['os_distro'] : undefined);
    const osDistro = typeof given === 'string' && given ? given : 'None';
    if (serverType !== 'vm' || b['coe'] !== 'kubernetes' || !DRIVER_DISTROS.includes(osDistro)) fail('magnum', 400, `Cluster type (${serverType}, ${osDistro}, ${String(b['coe'])}) not supported.`);
    if (found.ambiguous) fail('magnum', 409, `Multiple images exist with same name ${imageRef}. Please use the image id instead.`);
    if (!found.image) fail('magnum', 400, `Image ${imageRef} could not be found.`);
    const distro = found.image.props['os_distro'];
    if (typeof distro !== 'string' || !distro) fail('magnum', 400, `Image ${imageRef} doesn't contain os_distro field.`);
    for (const k of ['flavor_id', 'master_flavor_id']) {
      const f = str(k) ?? (k === 'flavor_id' ? 'm1.medium' : undefined);
      if (f && !findFlavor(ctx, f)) fail('magnum', 400, `Unable to find flavor ${f}.`);
    }
    const kp = str('keypair_id');
    if (kp && !keypairExists(a, kp)) fail('magnum', 404, `Unable to find keypair ${kp}.`);
    const ext = str('external_network_id');
    if (ext) {
      const net = w.networkByName(ext) ?? w.networks.get(ext);
      if (!net || !net.external) fail('magnum', 400, `Unable to find external network ${ext}.`);
    }
    const nd = str('network_driver');
    if (nd && !NETWORK_DRIVERS.includes(nd)) fail('magnum', 400, `Network driver type ${nd} is not supported, expecting a ${NETWORK_DRIVERS.join(', ')} network driver.`);
    const fields: Record<string, unknown> = { ...TEMPLATE_DEFAULTS };
    for (const [k, v] of Object.entries(b)) if (k in TEMPLATE_DEFAULTS && v !== null && v !== undefined) fields[k] = v;
    for (const [k, v] of Object.entries(b)) if (k in TEMPLATE_DEFAULTS && v === null) fields[k] = null;
    if (fields['flavor_id'] === null) fields['flavor_id'] = 'm1.medium';
    fields['cluster_distro'] = distro;
    const t: Template = { uuid: ctx.rng.uuid(), projectId: a.projectId, userId: a.user.id, createdAt: ctx.clock.now(), updatedAt: null, fields };
    w.templates.set(t.uuid, t);
    w.record({ kind: 'magnum.clustertemplate', id: t.uuid, name: String(fields['name'] ?? ''), from: null, to: 'created', detail: `network_driver=${String(fields['network_driver'])}` });
    return ok(renderTemplate(t), 201);
  };

  const patchTemplate = (req: SimRequest, [ref]: string[]): Reply => {
    const a = requireAuth(ctx, req);
    const t = findTemplate(a, ref ?? '');
    if (t.projectId !== a.projectId && !a.isAdmin) fail('magnum', 403, 'Policy doesn\'t allow cluster_template:update to be performed.');
    const ops = req.json();
    if (!Array.isArray(ops)) fail('magnum', 400, 'A JSON patch list is required.');
    for (const op of ops as { op?: string; path?: string; value?: unknown }[]) {
      const segs = (op.path ?? '').split('/').filter(Boolean);
      const [key, sub] = segs;
      if (!key || !(key in TEMPLATE_DEFAULTS)) fail('magnum', 400, `Invalid path: ${op.path ?? ''}`);
      if (sub && key === 'labels') {
        const labels = { ...(t.fields['labels'] as Record<string, string>) };
        if (op.op === 'remove') delete labels[sub];
        else labels[sub] = String(op.value);
        t.fields['labels'] = labels;
      } else if (op.op === 'remove') t.fields[key] = TEMPLATE_DEFAULTS[key];
      else if (op.op === 'add' || op.op === 'replace') {
        if (key === 'network_driver' && typeof op.value === 'string' && !NETWORK_DRIVERS.includes(op.value)) fail('magnum', 400, `Network driver type ${op.value} is not supported, expecting a ${NETWORK_DRIVERS.join(', ')} network driver.`);
        t.fields[key] = op.value;
      } else fail('magnum', 400, `Invalid patch operation: ${String(op.op)}`);
    }
    t.updatedAt = ctx.clock.now();
    return ok(renderTemplate(t));
  };

  const createCluster = async (req: SimRequest, version: string): Promise<Reply> => {
    const a = requireAuth(ctx, req);
    const b = objectBody(req);
    rejectUnknownKeys(b, CLUSTER_KEYS, 'cluster');
    const tplRef = typeof b['cluster_template_id'] === 'string' ? b['cluster_template_id'] : '';
    if (!tplRef) fail('magnum', 400, "Invalid input for field/attribute cluster_template_id. Value: None. Mandatory field missing.");
    let t: Template;
    try {
      t = findTemplate(a, tplRef);
    } catch (err) {
      // ct_not_found_to_bad_request: up to 1.9 an unknown template is a 400.
      if (err instanceof HttpError && err.reply.status === 404 && minor(version) <= 9) fail('magnum', 400, `ClusterTemplate ${tplRef} could not be found.`);
      throw err;
    }
    const name = typeof b['name'] === 'string' && b['name'] ? b['name'] : `${['fancy', 'brave', 'quiet'][ctx.rng.int(0, 2)] ?? 'x'}-${ctx.rng.suffix(6)}`;
    if (!/^[a-zA-Z][a-zA-Z0-9_.-]*$/.test(name)) fail('magnum', 400, `Cluster name ${name} not valid. Names must start with an alphabet and can contain only alphanumeric, '-', '_', '.' characters.`);
    const masterCount = b['master_count'] === undefined || b['master_count'] === null ? 1 : Number(b['master_count']);
    const nodeCount = b['node_count'] === undefined || b['node_count'] === null ? 1 : Number(b['node_count']);
    if (!Number.isInteger(masterCount) || masterCount < 1) fail('magnum', 400, `Invalid input for field/attribute master_count. Value: ${String(b['master_count'])}. Value should be greater or equal to 1`);
    if (!Number.isInteger(nodeCount) || nodeCount < 0) fail('magnum', 400, `Invalid input for field/attribute node_count. Value: ${String(b['node_count'])}.`);
    const keypair = typeof b['keypair'] === 'string' && b['keypair'] ? b['keypair'] : (t.fields['keypair_id'] as string | null) ?? null;
    if (keypair && !keypairExists(a, keypair)) fail('magnum', 404, `Unable to find keypair ${keypair}.`);
    const tplLabels = (t.fields['labels'] as Record<string, string> | null) ?? {};
    const given = b['labels'] && typeof b['labels'] === 'object' ? (b['labels'] as Record<string, string>) : undefined;
    const labels = given ? (b['merge_labels'] === true ? { ...tplLabels, ...given } : given) : { ...tplLabels };
    const pick = <T>(k: string, fallback: T): T => (b[k] === undefined || b[k] === null || b[k] === '' ? fallback : (b[k] as T));
    // attr_validator.validate_master_count; the body's master_lb_enabled, else the template's.
    const masterLbEnabled = typeof b['master_lb_enabled'] === 'boolean' ? b['master_lb_enabled'] : t.fields['master_lb_enabled'] === true;
    if (masterCount > 1 && !masterLbEnabled) fail('magnum', 400, 'master_count must be 1 when master_lb_enabled is False');
    const c: Cluster = {
      uuid: ctx.rng.uuid(), name, projectId: a.projectId, userId: a.user.id, templateId: t.uuid, status: 'CREATE_IN_PROGRESS', statusReason: null,
      healthStatus: null, healthReason: {}, stackId: null, apiAddress: null, coeVersion: null, keypair, masterCount, nodeCount,
      createTimeout: pick('create_timeout', 60), labels, masterFlavorId: pick('master_flavor_id', (t.fields['master_flavor_id'] as string | null) ?? null),
      flavorId: pick('flavor_id', (t.fields['flavor_id'] as string | null) ?? null), floatingIpEnabled: pick('floating_ip_enabled', t.fields['floating_ip_enabled'] === true),
      masterLbEnabled, fixedNetwork: pick('fixed_network', (t.fields['fixed_network'] as string | null) ?? null),
      fixedSubnet: pick('fixed_subnet', (t.fields['fixed_subnet'] as string | null) ?? null), dockerVolumeSize: pick('docker_volume_size', (t.fields['docker_volume_size'] as number | null) ?? null),
      discoveryUrl: pick('discovery_url', null), masterAddresses: [], nodeAddresses: [], faults: {}, createdAt: ctx.clock.now(), updatedAt: null,
      mergeLabels: b['merge_labels'] === true,
      res: { sgIds: [], serverIds: [], lbAttempts: 0 },
    };
    // The API only casts cluster_create to the conductor: the conductor writes the row, then
    // creates the trustee and trust and the CA, then calls the driver. Until the row exists the
    // cluster is a 404; until the CA exists /certificates is "A key pair None could not be found.".
    // The key is made now (real time) so that what follows runs on the simulated clock alone.
    const ca = await createClusterCa(c.uuid, c.name, ctx.clock.now());
    ctx.clock.after(CONDUCTOR_ROW_MS, `cluster ${name}: conductor writes the row`, () => {
      c.nodegroupsWritten = 0;
      w.clusters.set(c.uuid, c);
      ctx.clock.after(CONDUCTOR_NODEGROUP_MS, `cluster ${name}: master nodegroup`, () => {
        c.nodegroupsWritten = 1;
        ctx.clock.after(CONDUCTOR_NODEGROUP_MS, `cluster ${name}: worker nodegroup`, () => { c.nodegroupsWritten = 2; });
      });
      ctx.clock.after(CONDUCTOR_CA_MS, `cluster ${name}: trust and CA`, () => {
        if (w.clusters.get(c.uuid) !== c) return;
        w.cas.set(c.uuid, ca);
        driver.create(c, a.token);
      });
    });
    return ok({ uuid: c.uuid }, 202);
  };

  /** certificate:get / certificate:create: admin_or_user (the cluster's creator) or its trustee. */
  const certificatePolicy = (a: Auth, c: Cluster, action: 'get' | 'create'): void => {
    if (!a.isAdmin && a.user.id !== c.userId) fail('magnum', 403, `Policy doesn't allow certificate:${action} to be performed.`);
  };

  const router = (version: string) => new Router()
    .on('GET', /^\/v1\/?$/, () => ok({
      id: 'v1', media_types: [{ base: 'application/json', type: 'application/vnd.openstack.magnum.v1+json' }],
      links: [{ href: `${m()}/v1/`, rel: 'self' }], clustertemplates: [{ href: `${m()}/v1/clustertemplates/`, rel: 'self' }],
      clusters: [{ href: `${m()}/v1/clusters/`, rel: 'self' }], certificates: [{ href: `${m()}/v1/certificates/`, rel: 'self' }],
    }))
    .on('GET', /^\/v1\/clustertemplates(?:\/detail)?$/, (req) => {
      const a = requireAuth(ctx, req);
      const p = page(req, [...w.templates.values()].filter((t) => visibleTemplate(a, t)), { style: 'magnum', key: 'clustertemplates', cap: ctx.pageSize, path: req.path, id: (t) => t.uuid });
      return ok({ clustertemplates: p.items.map(renderTemplate), ...p.fields });
    })
    .on('POST', /^\/v1\/clustertemplates$/, createTemplate)
    .on('GET', /^\/v1\/clustertemplates\/([^/]+)$/, (req, [ref]) => ok(renderTemplate(findTemplate(requireAuth(ctx, req), ref ?? ''))))
    .on('PATCH', /^\/v1\/clustertemplates\/([^/]+)$/, patchTemplate)
    .on('DELETE', /^\/v1\/clustertemplates\/([^/]+)$/, (req, [ref]) => {
      const a = requireAuth(ctx, req);
      const t = findTemplate(a, ref ?? '');
      if (t.projectId !== a.projectId && !a.isAdmin) fail('magnum', 403, "Policy doesn't allow clustertemplate:delete to be performed.");
      if ([...w.clusters.values()].some((c) => c.templateId === t.uuid)) fail('magnum', 400, `ClusterTemplate ${t.uuid} is referenced by one or multiple clusters.`);
      w.templates.delete(t.uuid);
      w.record({ kind: 'magnum.clustertemplate', id: t.uuid, name: String(t.fields['name'] ?? ''), from: 'created', to: 'deleted' });
      return noContent();
    })
    .on('GET', /^\/v1\/clusters(?:\/detail)?$/, (req) => {
      const a = requireAuth(ctx, req);
      const detail = req.path.endsWith('/detail');
      const p = page(req, [...w.clusters.values()].filter((c) => visibleCluster(a, c)), { style: 'magnum', key: 'clusters', cap: ctx.pageSize, path: req.path, id: (c) => c.uuid });
      const list = p.items.map((c) => renderCluster(c, version));
      return ok({ clusters: detail ? list : list.map((o) => ({ ...Object.fromEntries(LIST_FIELDS.filter((k) => k in o).map((k) => [k, o[k]])), merge_labels: false })), ...p.fields });
    })
    .on('POST', /^\/v1\/clusters$/, (req) => createCluster(req, version))
    .on('GET', /^\/v1\/clusters\/([^/]+)$/, (req, [ref]) => {
      const c = findCluster(requireAuth(ctx, req), ref ?? '');
      // No node group yet: master_count is 0 against its wsattr minimum of 1, and wsme refuses the
      // answer (what real Zed answered right after a create; the list is not modelled so).
      if (c.nodegroupsWritten === 0) fail('magnum', 400, 'Invalid input for field/attribute master_count. Value: None.');
      return ok(renderCluster(c, version));
    })
    .on('PATCH', /^\/v1\/clusters\/([^/]+)$/, (req, [ref]) => {
      findCluster(requireAuth(ctx, req), ref ?? '');
      fail('magnum', 400, 'Cluster update (resize) is not implemented by the simulator.');
    })
    .on('DELETE', /^\/v1\/clusters\/([^/]+)$/, (req, [ref]) => {
      const c = findCluster(requireAuth(ctx, req), ref ?? '');
      // The API casts cluster_delete to the conductor and answers 204; the cluster keeps its
      // status until the conductor has called the driver and saved DELETE_IN_PROGRESS (measured
      // on the loopback Zed control plane: CREATE_COMPLETE at the first read after the 204).
      ctx.clock.after(CONDUCTOR_DELETE_MS, `cluster ${c.name}: conductor takes the delete`, () => {
        if (w.clusters.get(c.uuid) === c) driver.delete(c);
      });
      return noContent();
    })
    .on('GET', /^\/v1\/certificates\/([^/]+)$/, (req, [ref]) => {
      const a = requireAuth(ctx, req);
      const c = findCluster(a, ref ?? '');
      certificatePolicy(a, c, 'get');
      const ca = w.cas.get(c.uuid);
      if (!ca) fail('magnum', 404, 'A key pair None could not be found.');
      return ok({ cluster_uuid: c.uuid, bay_uuid: c.uuid, pem: ca.certPem, links: links('certificates', c.uuid) });
    })
    .on('POST', /^\/v1\/certificates$/, async (req) => {
      const a = requireAuth(ctx, req);
      const b = objectBody(req);
      const ref = typeof b['cluster_uuid'] === 'string' ? b['cluster_uuid'] : '';
      let c: Cluster;
      try {
        c = findCluster(a, ref);
      } catch (err) {
        if (err instanceof HttpError && err.reply.status === 404) fail('magnum', 400, `Cluster ${ref} could not be found.`);
        throw err;
      }
      certificatePolicy(a, c, 'create');
      const ca = w.cas.get(c.uuid);
      if (!ca) fail('magnum', 404, 'A key pair None could not be found.');
      if (typeof b['csr'] !== 'string') fail('magnum', 400, 'Invalid input for field/attribute csr. Value: None. Mandatory field missing.');
      let pem: string;
      try {
        pem = await signCsr(ca, b['csr'], ctx.clock.now());
      } catch (err) {
        if (err instanceof CsrError) fail('magnum', 400, err.message);
        throw err;
      }
      w.record({ kind: 'magnum.certificate', id: c.uuid, name: c.name, to: 'signed' });
      return ok({ cluster_uuid: c.uuid, bay_uuid: c.uuid, csr: b['csr'], pem, links: links('certificates', c.uuid) }, 201);
    })
    .on('PATCH', /^\/v1\/certificates\/([^/]+)$/, async (req, [ref]) => {
      const c = findCluster(requireAuth(ctx, req), ref ?? '');
      if (w.templates.get(c.templateId)?.fields['tls_disabled'] === true) fail('magnum', 400, `Rotating the CA certificate on a non-TLS cluster is not supported.`);
      w.cas.set(c.uuid, await createClusterCa(c.uuid, c.name, ctx.clock.now()));
      w.record({ kind: 'magnum.certificate', id: c.uuid, name: c.name, to: 'ca rotated' });
      return ok({ uuid: c.uuid }, 202);
    });

  return async (req) => {
    if (req.path === '/' && req.method === 'GET') {
      return ok({
        name: 'OpenStack Magnum API', description: 'Magnum is an OpenStack project which aims to provide container cluster management.',
        versions: [{ id: 'v1', links: [{ href: `${m()}/v1/`, rel: 'self' }], status: 'CURRENT', max_version: maxVersion, min_version: MIN_VERSION }],
      });
    }
    const n = negotiate(req.header('openstack-api-version'), maxVersion);
    if ('error' in n) return notAcceptable(n, maxVersion, req.header('accept'));
    const headers = versionHeaders(n.version, maxVersion);
    try {
      // pecan takes a collection with a trailing slash as the collection (magnumclient's paged
      // list asks for /v1/clustertemplates/?limit=N).
      const path = req.path.length > 1 && req.path.endsWith('/') ? req.path.slice(0, -1) : req.path;
      const reply = await dispatch(router(n.version), path === req.path ? req : { ...req, path });
      return { ...reply, headers: { ...headers, ...reply.headers } };
    } catch (err) {
      if (err instanceof HttpError) throw new HttpError({ ...err.reply, headers: { ...headers, ...err.reply.headers } });
      throw err;
    }
  };
}
