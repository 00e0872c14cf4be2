// The image CDN stand-in (FINDING-3): serves one qcow2-like blob and an azimuth-images style
// manifest over HTTPS, answers 403 to `Python-urllib/*` user agents (what Glance's web-download
// sends) and serves curl and everyone else, with byte ranges (206 / 416) and If-Range on the ETag,
// so a resumed download can be tested. Faults: serve corrupt bytes (the manifest keeps the true
// sha512), drop the connection once after N bytes.

import { createHash } from 'node:crypto';
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimPki } from './tls.js';
import { closeServer, listen } from './net.js';

export interface CdnRequest {
  readonly method: string;
  readonly path: string;
  readonly userAgent: string;
  readonly range: string | undefined;
  readonly status: number;
}

export interface SimCdn {
  readonly url: string;
  readonly imageUrl: string;
  readonly manifestUrl: string;
  /** The sha512 of the true image: what the manifest and the site file say. */
  readonly sha512: string;
  readonly sizeBytes: number;
  readonly requests: CdnRequest[];
  corrupt: boolean;
  dropAfterBytes: number | undefined;
  close(): Promise<void>;
}

/** The virtual size the blob's qcow2 header declares. */
export const QCOW2_VIRTUAL_SIZE = 64 * 1024 * 1024;

/** A deterministic qcow2-looking blob: the QFI magic + a v3 header, then pseudo-random clusters. */
export function qcow2Blob(sizeBytes: number, seed = 'capi-gate'): Buffer {
  const out = Buffer.alloc(sizeBytes);
  let block = createHash('sha512').update(seed).digest();
  for (let off = 0; off < sizeBytes; off += block.length) {
    block.copy(out, off);
    block = createHash('sha512').update(block).digest();
  }
  const header = Buffer.alloc(104);
  header.write('QFI\xfb', 0, 'latin1');
  header.writeUInt32BE(3, 4); // version 3
  header.writeUInt32BE(16, 20); // cluster_bits: 64 KiB clusters
  // virtual size 64 MiB: what Glance's qcow2 -> raw conversion lands (sim/glance.ts rawConversion)
  header.writeBigUInt64BE(BigInt(QCOW2_VIRTUAL_SIZE), 24);
  header.writeUInt32BE(104, 100); // header_length
  header.copy(out, 0, 0, Math.min(104, sizeBytes));
  return out;
}

export function isBlockedUserAgent(ua: string): boolean {
  return /^Python-urllib\//i.test(ua.trim());
}

/** Parses `bytes=START-[END]` against a size; undefined when absent/unsupported, 'unsatisfiable' when out of range. */
export function parseRange(h: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!h) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(h.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

export async function startCdn(opts: { host: string; port: number; pki: SimPki; fileName: string; imageName: string; sizeBytes: number; corrupt?: boolean; dropAfterBytes?: number }): Promise<SimCdn> {
  const blob = qcow2Blob(opts.sizeBytes, opts.imageName);
  const sha512 = createHash('sha512').update(blob).digest('hex');
  const bad = Buffer.from(blob);
  bad[bad.length >> 1] = (bad[bad.length >> 1] ?? 0) ^ 0xff;
  const requests: CdnRequest[] = [];
  const lastModified = 'Mon, 18 May 2026 16:04:00 GMT';
  let base = '';
  const cdn: SimCdn = {
    url: '', imageUrl: '', manifestUrl: '', sha512, sizeBytes: blob.length, requests,
    corrupt: opts.corrupt ?? false,
    dropAfterBytes: opts.dropAfterBytes,
    close: () => closeServer(server),
  };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    const ua = req.headers['user-agent'] ?? '';
    const range = req.headers['range'];
    const log = (status: number) => requests.push({ method: req.method ?? 'GET', path, userAgent: ua, range, status });
    if (isBlockedUserAgent(ua)) {
      log(403);
      res.writeHead(403, { 'content-type': 'text/html' });
      res.end('<html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1></body></html>\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      log(405);
      res.writeHead(405, { allow: 'GET, HEAD' });
      res.end();
      return;
    }
    if (path === '/manifest.json') {
      log(200);
      const body = JSON.stringify({
        [opts.imageName]: { name: opts.fileName.replace(/\.qcow2$/, ''), url: `${base}/${encodeURIComponent(opts.fileName)}`, checksum: `sha512:${sha512}`, sha512, size: blob.length, kubernetes_version: opts.imageName.replace(/^.*-kube-/, '') },
      }, null, 2) + '\n';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path !== `/${opts.fileName}`) {
      log(404);
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not Found\n');
      return;
    }
    const data = cdn.corrupt ? bad : blob;
    const etag = `"${createHash('sha256').update(data).digest('hex').slice(0, 32)}"`;
    const ifRange = req.headers['if-range'];
    const r = ifRange !== undefined && ifRange !== etag && ifRange !== lastModified ? undefined : parseRange(range, data.length);
    const common = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes', etag, 'last-modified': lastModified };
    if (r === 'unsatisfiable') {
      log(416);
      res.writeHead(416, { ...common, 'content-range': `bytes */${data.length}` });
      res.end();
      return;
    }
    const start = r?.start ?? 0;
    const end = r?.end ?? data.length - 1;
    const status = r ? 206 : 200;
    log(status);
    res.writeHead(status, { ...common, 'content-length': String(end - start + 1), ...(r ? { 'content-range': `bytes ${start}-${end}/${data.length}` } : {}) });
    if (req.method === 'HEAD') return void res.end();
    const body = data.subarray(start, end + 1);
    if (cdn.dropAfterBytes !== undefined && cdn.dropAfterBytes < body.length) {
      const cut = cdn.dropAfterBytes;
      cdn.dropAfterBytes = undefined; // once
      res.write(body.subarray(0, cut), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    // Chunks, so the client sees a stream (and progress) rather than one buffer.
    let off = 0;
    const pump = (): void => {
      while (off < body.length) {
        const chunk = body.subarray(off, off + 64 * 1024);
        off += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  };
  const server = createServer({ cert: opts.pki.certPem, key: opts.pki.keyPem }, handle);
  const port = await listen(server, opts.host, opts.port, true);
  base = `https://${opts.host}${port === 443 ? '' : `:${port}`}`;
  Object.assign(cdn, { url: base, imageUrl: `${base}/${encodeURIComponent(opts.fileName)}`, manifestUrl: `${base}/manifest.json` });
  return cdn;
}
