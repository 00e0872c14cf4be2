import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCapiGateError } from '../core/errors.js';
import { MAX_PAGES, allPages, nextFromLinks, nextFromUrl } from './paging.js';
import type { PageRequest } from './paging.js';

test('next links: Neutron/Nova/Octavia rel=next, a Magnum next URL, a Glance next path', () => {
  assert.deepEqual(
    nextFromLinks([
      { rel: 'previous', href: 'http://127.0.0.1:9696/v2.0/ports?limit=2&marker=a&page_reverse=True' },
      { rel: 'next', href: 'http://127.0.0.1:9696/v2.0/ports?limit=2&marker=b' },
    ]),
    { marker: 'b', limit: '2' },
  );
  assert.equal(nextFromLinks([{ rel: 'previous', href: 'http://x/v2.0/ports?marker=a' }]), undefined);
  assert.equal(nextFromLinks([]), undefined);
  assert.equal(nextFromLinks(null), undefined);
  assert.deepEqual(nextFromUrl('http://127.0.0.1:9511/v1/clusters?limit=1000&marker=6f3c'), { marker: '6f3c', limit: '1000' });
  assert.deepEqual(nextFromUrl('/v2/images?name=ubuntu&marker=0d7e'), { marker: '0d7e' });
  assert.equal(nextFromUrl('/v2/images?name=ubuntu'), undefined, 'a next link without a marker');
  assert.equal(nextFromUrl('http://[bad'), undefined);
  assert.equal(nextFromUrl(undefined), undefined);
});

function pages(book: Record<string, { items: string[]; next?: string }>) {
  const asked: (string | undefined)[] = [];
  const fetch = (next: PageRequest | undefined) => {
    asked.push(next?.marker);
    const p = book[next?.marker ?? ''];
    if (!p) throw new Error(`no page ${next?.marker}`);
    return Promise.resolve({ items: p.items, next: p.next ? { marker: p.next } : undefined });
  };
  return { asked, fetch };
}

test('allPages follows each next marker to the page without one', async () => {
  const p = pages({ '': { items: ['a', 'b'], next: 'b' }, b: { items: ['c', 'd'], next: 'd' }, d: { items: ['e'] } });
  assert.deepEqual(await allPages('ports', p.fetch), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(p.asked, [undefined, 'b', 'd']);
});

test('allPages stops at an empty page (Nova and Magnum link the next page whenever one is full)', async () => {
  const p = pages({ '': { items: ['a'], next: 'a' }, a: { items: [], next: 'z' } });
  assert.deepEqual(await allPages('servers', p.fetch), ['a']);
  assert.deepEqual(p.asked, [undefined, 'a']);
});

test('allPages: a marker handed back twice is a bad response, not an endless loop', async () => {
  const p = pages({ '': { items: ['a'], next: 'a' }, a: { items: ['b'], next: 'a' } });
  await assert.rejects(allPages('networks', p.fetch), (e: unknown) => isCapiGateError(e, 'CAPI_GATE_BAD_RESPONSE') && /listing networks: .*marker a twice/.test(e.message) && Boolean(e.hint));
});

test('allPages: more than MAX_PAGES pages is a bad response, never a list cut short', async () => {
  let n = 0;
  await assert.rejects(
    allPages('floating IPs', () => Promise.resolve({ items: [n], next: { marker: String(++n) } })),
    (e: unknown) => isCapiGateError(e, 'CAPI_GATE_BAD_RESPONSE') && new RegExp(`after ${MAX_PAGES}`).test(e.message) && /pagination_max_limit/.test(e.hint ?? ''),
  );
  assert.equal(n, MAX_PAGES);
});
