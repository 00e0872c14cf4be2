// Glance v2 (api-notes §4): version discovery (300), images with top-level custom
// properties, name / visibility / os_hidden / property filters, glance-direct (stage ->
// import), plain PUT /file, the OpenStack-image-import-methods header the SDK needs, and
// the status machine on the virtual clock. web-download always fails the way FINDING-3
// describes: the CDN 403s glance's urllib user agent, so the image reverts to `queued`.

import { createHash } from 'node:crypto';
import type { Auth } from './auth.js';
import { requireAuth } from './auth.js';
import type { SimContext } from './context.js';
import type { Reply, SimRequest } from './http.js';
import { Router, dispatch, fail, noContent, objectBody, ok } from './http.js';
import { qcow2VirtualSize, rawConversion } from './image-format.js';
import { isUuid } from './rand.js';
import type { Image } from './state.js';
import { zTime } from './timefmt.js';

export const IMPORT_METHODS = 'glance-direct,web-download,copy-image';

/** glance-api.conf [DEFAULT] limit_param_default and api_limit_max. */
const GLANCE_LIMIT_DEFAULT = 25;
const GLANCE_LIMIT_MAX = 1000;

const READ_ONLY = new Set(['status', 'size', 'virtual_size', 'checksum', 'os_hash_algo', 'os_hash_value', 'created_at', 'updated_at', 'self', 'file', 'schema', 'direct_url', 'locations', 'stores']);
const STANDARD = new Set(['id', 'name', 'visibility', 'container_format', 'disk_format', 'min_ram', 'min_disk', 'protected', 'tags', 'os_hidden', 'owner']);

export function renderImage(img: Image): Record<string, unknown> {
  return {
    id: img.id, name: img.name, status: img.status, visibility: img.visibility, protected: img.protected, os_hidden: img.osHidden,
    disk_format: img.diskFormat, container_format: img.containerFormat, size: img.size, virtual_size: img.virtualSize,
    checksum: img.checksum, os_hash_algo: img.hashAlgo, os_hash_value: img.hashValue, min_ram: img.minRam, min_disk: img.minDisk,
    owner: img.owner, tags: img.tags, created_at: zTime(img.createdAt), updated_at: zTime(img.updatedAt),
    ...img.props,
    self: `/v2/images/${img.id}`, file: `/v2/images/${img.id}/file`, schema: '/v2/schemas/image',
  };
}

export function imageVisible(a: Pick<Auth, 'isAdmin' | 'projectId'>, img: Image): boolean {
  return a.isAdmin || img.visibility === 'public' || img.visibility === 'community' || img.owner === a.projectId;
}

/** Finds an image by id or (exactly one) name, as Magnum's validator does. */
export function findImage(ctx: SimContext, ref: string, a: Pick<Auth, 'isAdmin' | 'projectId'>): { image?: Image; ambiguous?: boolean } {
  const byId = ctx.world.images.get(ref);
  if (byId && imageVisible(a, byId)) return { image: byId };
  const named = [...ctx.world.images.values()].filter((i) => i.name === ref && imageVisible(a, i));
  if (named.length > 1) return { ambiguous: true };
  return named[0] ? { image: named[0] } : {};
}

function versions(base: string): unknown {
  const ids = [16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0];
  return { versions: ids.map((n) => ({ id: `v2.${n}`, status: n === 16 ? 'CURRENT' : 'SUPPORTED', links: [{ rel: 'self', href: `${base}/v2/` }] })) };
}

export function createGlance(ctx: SimContext): (req: SimRequest) => Promise<Reply> {
  const w = ctx.world;

  const setStatus = (img: Image, to: string, detail?: string) => {
    const from = img.status;
    img.status = to;
    img.updatedAt = ctx.clock.now();
    w.record({ kind: 'glance.image', id: img.id, name: img.name ?? undefined, from, to, ...(detail ? { detail } : {}) });
  };

  const land = (img: Image, data: Buffer, diskFormat: string | null) => {
    const raw = diskFormat === 'raw' ? rawConversion(data) : undefined;
    img.size = raw?.size ?? data.length;
    img.virtualSize = raw?.size ?? qcow2VirtualSize(data) ?? data.length;
    img.checksum = raw?.md5 ?? createHash('md5').update(data).digest('hex');
    img.hashAlgo = 'sha512';
    img.hashValue = raw?.sha512 ?? createHash('sha512').update(data).digest('hex');
    img.diskFormat = diskFormat;
    img.props['stores'] = 'fs';
    delete img.staged;
  };

  const get = (req: SimRequest, id: string): { a: Auth; img: Image } => {
    const a = requireAuth(ctx, req);
    const img = isUuid(id) ? w.images.get(id) : undefined;
    if (!img || !imageVisible(a, img)) fail('glance', 404, `No image found with ID ${id}`);
    return { a, img };
  };

  const applyAttrs = (img: Image, attrs: Record<string, unknown>, a: Auth) => {
    for (const [k, v] of Object.entries(attrs)) {
      if (READ_ONLY.has(k)) fail('glance', 403, `Attribute '${k}' is read-only.`);
      if (k === 'owner' && !a.isAdmin && v !== a.projectId) fail('glance', 403, `Attribute 'owner' is reserved.`);
      if (k.startsWith('os_glance')) fail('glance', 403, `Attribute '${k}' is reserved.`);
      switch (k) {
        case 'id': break;
        case 'name': img.name = v === null ? null : String(v); break;
        case 'visibility':
          if (!['public', 'private', 'shared', 'community'].includes(String(v))) fail('glance', 400, `Invalid visibility value: ${String(v)}`);
          if (v === 'public' && !a.isAdmin) fail('glance', 403, 'Forbidden to set public image.');
          img.visibility = String(v);
          break;
        case 'container_format': img.containerFormat = v === null ? null : String(v); break;
        case 'disk_format': img.diskFormat = v === null ? null : String(v); break;
        case 'min_ram': img.minRam = Number(v) || 0; break;
        case 'min_disk': img.minDisk = Number(v) || 0; break;
        case 'protected': img.protected = v === true; break;
        case 'os_hidden': img.osHidden = v === true; break;
        case 'owner': img.owner = String(v); break;
        case 'tags': img.tags = Array.isArray(v) ? v.map(String) : []; break;
        default:
          if (v === null) delete img.props[k];
          else img.props[k] = typeof v === 'string' ? v : JSON.stringify(v);
      }
    }
  };

  const list = (req: SimRequest): Reply => {
    const a = requireAuth(ctx, req);
    const q = req.query;
    const skip = new Set(['limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'member_status', 'visibility', 'os_hidden']);
    const vis = q.get('visibility');
    const hidden = q.get('os_hidden');
    let images = [...w.images.values()].filter((i) => imageVisible(a, i) && i.status !== 'deleted');
    if (vis && vis !== 'all') images = images.filter((i) => i.visibility === vis);
    images = images.filter((i) => (hidden !== null && hidden.toLowerCase() === 'true' ? i.osHidden : !i.osHidden));
    for (const [k, v] of q) {
      if (skip.has(k)) continue;
      images = images.filter((i) => {
        const r = renderImage(i);
        return String(r[k] ?? '') === v;
      });
    }
    images.sort((x, y) => y.createdAt - x.createdAt || (x.id < y.id ? -1 : 1));
    const marker = q.get('marker');
    if (marker) {
      const idx = images.findIndex((i) => i.id === marker);
      if (idx < 0) fail('glance', 400, `marker not found: ${marker}`);
      images = images.slice(idx + 1);
    }
    // Glance: limit= else limit_param_default (25), capped at api_limit_max (1000; the simulator's
    // page size, when it has one). A page the database filled to the limit carries next (Glance
    // cannot tell whether more follow), the marker moved to the end; first is the query without it.
    const asked = Number(q.get('limit') ?? '0');
    const limit = Math.min(asked > 0 ? asked : GLANCE_LIMIT_DEFAULT, GLANCE_LIMIT_MAX, ctx.pageSize ?? Infinity);
    const params = new URLSearchParams(q);
    params.delete('marker');
    const body: Record<string, unknown> = { first: `/v2/images${params.toString() ? `?${params.toString()}` : ''}`, schema: '/v2/schemas/images' };
    images = images.slice(0, limit);
    if (images.length > 0 && images.length === limit) {
      params.set('marker', images[images.length - 1]?.id ?? '');
      body['next'] = `/v2/images?${params.toString()}`;
    }
    return ok({ images: images.map(renderImage), ...body });
  };

  const create = (req: SimRequest): Reply => {
    const a = requireAuth(ctx, req);
    const body = objectBody(req);
    const id = typeof body['id'] === 'string' ? body['id'] : ctx.rng.uuid();
    if (w.images.has(id)) fail('glance', 409, `Image with identifier ${id} already exists!`);
    const now = ctx.clock.now();
    const img: Image = {
      id, name: null, status: 'queued', visibility: 'shared', owner: a.projectId, osHidden: false, protected: false,
      diskFormat: null, containerFormat: null, size: null, virtualSize: null, checksum: null, hashAlgo: null, hashValue: null,
      minRam: 0, minDisk: 0, tags: [], props: {}, createdAt: now, updatedAt: now,
    };
    applyAttrs(img, body, a);
    w.images.set(id, img);
    w.record({ kind: 'glance.image', id, name: img.name ?? undefined, from: null, to: 'queued' });
    return ok(renderImage(img), 201, {
      Location: `${ctx.urls.glance}/v2/images/${id}`,
      'OpenStack-image-import-methods': IMPORT_METHODS,
      'OpenStack-image-store-ids': 'fs',
    });
  };

  const patch = (req: SimRequest, [id]: string[]): Reply => {
    const { a, img } = get(req, id ?? '');
    if (!a.isAdmin && img.owner !== a.projectId) fail('glance', 403, 'You are not permitted to modify this image.');
    const ops = req.json();
    if (!Array.isArray(ops)) fail('glance', 400, 'Expected a JSON patch (a list of operations).');
    for (const op of ops as { op?: string; path?: string; value?: unknown }[]) {
      const key = (op.path ?? '').replace(/^\//, '');
      if (!key) fail('glance', 400, 'Invalid JSON pointer for this resource.');
      if (op.op === 'remove') {
        if (STANDARD.has(key)) fail('glance', 403, `Attribute '${key}' cannot be removed.`);
        if (!(key in img.props)) fail('glance', 409, `Property ${key} does not exist.`);
        delete img.props[key];
      } else if (op.op === 'add' || op.op === 'replace') {
        applyAttrs(img, { [key]: op.value }, a);
      } else fail('glance', 400, `Invalid operation: ${String(op.op)}`);
    }
    img.updatedAt = ctx.clock.now();
    return ok(renderImage(img));
  };

  const uploadFile = (req: SimRequest, [id]: string[]): Reply => {
    const { img } = get(req, id ?? '');
    if (img.status !== 'queued') fail('glance', 409, `Image status transition from ${img.status} to saving is not allowed`);
    setStatus(img, 'saving');
    const data = req.body;
    ctx.clock.after(ctx.durations.imageUpload, `image ${img.id} upload`, () => {
      if (w.images.get(img.id) !== img || img.status !== 'saving') return;
      land(img, data, img.diskFormat);
      setStatus(img, 'active', `${data.length} bytes`);
    });
    return noContent();
  };

  const stage = (req: SimRequest, [id]: string[]): Reply => {
    const { img } = get(req, id ?? '');
    if (img.status !== 'queued') fail('glance', 409, `Image status transition from ${img.status} to uploading is not allowed`);
    img.staged = req.body;
    // Glance sets size when the data is staged (virtual_size, checksum and hash on import).
    img.size = req.body.length;
    setStatus(img, 'uploading', `${req.body.length} bytes staged`);
    return noContent();
  };

  const doImport = (req: SimRequest, [id]: string[]): Reply => {
    const { img } = get(req, id ?? '');
    const body = objectBody(req);
    const method = (body['method'] as { name?: string; uri?: string } | undefined) ?? {};
    const name = method.name ?? '';
    if (name === 'glance-direct') {
      if (img.status !== 'uploading') fail('glance', 409, "Image needs to be staged before 'glance-direct' method can be used");
      const data = img.staged ?? Buffer.alloc(0);
      setStatus(img, 'importing');
      // Glance adds its os_glance_* import properties when an import starts, not at the create.
      img.props['os_glance_importing_to_stores'] = 'fs';
      img.props['os_glance_failed_import'] ??= '';
      ctx.clock.after(ctx.durations.imageImport, `image ${img.id} import`, () => {
        if (w.images.get(img.id) !== img || img.status !== 'importing') return;
        // image_conversion (output_format = raw) lands the image as raw (runbook CORRECTION-1).
        land(img, data, 'raw');
        img.props['os_glance_importing_to_stores'] = '';
        setStatus(img, 'active', `glance-direct, ${data.length} bytes, converted to raw`);
      });
      return { status: 202, text: '' };
    }
    if (name === 'web-download') {
      if (img.status !== 'queued') fail('glance', 409, `Image status transition from ${img.status} to importing is not allowed`);
      if (typeof method.uri !== 'string') fail('glance', 400, 'web-download requires a uri');
      setStatus(img, 'importing', method.uri);
      img.props['os_glance_importing_to_stores'] = 'fs';
      img.props['os_glance_failed_import'] ??= '';
      ctx.clock.after(ctx.durations.imageImport / 2, `image ${img.id} web-download`, () => {
        if (w.images.get(img.id) !== img || img.status !== 'importing') return;
        img.props['os_glance_failed_import'] = 'fs';
        img.props['os_glance_importing_to_stores'] = '';
        setStatus(img, 'queued', `web-download failed: HTTP 403 from the CDN for User-Agent Python-urllib/3.11 (FINDING-3)`);
      });
      return { status: 202, text: '' };
    }
    if (name === 'copy-image') {
      if (img.status !== 'active') fail('glance', 409, "Image status must be active for 'copy-image'");
      return { status: 202, text: '' };
    }
    fail('glance', 400, `Import method ${name || '(none)'} is not supported`);
  };

  const router = new Router()
    .on('GET', /^\/(versions)?$/, () => ({ status: 300, json: versions(ctx.urls.glance) }))
    .on('GET', /^\/v2\/?$/, () => ({ status: 300, json: versions(ctx.urls.glance) }))
    .on('GET', /^\/v2\/info\/import$/, (req) => {
      requireAuth(ctx, req);
      return ok({ 'import-methods': { description: 'Import methods available.', type: 'array', value: IMPORT_METHODS.split(',') } });
    })
    .on('GET', /^\/v2\/info\/stores$/, (req) => {
      requireAuth(ctx, req);
      return ok({ stores: [{ id: 'fs', default: 'true' }] });
    })
    .on('GET', /^\/v2\/images$/, list)
    .on('POST', /^\/v2\/images$/, create)
    .on('GET', /^\/v2\/images\/([^/]+)$/, (req, [id]) => ok(renderImage(get(req, id ?? '').img)))
    .on('PATCH', /^\/v2\/images\/([^/]+)$/, patch)
    .on('DELETE', /^\/v2\/images\/([^/]+)$/, (req, [id]) => {
      const { a, img } = get(req, id ?? '');
      if (!a.isAdmin && img.owner !== a.projectId) fail('glance', 403, 'You are not permitted to delete this image.');
      if (img.protected) fail('glance', 403, `Image ${img.id} is protected and cannot be deleted.`);
      w.images.delete(img.id);
      w.record({ kind: 'glance.image', id: img.id, name: img.name ?? undefined, from: img.status, to: 'deleted' });
      return noContent();
    })
    .on('PUT', /^\/v2\/images\/([^/]+)\/file$/, uploadFile)
    .on('GET', /^\/v2\/images\/([^/]+)\/file$/, (req, [id]) => {
      const { img } = get(req, id ?? '');
      if (img.status !== 'active') fail('glance', 204 as number, 'no data');
      return { status: 200, raw: Buffer.alloc(0), headers: { 'Content-Type': 'application/octet-stream', 'Content-MD5': img.checksum ?? '' } };
    })
    .on('PUT', /^\/v2\/images\/([^/]+)\/stage$/, stage)
    .on('POST', /^\/v2\/images\/([^/]+)\/import$/, doImport)
    .on(['PUT', 'DELETE'], /^\/v2\/images\/([^/]+)\/tags\/([^/]+)$/, (req, [id, tag]) => {
      const { img } = get(req, id ?? '');
      const t = tag ?? '';
      img.tags = req.method === 'PUT' ? [...new Set([...img.tags, t])] : img.tags.filter((x) => x !== t);
      return noContent();
    });

  return (req) => dispatch(router, req);
}
