// Glance v2 (api-notes §4): images by name (GET /v2/images?name=), create, glance-direct stage
// (streamed octet-stream) + import, status. Custom properties such as kube_version and
// os_distro are top-level keys of the image JSON. Either scope may call these.

import type { Readable } from 'node:stream';
import { z } from 'zod';
import { CapiGateError } from '../core/errors.js';
import { allPages, nextFromUrl } from './paging.js';
import type { AnySession } from './session.js';

/** Keys of the image resource itself; everything else is a property (api-notes §4.2). */
const STANDARD_KEYS: ReadonlySet<string> = new Set([
  'id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'disk_format', 'container_format', 'size', 'virtual_size',
  'checksum', 'os_hash_algo', 'os_hash_value', 'min_ram', 'min_disk', 'owner', 'tags', 'created_at', 'updated_at',
  'self', 'file', 'schema', 'locations', 'direct_url', 'stores',
]);

const imageSchema = z
  .looseObject({
    id: z.string(),
    name: z.string().nullish(),
    status: z.string(),
    visibility: z.string().nullish(),
    disk_format: z.string().nullish(),
    container_format: z.string().nullish(),
    size: z.number().nullish(),
    owner: z.string().nullish(),
    os_hidden: z.boolean().nullish(),
    os_hash_algo: z.string().nullish(),
    os_hash_value: z.string().nullish(),
    created_at: z.string().nullish(),
  })
  .transform((i) => {
    const properties: Record<string, string> = {};
    for (const [k, v] of Object.entries(i)) {
      if (!STANDARD_KEYS.has(k) && v !== null && v !== undefined) properties[k] = typeof v === 'string' ? v : JSON.stringify(v);
    }
    return {
      id: i.id,
      name: i.name ?? '',
      /** queued, saving, uploading, importing, active, killed, deleted, deactivated, pending_delete. */
      status: i.status,
      visibility: i.visibility ?? undefined,
      diskFormat: i.disk_format ?? undefined,
      containerFormat: i.container_format ?? undefined,
      size: i.size ?? undefined,
      owner: i.owner ?? undefined,
      hidden: i.os_hidden ?? false,
      /** The multihash of the data (Glance computes it on upload; sha512 by default). */
      hashAlgo: i.os_hash_algo ?? undefined,
      hashValue: i.os_hash_value ?? undefined,
      createdAt: i.created_at ?? undefined,
      /** The driver reads the Kubernetes version from here, not from a template label. */
      kubeVersion: properties['kube_version'],
      osDistro: properties['os_distro'],
      /** Stores where an import failed; a failed import reverts the image to queued (FINDING-3). */
      failedImport: properties['os_glance_failed_import'] || undefined,
      properties,
    };
  });
export type Image = z.output<typeof imageSchema>;

const imagesSchema = z.object({ images: z.array(imageSchema), next: z.string().nullish() });

export interface ImageSpec {
  readonly name: string;
  readonly diskFormat: string;
  readonly containerFormat: string;
  readonly visibility?: 'public' | 'private' | 'shared' | 'community';
  /** Top-level custom properties, e.g. { os_distro: 'ubuntu', kube_version: 'v1.34.8' }. */
  readonly properties?: Readonly<Record<string, string>>;
}

export interface CreatedImage {
  readonly image: Image;
  /** From the OpenStack-image-import-methods response header; empty when the cloud offers no import. */
  readonly importMethods: readonly string[];
}

export async function getImage(s: AnySession, id: string, signal: AbortSignal): Promise<Image> {
  const res = await s.requestJson({ service: 'image', method: 'GET', path: `/images/${encodeURIComponent(id)}`, operation: 'get image', signal }, imageSchema);
  return res.data;
}

/** Every image with exactly this name (follows `next` pages); with `hidden`, only the hidden ones (os_hidden=true), which Glance otherwise leaves out. */
export async function listImagesByName(s: AnySession, name: string, signal: AbortSignal, hidden = false): Promise<Image[]> {
  const images = await allPages(hidden ? 'hidden images' : 'images', async (next) => {
    const res = await s.requestJson(
      { service: 'image', method: 'GET', path: '/images', query: { name, ...(hidden ? { os_hidden: 'true' } : {}), ...next }, operation: hidden ? 'find hidden image by name' : 'find image by name', signal },
      imagesSchema,
    );
    // Glance's `next` is the path of the next page; its marker is this page's last image.
    const last = res.data.images[res.data.images.length - 1];
    return { items: res.data.images, next: res.data.next && last ? (nextFromUrl(res.data.next) ?? { marker: last.id }) : undefined };
  });
  return images.filter((i) => i.name === name);
}

/** Every image the session can see (follows `next` pages); what `capi-gate init` chooses from. */
export async function listImages(s: AnySession, signal: AbortSignal): Promise<Image[]> {
  return allPages('images', async (next) => {
    const res = await s.requestJson({ service: 'image', method: 'GET', path: '/images', query: { ...next }, operation: 'list images', signal }, imagesSchema);
    const last = res.data.images[res.data.images.length - 1];
    return { items: res.data.images, next: res.data.next && last ? (nextFromUrl(res.data.next) ?? { marker: last.id }) : undefined };
  });
}

/**
 * The one image with this name; undefined when none. CAPI_GATE_PRECONDITION when ambiguous (Magnum
 * would 409), or when the only images of the name are hidden: Glance leaves os_hidden images out
 * of every listing (`openstack image show` asks for them next, api-notes 1.3), so Magnum, which
 * looks an image up by listing its name, cannot see one, and seeding another (8.0.stage-and-verify)
 * would make the name ambiguous the day it is unhidden.
 */
export async function findImageByName(s: AnySession, name: string, signal: AbortSignal): Promise<Image | undefined> {
  const images = await listImagesByName(s, name, signal);
  if (images.length > 1) {
    throw new CapiGateError('CAPI_GATE_PRECONDITION', `${images.length} images are named '${name}' (${images.map((i) => `${i.id} ${i.status}`).join(', ')})`, {
      hint: 'Magnum refuses an ambiguous image name (409): delete the extra images.',
    });
  }
  if (images[0]) return images[0];
  const hidden = await listImagesByName(s, name, signal, true);
  if (hidden.length > 0) {
    throw new CapiGateError('CAPI_GATE_PRECONDITION', `image '${name}' exists but is hidden (os_hidden=true): ${hidden.map((i) => `${i.id} ${i.status}`).join(', ')}`, {
      hint: `Glance leaves hidden images out of listings, so Magnum cannot find it by name, and a second image of the name would be ambiguous. Unhide it (openstack image set --unhidden ${hidden[0]!.id}) or delete it, then run again.`,
    });
  }
  return undefined;
}

/** POST /v2/images (201, status queued). Never replayed: look the image up by name instead. */
export async function createImage(s: AnySession, spec: ImageSpec, signal: AbortSignal): Promise<CreatedImage> {
  const json: Record<string, unknown> = {
    ...spec.properties,
    name: spec.name,
    disk_format: spec.diskFormat,
    container_format: spec.containerFormat,
    ...(spec.visibility ? { visibility: spec.visibility } : {}),
  };
  const res = await s.request({ service: 'image', method: 'POST', path: '/images', json, operation: 'create image', signal });
  const image = s.parseJson(res, imageSchema);
  const header = res.headers['openstack-image-import-methods'] ?? '';
  return { image, importMethods: header.split(',').map((m) => m.trim()).filter((m) => m !== '') };
}

/**
 * PUT /v2/images/{id}/stage (204): glance-direct staging, queued → uploading. The body streams;
 * a stream cannot be replayed, so this is attempted once.
 */
export async function stageImage(
  s: AnySession,
  id: string,
  data: Readable | AsyncIterable<Uint8Array> | Uint8Array,
  options: { readonly sizeBytes?: number; readonly timeoutMs?: number },
  signal: AbortSignal,
): Promise<void> {
  await s.request({
    service: 'image',
    method: 'PUT',
    path: `/images/${encodeURIComponent(id)}/stage`,
    headers: {
      'content-type': 'application/octet-stream',
      ...(options.sizeBytes !== undefined ? { 'content-length': String(options.sizeBytes) } : {}),
    },
    body: data,
    operation: 'stage image data',
    signal,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
}

/** POST /v2/images/{id}/import (202) with glance-direct (requires status uploading). */
export async function importImage(s: AnySession, id: string, signal: AbortSignal): Promise<void> {
  await s.request({
    service: 'image',
    method: 'POST',
    path: `/images/${encodeURIComponent(id)}/import`,
    json: { method: { name: 'glance-direct' } },
    operation: 'import image (glance-direct)',
    signal,
  });
}

/** The image status alone (the runbook polls `image show -c status`). */
export async function getImageStatus(s: AnySession, id: string, signal: AbortSignal): Promise<string> {
  return (await getImage(s, id, signal)).status;
}

export const glance = { getImage, listImages, listImagesByName, findImageByName, createImage, stageImage, importImage, getImageStatus } as const;
export type GlanceClient = typeof glance;
