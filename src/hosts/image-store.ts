// The Glance side of stage-and-verify, as a port: src/hosts does not call OpenStack APIs itself.
// The integrator hands in an implementation over the Glance v2 client (src/phase08's
// 8.0-stage-and-verify.ts has the adapter, glanceImageStore).

import type { Readable } from 'node:stream';

export interface StoredImage {
  readonly id: string;
  readonly name: string;
  /** queued, saving, uploading, importing, active, killed, deleted, deactivated. */
  readonly status: string;
  readonly properties: Readonly<Record<string, string>>;
}

export interface NewImage {
  readonly name: string;
  readonly diskFormat: string;
  readonly containerFormat: string;
  readonly properties: Readonly<Record<string, string>>;
}

export interface ImageStore {
  /** The one image with this name, or undefined. */
  find(name: string, signal: AbortSignal): Promise<StoredImage | undefined>;
  /** POST /v2/images; returns the offered import methods (OpenStack-image-import-methods). */
  create(spec: NewImage, signal: AbortSignal): Promise<{ image: StoredImage; importMethods: readonly string[] }>;
  /** PUT /v2/images/{id}/stage with the file's bytes (glance-direct). */
  stage(id: string, data: Readable, sizeBytes: number, signal: AbortSignal): Promise<void>;
  /** POST /v2/images/{id}/import {method: glance-direct}. */
  importStaged(id: string, signal: AbortSignal): Promise<void>;
  get(id: string, signal: AbortSignal): Promise<StoredImage>;
}
