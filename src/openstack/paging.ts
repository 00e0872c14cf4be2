// Following a list's pages. A deployment caps its lists (Neutron's and Octavia's
// pagination_max_limit, Nova's and Magnum's [api] max_limit, 1000 by default) and says where the
// rest is: Neutron, Nova and Octavia with a `rel: next` entry in `<key>_links`, Magnum with a
// `next` URL, Glance with a `next` path. A list cut short would hide a leftover or a duplicate,
// so every page is read, and a service that pages for ever is a bad response, not a short list.

import { z } from 'zod';
import { CapiGateError } from '../core/errors.js';

/** `<key>_links` as Neutron, Nova and Octavia send it (absent or null when one page holds all). */
export const pageLinks = z.array(z.object({ rel: z.string(), href: z.string() })).nullish();

/** What a next link asks for: its marker, and its limit when it names one. */
export interface PageRequest {
  readonly marker: string;
  readonly limit?: string;
}

/** The next page a `next` URL (Magnum, Glance) points at; undefined when there is none or it has no marker. */
export function nextFromUrl(href: string | null | undefined): PageRequest | undefined {
  if (!href) return undefined;
  let q: URLSearchParams;
  try {
    q = new URL(href, 'http://relative.invalid').searchParams;
  } catch {
    return undefined;
  }
  const marker = q.get('marker');
  if (!marker) return undefined;
  const limit = q.get('limit');
  return limit ? { marker, limit } : { marker };
}

/** The next page of a `<key>_links` list (its `rel: next` entry). */
export function nextFromLinks(links: readonly { readonly rel: string; readonly href: string }[] | null | undefined): PageRequest | undefined {
  return nextFromUrl(links?.find((l) => l.rel === 'next')?.href);
}

/** More pages than any real list needs (1000 pages of 1000). */
export const MAX_PAGES = 1000;

/**
 * Every item of a paged list: asks for the first page, then for each next one until a page has
 * no next link or no items. A marker the service hands back twice (it would loop) or more than
 * MAX_PAGES pages is CAPI_GATE_BAD_RESPONSE.
 */
export async function allPages<T>(
  what: string,
  fetchPage: (next: PageRequest | undefined) => Promise<{ readonly items: readonly T[]; readonly next: PageRequest | undefined }>,
): Promise<T[]> {
  const out: T[] = [];
  const seen = new Set<string>();
  let next: PageRequest | undefined;
  for (let page = 0; ; page++) {
    if (page >= MAX_PAGES) {
      throw new CapiGateError('CAPI_GATE_BAD_RESPONSE', `listing ${what}: still more pages after ${MAX_PAGES}`, {
        hint: 'The service keeps handing out next links; check its pagination settings (pagination_max_limit / [api] max_limit).',
      });
    }
    const res = await fetchPage(next);
    out.push(...res.items);
    next = res.next;
    if (!next || res.items.length === 0) return out;
    if (seen.has(next.marker)) {
      throw new CapiGateError('CAPI_GATE_BAD_RESPONSE', `listing ${what}: the service sent the next-page marker ${next.marker} twice`, {
        hint: 'Its pages would never end; this is a bug or a misconfiguration of the service, not of capi-gate.',
      });
    }
    seen.add(next.marker);
  }
}
