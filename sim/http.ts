// One tiny HTTP layer for every simulated service: routing, body parsing, the request log,
// fault rules, and `Connection: close` on every answer (python-requests reuses sockets and
// races servers that close idle ones; real-components.md gotcha 3).

import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FaultEngine } from './faults.js';
import type { RequestLog } from './request-log.js';
import { serviceError } from './service-errors.js';

export type ServiceName = 'keystone' | 'magnum' | 'glance' | 'octavia' | 'nova' | 'neutron' | 'vip' | 'control';
export type Principal = 'admin' | 'tenant' | 'appcred' | 'anonymous';

export interface SimRequest {
  readonly service: ServiceName;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** http://host:port of the server that took the request. */
  readonly base: string;
  header(name: string): string | undefined;
  /** The body as JSON; throws BadRequest on anything else. */
  json(): unknown;
}

export interface Reply {
  status: number;
  json?: unknown;
  text?: string;
  raw?: Buffer;
  headers?: Record<string, string>;
  /** A reply whose form follows the request's Accept header (Glance's webob errors): the one sent. */
  byAccept?: (accept: string | undefined) => Reply;
}

export class HttpError extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

export type Handler = (req: SimRequest, params: string[]) => Reply | Promise<Reply>;

interface Route {
  method: string;
  re: RegExp;
  handler: Handler;
}

export class Router {
  private routes: Route[] = [];

  on(method: string | string[], re: RegExp, handler: Handler): this {
    for (const m of Array.isArray(method) ? method : [method]) this.routes.push({ method: m, re, handler });
    return this;
  }

  /** Finds a route; `undefined` when nothing matches the path, 'method' when only the method is wrong. */
  find(method: string, path: string): { handler: Handler; params: string[] } | 'method' | undefined {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.re.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) {
        return { handler: r.handler, params: m.slice(1).map((p) => decodeURIComponent(p ?? '')) };
      }
    }
    return pathMatched ? 'method' : undefined;
  }
}

export interface ServiceOptions {
  readonly service: ServiceName;
  readonly host: string;
  readonly port?: number;
  readonly handle: (req: SimRequest) => Promise<Reply>;
  /** Who is calling (for fault rules and the log); never enforces anything. */
  readonly principalOf: (req: SimRequest) => { principal: Principal; user?: string };
  readonly faults: FaultEngine;
  readonly log: RequestLog;
  readonly now: () => number;
  readonly maxBodyBytes?: number;
}

export interface RunningService {
  readonly service: ServiceName;
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        cleanup();
        reject(new HttpError({ status: 413, text: 'Request Entity Too Large' }));
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function makeRequest(service: ServiceName, req: IncomingMessage, body: Buffer, base: string): SimRequest {
  const u = new URL(req.url ?? '/', base);
  const path = u.pathname.replace(/\/{2,}/g, '/');
  return {
    service,
    method: (req.method ?? 'GET').toUpperCase(),
    path,
    query: u.searchParams,
    headers: req.headers,
    body,
    base,
    header(name: string) {
      const v = req.headers[name.toLowerCase()];
      return Array.isArray(v) ? v[0] : v;
    },
    json() {
      if (body.length === 0) throw new HttpError(serviceError(service, 400, 'The request body is empty; JSON is required.'));
      try {
        return JSON.parse(body.toString('utf8')) as unknown;
      } catch {
        throw new HttpError(serviceError(service, 400, 'The request body is not valid JSON.'));
      }
    },
  };
}

function write(res: ServerResponse, reply: Reply, method: string, malformed: boolean): void {
  const headers: Record<string, string> = { Connection: 'close', 'X-Openstack-Request-Id': `req-${randomUUID()}`, ...reply.headers };
  let data: Buffer | undefined;
  if (reply.raw !== undefined) data = reply.raw;
  else if (reply.json !== undefined) {
    data = Buffer.from(JSON.stringify(reply.json));
    headers['Content-Type'] ??= 'application/json';
  } else if (reply.text !== undefined) {
    data = Buffer.from(reply.text);
    headers['Content-Type'] ??= 'text/plain; charset=UTF-8';
  }
  if (malformed) {
    const s = data && data.length > 2 ? data.subarray(0, Math.max(1, Math.floor(data.length / 2))) : Buffer.from('{"');
    data = Buffer.concat([s, Buffer.from('\u0000<<truncated')]);
    headers['Content-Type'] = 'application/json';
  }
  headers['Content-Length'] = String(data?.length ?? 0);
  res.writeHead(reply.status, headers);
  if (data && method !== 'HEAD' && reply.status !== 204 && reply.status !== 304) res.end(data);
  else res.end();
}

export async function startService(opts: ServiceOptions): Promise<RunningService> {
  const limit = opts.maxBodyBytes ?? 256 * 1024 * 1024;
  let base = '';
  const server = createServer((req, res) => {
    const started = performance.now();
    void (async () => {
      let body: Buffer = Buffer.alloc(0);
      let reply: Reply;
      let sreq: SimRequest | undefined;
      let who: { principal: Principal; user?: string } = { principal: 'anonymous' };
      let faultIds: string[] = [];
      let malformed = false;
      try {
        body = await readBody(req, limit);
        sreq = makeRequest(opts.service, req, body, base);
        who = opts.principalOf(sreq);
        const decision = opts.faults.decide({ service: opts.service, method: sreq.method, path: sreq.path, principal: who.principal, phase: 'http' });
        faultIds = decision.ruleIds;
        if (decision.delayMs > 0) await new Promise((r) => setTimeout(r, decision.delayMs));
        if (decision.action?.type === 'drop') {
          opts.log.add({ service: opts.service, method: sreq.method, path: pathWithQuery(sreq), status: 0, ms: performance.now() - started, userAgent: sreq.header('user-agent') ?? '', principal: who.principal, user: who.user, faults: faultIds, at: opts.now() });
          req.socket.destroy();
          return;
        }
        if (decision.action?.type === 'status') {
          const a = decision.action;
          reply = a.body !== undefined || a.text !== undefined
            ? { status: a.status, ...(a.body !== undefined ? { json: a.body } : {}), ...(a.text !== undefined ? { text: a.text } : {}), ...(a.headers ? { headers: a.headers } : {}) }
            : serviceError(opts.service, a.status, a.message ?? defaultMessage(a.status));
        } else {
          malformed = decision.action?.type === 'malformed';
          reply = await opts.handle(sreq);
        }
      } catch (err) {
        reply = err instanceof HttpError ? err.reply : serviceError(opts.service, 500, 'The simulator failed on this request.');
        if (!(err instanceof HttpError)) opts.log.errors.push(err);
      }
      if (reply.byAccept) reply = reply.byAccept(req.headers.accept);
      write(res, reply, sreq?.method ?? req.method ?? 'GET', malformed);
      opts.log.add({
        service: opts.service,
        method: sreq?.method ?? req.method ?? 'GET',
        path: sreq ? pathWithQuery(sreq) : (req.url ?? '/').split('?')[0] ?? '/',
        status: reply.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        userAgent: sreq?.header('user-agent') ?? '',
        principal: who.principal,
        user: who.user,
        faults: faultIds,
        at: opts.now(),
      });
    })();
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => {
      server.off('listening', onListening);
      reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(opts.port ?? 0, opts.host);
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  base = `http://${host}:${addr.port}`;
  return {
    service: opts.service,
    server,
    url: base,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function pathWithQuery(r: SimRequest): string {
  const q = r.query.toString();
  return q ? `${r.path}?${q}` : r.path;
}

function defaultMessage(status: number): string {
  if (status === 401) return 'The request you have made requires authentication.';
  if (status === 403) return 'Policy does not allow this request to be performed.';
  if (status === 503) return 'The service is unavailable (simulated fault).';
  if (status >= 500) return 'An unexpected error prevented the server from fulfilling your request (simulated fault).';
  return 'Simulated fault.';
}

export function ok(json: unknown, status = 200, headers?: Record<string, string>): Reply {
  return { status, json, ...(headers ? { headers } : {}) };
}

export function noContent(status = 204, headers?: Record<string, string>): Reply {
  return { status, ...(headers ? { headers } : {}) };
}

/** Reads an object body; anything else is the service's 400. */
export function objectBody(req: SimRequest): Record<string, unknown> {
  const v = req.json();
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(serviceError(req.service, 400, 'The request body must be a JSON object.'));
  return v as Record<string, unknown>;
}

export function fail(service: ServiceName, status: number, message: string, type?: string): never {
  throw new HttpError(serviceError(service, status, message, type));
}

/** Runs the matching route: 404 when no route matches, 405 when only the method is wrong. */
export async function dispatch(router: Router, req: SimRequest): Promise<Reply> {
  const found = router.find(req.method, req.path);
  if (found === undefined) fail(req.service, 404, `The resource could not be found: ${req.path}`);
  if (found === 'method') fail(req.service, 405, `The method ${req.method} is not allowed for ${req.path}.`);
  return found.handler(req, found.params);
}
