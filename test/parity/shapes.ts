// How a request or an answer is reduced to its shape: ids in paths become {id}, queries their
// sorted keys, JSON bodies their field names and types. The inventory (operations.json) and the
// parity comparisons are made of these shapes, so neither carries a value that differs by site,
// run or secret.

/** Literal path segments of the OpenStack APIs capi-gate talks to; any other segment is an id or a name. */
const LITERALS = new Set([
  'v1', 'v2', 'v2.0', 'v2.1', 'v3', 'versions',
  'auth', 'tokens', 'catalog', 'projects', 'domains', 'users', 'roles', 'role_assignments', 'application_credentials',
  'images', 'file', 'import', 'stage', 'info', 'stores',
  'clusters', 'clustertemplates', 'certificates', 'detail',
  'lbaas', 'loadbalancers', 'status', 'failover', 'octavia', 'amphorae', 'listeners', 'pools', 'providers',
  'servers', 'action', 'flavors', 'os-extra_specs', 'os-keypairs',
  'networks', 'subnets', 'routers', 'floatingips', 'ports', 'security-groups', 'add_router_interface', 'remove_router_interface',
]);

/** Object keys whose children are user data (label names, metadata keys), not API fields. */
const MAPS = new Set(['labels', 'metadata', 'extra_specs', 'health_status_reason', 'faults', 'properties']);

export type Shape = string | { readonly [k: string]: Shape } | readonly Shape[];

/** The JSON shape of a value: field names and types; arrays as the merge of their items' shapes. */
export function bodyShape(v: unknown, key?: string): Shape {
  if (v === null) return 'null';
  if (Array.isArray(v)) {
    if (v.length === 0) return [];
    return [v.map((x) => bodyShape(x)).reduce(mergeShapes)];
  }
  if (typeof v === 'object') {
    if (key && MAPS.has(key)) return 'map';
    const out: Record<string, Shape> = {};
    for (const k of Object.keys(v as object).sort()) out[k] = bodyShape((v as Record<string, unknown>)[k], k);
    return out;
  }
  return typeof v;
}

/** Two shapes as one: objects field by field, differing scalars as "a|b" (sorted). */
export function mergeShapes(a: Shape, b: Shape): Shape {
  if (typeof a === 'string' && typeof b === 'string') {
    return [...new Set([...a.split('|'), ...b.split('|')])].sort().join('|');
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length === 0) return b;
    if (b.length === 0) return a;
    return [mergeShapes(a[0] as Shape, b[0] as Shape)];
  }
  if (typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const out: Record<string, Shape> = {};
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const x = (a as Record<string, Shape>)[k];
      const y = (b as Record<string, Shape>)[k];
      out[k] = x === undefined ? (y as Shape) : y === undefined ? x : mergeShapes(x, y);
    }
    return out;
  }
  return `${describe(a)}|${describe(b)}`;
}

function describe(s: Shape): string {
  return typeof s === 'string' ? s : Array.isArray(s) ? 'array' : 'object';
}

/** The version headers of a request (names lowercased), and whether it carried a token; never the token. */
export function recordedHeaders(pairs: readonly (readonly [string, string])[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of pairs) {
    const name = k.toLowerCase();
    if (name === 'openstack-api-version' || name === 'x-openstack-nova-api-version' || name === 'content-type') out[name] = v;
    else if (name === 'x-auth-token') out[name] = '<token>';
  }
  return out;
}

/** /v1/clusters/capi-test-1 -> /v1/clusters/{id}; the query dropped. */
export function pathShape(path: string): string {
  const p = path.split('?')[0] ?? '';
  return p
    .split('/')
    .map((s, i) => (i === 0 || s === '' || LITERALS.has(s) ? s : '{id}'))
    .join('/')
    .replace(/\/$/, '') || '/';
}

/** The sorted, distinct query keys of a path. */
export function queryKeys(path: string): string[] {
  const i = path.indexOf('?');
  if (i < 0) return [];
  return [...new Set(new URLSearchParams(path.slice(i + 1)).keys())].sort();
}

/** Query keys that only page (a later page of a list is the same operation). */
export const PAGING_KEYS = new Set(['marker', 'limit']);

/** The key that names one operation: "network GET /v2.0/ports?device_owner&network_id". */
export function operationKey(service: string, method: string, path: string): string {
  const q = queryKeys(path).filter((k) => !PAGING_KEYS.has(k));
  return `${service} ${method} ${pathShape(path)}${q.length ? `?${q.join('&')}` : ''}`;
}
