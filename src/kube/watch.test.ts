import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { realClock } from '../core/clock.js';
import { Reflector } from './watch.js';
import type { ListResult } from './watch.js';

type Obj = { metadata: { name: string; namespace?: string; resourceVersion?: string } };
type Cb = (type: string, obj: unknown) => void;

const kc = new KubeConfig();
const fast = { initialMs: 5, maxMs: 10, factor: 2, jitter: 0 };

function fakeWatch(plan: ((cb: Cb, done: (e: unknown) => void, query: Record<string, unknown>) => void)[]) {
  const queries: Record<string, unknown>[] = [];
  return {
    queries,
    watch: async (_path: string, query: Record<string, unknown>, cb: Cb, done: (e: unknown) => void) => {
      queries.push(query);
      const step = plan.shift() ?? ((_c: Cb, d: (e: unknown) => void) => setTimeout(() => d(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), 1));
      step(cb, done, query);
      return new AbortController();
    },
  };
}

test('a first list that fails is tried again by the next read; the watch asks for bookmarks from the list\'s resourceVersion', async () => {
  let lists = 0;
  const w = fakeWatch([(cb) => cb('ADDED', { metadata: { name: 'b', resourceVersion: '11' } })]);
  const r = new Reflector<Obj>(kc, { path: '/api/v1/pods', list: async (): Promise<ListResult<Obj>> => {
    if (++lists === 1) throw new Error('connection refused');
    return { items: [{ metadata: { name: 'a' } }], metadata: { resourceVersion: '10' } };
  } }, { clock: realClock, backoff: fast, watch: w });
  const signal = new AbortController().signal;
  await assert.rejects(r.items(signal), /connection refused/);
  assert.ok((await r.items(signal)).some((o) => o.metadata.name === 'a'));
  await new Promise((res) => setTimeout(res, 20));
  assert.deepEqual((await r.items(signal)).map((o) => o.metadata.name).sort(), ['a', 'b']);
  assert.equal(w.queries[0]?.['resourceVersion'], '10');
  assert.equal(w.queries[0]?.['allowWatchBookmarks'], true);
  assert.equal(r.resourceVersion, '11');
  await r.closed();
});

test('a watch that cannot be held falls back to polling after 4 failures in a row, backing off between them', async () => {
  let lists = 0;
  const w = fakeWatch([]);
  const r = new Reflector<Obj>(kc, { path: '/api/v1/nodes', list: async () => ({ items: [{ metadata: { name: `n${++lists}` } }], metadata: { resourceVersion: String(lists) } }) }, { clock: realClock, backoff: fast, watch: w });
  const signal = new AbortController().signal;
  await r.start(signal);
  const t0 = Date.now();
  while (r.mode !== 'poll' && Date.now() - t0 < 2_000) await new Promise((res) => setTimeout(res, 5));
  assert.equal(r.mode, 'poll');
  assert.equal(w.queries.length, 4);
  assert.match(r.fallbackReason ?? '', /refused/);
  // every read lists now
  assert.deepEqual((await r.items(signal)).map((o) => o.metadata.name), ['n2']);
  assert.deepEqual((await r.items(signal)).map((o) => o.metadata.name), ['n3']);
  assert.equal(r.stats.polls, 2);
  assert.equal(r.requests, 1 + 4 + 2);
  await r.closed();
});

test('an HTTP 410 on the watch request re-lists; a server-closed watch with events resumes from the last resourceVersion at once', async () => {
  let lists = 0;
  const w = fakeWatch([
    (cb, done) => { cb('MODIFIED', { metadata: { name: 'a', resourceVersion: '21' } }); setTimeout(() => done(null), 1); },
    (_cb, done) => setTimeout(() => done(Object.assign(new Error('Gone'), { statusCode: 410 })), 1),
    () => undefined,
  ]);
  const r = new Reflector<Obj>(kc, { path: '/api/v1/pods', list: async () => ({ items: lists++ ? [] : [{ metadata: { name: 'a' } }], metadata: { resourceVersion: lists === 1 ? '20' : '30' } }) }, { clock: realClock, backoff: fast, watch: w });
  await r.start(new AbortController().signal);
  const t0 = Date.now();
  while (w.queries.length < 3 && Date.now() - t0 < 2_000) await new Promise((res) => setTimeout(res, 5));
  assert.deepEqual(w.queries.map((q) => q['resourceVersion']), ['20', '21', '30']);
  assert.equal(r.stats.relists, 1);
  assert.deepEqual(r.log, ['MODIFIED /a', 'DELETED /a (re-list)']);
  await r.closed();
});
