// A watch broken mid-wait resumes without a missed event (issue 20): the simulated apiserver
// drops the watch connection, or answers 410 Expired after compacting its history, while objects
// change; the wait still sees every change. A client that reconnected without its
// resourceVersion would never see the DELETED of an object removed during the break, and one
// that retried the expired resourceVersion would never get past the 410: both time out here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startApiServer } from '../../sim/kube/apiserver.js';
import { CORE_RESOURCES } from '../../sim/kube/resources.js';
import { KubeStore } from '../../sim/kube/store.js';
import type { KObject } from '../../sim/kube/store.js';
import { createTestCa, issueClientCert, issueServingCert } from '../../sim/kube/tls.js';
import { realClock } from '../core/clock.js';
import { runWaiter } from '../engine/waiter.js';
import { KubeClient } from './client.js';
import { watchedWait } from './watch-wait.js';

const HOST = '127.84.20.10';
const NS = 'w';

function pod(name: string): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS } as KObject['metadata'], spec: { containers: [{ name: 'c', image: 'x' }] }, status: { phase: 'Running' } };
}

async function until(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a watch dropped mid-wait resumes from its resourceVersion, and one answered 410 re-lists: no change is missed', async () => {
  const ca = await createTestCa('watch-test');
  const serving = await issueServingCert(ca.certPem, ca.keyPem, { commonName: 'kube-apiserver', ips: [HOST], dns: [] });
  const client = await issueClientCert(ca.certPem, ca.keyPem, { commonName: 'admin', organization: 'system:masters' });
  const store = new KubeStore(CORE_RESOURCES, () => Date.now(), () => randomUUID());
  store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } as KObject['metadata'] });
  for (const n of ['a', 'b']) store.create('pods', pod(n));
  const api = await startApiServer({ host: HOST, port: 6443, caCertPem: ca.certPem, servingCertPem: serving.certPem, servingKeyPem: serving.keyPem, bookmarkEveryMs: 50,
    backend: { store, kubeVersion: 'v1.34.8', now: () => Date.now() } });
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const kc = KubeClient.fromString(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: '${api.url}', certificate-authority-data: ${b64(ca.certPem)}}}]
users: [{name: admin, user: {client-certificate-data: ${b64(client.certPem)}, client-key-data: ${b64(client.keyPem)}}}]
contexts: [{name: default, context: {cluster: c, user: admin}}]
current-context: default
`);
  const signal = new AbortController().signal;
  const pods = kc.reflectPods({ clock: realClock, backoff: { initialMs: 150, maxMs: 500, factor: 2, jitter: 0 } }, { namespace: NS });
  const watch = watchedWait([pods]);
  const names = async (s: AbortSignal) => (await pods.items(s)).map((p) => p.metadata?.name ?? '?').sort().join(',');
  const waitFor = (want: string) => runWaiter({
    name: 'pods', what: `pods ${want}`, deadlineMs: 5_000,
    // A safety-net poll far beyond the deadline: only the watch can end this wait in time.
    backoff: { initialMs: 60_000, maxMs: 60_000, factor: 1, jitter: 0 },
    poll: names, state: (v) => v, wake: watch.wake, requests: watch.requests, mode: watch.mode,
    acceptors: [{ state: 'success', matcher: (v) => v === want }],
  }, { clock: realClock }, signal);
  try {
    await pods.start(signal);
    assert.equal(await names(signal), 'a,b');
    await until(() => api.watches.active === 1, 'the watch is open');
    await until(() => pods.stats.bookmarks > 0, 'a BOOKMARK arrived');

    // 1. The connection drops; while the client backs off, a is deleted and c created.
    const waiting = waitFor('b,c');
    assert.equal(api.watches.dropAll(), 1);
    store.remove('pods', NS, 'a');
    store.create('pods', pod('c'));
    const r1 = await waiting;
    assert.equal(r1.outcome, 'success');
    assert.ok(pods.log.includes(`DELETED ${NS}/a`), `the DELETED event of a came through the resumed watch: ${pods.log.join('; ')}`);
    assert.equal(pods.stats.lists, 1, 'resumed from the resourceVersion: no re-list');
    assert.ok(pods.stats.reconnects >= 1);
    assert.match(r1.mode ?? '', /^watch \(.*reconnects/);

    // 2. The connection drops and the history is compacted: the resume gets 410, the client re-lists.
    await until(() => api.watches.active === 1, 'the watch is open again');
    const waiting2 = waitFor('c,d');
    api.watches.dropAll();
    store.remove('pods', NS, 'b');
    store.create('pods', pod('d'));
    store.compact();
    const r2 = await waiting2;
    assert.equal(r2.outcome, 'success');
    assert.ok(api.watches.stats.expired >= 1, 'the server answered 410 Expired');
    assert.ok(pods.stats.relists >= 1 && (pods.stats.lists as number) === 2, `re-listed once: ${JSON.stringify(pods.stats)}`);
    assert.ok(pods.log.includes(`DELETED ${NS}/b (re-list)`), pods.log.join('; '));
    await until(() => api.watches.active === 1, 'watching again after the re-list');

    // 3. Still live: a change after all that wakes the wait at once.
    const waiting3 = waitFor('c');
    store.remove('pods', NS, 'd');
    assert.equal((await waiting3).outcome, 'success');
    assert.equal(pods.mode, 'watch');
    // list + watch per connection: 2 lists, 3 watches, no polls
    assert.equal(pods.requests, pods.stats.lists + pods.stats.watches);
    assert.equal(pods.stats.polls, 0);
  } finally {
    await pods.closed();
    await api.close();
  }
});

test('the sim refuses a protobuf-only watch stream with 406, and serves JSON when JSON is acceptable', async () => {
  const { protobufOnly } = await import('../../sim/kube/watch.js');
  assert.equal(protobufOnly('application/vnd.kubernetes.protobuf;stream=watch'), true);
  assert.equal(protobufOnly('application/vnd.kubernetes.protobuf;stream=watch, application/json'), false);
  assert.equal(protobufOnly('application/json'), false);
});
