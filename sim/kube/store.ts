// The object store of one simulated Kubernetes API: objects by resource, a resourceVersion
// counter, and watch events (with a bounded history so a watch from an old resourceVersion
// replays what it missed). Objects are plain JSON, exactly what the API serves.

export type Json = { [key: string]: unknown };

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  generation?: number;
  generateName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
}

export interface KObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Json;
  status?: Json;
  [key: string]: unknown;
}

export interface ResourceDef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories?: readonly string[];
  readonly subresources?: readonly string[];
}

export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  readonly type: WatchType;
  readonly resource: string;
  readonly rv: number;
  readonly object: KObject;
}

export function resourceKey(def: Pick<ResourceDef, 'group' | 'plural'>): string {
  return def.group ? `${def.group}/${def.plural}` : def.plural;
}

export function groupVersion(def: Pick<ResourceDef, 'group' | 'version'>): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

// Stored objects are plain JSON (what the apiserver serves): a JSON round trip copies them, a
// quarter faster than structuredClone.
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export class KubeStore {
  private rv = 1000;
  /** The resourceVersion of the last compact(): older ones are gone. */
  private compactedAt = 0;
  private readonly objects = new Map<string, Map<string, KObject>>();
  private readonly defs = new Map<string, ResourceDef>();
  private readonly history: WatchEvent[] = [];
  private readonly listeners = new Set<(e: WatchEvent) => void>();

  constructor(defs: readonly ResourceDef[], private readonly now: () => number, private readonly uid: () => string) {
    for (const d of defs) this.register(d);
  }

  register(def: ResourceDef): void {
    const key = resourceKey(def);
    this.defs.set(key, def);
    if (!this.objects.has(key)) this.objects.set(key, new Map());
  }

  resources(): ResourceDef[] {
    return [...this.defs.values()];
  }

  def(key: string): ResourceDef | undefined {
    return this.defs.get(key);
  }

  get resourceVersion(): number {
    return this.rv;
  }

  timestamp(ms = this.now()): string {
    return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  }

  private bucket(key: string): Map<string, KObject> {
    const b = this.objects.get(key);
    if (!b) throw new Error(`unknown resource ${key}`);
    return b;
  }

  private id(ns: string | undefined, name: string): string {
    return `${ns ?? ''}/${name}`;
  }

  get(key: string, ns: string | undefined, name: string): KObject | undefined {
    const o = this.bucket(key).get(this.id(ns, name));
    return o ? clone(o) : undefined;
  }

  /** The live object (no copy): controllers mutate it and then call update(). */
  peek(key: string, ns: string | undefined, name: string): KObject | undefined {
    return this.bucket(key).get(this.id(ns, name));
  }

  list(key: string, ns?: string): KObject[] {
    const out: KObject[] = [];
    for (const o of this.bucket(key).values()) if (ns === undefined || o.metadata.namespace === ns) out.push(clone(o));
    return out.sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
  }

  /** Live objects, for controllers. */
  peekAll(key: string, ns?: string): KObject[] {
    return [...this.bucket(key).values()].filter((o) => ns === undefined || o.metadata.namespace === ns);
  }

  /** Adds server-set metadata and stores; the caller checks for conflicts first. */
  create(key: string, obj: KObject): KObject {
    const def = this.defs.get(key);
    if (!def) throw new Error(`unknown resource ${key}`);
    const o = clone(obj);
    o.apiVersion = groupVersion(def);
    o.kind = def.kind;
    o.metadata = {
      ...o.metadata,
      uid: this.uid(),
      resourceVersion: String(++this.rv),
      creationTimestamp: o.metadata.creationTimestamp || this.timestamp(),
    };
    if (!def.namespaced) delete o.metadata.namespace;
    if (o.metadata.generation === undefined && o.spec !== undefined) o.metadata.generation = 1;
    this.bucket(key).set(this.id(o.metadata.namespace, o.metadata.name), o);
    return this.emit('ADDED', key, o);
  }

  /** Replaces (or re-stores a mutated live) object; bumps resourceVersion; emits MODIFIED. */
  update(key: string, obj: KObject, opts: { specChanged?: boolean } = {}): KObject {
    const id = this.id(obj.metadata.namespace, obj.metadata.name);
    const b = this.bucket(key);
    const old = b.get(id);
    if (!old) throw new Error(`${key} ${id} does not exist`);
    const o = old === obj ? obj : clone(obj);
    o.metadata.uid = old.metadata.uid;
    o.metadata.creationTimestamp = old.metadata.creationTimestamp;
    o.metadata.resourceVersion = String(++this.rv);
    if (opts.specChanged) o.metadata.generation = (old.metadata.generation ?? 1) + 1;
    b.set(id, o);
    return this.emit('MODIFIED', key, o);
  }

  /** Removes an object for good; emits DELETED. */
  remove(key: string, ns: string | undefined, name: string): KObject | undefined {
    const b = this.bucket(key);
    const id = this.id(ns, name);
    const o = b.get(id);
    if (!o) return undefined;
    b.delete(id);
    o.metadata.resourceVersion = String(++this.rv);
    return this.emit('DELETED', key, o);
  }

  /**
   * Records the change and tells the listeners; returns the event's snapshot, which create,
   * update and remove hand back to their callers: read-only (the watch history replays it).
   */
  private emit(type: WatchType, resource: string, o: KObject): KObject {
    const e: WatchEvent = { type, resource, rv: this.rv, object: clone(o) };
    this.history.push(e);
    if (this.history.length > 5000) this.history.splice(0, this.history.length - 5000);
    for (const l of [...this.listeners]) l(e);
    return e.object;
  }

  /** Events newer than rv (for a watch that resumes), oldest first; undefined when the history is too short. */
  since(rv: number): WatchEvent[] | undefined {
    if (rv < this.compactedAt) return undefined;
    const first = this.history[0];
    if (first && first.rv > rv + 1 && rv < this.rv) return undefined;
    return this.history.filter((e) => e.rv > rv);
  }

  /**
   * Drops the event history up to now, as etcd's compaction does: a watch that resumes from an
   * older resourceVersion is then answered 410 Expired (sim/kube/watch.ts).
   */
  compact(): void {
    this.history.length = 0;
    this.compactedAt = this.rv;
  }

  subscribe(l: (e: WatchEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
