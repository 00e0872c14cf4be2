// Kubernetes access for the steps through @kubernetes/client-node (CoreV1Api, AppsV1Api,
// CustomObjectsApi): every call takes an AbortSignal, and every failure becomes a
// CapiGateError that says which call, the HTTP status and the Kubernetes reason.

import { existsSync } from 'node:fs';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AgentOptions, RequestOptions } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { SecureContext } from 'node:tls';
import { ApiException, AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, Observable } from '@kubernetes/client-node';
import type { ConfigurationOptions, CoreV1Event, RequestContext, V1Deployment, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import { CapiGateError, isAbortError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import { CLIENT_KEY_MARKER, keptKubeconfig, kubeconfigUsable } from './kubeconfig-evidence.js';
import { Reflector } from './watch.js';
import type { KubeObjectLike, ListResult, ReflectorOptions } from './watch.js';

/** A Kubernetes API error: code + the HTTP status the waiter reads (403 counting, retryable). */
export class KubeApiError extends CapiGateError {
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly reason: string | undefined;
  constructor(code: ErrorCode, message: string, opts: { status?: number; reason?: string; retryable: boolean; cause?: unknown; hint?: string }) {
    super(code, message, { cause: opts.cause, ...(opts.hint ? { hint: opts.hint } : {}) });
    this.status = opts.status;
    this.reason = opts.reason;
    this.retryable = opts.retryable;
  }
}

type Mw = NonNullable<ConfigurationOptions['middleware']>[number];

/** Per-call middleware (the object-parameter API takes Observable middleware). */
function middleware(pre: (ctx: RequestContext) => void): Mw {
  return {
    pre: (ctx: RequestContext) => {
      pre(ctx);
      return new Observable(Promise.resolve(ctx));
    },
    post: (r) => new Observable(Promise.resolve(r)),
  };
}

/** The generated client puts the signal on node-fetch's request. */
function withSignal(signal: AbortSignal, extra: Mw[] = []): ConfigurationOptions {
  return { middleware: [middleware((ctx) => ctx.setSignal(signal)), ...extra], middlewareMergeStrategy: 'append' };
}

function parseBody(body: unknown): { message?: string; reason?: string } {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as { message?: string; reason?: string };
    } catch {
      return { message: body.slice(0, 200) };
    }
  }
  return (body ?? {}) as { message?: string; reason?: string };
}

export function toKubeError(e: unknown, what: string, server: string, signal: AbortSignal): Error {
  if (isAbortError(e) || signal.aborted) return new CapiGateError('CAPI_GATE_ABORTED', `interrupted: ${what}`, { cause: e });
  if (e instanceof CapiGateError) return e;
  if (e instanceof ApiException) {
    const b = parseBody(e.body);
    const status = e.code;
    const msg = `kubernetes ${what}: HTTP ${status}${b.reason ? ` ${b.reason}` : ''}${b.message ? `: ${b.message}` : ''}`;
    if (status === 401) {
      return new KubeApiError('CAPI_GATE_API', msg, { status, retryable: false, cause: e, hint: 'The workload API did not accept the client certificate: rebuild the kubeconfig from Magnum (coe cluster config) or check the one given.' });
    }
    return new KubeApiError(status === 403 ? 'CAPI_GATE_FORBIDDEN' : 'CAPI_GATE_API', msg, { status, ...(b.reason ? { reason: b.reason } : {}), retryable: status >= 500 || status === 429 || status === 403, cause: e });
  }
  const code = (e as { code?: string }).code;
  const m = e instanceof Error ? e.message : String(e);
  return new KubeApiError('CAPI_GATE_TRANSPORT', `kubernetes ${what}: no answer from ${server}${code ? ` (${code})` : ''}: ${m.split('\n')[0]}`, { retryable: true, cause: e });
}

/** ECONNRESET / EPIPE before any answer: what a reused keep-alive socket fails with when the server closed it. */
function isStaleSocket(e: unknown): boolean {
  if (e instanceof ApiException) return false;
  for (let c: unknown = e, depth = 0; c && depth < 4; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: string; errno?: string }).code ?? (c as { errno?: string }).errno;
    if (code === 'ECONNRESET' || code === 'EPIPE') return true;
  }
  return false;
}

export interface ListOptions {
  readonly namespace?: string;
  readonly fieldSelector?: string;
  readonly labelSelector?: string;
}

/** One cluster: the workload cluster (kubeconfig from Magnum) or the management cluster. */
export class KubeClient {
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly custom: CustomObjectsApi;
  readonly server: string;

  private constructor(kc: KubeConfig) {
    this.kc = kc;
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new CapiGateError('CAPI_GATE_PRECONDITION', 'the kubeconfig has no current cluster', { hint: 'Set current-context, or use the kubeconfig `openstack coe cluster config` writes.' });
    this.server = cluster.server;
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  static fromString(text: string, source = 'kubeconfig'): KubeClient {
    const kc = new KubeConfig();
    try {
      kc.loadFromString(text);
    } catch (e) {
      throw new CapiGateError('CAPI_GATE_PRECONDITION', `${source} is not a usable kubeconfig: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    return new KubeClient(kc);
  }

  static fromFile(path: string): KubeClient {
    const kc = new KubeConfig();
    const text = keptKubeconfig(path);
    if (text === undefined && !kubeconfigUsable(path) && existsSync(path)) {
      throw new CapiGateError('CAPI_GATE_PRECONDITION', `${path} is the evidence copy of a workload kubeconfig (${CLIENT_KEY_MARKER})`, { hint: '8.3 makes a new one from Magnum in a run (a resumed run too); by hand: openstack coe cluster config CLUSTER.' });
    }
    try {
      if (text !== undefined) kc.loadFromString(text);
      else kc.loadFromFile(path);
    } catch (e) {
      throw new CapiGateError('CAPI_GATE_PRECONDITION', `${path} is not a usable kubeconfig: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    return new KubeClient(kc);
  }

  /** The middleware that puts the shared agent on a call (none when there is no shared agent). */
  private keepAlive: Promise<Mw[]> | undefined;

  /**
   * One keep-alive agent for the client's calls. client-node builds a new agent, so a new TCP
   * connection and TLS handshake, for every call (a run made ~90 of them against the workload
   * API). Same TLS options as client-node's own agent; idle sockets close after IDLE_MS, before
   * any server's idle timeout (kube-apiserver 90 s, Octavia's listener 50 s, Node's 5 s), so a
   * reused socket is rarely one the server is closing. Not used for exec / auth-provider
   * credentials or a proxy (client-node builds those per call).
   */
  private sharedAgent(): Promise<Mw[]> {
    this.keepAlive ??= (async (): Promise<Mw[]> => {
      const user = this.kc.getCurrentUser();
      if (user?.exec || user?.authProvider || this.kc.getCurrentCluster()?.proxyUrl) return [];
      const opts: RequestOptions = {};
      await this.kc.applyToHTTPSOptions(opts);
      if (!(opts.agent instanceof HttpsAgent)) return [];
      const tls = (opts.agent as HttpsAgent & { options: AgentOptions }).options;
      // One TLS context for every socket of the agent (each new socket otherwise parses the CA,
      // the client certificate and its key again).
      const secureContext = createSecureContext({ ca: tls.ca, cert: tls.cert, key: tls.key, ...(tls.pfx ? { pfx: tls.pfx, passphrase: tls.passphrase } : {}) });
      const agent = new HttpsAgent({ ...tls, secureContext, keepAlive: true, timeout: KubeClient.IDLE_MS, maxSockets: 8 } as AgentOptions & { secureContext: SecureContext });
      return [middleware((ctx) => ctx.setAgent(agent))];
    })().catch(() => []);
    return this.keepAlive;
  }

  /** Idle keep-alive sockets close after this long. */
  static readonly IDLE_MS = 4_000;

  private async call<T>(what: string, signal: AbortSignal, fn: (o: ConfigurationOptions) => Promise<T>, extra: Mw[] = []): Promise<T> {
    if (signal.aborted) throw new CapiGateError('CAPI_GATE_ABORTED', `interrupted: ${what}`, { cause: signal.reason });
    const useAgent = await this.sharedAgent();
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(withSignal(signal, [...useAgent, ...extra]));
      } catch (e) {
        // A kept-alive socket the server closed as the request went out: the request never
        // reached it (Go's and curl's clients retry these too). Once, on a fresh socket.
        if (useAgent.length > 0 && attempt === 1 && !signal.aborted && isStaleSocket(e)) continue;
        throw toKubeError(e, what, this.server, signal);
      }
    }
  }

  /** undefined on 404. */
  private async optional<T>(what: string, signal: AbortSignal, fn: (o: ConfigurationOptions) => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(what, signal, fn);
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  async listNodes(signal: AbortSignal): Promise<V1Node[]> {
    return (await this.call('list nodes', signal, (o) => this.core.listNode({}, o))).items;
  }

  async listPods(signal: AbortSignal, opts: ListOptions = {}): Promise<V1Pod[]> {
    const p = { ...(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}), ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}) };
    const list = opts.namespace
      ? await this.call(`list pods in ${opts.namespace}`, signal, (o) => this.core.listNamespacedPod({ namespace: opts.namespace!, ...p }, o))
      : await this.call('list pods (all namespaces)', signal, (o) => this.core.listPodForAllNamespaces(p, o));
    return list.items;
  }

  /** Events of one namespace, or of all of them (`kubectl get events -A`). */
  async listEvents(namespace: string | undefined, signal: AbortSignal): Promise<CoreV1Event[]> {
    if (namespace === undefined) return (await this.call('list events (all namespaces)', signal, (o) => this.core.listEventForAllNamespaces({}, o))).items;
    return (await this.call(`list events in ${namespace}`, signal, (o) => this.core.listNamespacedEvent({ namespace }, o))).items;
  }

  /** `kubectl logs --tail N [-c container] [--previous] POD` ('' when the pod has no log). */
  readPodLog(namespace: string, name: string, signal: AbortSignal, opts: { container?: string; tailLines?: number; previous?: boolean } = {}): Promise<string> {
    return this.call(`logs of pod ${namespace}/${name}`, signal, (o) => this.core.readNamespacedPodLog({ namespace, name, ...(opts.container ? { container: opts.container } : {}), ...(opts.tailLines ? { tailLines: opts.tailLines } : {}), ...(opts.previous ? { previous: true } : {}) }, o));
  }

  getDeployment(namespace: string, name: string, signal: AbortSignal): Promise<V1Deployment | undefined> {
    return this.optional(`get deployment ${namespace}/${name}`, signal, (o) => this.apps.readNamespacedDeployment({ namespace, name }, o));
  }

  createDeployment(namespace: string, body: V1Deployment, signal: AbortSignal): Promise<V1Deployment> {
    return this.call(`create deployment ${namespace}/${body.metadata?.name ?? '?'}`, signal, (o) => this.apps.createNamespacedDeployment({ namespace, body, fieldManager: 'capi-gate' }, o));
  }

  /** true when it existed. Background propagation, as kubectl. */
  async deleteDeployment(namespace: string, name: string, signal: AbortSignal): Promise<boolean> {
    const r = await this.optional(`delete deployment ${namespace}/${name}`, signal, (o) => this.apps.deleteNamespacedDeployment({ namespace, name, propagationPolicy: 'Background' }, o));
    return r !== undefined;
  }

  getService(namespace: string, name: string, signal: AbortSignal): Promise<V1Service | undefined> {
    return this.optional(`get service ${namespace}/${name}`, signal, (o) => this.core.readNamespacedService({ namespace, name }, o));
  }

  createService(namespace: string, body: V1Service, signal: AbortSignal): Promise<V1Service> {
    return this.call(`create service ${namespace}/${body.metadata?.name ?? '?'}`, signal, (o) => this.core.createNamespacedService({ namespace, body, fieldManager: 'capi-gate' }, o));
  }

  async deleteService(namespace: string, name: string, signal: AbortSignal): Promise<boolean> {
    const r = await this.optional(`delete service ${namespace}/${name}`, signal, (o) => this.core.deleteNamespacedService({ namespace, name, propagationPolicy: 'Background' }, o));
    return r !== undefined;
  }

  listCustom(group: string, version: string, plural: string, namespace: string, signal: AbortSignal): Promise<{ items: Record<string, unknown>[] }> {
    return this.call(`list ${plural}.${group} in ${namespace}`, signal, (o) => this.custom.listNamespacedCustomObject({ group, version, namespace, plural }, o)) as Promise<{ items: Record<string, unknown>[] }>;
  }

  getCustom(group: string, version: string, plural: string, namespace: string, name: string, signal: AbortSignal): Promise<Record<string, unknown> | undefined> {
    return this.optional(`get ${plural}.${group} ${namespace}/${name}`, signal, (o) => this.custom.getNamespacedCustomObject({ group, version, namespace, plural, name }, o)) as Promise<Record<string, unknown> | undefined>;
  }

  mergePatchCustom(group: string, version: string, plural: string, namespace: string, name: string, patch: object, signal: AbortSignal): Promise<Record<string, unknown>> {
    const mergePatch = middleware((ctx) => ctx.setHeaderParam('Content-Type', 'application/merge-patch+json'));
    return this.call(`patch ${plural}.${group} ${namespace}/${name}`, signal, (o) => this.custom.patchNamespacedCustomObject({ group, version, namespace, plural, name, body: patch }, o), [mergePatch]) as Promise<Record<string, unknown>>;
  }

  /**
   * A list + watch of one collection (src/kube/watch.ts): the waits of 8.3 and D-011.4 read its
   * cache and wake on its changes instead of polling. Call start(), and close() when done.
   */
  private reflect<T extends KubeObjectLike>(what: string, path: string, list: (o: ConfigurationOptions, signal: AbortSignal) => Promise<ListResult<T>>, opts: ReflectorOptions, sel: { labelSelector?: string; fieldSelector?: string } = {}): Reflector<T> {
    return new Reflector<T>(this.kc, { path, ...sel, list: (signal) => this.call(what, signal, (o) => list(o, signal)) }, opts);
  }

  reflectNodes(opts: ReflectorOptions): Reflector<V1Node> {
    return this.reflect('list nodes', '/api/v1/nodes', (o) => this.core.listNode({}, o), opts);
  }

  reflectPods(opts: ReflectorOptions, list: ListOptions = {}): Reflector<V1Pod> {
    const sel = { ...(list.fieldSelector ? { fieldSelector: list.fieldSelector } : {}), ...(list.labelSelector ? { labelSelector: list.labelSelector } : {}) };
    return list.namespace
      ? this.reflect(`list pods in ${list.namespace}`, `/api/v1/namespaces/${list.namespace}/pods`, (o) => this.core.listNamespacedPod({ namespace: list.namespace!, ...sel }, o), opts, sel)
      : this.reflect('list pods (all namespaces)', '/api/v1/pods', (o) => this.core.listPodForAllNamespaces(sel, o), opts, sel);
  }

  /** One Service by name (fieldSelector metadata.name, as `kubectl get svc NAME -w`). */
  reflectService(namespace: string, name: string, opts: ReflectorOptions): Reflector<V1Service> {
    const fieldSelector = `metadata.name=${name}`;
    return this.reflect(`list services in ${namespace}`, `/api/v1/namespaces/${namespace}/services`, (o) => this.core.listNamespacedService({ namespace, fieldSelector }, o), opts, { fieldSelector });
  }

  reflectDeployment(namespace: string, name: string, opts: ReflectorOptions): Reflector<V1Deployment> {
    const fieldSelector = `metadata.name=${name}`;
    return this.reflect(`list deployments in ${namespace}`, `/apis/apps/v1/namespaces/${namespace}/deployments`, (o) => this.apps.listNamespacedDeployment({ namespace, fieldSelector }, o), opts, { fieldSelector });
  }

  private probeContext: SecureContext | undefined;
  /** The last TLS session ticket a probe's server handed out (the next probe offers it). */
  private probeSession: Buffer | undefined;

  /**
   * One GET /version with its own time limit, on a fresh connection (no keep-alive, so a
   * failover blackout is seen as it happens). Resolves with the gitVersion; rejects on no answer.
   * The connection offers the previous probe's TLS session ticket: a server that takes it
   * resumes the session (no certificate signature on its side, no chain to verify on ours); one
   * that does not (another apiserver behind the VIP, a restarted one) makes a full handshake.
   */
  async probeVersion(signal: AbortSignal, timeoutMs: number): Promise<string> {
    const url = new URL('/version', this.server);
    const opts: RequestOptions = { method: 'GET', hostname: url.hostname, port: url.port || 443, path: url.pathname, agent: false, headers: { accept: 'application/json' } };
    await this.kc.applyToHTTPSOptions(opts);
    // The connection is new every time; the TLS context (CA, client certificate and key, parsed)
    // need not be: one per client, made on the first probe (D-011.4 probes ~30 times a failover).
    this.probeContext ??= createSecureContext({ ca: opts.ca, cert: opts.cert, key: opts.key, ...(opts.pfx ? { pfx: opts.pfx, passphrase: opts.passphrase } : {}) });
    return new Promise<string>((resolve, reject) => {
      const limit = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
      // https.request hands its options to tls.connect, which takes a secureContext (not in the types).
      const withContext: RequestOptions & { secureContext?: SecureContext; session?: Buffer } = {
        ...opts, secureContext: this.probeContext, signal: limit, ...(this.probeSession ? { session: this.probeSession } : {}),
      };
      const req = httpsRequest(withContext, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode ?? '?'}`));
          try {
            resolve(String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { gitVersion?: string }).gitVersion ?? ''));
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
        res.on('error', reject);
      });
      req.on('socket', (socket) => socket.on('session', (session: Buffer) => {
        this.probeSession = session;
      }));
      req.on('error', (e) => reject(signal.aborted ? new CapiGateError('CAPI_GATE_ABORTED', 'interrupted: probe /version', { cause: e }) : e));
      req.end();
    });
  }
}
