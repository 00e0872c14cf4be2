// A Kubernetes API server over a KubeStore, complete enough for kubectl and
// @kubernetes/client-node (api-notes §8): HTTPS with a certificate from the cluster CA and
// client-certificate authentication against it (CN = user, O = groups; system:masters may do
// anything), discovery, server-side Tables, field and label selectors, watch (sim/kube/watch.ts:
// synthetic ADDED first, resume from a resourceVersion, BOOKMARKs, 410 after compaction), create from JSON or from the
// protobuf `kubectl create deployment` sends, update, merge/JSON patch, delete with finalizers,
// and the status/scale/log subresources.

import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { decodeK8sProtobuf, ProtobufError } from './protobuf.js';
import { openApiGvDoc, openApiRoot, openApiV2Protobuf } from './openapi.js';
import { apiResourceList, parseFieldSelector, parseLabelSelector, SelectorError, toTable } from './resources.js';
import type { ObjectFilter } from './resources.js';
import { groupVersion, resourceKey } from './store.js';
import type { Json, KObject, KubeStore, ResourceDef } from './store.js';
import { WatchServer } from './watch.js';

export interface ApiBackend {
  readonly store: KubeStore;
  /** /version: the kube_version the kubelets and the apiserver run. */
  readonly kubeVersion: string;
  /** Server-side defaults on create (clusterIP, nodePorts, Deployment defaults ...). */
  admit?(key: string, obj: KObject): void;
  /** DELETE semantics beyond "finalizers, else remove" (graceful pods, cascading owners). */
  requestDelete?(key: string, ns: string | undefined, name: string): { deleted: KObject | undefined; pending: KObject | undefined };
  /** Called after an object is gone for good (e.g. the CAPI Cluster following its OpenStackCluster). */
  onRemoved?(key: string, obj: KObject): void;
  /** GET pods/NAME/log (text/plain): the container's log, or why there is none (400, as the kubelet says). */
  podLog?(ns: string, name: string, opts: { container?: string; previous?: boolean }): string | { readonly error: string };
  now(): number;
}

export interface ApiRequestRecord {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly accept: string;
  readonly contentType: string;
  readonly userAgent: string;
  readonly user: string;
}

export interface ApiServerOptions {
  readonly host: string;
  readonly port: number;
  readonly caCertPem: string;
  readonly servingCertPem: string;
  readonly servingKeyPem: string;
  readonly backend: ApiBackend;
  /** Real ms between watch BOOKMARKs (sim/kube/watch.ts; default 3 s). */
  readonly bookmarkEveryMs?: number;
}

export interface ApiServerHandle {
  readonly host: string;
  readonly port: number;
  /** https://host:port */
  readonly url: string;
  readonly requests: ApiRequestRecord[];
  /** False: every connection is dropped (an API LB failover blip); true: serving again. */
  setAvailable(up: boolean): void;
  readonly available: boolean;
  /** The watches being served: dropAll() cuts them mid-stream, stats counts them (sim/kube/watch.ts). */
  readonly watches: WatchServer;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string, readonly details?: Json) {
    super(message);
  }
}

const ANONYMOUS_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);

function status(code: number, reason: string, message: string, details?: Json): Json {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

function send(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): number {
  const data = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': data.length, 'Cache-Control': 'no-cache, private', 'Audit-Id': cryptoId() });
  res.end(data);
  return code;
}

let auditSeq = 0;
function cryptoId(): string {
  return `00000000-0000-4000-8000-${String(++auditSeq).padStart(12, '0')}`;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Json = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Json) } : {};
  for (const [k, v] of Object.entries(patch as Json)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** RFC 6902 JSON patch (add, remove, replace, test). */
export function jsonPatch(target: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new HttpError(400, 'BadRequest', 'the JSON patch must be an array');
  const doc = structuredClone(target);
  for (const op of ops as { op: string; path: string; value?: unknown }[]) {
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop();
    if (last === undefined) throw new HttpError(422, 'Invalid', `invalid patch path ${op.path}`);
    let cur: unknown = doc;
    for (const p of parts) {
      cur = (cur as Record<string, unknown>)[p];
      if (cur === undefined || cur === null) throw new HttpError(422, 'Invalid', `the server rejected our request due to an error in our request: path ${op.path} not found`);
    }
    const arr = Array.isArray(cur) ? (cur as unknown[]) : undefined;
    const obj = cur as Record<string, unknown>;
    if (op.op === 'add' || op.op === 'replace') {
      if (arr) {
        if (last === '-') arr.push(op.value);
        else if (op.op === 'add') arr.splice(Number(last), 0, op.value);
        else arr[Number(last)] = op.value;
      } else obj[last] = op.value;
    } else if (op.op === 'remove') {
      if (arr) arr.splice(Number(last), 1);
      else delete obj[last];
    } else if (op.op === 'test') {
      if (JSON.stringify(arr ? arr[Number(last)] : obj[last]) !== JSON.stringify(op.value)) throw new HttpError(422, 'Invalid', `test operation failed at ${op.path}`);
    } else throw new HttpError(422, 'Invalid', `unsupported JSON patch op ${op.op}`);
  }
  return doc;
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServerHandle> {
  const { backend } = opts;
  const store = backend.store;
  const requests: ApiRequestRecord[] = [];
  const sockets = new Set<Socket>();
  let available = true;
  const watches = new WatchServer({ store, now: () => backend.now(), ...(opts.bookmarkEveryMs ? { bookmarkEveryMs: opts.bookmarkEveryMs } : {}) });

  const defsByGv = (): Map<string, ResourceDef[]> => {
    const m = new Map<string, ResourceDef[]>();
    for (const d of store.resources()) {
      const gv = groupVersion(d);
      m.set(gv, [...(m.get(gv) ?? []), d]);
    }
    return m;
  };

  const version = (): Json => {
    const m = /^v(\d+)\.(\d+)\./.exec(backend.kubeVersion);
    return {
      major: m?.[1] ?? '1', minor: m?.[2] ?? '34', emulationMajor: m?.[1] ?? '1', emulationMinor: m?.[2] ?? '34', minCompatibilityMajor: m?.[1] ?? '1', minCompatibilityMinor: String(Number(m?.[2] ?? '34') - 1),
      gitVersion: backend.kubeVersion, gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean', buildDate: '2026-05-01T00:00:00Z',
      goVersion: 'go1.24.9', compiler: 'gc', platform: 'linux/amd64',
    };
  };

  const finishIfReleased = (key: string, obj: KObject): KObject | undefined => {
    if (obj.metadata.deletionTimestamp && (obj.metadata.finalizers ?? []).length === 0) {
      const gone = store.remove(key, obj.metadata.namespace, obj.metadata.name);
      if (gone) backend.onRemoved?.(key, gone);
      return gone;
    }
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<{ status: number; user: string }> => {
    const url = new URL(req.url ?? '/', 'https://sim');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const accept = req.headers.accept ?? '';
    const sock = req.socket as TLSSocket;
    let user = 'system:anonymous';
    let groups: string[] = ['system:unauthenticated'];
    if (sock.authorized) {
      const subj = sock.getPeerCertificate().subject as unknown as Record<string, string | string[]> | undefined;
      user = String(subj?.CN ?? '');
      const o = subj?.O;
      groups = [...(Array.isArray(o) ? o : o ? [o] : []), 'system:authenticated'];
    }
    if (!sock.authorized && !ANONYMOUS_PATHS.has(path)) {
      throw new HttpError(401, 'Unauthorized', 'Unauthorized');
    }
    if (path === '/version') return { status: send(res, 200, version()), user };
    if (ANONYMOUS_PATHS.has(path)) return { status: send(res, 200, 'ok', 'text/plain; charset=utf-8'), user };
    const admin = groups.includes('system:masters');

    if (path === '/api') return { status: send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `${opts.host}:${opts.port}` }] }), user };
    const gvs = defsByGv();
    if (path === '/apis') {
      const groups = [...gvs.keys()].filter((gv) => gv.includes('/')).map((gv) => {
        const [name = '', v = ''] = gv.split('/');
        return { name, versions: [{ groupVersion: gv, version: v }], preferredVersion: { groupVersion: gv, version: v } };
      });
      return { status: send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups }), user };
    }
    if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) {
      // sim/kube/openapi.ts: the operations of each kind served
      const docs = new Map([...gvs].map(([gv, defs]) => [gv, JSON.stringify(openApiGvDoc(gv, defs))]));
      if (path === '/openapi/v3') return { status: send(res, 200, openApiRoot(docs)), user };
      const gv = path.slice('/openapi/v3/'.length).replace(/^apis?\//, '');
      const body = path.startsWith('/openapi/v3/api/') || path.startsWith('/openapi/v3/apis/') ? docs.get(gv) : undefined;
      if (!body) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
      return { status: send(res, 200, body), user };
    }
    if (path === '/openapi/v2') {
      if (!accept.includes('application/com.github.proto-openapi.spec.v2')) throw new HttpError(406, 'NotAcceptable', 'only application/com.github.proto-openapi.spec.v2@v1.0+protobuf is served by the simulator');
      return { status: send(res, 200, openApiV2Protobuf(backend.kubeVersion), 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf'), user };
    }
    if (path.startsWith('/openapi')) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const segs = path.split('/').slice(1);
    let gv: string;
    let rest: string[];
    if (segs[0] === 'api' && segs[1] === 'v1') {
      gv = 'v1';
      rest = segs.slice(2);
    } else if (segs[0] === 'apis' && segs.length >= 2) {
      if (segs.length === 2) {
        const g = segs[1] ?? '';
        const match = [...gvs.keys()].find((k) => k.startsWith(`${g}/`));
        if (!match) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
        const v = match.split('/')[1] ?? '';
        return { status: send(res, 200, { kind: 'APIGroup', apiVersion: 'v1', name: g, versions: [{ groupVersion: match, version: v }], preferredVersion: { groupVersion: match, version: v } }), user };
      }
      gv = `${segs[1]}/${segs[2]}`;
      rest = segs.slice(3);
    } else {
      throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const defs = gvs.get(gv);
    if (!defs) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (rest.length === 0) return { status: send(res, 200, apiResourceList(gv, defs)), user };

    let ns: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3 && defs.some((d) => d.plural === rest[2] && d.namespaced)) {
      ns = rest[1];
      rest = rest.slice(2);
    }
    const [plural = '', name, sub] = rest;
    const def = defs.find((d) => d.plural === plural);
    if (!def || rest.length > 3) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (def.namespaced && ns === undefined && name !== undefined) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const key = resourceKey(def);
    const group = def.group;
    const verb = method === 'GET' ? (name ? 'get' : url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1' ? 'watch' : 'list') : method === 'POST' ? 'create' : method === 'PUT' ? 'update' : method === 'PATCH' ? 'patch' : method === 'DELETE' ? 'delete' : method.toLowerCase();
    if (!admin) {
      throw new HttpError(403, 'Forbidden', `${plural} is forbidden: User "${user}" cannot ${verb} resource "${plural}" in API group "${group}" ${ns ? `in the namespace "${ns}"` : 'at the cluster scope'}`, { kind: plural, ...(group ? { group } : {}) });
    }
    const notFound = (n: string) => new HttpError(404, 'NotFound', `${def.plural}${group ? `.${group}` : ''} "${n}" not found`, { name: n, ...(group ? { group } : {}), kind: def.plural });
    const wantsTable = accept.includes('as=Table');
    const includeObject = url.searchParams.get('includeObject') ?? 'Metadata';

    if (method === 'GET' && !name) {
      let fieldFilter: ObjectFilter;
      let labelFilter: ObjectFilter;
      try {
        fieldFilter = parseFieldSelector(def.plural, url.searchParams.get('fieldSelector'));
        labelFilter = parseLabelSelector(url.searchParams.get('labelSelector'));
      } catch (e) {
        if (e instanceof SelectorError) throw new HttpError(400, 'BadRequest', e.message);
        throw e;
      }
      const matches = (o: KObject) => (ns === undefined || o.metadata.namespace === ns) && fieldFilter(o) && labelFilter(o);
      if (verb === 'watch') {
        const answer = watches.serve(req, res, { key, def, matches, url, table: wantsTable, includeObject });
        if (answer.status !== 200) throw new HttpError(answer.status, 'NotAcceptable', answer.message);
        return { status: 200, user };
      }
      const items = store.list(key, ns).filter(matches);
      const rv = String(store.resourceVersion);
      if (wantsTable) return { status: send(res, 200, toTable(def.plural, items, backend.now(), rv, includeObject), 'application/json;as=Table;v=v1;g=meta.k8s.io'), user };
      return { status: send(res, 200, { kind: `${def.kind}List`, apiVersion: gv, metadata: { resourceVersion: rv }, items }), user };
    }
    if (!name) {
      if (method !== 'POST') throw new HttpError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
      if (ns !== undefined && !store.get('namespaces', undefined, ns)) throw new HttpError(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
      const obj = await parseObject(req, def);
      if (obj.metadata?.namespace && ns !== undefined && obj.metadata.namespace !== ns) {
        throw new HttpError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata ??= {} as KObject['metadata'];
      if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = `${obj.metadata.generateName}${Math.random().toString(36).slice(2, 7)}`;
      if (!obj.metadata.name) throw new HttpError(422, 'Invalid', `${def.kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
      if (ns !== undefined) obj.metadata.namespace = ns;
      if (store.get(key, ns, obj.metadata.name)) {
        throw new HttpError(409, 'AlreadyExists', `${def.plural}${group ? `.${group}` : ''} "${obj.metadata.name}" already exists`, { name: obj.metadata.name, ...(group ? { group } : {}), kind: def.plural });
      }
      validate(key, obj);
      delete (obj.metadata as Partial<KObject['metadata']>).resourceVersion;
      delete (obj.metadata as Partial<KObject['metadata']>).uid;
      (obj.metadata as Partial<KObject['metadata']>).creationTimestamp = undefined as unknown as string;
      backend.admit?.(key, obj);
      if (url.searchParams.get('dryRun') === 'All') return { status: send(res, 201, obj), user };
      const created = store.create(key, obj);
      return { status: send(res, 201, created), user };
    }

    // a named object
    const current = store.get(key, ns, name);
    if (method === 'GET') {
      if (!current) throw notFound(name);
      if (sub === 'log') {
        const tail = Number(url.searchParams.get('tailLines') ?? '');
        const container = url.searchParams.get('container') ?? undefined;
        const previous = url.searchParams.get('previous') === 'true';
        const got = backend.podLog?.(ns ?? 'default', name, { ...(container ? { container } : {}), previous }) ?? '';
        if (typeof got !== 'string') throw new HttpError(400, 'BadRequest', got.error);
        let text = got;
        if (Number.isInteger(tail) && tail > 0) text = text.split('\n').filter(Boolean).slice(-tail).map((l) => `${l}\n`).join('');
        return { status: send(res, 200, text, 'text/plain'), user };
      }
      if (sub === 'scale') return { status: send(res, 200, scaleOf(current)), user };
      if (wantsTable && !sub) return { status: send(res, 200, toTable(def.plural, [current], backend.now(), current.metadata.resourceVersion, includeObject), 'application/json;as=Table;v=v1;g=meta.k8s.io'), user };
      return { status: send(res, 200, current), user };
    }
    if (method === 'PUT' || method === 'PATCH') {
      if (!current) throw notFound(name);
      const raw = await readBody(req);
      let next: KObject;
      const ctype = req.headers['content-type'] ?? 'application/json';
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8') || 'null');
      } catch {
        throw new HttpError(400, 'BadRequest', 'the body of the request was in an unknown format - accepted media types include: application/json');
      }
      if (sub === 'scale') {
        const replicas = method === 'PUT' ? (body as { spec?: { replicas?: number } }).spec?.replicas : ((mergePatch(scaleOf(current), body) as { spec?: { replicas?: number } }).spec?.replicas);
        const live = store.peek(key, ns, name)!;
        (live.spec ??= {}).replicas = replicas ?? 1;
        const updated = store.update(key, live, { specChanged: true });
        return { status: send(res, 200, scaleOf(updated)), user };
      }
      if (method === 'PUT') next = body as KObject;
      else if (ctype.startsWith('application/json-patch+json')) next = jsonPatch(current, body) as KObject;
      else if (ctype.startsWith('application/merge-patch+json') || ctype.startsWith('application/strategic-merge-patch+json')) next = mergePatch(current, body) as KObject;
      else throw new HttpError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`);
      if (method === 'PUT' && next.metadata?.resourceVersion && next.metadata.resourceVersion !== current.metadata.resourceVersion) {
        throw new HttpError(409, 'Conflict', `Operation cannot be fulfilled on ${def.plural}${group ? `.${group}` : ''} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, kind: def.plural });
      }
      next.metadata = { ...next.metadata, name, ...(ns ? { namespace: ns } : {}) };
      if (current.metadata.deletionTimestamp) next.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
      if (sub === 'status') next = { ...current, status: next.status ?? {} };
      else if (def.subresources?.includes('status')) next.status = current.status ?? {};
      const specChanged = JSON.stringify(next.spec) !== JSON.stringify(current.spec);
      const updated = store.update(key, next, { specChanged });
      const gone = finishIfReleased(key, updated);
      return { status: send(res, 200, gone ?? updated), user };
    }
    if (method === 'DELETE') {
      if (!current) throw notFound(name);
      let r: { deleted: KObject | undefined; pending: KObject | undefined };
      if (backend.requestDelete) r = backend.requestDelete(key, ns, name);
      else if ((current.metadata.finalizers ?? []).length > 0) {
        const live = store.peek(key, ns, name)!;
        live.metadata.deletionTimestamp ??= store.timestamp();
        live.metadata.deletionGracePeriodSeconds ??= 0;
        r = { deleted: undefined, pending: store.update(key, live) };
      } else r = { deleted: store.remove(key, ns, name), pending: undefined };
      if (r.deleted) backend.onRemoved?.(key, r.deleted);
      if (r.pending) return { status: send(res, 200, r.pending), user };
      return { status: send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, ...(group ? { group } : {}), kind: def.plural, uid: current.metadata.uid } }), user };
    }
    throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  };

  const parseObject = async (req: IncomingMessage, def: ResourceDef): Promise<KObject> => {
    const raw = await readBody(req);
    const ctype = req.headers['content-type'] ?? 'application/json';
    if (ctype.startsWith('application/vnd.kubernetes.protobuf')) {
      try {
        return decodeK8sProtobuf(raw) as unknown as KObject;
      } catch (e) {
        if (e instanceof ProtobufError) throw new HttpError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (${e.message})`);
        throw e;
      }
    }
    if (!ctype.startsWith('application/json')) throw new HttpError(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json, application/vnd.kubernetes.protobuf');
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (e) {
      throw new HttpError(400, 'BadRequest', `the body of the request was not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!body || typeof body !== 'object') throw new HttpError(400, 'BadRequest', 'the body of the request must be an object');
    const o = body as KObject;
    if (o.kind && o.kind !== def.kind) throw new HttpError(400, 'BadRequest', `the API version in the data (${o.apiVersion}) does not match the expected API version (${groupVersion(def)})`);
    return o;
  };

  const validate = (key: string, obj: KObject): void => {
    if (key === 'apps/deployments') {
      const spec = (obj.spec ?? {}) as { selector?: { matchLabels?: Record<string, string> }; template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: unknown[] } } };
      const causes: string[] = [];
      if (!spec.selector?.matchLabels || Object.keys(spec.selector.matchLabels).length === 0) causes.push('spec.selector: Required value');
      else if (!Object.entries(spec.selector.matchLabels).every(([k, v]) => spec.template?.metadata?.labels?.[k] === v)) causes.push('spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`');
      if (!spec.template?.spec?.containers?.length) causes.push('spec.template.spec.containers: Required value');
      if (causes.length) throw new HttpError(422, 'Invalid', `Deployment.apps "${obj.metadata.name}" is invalid: ${causes.join(', ')}`, { name: obj.metadata.name, group: 'apps', kind: 'Deployment' });
    }
  };

  const scaleOf = (o: KObject): Json => ({
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: { name: o.metadata.name, namespace: o.metadata.namespace, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, creationTimestamp: o.metadata.creationTimestamp },
    spec: { replicas: (o.spec as { replicas?: number } | undefined)?.replicas ?? 1 },
    status: { replicas: (o.status as { replicas?: number } | undefined)?.replicas ?? 0 },
  });

  const server: Server = createServer({ cert: opts.servingCertPem, key: opts.servingKeyPem, ca: opts.caCertPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const started = { method: req.method ?? 'GET', path: req.url ?? '/', accept: req.headers.accept ?? '', contentType: req.headers['content-type'] ?? '', userAgent: req.headers['user-agent'] ?? '' };
    handle(req, res).then(
      (r) => record(r.status, r.user),
      (e: unknown) => {
        if (e instanceof HttpError) {
          if (!res.headersSent) send(res, e.code, status(e.code, e.reason, e.message, e.details));
          record(e.code, '');
        } else {
          const msg = e instanceof Error ? e.message : String(e);
          if (!res.headersSent) send(res, 500, status(500, 'InternalError', `Internal error occurred: ${msg}`));
          else res.end();
          record(500, '');
        }
      },
    );
    function record(code: number, user: string): void {
      requests.push({ ...started, status: code, user });
      if (requests.length > 5000) requests.splice(0, requests.length - 5000);
    }
  });
  server.on('connection', (s: Socket) => {
    if (!available) {
      s.destroy();
      return;
    }
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  return {
    host: opts.host,
    port,
    url: `https://${opts.host}:${port}`,
    requests,
    get available() {
      return available;
    },
    setAvailable(up: boolean) {
      available = up;
      if (!up) {
        watches.stopAll();
        for (const s of sockets) s.destroy();
      }
    },
    watches,
    async close() {
      watches.stopAll();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
