// Kubernetes waits by watch (client-go's reflector, on @kubernetes/client-node's Watch): one
// list for the state and its resourceVersion, then a watch from that resourceVersion with
// bookmarks, a local cache kept by the events, and every change announced at once. A watch the
// server ends (its timeout) resumes from the last resourceVersion seen (an event's or a
// BOOKMARK's), so no change in between is missed; a 410 Gone (HTTP 410, or an ERROR event with a
// 410 Expired Status: the history was compacted) re-lists; a dropped connection or an error
// reconnects with backoff. When no watch can be held (MAX_FAILURES in a row), the reflector falls
// back to polling: every read lists again.

import { Watch } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../core/clock.js';
import { backoffDelay } from '../core/backoff.js';
import type { BackoffPolicy } from '../core/backoff.js';
import { CapiGateError } from '../core/errors.js';

export interface KubeObjectLike {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; deletionTimestamp?: unknown };
}

export interface ListResult<T> {
  readonly items: readonly T[];
  readonly metadata?: { readonly resourceVersion?: string };
}

export interface ReflectorSource<T> {
  /** The collection's path, e.g. /api/v1/namespaces/default/pods (what the list reads). */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** The list call (through the typed client, so its errors are KubeApiErrors). */
  list(signal: AbortSignal): Promise<ListResult<T>>;
}

export interface ReflectorStats {
  /** list requests (the first, and every re-list after a 410) */
  lists: number;
  /** watch requests opened (the first and every reconnect) */
  watches: number;
  events: number;
  bookmarks: number;
  /** re-lists after a 410 Gone */
  relists: number;
  /** watches re-opened after a drop, an error or the server's timeout */
  reconnects: number;
  /** lists made by the poll fallback */
  polls: number;
}

export type ReflectorMode = 'starting' | 'watch' | 'poll' | 'stopped';

export interface ReflectorOptions {
  readonly clock: Clock;
  /** Reconnect pacing after a failed watch (default 100 ms doubling to 5 s). */
  readonly backoff?: BackoffPolicy;
  /** Failed watches in a row before the poll fallback (default 4). */
  readonly maxFailures?: number;
  /** Seconds the server holds one watch (default 300, as client-go's 5-10 min). */
  readonly timeoutSeconds?: number;
  readonly random?: () => number;
  /** Test seam: the watch implementation (default client-node's Watch on kc). */
  readonly watch?: Pick<Watch, 'watch'>;
}

const DEFAULT_RECONNECT: BackoffPolicy = { initialMs: 100, maxMs: 5_000, factor: 2, jitter: 0.2 };

function keyOf(o: KubeObjectLike): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

function statusCodeOf(e: unknown): number | undefined {
  const c = (e as { statusCode?: unknown; code?: unknown } | null)?.statusCode ?? (e as { code?: unknown } | null)?.code;
  return typeof c === 'number' ? c : undefined;
}

export class Reflector<T extends KubeObjectLike> {
  readonly stats: ReflectorStats = { lists: 0, watches: 0, events: 0, bookmarks: 0, relists: 0, reconnects: 0, polls: 0 };
  private readonly cache = new Map<string, T>();
  private rv = '';
  private modeNow: ReflectorMode = 'starting';
  private readonly stop = new AbortController();
  private waiters: (() => void)[] = [];
  private loop: Promise<void> | undefined;
  private firstList: Promise<void> | undefined;
  private lastError: unknown;
  private readonly watcher: Pick<Watch, 'watch'>;
  /** Every event applied, in order (type and object key), for tests and the report. */
  readonly log: string[] = [];

  constructor(kc: KubeConfig, private readonly source: ReflectorSource<T>, private readonly opts: ReflectorOptions) {
    this.watcher = opts.watch ?? new Watch(kc);
  }

  get mode(): ReflectorMode {
    return this.modeNow;
  }

  private get stopped(): boolean {
    return this.modeNow === 'stopped';
  }

  get resourceVersion(): string {
    return this.rv;
  }

  /** Requests this reflector has made (lists, watches, fallback polls). */
  get requests(): number {
    return this.stats.lists + this.stats.watches + this.stats.polls;
  }

  /** Starts the list + watch loop (idempotent); resolves once the first list is in. */
  start(signal: AbortSignal): Promise<void> {
    if (!this.firstList) {
      if (!this.abortHooked) {
        this.abortHooked = true;
        signal.addEventListener('abort', () => this.close(), { once: true });
      }
      const first = this.relist(signal);
      this.firstList = first;
      // A first list that fails (the API not answering yet) is tried again by the next read, as a poll would be.
      this.loop = first.then(() => this.run(), () => {
        if (this.firstList === first) this.firstList = undefined;
      });
    }
    return this.firstList;
  }

  private abortHooked = false;

  /** The objects as last seen: the watch's cache, or a fresh list in the poll fallback. */
  async items(signal: AbortSignal): Promise<T[]> {
    await this.start(signal);
    if (this.modeNow === 'poll') {
      this.stats.polls++;
      const list = await this.source.list(signal);
      this.replace(list);
    }
    return [...this.cache.values()];
  }

  /** Resolves at the next change the watch applies (or at once when the reflector stops / polls). */
  changed(signal: AbortSignal): Promise<void> {
    if (this.modeNow === 'stopped' || this.modeNow === 'poll') return new Promise(() => undefined);
    return new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  close(): void {
    if (this.modeNow === 'stopped') return;
    this.modeNow = 'stopped';
    this.stop.abort();
    this.wake();
  }

  /** Waits for the loop to end after close() (tests). */
  async closed(): Promise<void> {
    this.close();
    await this.loop;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private replace(list: ListResult<T>): void {
    const next = new Map<string, T>();
    for (const o of list.items) next.set(keyOf(o), o);
    for (const k of this.cache.keys()) if (!next.has(k)) this.log.push(`DELETED ${k} (re-list)`);
    this.cache.clear();
    for (const [k, o] of next) this.cache.set(k, o);
    this.rv = list.metadata?.resourceVersion ?? '';
    this.wake();
  }

  private async relist(signal: AbortSignal): Promise<void> {
    this.stats.lists++;
    const list = await this.source.list(AbortSignal.any([signal, this.stop.signal]));
    this.replace(list);
  }

  private apply(type: string, obj: T & { code?: number; reason?: string }): 'gone' | 'error' | undefined {
    if (type === 'ERROR') {
      const code = (obj as { code?: unknown }).code;
      return code === 410 ? 'gone' : 'error';
    }
    const rv = obj.metadata?.resourceVersion;
    if (type === 'BOOKMARK') {
      this.stats.bookmarks++;
      if (rv) this.rv = rv;
      return undefined;
    }
    this.stats.events++;
    const k = keyOf(obj);
    if (type === 'DELETED') this.cache.delete(k);
    else if (type === 'ADDED' || type === 'MODIFIED') this.cache.set(k, obj);
    else return undefined;
    this.log.push(`${type} ${k}`);
    if (rv) this.rv = rv;
    this.wake();
    return undefined;
  }

  /** One watch from this.rv: resolves with how it ended. */
  private watchOnce(): Promise<{ end: 'closed' | 'gone' | 'error'; error?: unknown; events: number }> {
    return new Promise((resolve) => {
      let result: 'gone' | 'error' | undefined;
      let events = 0;
      let settled = false;
      let controller: AbortController | undefined;
      const finish = (err: unknown) => {
        if (settled) return;
        settled = true;
        this.stop.signal.removeEventListener('abort', onStop);
        controller?.abort();
        if (result === 'gone' || statusCodeOf(err) === 410) resolve({ end: 'gone', events });
        else if (err || result === 'error') resolve({ end: 'error', error: err ?? new Error('watch ERROR event'), events });
        else resolve({ end: 'closed', events });
      };
      const onStop = () => finish(null);
      this.stop.signal.addEventListener('abort', onStop, { once: true });
      this.stats.watches++;
      const query: Record<string, string | number | boolean> = { resourceVersion: this.rv, allowWatchBookmarks: true, timeoutSeconds: this.opts.timeoutSeconds ?? 300 };
      if (this.source.labelSelector) query['labelSelector'] = this.source.labelSelector;
      if (this.source.fieldSelector) query['fieldSelector'] = this.source.fieldSelector;
      this.watcher.watch(this.source.path, query, (type: string, obj: T & { code?: number }) => {
        if (settled) return;
        events++;
        const r = this.apply(type, obj);
        if (r) {
          result = r;
          finish(null);
        }
      }, finish).then((c) => {
        controller = c;
        if (settled) c.abort();
      }, finish);
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    const max = this.opts.maxFailures ?? 4;
    const policy = this.opts.backoff ?? DEFAULT_RECONNECT;
    let first = true;
    while (this.modeNow !== 'stopped') {
      if (this.modeNow === 'starting') this.modeNow = 'watch';
      if (!first) this.stats.reconnects++;
      first = false;
      const r = await this.watchOnce();
      if (this.stopped) return;
      if (r.end === 'gone') {
        // The resourceVersion is too old (compacted): list again, then watch from the new one.
        this.stats.relists++;
        try {
          await this.relist(this.stop.signal);
          failures = 0;
          continue;
        } catch (e) {
          if (this.stopped) return;
          this.lastError = e;
          this.rv = '';
        }
      } else if (r.end === 'closed') {
        // The server ended the watch (timeoutSeconds) or the stream closed: resume at once from
        // the last resourceVersion; a stream that closes with nothing in it counts as a failure.
        if (r.events > 0) {
          failures = 0;
          continue;
        }
      } else this.lastError = r.error;
      failures++;
      if (failures >= max) {
        // No watch can be held: the poll fallback (every read lists); the loop ends.
        this.modeNow = 'poll';
        this.wake();
        return;
      }
      try {
        await this.opts.clock.sleep(backoffDelay(policy, failures - 1, this.opts.random), this.stop.signal);
      } catch {
        return;
      }
      if (!this.rv) {
        try {
          await this.relist(this.stop.signal);
        } catch (e) {
          if (this.stopped) return;
          this.lastError = e;
        }
      }
    }
  }

  /** Why the watch could not be held (for the report), when it fell back to polling. */
  get fallbackReason(): string | undefined {
    if (this.modeNow !== 'poll') return undefined;
    const e = this.lastError;
    return e instanceof CapiGateError || e instanceof Error ? e.message.split('\n')[0] : e === undefined ? 'the watch closed without events' : String(e);
  }
}
