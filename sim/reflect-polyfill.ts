// @peculiar/x509 2.x loads tsyringe, which refuses to start without a Reflect metadata
// polyfill (the `reflect-metadata` package, not a dependency here). This is the small subset
// tsyringe and TypeScript's __metadata helper use. Import it before '@peculiar/x509'.

type Key = string | symbol | undefined;
type Store = WeakMap<object, Map<Key, Map<unknown, unknown>>>;

interface ReflectMetadata {
  defineMetadata(k: unknown, v: unknown, target: object, prop?: string | symbol): void;
  getOwnMetadata(k: unknown, target: object, prop?: string | symbol): unknown;
  getMetadata(k: unknown, target: object, prop?: string | symbol): unknown;
  hasOwnMetadata(k: unknown, target: object, prop?: string | symbol): boolean;
  hasMetadata(k: unknown, target: object, prop?: string | symbol): boolean;
  metadata(k: unknown, v: unknown): (target: object, prop?: string | symbol) => void;
}

const R = Reflect as unknown as Partial<ReflectMetadata>;

if (typeof R.getMetadata !== 'function') {
  const store: Store = new WeakMap();
  const own = (target: object, prop: Key, create: boolean): Map<unknown, unknown> | undefined => {
    let byProp = store.get(target);
    if (!byProp) {
      if (!create) return undefined;
      byProp = new Map();
      store.set(target, byProp);
    }
    let m = byProp.get(prop);
    if (!m && create) {
      m = new Map();
      byProp.set(prop, m);
    }
    return m;
  };
  const impl: ReflectMetadata = {
    defineMetadata: (k, v, target, prop) => void own(target, prop, true)?.set(k, v),
    getOwnMetadata: (k, target, prop) => own(target, prop, false)?.get(k),
    hasOwnMetadata: (k, target, prop) => own(target, prop, false)?.has(k) ?? false,
    getMetadata(k, target, prop) {
      for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
        const m = own(t, prop, false);
        if (m?.has(k)) return m.get(k);
      }
      return undefined;
    },
    hasMetadata(k, target, prop) {
      for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) if (own(t, prop, false)?.has(k)) return true;
      return false;
    },
    metadata: (k, v) => (target, prop) => impl.defineMetadata(k, v, target, prop),
  };
  Object.assign(Reflect, impl);
}

export {};
