// 8.0 stage-and-verify, the download half (FINDING-3): the qcow2 is fetched the way the runbook's
// `curl -fSL -o "$SRC" "$URL"` does -- a curl-style User-Agent, because the azimuth CDN answers
// 403 to Glance's `Python-urllib/3.x` -- into the stage dir ($HOME, not /tmp: L7). sha512 is
// computed while streaming; a partial file (NAME.part) is resumed with a Range request guarded by
// If-Range, so a changed object restarts from zero instead of splicing two versions. A staged
// file that already matches the manifest is reused (the runbook's "[OK] staged image present").
// A mismatch fails with both hashes, keeps the bad file as NAME.sha512-mismatch for inspection,
// and nothing is uploaded.

import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { basename, join } from 'node:path';
import { CapiGateError } from '../core/errors.js';
import type { TlsTrust } from './http-get.js';
import { describeNetError, openGet } from './http-get.js';

/** curl-style: the CDN blocks Python-urllib/* and lets curl through (FINDING-3). */
export const DOWNLOAD_USER_AGENT = 'curl/8.5.0 (capi-gate stage-and-verify)';

export interface DownloadProgress {
  readonly receivedBytes: number;
  readonly totalBytes: number | undefined;
  readonly resumedFromBytes: number;
  readonly elapsedMs: number;
}

export interface StageImageOptions {
  readonly url: string;
  readonly sha512: string;
  readonly dir: string;
  readonly fileName?: string;
  readonly trust: TlsTrust;
  readonly userAgent?: string;
  /** Budget for the response head. */
  readonly headTimeoutMs: number;
  /** A body that sends nothing for this long is abandoned (and resumed on the next attempt). */
  readonly idleTimeoutMs: number;
  readonly maxAttempts?: number;
  readonly onProgress?: (p: DownloadProgress) => void;
  readonly progressEveryMs?: number;
}

export interface StagedImage {
  readonly path: string;
  readonly sizeBytes: number;
  readonly sha512: string;
  /** The staged file was already there and sha512-valid: nothing was downloaded. */
  readonly reused: boolean;
  readonly downloadedBytes: number;
  readonly resumedFromBytes: number;
  readonly attempts: number;
  readonly userAgent: string;
  /** A stale staged file that did not match, moved aside before downloading. */
  readonly setAside: string | undefined;
}

interface PartMeta {
  readonly url: string;
  readonly validator: string | undefined;
}

export function stagedFileName(url: string, fileName?: string): string {
  const name = fileName ?? basename(decodeURIComponent(new URL(url).pathname));
  if (!name || name === '.' || name === '..' || /[/\\]/.test(name)) return 'image.qcow2';
  return name;
}

export async function sha512OfFile(path: string, signal: AbortSignal): Promise<string> {
  const h = createHash('sha512');
  await hashInto(h, path, signal);
  return h.digest('hex');
}

async function hashInto(h: Hash, path: string, signal: AbortSignal): Promise<void> {
  for await (const chunk of createReadStream(path, { signal })) h.update(chunk as Buffer);
}

function readMeta(path: string): PartMeta | undefined {
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as Partial<PartMeta>;
    return typeof m.url === 'string' ? { url: m.url, validator: typeof m.validator === 'string' ? m.validator : undefined } : undefined;
  } catch {
    return undefined;
  }
}

// "bytes 100-199/1000" -> { start: 100, total: 1000 }; "bytes STAR/1000" (a 416) -> { start: undefined, total: 1000 }.
export function parseContentRange(v: string | undefined): { start: number | undefined; total: number | undefined } | undefined {
  if (!v) return undefined;
  const m = /^bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)$/i.exec(v.trim());
  if (!m) return undefined;
  return { start: m[1] !== undefined ? Number(m[1]) : undefined, total: m[2] === '*' || m[2] === undefined ? undefined : Number(m[2]) };
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

async function openFollowing(url: string, headers: Record<string, string>, o: StageImageOptions, signal: AbortSignal): Promise<{ res: IncomingMessage; done: () => void; finalUrl: string }> {
  let current = url;
  for (let hop = 0; hop <= 5; hop++) {
    const { res, done } = await openGet(current, { trust: o.trust, timeoutMs: o.headTimeoutMs, idleTimeoutMs: o.idleTimeoutMs, headers }, signal);
    const status = res.statusCode ?? 0;
    if (REDIRECTS.has(status) && res.headers.location) {
      res.resume();
      done();
      current = new URL(res.headers.location, current).toString();
      continue;
    }
    return { res, done, finalUrl: current };
  }
  throw new CapiGateError('CAPI_GATE_BAD_RESPONSE', `GET ${url}: more than 5 redirects`);
}

export async function stageImage(o: StageImageOptions, signal: AbortSignal): Promise<StagedImage> {
  const userAgent = o.userAgent ?? DOWNLOAD_USER_AGENT;
  const expected = o.sha512.toLowerCase();
  mkdirSync(o.dir, { recursive: true });
  const file = join(o.dir, stagedFileName(o.url, o.fileName));
  const part = `${file}.part`;
  const metaFile = `${file}.part.json`;
  const mismatchFile = `${file}.sha512-mismatch`;
  let setAside: string | undefined;

  if (existsSync(file)) {
    const got = await sha512OfFile(file, signal);
    if (got === expected) {
      return { path: file, sizeBytes: statSync(file).size, sha512: got, reused: true, downloadedBytes: 0, resumedFromBytes: 0, attempts: 0, userAgent, setAside };
    }
    renameSync(file, mismatchFile);
    setAside = mismatchFile;
  }

  const maxAttempts = o.maxAttempts ?? 3;
  let downloaded = 0;
  let firstResumedFrom = 0;
  let lastError: unknown;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const meta = readMeta(metaFile);
    let offset = existsSync(part) && meta?.url === o.url ? statSync(part).size : 0;
    if (offset === 0) {
      rmSync(part, { force: true });
      rmSync(metaFile, { force: true });
    }
    const hash = createHash('sha512');
    if (offset > 0) await hashInto(hash, part, signal);
    if (attempt === 1) firstResumedFrom = offset;

    const headers: Record<string, string> = { 'user-agent': userAgent };
    if (offset > 0) {
      headers['range'] = `bytes=${offset}-`;
      if (meta?.validator) headers['if-range'] = meta.validator;
    }
    let opened: Awaited<ReturnType<typeof openFollowing>>;
    try {
      opened = await openFollowing(o.url, headers, o, signal);
    } catch (e) {
      if (signal.aborted || e instanceof CapiGateError) throw e;
      lastError = e;
      continue;
    }
    const { res, done } = opened;
    try {
      const status = res.statusCode ?? 0;
      let total: number | undefined;
      if (status === 416 && offset > 0) {
        res.resume();
        const cr = parseContentRange(res.headers['content-range']);
        if (cr?.total === offset) total = offset; // the part was already complete
        else {
          rmSync(part, { force: true });
          continue;
        }
      } else if (status === 206 && offset > 0) {
        const cr = parseContentRange(res.headers['content-range']);
        if (cr?.start !== offset) {
          res.destroy();
          rmSync(part, { force: true });
          continue;
        }
        total = cr.total;
      } else if (status === 200) {
        if (offset > 0) {
          // The server ignored the Range or the object changed (If-Range): start over.
          offset = 0;
          rmSync(part, { force: true });
          hash.destroy();
        }
        const len = Number(res.headers['content-length']);
        total = Number.isFinite(len) && res.headers['content-length'] !== undefined ? len : undefined;
      } else {
        const body = await readSome(res);
        if (status === 403) {
          throw new CapiGateError('CAPI_GATE_API', `the image CDN answered 403 to GET ${o.url} (User-Agent ${userAgent})`, {
            hint: 'FINDING-3: the azimuth CDN refuses some user agents (Python-urllib, so Glance web-download hangs in queued). Download from the jumphost with curl, or check a proxy that rewrites the User-Agent.',
            blocks: { Answer: body },
          });
        }
        throw new CapiGateError('CAPI_GATE_API', `the image CDN answered HTTP ${status} to GET ${o.url}`, {
          hint: status === 404 ? 'The build named in image.url is gone from the CDN: re-confirm the URL and sha512 against the azimuth-images manifest.' : 'Retry later; the CDN is not serving the image.',
          blocks: { Answer: body },
        });
      }
      const h = offset > 0 ? hash : createHash('sha512');
      if (status === 200) writeFileSync(metaFile, JSON.stringify({ url: o.url, validator: (res.headers.etag as string | undefined) ?? (res.headers['last-modified'] as string | undefined) } satisfies PartMeta));
      if (status !== 416) {
        try {
          downloaded += await streamInto(res, part, h, offset, total, o, signal);
        } catch (e) {
          if (signal.aborted) throw new CapiGateError('CAPI_GATE_ABORTED', 'interrupted while downloading the image; the partial file is kept and resumed next time', { cause: e });
          lastError = e;
          continue;
        }
      }
      const size = statSync(part).size;
      if (total !== undefined && size !== total) {
        lastError = new Error(`download ended at ${size} of ${total} bytes`);
        continue;
      }
      // A 416 means the part was already complete: its hash is what was read back above.
      const got = status === 416 ? hash.digest('hex') : h.digest('hex');
      rmSync(metaFile, { force: true });
      if (got !== expected) {
        renameSync(part, mismatchFile);
        throw new CapiGateError('CAPI_GATE_PRECONDITION', `sha512 mismatch for ${basename(file)}: expected ${expected}, got ${got}`, {
          hint: `Nothing was uploaded. Re-confirm image.url and image.sha512 against the azimuth-images manifest (a bump changes both). The downloaded file is kept as ${mismatchFile} for inspection; delete it when done.`,
          blocks: { Expected: expected, Got: got, Kept: mismatchFile },
        });
      }
      renameSync(part, file);
      return { path: file, sizeBytes: size, sha512: got, reused: false, downloadedBytes: downloaded, resumedFromBytes: firstResumedFrom, attempts: attempt, userAgent, setAside };
    } finally {
      done();
    }
  }
  const have = existsSync(part) ? statSync(part).size : 0;
  throw new CapiGateError('CAPI_GATE_TRANSPORT', `downloading ${o.url} failed after ${maxAttempts} attempts: ${describeNetError(lastError)}`, {
    hint: `The partial download (${have} bytes) is kept as ${part}; run again to resume it.`,
    cause: lastError,
  });
}

async function readSome(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res) {
    if (size < 2048) chunks.push(c as Buffer);
    size += (c as Buffer).length;
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, 2048).trim();
}

function streamInto(res: IncomingMessage, part: string, hash: Hash, offset: number, total: number | undefined, o: StageImageOptions, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(part, { flags: offset > 0 ? 'a' : 'w' });
    const started = Date.now();
    let received = 0;
    let lastReport = 0;
    const every = o.progressEveryMs ?? 5000;
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      res.destroy();
      out.end(() => reject(e));
    };
    const onAbort = () => fail(new CapiGateError('CAPI_GATE_ABORTED', 'interrupted'));
    signal.addEventListener('abort', onAbort, { once: true });
    res.on('data', (c: Buffer) => {
      hash.update(c);
      received += c.length;
      if (!out.write(c)) {
        res.pause();
        out.once('drain', () => res.resume());
      }
      const now = Date.now();
      if (o.onProgress && now - lastReport >= every) {
        lastReport = now;
        o.onProgress({ receivedBytes: offset + received, totalBytes: total, resumedFromBytes: offset, elapsedMs: now - started });
      }
    });
    res.on('error', fail);
    res.on('aborted', () => fail(new Error('connection closed mid-body')));
    out.on('error', fail);
    res.on('end', () => {
      signal.removeEventListener('abort', onAbort);
      if (failed) return;
      out.end(() => {
        o.onProgress?.({ receivedBytes: offset + received, totalBytes: total, resumedFromBytes: offset, elapsedMs: Date.now() - started });
        resolve(received);
      });
    });
    res.on('close', () => {
      signal.removeEventListener('abort', onAbort);
      if (!res.complete) fail(new Error('connection closed mid-body'));
    });
  });
}
