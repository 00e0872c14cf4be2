// Paged lists as the services answer them. A deployment may cap its lists (Neutron's and
// Octavia's pagination_max_limit, Nova's and Magnum's [api] max_limit): the simulator's page size
// (a scenario's `pageSize`) plays that cap; without one a list is one page unless the client
// sends `limit`. A page holds the items after `marker` (the id of the previous page's last item),
// at most min(limit, cap) of them, and says where the rest is:
// - Neutron (neutron/api/api_common.py get_pagination_links, measured on Zed): when it paged
//   (a client limit or the cap), the page is in id order and `<key>_links` holds a next link
//   whenever the page is full (even if nothing follows) and always a previous link
//   (page_reverse=True from the page's first item); both copy the request's own query, so a
//   capped list's links carry no limit;
// - Octavia: `<key>_links` always, a next link when more items remain;
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
  /** Neutron: the answer to a marker that names no item (the resource's own 404). */
  readonly missingMarker?: (marker: string) => never;
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
  if (o.style === 'neutron') return neutronPage(req, items, o, limit);
  const rest = afterMarker(req, items, o, (m) => fail(service, o.style === 'nova' ? 400 : 404, o.style === 'nova' ? `marker [${m}] not found` : `Marker ${m} could not be found.`));
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

/**
 * Neutron's native pagination: sorted by id, the items after the marker (an unknown marker is the
 * resource's own 404, "Network <marker> could not be found."), a next link on a full page, a
 * previous link always; the links copy the request's query.
 */
function neutronPage<T>(req: SimRequest, items: readonly T[], o: PageOptions<T>, limit: number): { items: T[]; fields: Record<string, unknown> } {
  if (!Number.isFinite(limit)) return { items: [...items], fields: {} };
  const sorted = [...items].sort((a, b) => (o.id(a) < o.id(b) ? -1 : o.id(a) > o.id(b) ? 1 : 0));
  const out = afterMarker(req, sorted, o, o.missingMarker ?? ((m) => fail('neutron', 404, `Marker ${m} could not be found.`))).slice(0, limit);
  const link = (rel: 'next' | 'previous'): { rel: string; href: string } => {
    const q = new URLSearchParams(req.query);
    q.delete('marker');
    const at = rel === 'next' ? out[out.length - 1] : out[0];
    if (at !== undefined) q.set('marker', o.id(at));
    if (rel === 'next') q.delete('page_reverse');
    else q.set('page_reverse', 'True');
    return { rel, href: `${req.base}${o.path}?${q.toString()}` };
  };
  const links = out.length >= limit ? [link('next'), link('previous')] : [link('previous')];
  return { items: out, fields: { [`${o.key}_links`]: links } };
}

/** The items after the request's marker (all of them without one); `missing` answers a marker that names none. */
function afterMarker<T>(req: SimRequest, items: readonly T[], o: PageOptions<T>, missing: (marker: string) => never): readonly T[] {
  const marker = req.query.get('marker');
  if (!marker) return items;
  const at = items.findIndex((x) => o.id(x) === marker);
  if (at < 0) missing(marker);
  return items.slice(at + 1);
}
