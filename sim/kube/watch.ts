// Watch serving for the simulated kube-apiserver, the way a real one serves it: a chunked
// stream of JSON lines {type, object}; from resourceVersion "" or "0" a synthetic ADDED per
// matching object first; from a newer resourceVersion the events since then, or, when the store's
// history no longer reaches back that far (etcd compacted it), one ERROR event carrying a 410
// Expired Status and the end of the stream; BOOKMARK events (an object with only
// metadata.resourceVersion) every bookmark interval when the client sends allowWatchBookmarks=true,
// and one more before the server ends the watch at timeoutSeconds. A client that asks for the
// protobuf watch stream only (Accept: application/vnd.kubernetes.protobuf;stream=watch with no
// JSON alternative) gets 406: this simulator encodes no protobuf, as a real apiserver answers for
// custom resources. Hooks: `dropAll()` cuts every open watch mid-stream (a load balancer or
// apiserver restart), without refusing new connections.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { toTable } from './resources.js';
import { groupVersion } from './store.js';
import type { Json, KObject, KubeStore, ResourceDef, WatchEvent } from './store.js';

export interface WatchRequest {
  readonly key: string;
  readonly def: ResourceDef;
  readonly matches: (o: KObject) => boolean;
  readonly url: URL;
  readonly table: boolean;
  readonly includeObject: string;
}

export interface WatchServerOptions {
  readonly store: KubeStore;
  now(): number;
  /** Real ms between BOOKMARK events (default 3 s: a real apiserver's ~1 min at time scale 0.05). */
  readonly bookmarkEveryMs?: number;
}

/** The outcome the caller records: 200 (a stream), or an error status to send as a Status. */
export type WatchAnswer = { readonly status: 200 } | { readonly status: 406; readonly message: string };

function expired(rv: string, current: number): Json {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${rv} (${current})`, reason: 'Expired', code: 410 };
}

/** Accept headers that leave no JSON alternative to the protobuf watch stream. */
export function protobufOnly(accept: string): boolean {
  if (!accept.includes('application/vnd.kubernetes.protobuf')) return false;
  return !/application\/json|\*\/\*/.test(accept);
}

export class WatchServer {
  private readonly open = new Set<{ stop: () => void; socket: Socket }>();
  /** Watches served, BOOKMARKs and 410s sent (for tests and the bench). */
  readonly stats = { watches: 0, bookmarks: 0, expired: 0, events: 0 };

  constructor(private readonly opts: WatchServerOptions) {}

  get active(): number {
    return this.open.size;
  }

  serve(req: IncomingMessage, res: ServerResponse, w: WatchRequest): WatchAnswer {
    const accept = req.headers.accept ?? '';
    if (protobufOnly(accept)) return { status: 406, message: `the server does not serve ${w.def.plural} as application/vnd.kubernetes.protobuf;stream=watch: ask for application/json` };
    const { store } = this.opts;
    this.stats.watches++;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    const line = (type: string, object: unknown): void => {
      res.write(`${JSON.stringify({ type, object })}\n`);
    };
    const wire = (type: string, o: KObject): void => {
      this.stats.events++;
      line(type, w.table ? toTable(w.def.plural, [o], this.opts.now(), o.metadata.resourceVersion, w.includeObject) : o);
    };
    const inSet = new Set<string>();
    const onEvent = (e: WatchEvent): void => {
      if (e.resource !== w.key) return;
      const uid = e.object.metadata.uid;
      const prev = inSet.has(uid);
      if (e.type === 'DELETED') {
        if (prev || w.matches(e.object)) wire('DELETED', e.object);
        inSet.delete(uid);
        return;
      }
      const now = w.matches(e.object);
      if (now && prev) wire('MODIFIED', e.object);
      else if (now) {
        inSet.add(uid);
        wire('ADDED', e.object);
      } else if (prev) {
        inSet.delete(uid);
        wire('DELETED', e.object);
      }
    };
    const rvParam = w.url.searchParams.get('resourceVersion') ?? '';
    if (rvParam === '' || rvParam === '0') {
      for (const o of store.list(w.key).filter(w.matches)) {
        inSet.add(o.metadata.uid);
        wire('ADDED', o);
      }
    } else {
      const missed = store.since(Number(rvParam));
      if (missed === undefined || !/^\d+$/.test(rvParam)) {
        this.stats.expired++;
        line('ERROR', expired(rvParam, store.resourceVersion));
        res.end();
        return { status: 200 };
      }
      // What matched at rvParam: what matches now, less what was created since, plus what was
      // deleted since (the replay below then says ADDED / MODIFIED / DELETED as a real one does).
      const current = store.list(w.key).filter(w.matches);
      for (const o of current) inSet.add(o.metadata.uid);
      for (const e of [...missed].reverse()) {
        if (e.resource !== w.key) continue;
        if (e.type === 'ADDED') inSet.delete(e.object.metadata.uid);
        else if (e.type === 'DELETED' && w.matches(e.object)) inSet.add(e.object.metadata.uid);
      }
      for (const e of missed) onEvent(e);
    }
    const unsubscribe = store.subscribe(onEvent);
    const bookmarks = w.url.searchParams.get('allowWatchBookmarks') === 'true';
    const bookmark = (): void => {
      this.stats.bookmarks++;
      line('BOOKMARK', { kind: w.def.kind, apiVersion: groupVersion(w.def), metadata: { resourceVersion: String(store.resourceVersion) } });
    };
    const every = this.opts.bookmarkEveryMs ?? 3_000;
    const ticker = bookmarks ? setInterval(bookmark, every) : undefined;
    ticker?.unref?.();
    const timeoutS = Number(w.url.searchParams.get('timeoutSeconds') ?? '1800');
    const timer = setTimeout(() => {
      if (bookmarks && !res.writableEnded) bookmark();
      stop();
    }, Math.max(1, Number.isFinite(timeoutS) ? timeoutS : 1800) * 1000);
    timer.unref?.();
    const entry = { stop: (): void => stop(), socket: req.socket };
    const stop = (): void => {
      clearTimeout(timer);
      if (ticker) clearInterval(ticker);
      unsubscribe();
      this.open.delete(entry);
      if (!res.writableEnded) res.end();
    };
    this.open.add(entry);
    req.on('close', stop);
    res.on('close', stop);
    return { status: 200 };
  }

  /** Ends every watch cleanly (the server closes). */
  stopAll(): void {
    for (const e of [...this.open]) e.stop();
  }

  /** Cuts every watch mid-stream: the connection is destroyed, no final chunk (a proxy or apiserver restart). */
  dropAll(): number {
    const n = this.open.size;
    for (const e of [...this.open]) {
      e.socket.destroy();
      e.stop();
    }
    return n;
  }
}
