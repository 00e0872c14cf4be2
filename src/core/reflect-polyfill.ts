// @peculiar/x509 2.x loads tsyringe, which throws at import time unless a Reflect metadata
// API exists (normally the `reflect-metadata` package, not a dependency here). This installs
// the few functions tsyringe and TypeScript's __metadata helper call, only when missing.
// Import it before '@peculiar/x509'.

type Target = object;
type MetaKey = unknown;
type Prop = string | symbol | undefined;

const table = new WeakMap<Target, Map<Prop, Map<MetaKey, unknown>>>();

function bucket(target: Target, prop: Prop, create: boolean): Map<MetaKey, unknown> | undefined {
  let props = table.get(target);
  if (!props && create) table.set(target, (props = new Map()));
  let m = props?.get(prop);
  if (!m && create && props) props.set(prop, (m = new Map()));
  return m;
}

function lookup(target: Target | null, key: MetaKey, prop: Prop): { found: boolean; value: unknown } {
  for (let t = target; t; t = Object.getPrototypeOf(t) as Target | null) {
    const m = bucket(t, prop, false);
    if (m?.has(key)) return { found: true, value: m.get(key) };
  }
  return { found: false, value: undefined };
}

const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== 'function') {
  Object.assign(R, {
    defineMetadata: (key: MetaKey, value: unknown, target: Target, prop?: Prop) => void bucket(target, prop, true)!.set(key, value),
    getOwnMetadata: (key: MetaKey, target: Target, prop?: Prop) => bucket(target, prop, false)?.get(key),
    hasOwnMetadata: (key: MetaKey, target: Target, prop?: Prop) => bucket(target, prop, false)?.has(key) ?? false,
    getMetadata: (key: MetaKey, target: Target, prop?: Prop) => lookup(target, key, prop).value,
    hasMetadata: (key: MetaKey, target: Target, prop?: Prop) => lookup(target, key, prop).found,
    metadata: (key: MetaKey, value: unknown) => (target: Target, prop?: Prop) => void bucket(target, prop, true)!.set(key, value),
  });
}

export {};
