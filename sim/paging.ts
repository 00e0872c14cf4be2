// Paged lists as the services answer them. A deployment may cap its lists (Neutron's and
// Octavia's pagination_max_limit, Nova's and Magnum's [api] max_limit): the simulator's page size
// (a scenario's `pageSize`) plays that cap; without one a list is one page unless the client
// sends `limit`. A page holds the items after `marker` (the id of the previous page's last item),
// at most min(limit, cap) of them, and says where the rest is:
// - Neutron, Octavia: `<key>_links: [{rel: next, href}]` when more items remain (Octavia always
//   sends the key, Neutron only when it paged);
// - Nova: `<key>_links` with a next link whenever the page is full (even if nothing follows);
// - Magnum: a `next` URL whenever the page is full.

import { fail, type ServiceName, type SimRequest } from './http.js';

export type PageStyle = 'neutron' | 'octavia' | 'nova' | 'magnum';

export interface PageOptions<T> {
  readonly style: PageStyle;
  /** The list's key in the body (`networks`, `servers`, ...). */
  readonly key: string;
  /** The deployment's cap on a page; undefined: none. */
  readonly cap: number | undefined;
  /** The path of the list as the client asked for it (its next link points there). */
  readonly path: string;
  readonly id: (item: T) => string;
}

/** One page of `items` (already filtered and in the service's order) as the body's list fields. */
export function page<T>(req: SimRequest, items: readonly T[], o: PageOptions<T>): { items: T[]; fields: Record<string, unknown> } {
  const service: ServiceName = o.style;
  const rawLimit = req.query.get('limit');
  let asked: number | undefined;
  if (rawLimit !== null && rawLimit !== '') {
    asked = Number(rawLimit);
    if (!Number.isInteger(asked) || asked < 0) fail(service, 400, `Bad limit request: limit must be an integer 0 or greater, got '${rawLimit}'`);
    if (asked === 0) asked = undefined;
  }
  const limit = Math.min(asked ?? Infinity, o.cap ?? Infinity);
  let rest = items;
  const marker = req.query.get('marker');
  if (marker) {
    const at = items.findIndex((x) => o.id(x) === marker);
    if (at < 0) fail(service, o.style === 'nova' ? 400 : 404, o.style === 'nova' ? `marker [${marker}] not found` : `Marker ${marker} could not be found.`);
    rest = items.slice(at + 1);
  }
  const out = Number.isFinite(limit) ? rest.slice(0, limit) : [...rest];
  const last = out[out.length - 1];
  const hasNext = last !== undefined && (o.style === 'nova' || o.style === 'magnum' ? out.length === limit : rest.length > out.length);
  const fields: Record<string, unknown> = {};
  let href: string | undefined;
  if (hasNext) {
    const q = new URLSearchParams(req.query);
    q.delete('marker');
    q.delete('limit');
    q.set('limit', String(limit));
    q.set('marker', o.id(last));
    href = `${req.base}${o.path}?${q.toString()}`;
  }
  if (o.style === 'magnum') {
    if (href) fields['next'] = href;
  } else if (href) {
    fields[`${o.key}_links`] = [{ rel: 'next', href }];
  } else if (o.style === 'octavia') {
    fields[`${o.key}_links`] = [];
  }
  return { items: out, fields };
}
