// A plain GET over node:http(s) for the host-side checks (Vault seal-status, core VIP probes, the
// image CDN): TLS verified against the site's CA bundle unless the site says insecure, one
// connection per call (no keep-alive sockets left behind), a deadline per call, abortable.
// src/hosts sits beside src/http, not on it: these are not OpenStack API calls.

import { request as httpRequest } from 'node:http';
import type { IncomingMessage, IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { SecureContext } from 'node:tls';
import { CapiGateError } from '../core/errors.js';

export interface TlsTrust {
  /** PEM text of the site CA bundle; undefined = the system roots. */
  readonly ca: string | undefined;
  readonly insecure: boolean;
}

export interface GetOptions {
  readonly trust: TlsTrust;
  readonly timeoutMs: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Largest body kept (the rest is read and dropped). */
  readonly maxBodyBytes?: number;
}

export interface GetResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly elapsedMs: number;
}

/** Reads the site CA bundle; an unreadable bundle is an error naming the setting. */
export function readTrust(caBundle: string | undefined, insecure: boolean): TlsTrust {
  if (!caBundle) return { ca: undefined, insecure };
  let pem: string;
  try {
    pem = readFileSync(caBundle, 'utf8');
  } catch (e) {
    throw new CapiGateError('CAPI_GATE_PRECONDITION', `tls.caBundle: cannot read ${caBundle} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, {
      hint: 'Point tls.caBundle in the site file at the PEM bundle that signs the VIPs and Vault.',
      cause: e,
    });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new CapiGateError('CAPI_GATE_PRECONDITION', `tls.caBundle: ${caBundle} holds no PEM certificate`, { hint: 'It must contain -----BEGIN CERTIFICATE----- blocks.' });
  }
  return { ca: pem, insecure };
}

/** The site CA added to the system roots (for a CDN that may be public or a site mirror). */
export function withSystemRoots(trust: TlsTrust): TlsTrust {
  return trust.ca ? { ...trust, ca: [...rootCertificates, trust.ca].join('\n') } : trust;
}

/** A short, stable description of a network or TLS error: "ECONNREFUSED", "CERT_HAS_EXPIRED: ...". */
export function describeNetError(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err.code === 'string' ? err.code : undefined;
  const msg = typeof err.message === 'string' ? err.message : String(e);
  if (code && msg.includes(code)) return msg;
  return code ? `${code}: ${msg}` : msg;
}

/**
 * One TLS context per CA bundle, made once: building it parses every certificate of the bundle
 * (the system roots too, for withSystemRoots), which cost more CPU than the handshake itself when
 * every probe built its own. The connections stay one per call.
 */
const contexts = new Map<string, SecureContext>();
function contextFor(ca: string): SecureContext {
  let c = contexts.get(ca);
  if (!c) {
    c = createSecureContext({ ca });
    if (contexts.size >= 8) contexts.clear();
    contexts.set(ca, c);
  }
  return c;
}

/** Opens a GET and resolves with the response head; the caller consumes or destroys the body. */
export function openGet(url: string, o: Omit<GetOptions, 'maxBodyBytes'> & { readonly idleTimeoutMs?: number }, signal: AbortSignal): Promise<{ res: IncomingMessage; done: () => void }> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CapiGateError('CAPI_GATE_ABORTED', `interrupted before GET ${url}`));
    const u = new URL(url);
    const isHttps = u.protocol === 'https:';
    const req = (isHttps ? httpsRequest : httpRequest)(
      u,
      {
        method: 'GET',
        agent: false,
        headers: { accept: '*/*', connection: 'close', ...o.headers },
        ...(isHttps ? { ...(o.trust.ca ? { secureContext: contextFor(o.trust.ca) } : {}), rejectUnauthorized: !o.trust.insecure } : {}),
      },
      (res) => {
        clearTimeout(timer);
        if (o.idleTimeoutMs) res.setTimeout(o.idleTimeoutMs, () => res.destroy(new CapiGateError('CAPI_GATE_TIMEOUT', `GET ${url}: no data for ${o.idleTimeoutMs}ms`)));
        resolve({ res, done: cleanup });
      },
    );
    const onAbort = () => req.destroy(new CapiGateError('CAPI_GATE_ABORTED', `interrupted: GET ${url}`));
    const cleanup = () => signal.removeEventListener('abort', onAbort);
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${o.timeoutMs}ms`), { code: 'ETIMEDOUT' })), o.timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      cleanup();
      reject(e);
    });
    req.end();
  });
}

/** GET with a whole-call deadline; resolves with any HTTP status, rejects on network/TLS errors. */
export async function httpGet(url: string, o: GetOptions, signal: AbortSignal): Promise<GetResult> {
  const started = Date.now();
  const { res, done } = await openGet(url, o, signal);
  const limit = o.maxBodyBytes ?? 1024 * 1024;
  try {
    return await new Promise<GetResult>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const timer = setTimeout(() => res.destroy(Object.assign(new Error(`body not complete within ${o.timeoutMs}ms`), { code: 'ETIMEDOUT' })), Math.max(1, o.timeoutMs - (Date.now() - started)));
      res.on('data', (c: Buffer) => {
        if (size < limit) chunks.push(c.subarray(0, limit - size));
        size += c.length;
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), elapsedMs: Date.now() - started });
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  } finally {
    done();
  }
}

/**
 * A signal for a batch of concurrent calls: one listener on the caller's signal, and room for
 * every call of the batch on ours (no MaxListenersExceededWarning for 11 VIPs at once).
 */
export function batchSignal(parent: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  setMaxListeners(0, ac.signal);
  const onAbort = () => ac.abort(parent.reason);
  if (parent.aborted) ac.abort(parent.reason);
  else parent.addEventListener('abort', onAbort, { once: true });
  return { signal: ac.signal, dispose: () => parent.removeEventListener('abort', onAbort) };
}
