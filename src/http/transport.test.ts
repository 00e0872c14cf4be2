import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockAgent } from 'undici';
import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import { realClock } from '../core/clock.js';
import { isCapiGateError } from '../core/errors.js';
import { redactor } from '../core/redact.js';
import { ApiError, CallError } from './errors.js';
import { HttpTransport } from './transport.js';
import type { TraceEntry } from './trace.js';

const ORIGIN = 'http://127.0.0.1:9511';
const signal = new AbortController().signal;

function fakeClock(): Clock & { slept: number[] } {
  let t = Date.UTC(2026, 0, 1);
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep(ms: number) {
      slept.push(ms);
      t += ms;
      return Promise.resolve();
    },
  };
}

function mock(): MockAgent {
  const agent = new MockAgent({ enableCallHistory: true });
  agent.disableNetConnect();
  return agent;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail('expected a rejection');
}

test('GET is retried on 503, Retry-After honoured and capped', async () => {
  const agent = mock();
  const pool = agent.get(ORIGIN);
  pool.intercept({ path: '/v1/clusters', method: 'GET' }).reply(503, 'busy', { headers: { 'retry-after': '2' } });
  pool.intercept({ path: '/v1/clusters', method: 'GET' }).reply(503, 'busy', { headers: { 'retry-after': '3600' } });
  pool.intercept({ path: '/v1/clusters', method: 'GET' }).reply(200, { clusters: [] });
  const clock = fakeClock();
  const t = new HttpTransport({ dispatcher: agent, clock, retry: { maxRetryAfterMs: 5_000 } });
  const res = await t.requestJson({ method: 'GET', url: `${ORIGIN}/v1/clusters`, service: 'magnum', operation: 'list clusters', signal });
  assert.equal(res.status, 200);
  assert.equal(res.attempts, 3);
  assert.deepEqual(clock.slept, [2_000, 5_000]);
  assert.deepEqual(res.data, { clusters: [] });
  assert.equal(agent.getCallHistory()?.calls().length, 3);
});

test('GET retries use capped exponential backoff with jitter, then give up with attempts', async () => {
  const agent = mock();
  agent.get(ORIGIN).intercept({ path: '/x', method: 'GET' }).reply(502, '{"faultstring":"bad gateway"}').times(4);
  const clock = fakeClock();
  const t = new HttpTransport({ dispatcher: agent, clock, random: () => 1, retry: { maxAttempts: 4, backoff: { initialMs: 100, maxMs: 250, factor: 2, jitter: 0.5 } } });
  const e = await rejection(t.request({ method: 'GET', url: `${ORIGIN}/x`, service: 'octavia', operation: 'get lb', signal }));
  assert.ok(e instanceof ApiError);
  assert.equal(e.status, 502);
  assert.equal(e.attempts, 4);
  assert.equal(e.fault, 'server');
  assert.equal(e.retryable, true);
  // jitter 0.5 with random()=1 halves each step: 100, 200, 250(cap) -> 50, 100, 125
  assert.deepEqual(clock.slept, [50, 100, 125]);
});

test('POST is never retried, not even on 503', async () => {
  const agent = mock();
  agent.get(ORIGIN).intercept({ path: '/v1/clusters', method: 'POST' }).reply(503, 'busy', { headers: { 'retry-after': '1' } });
  const clock = fakeClock();
  const t = new HttpTransport({ dispatcher: agent, clock });
  const e = await rejection(t.request({ method: 'POST', url: `${ORIGIN}/v1/clusters`, json: { name: 'c' }, service: 'magnum', operation: 'create cluster', signal }));
  assert.ok(e instanceof ApiError);
  assert.equal(e.attempts, 1);
  assert.deepEqual(clock.slept, []);
  assert.equal(agent.getCallHistory()?.calls().length, 1);
});

test('POST is not replayed after a transport error; GET is', async () => {
  const agent = mock();
  const pool = agent.get(ORIGIN);
  pool.intercept({ path: '/p', method: 'POST' }).replyWithError(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
  pool.intercept({ path: '/g', method: 'GET' }).replyWithError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
  pool.intercept({ path: '/g', method: 'GET' }).reply(200, '{}');
  const t = new HttpTransport({ dispatcher: agent, clock: fakeClock() });
  const e = await rejection(t.request({ method: 'POST', url: `${ORIGIN}/p`, json: {}, service: 'nova', operation: 'start server', signal }));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_TRANSPORT'));
  assert.ok(e instanceof CallError);
  assert.equal(e.attempts, 1);
  assert.match(e.message, /UND_ERR_SOCKET/);
  const ok = await t.request({ method: 'GET', url: `${ORIGIN}/g`, service: 'nova', operation: 'get server', signal });
  assert.equal(ok.attempts, 2);
});

test('a replay-safe POST (token issue) is retried', async () => {
  const agent = mock();
  const pool = agent.get(ORIGIN);
  pool.intercept({ path: '/v3/auth/tokens', method: 'POST' }).reply(503, '');
  pool.intercept({ path: '/v3/auth/tokens', method: 'POST' }).reply(201, '{}');
  const t = new HttpTransport({ dispatcher: agent, clock: fakeClock() });
  const res = await t.request({ method: 'POST', url: `${ORIGIN}/v3/auth/tokens`, json: {}, replaySafe: true, service: 'keystone', operation: 'issue token', signal });
  assert.equal(res.attempts, 2);
});

test('abort during a Retry-After backoff rejects at once with CAPI_GATE_ABORTED', async () => {
  const agent = mock();
  agent.get(ORIGIN).intercept({ path: '/slow', method: 'GET' }).reply(503, '', { headers: { 'retry-after': '20' } }).persist();
  const t = new HttpTransport({ dispatcher: agent, clock: realClock });
  const ac = new AbortController();
  const started = Date.now();
  setTimeout(() => ac.abort(), 50);
  const e = await rejection(t.request({ method: 'GET', url: `${ORIGIN}/slow`, service: 'glance', operation: 'get image', signal: ac.signal }));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_ABORTED'), String(e));
  assert.ok(Date.now() - started < 2_000, 'the 20s backoff was not cancelled');
  assert.equal(agent.getCallHistory()?.calls().length, 1);
});

test('an already-aborted signal sends nothing', async () => {
  const agent = mock();
  const t = new HttpTransport({ dispatcher: agent, clock: fakeClock() });
  const e = await rejection(t.request({ method: 'GET', url: `${ORIGIN}/x`, service: 's', operation: 'o', signal: AbortSignal.abort() }));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_ABORTED'));
  assert.equal(agent.getCallHistory()?.calls().length ?? 0, 0);
});

test('403 exposes status === 403, whose fault, request id and the server message', async () => {
  const agent = mock();
  agent
    .get(ORIGIN)
    .intercept({ path: '/v2.0/lbaas/loadbalancers/lb1/failover', method: 'PUT' })
    .reply(403, '{"faultcode":"Client","faultstring":"Policy does not allow this request to be performed.","debuginfo":null}', {
      headers: { 'content-type': 'application/json', 'x-openstack-request-id': 'req-403' },
    });
  const t = new HttpTransport({ dispatcher: agent, clock: fakeClock() });
  const e = await rejection(t.request({ method: 'PUT', url: `${ORIGIN}/v2.0/lbaas/loadbalancers/lb1/failover`, service: 'octavia', operation: 'failover load balancer', signal }));
  assert.ok(e instanceof ApiError);
  assert.equal(e.code, 'CAPI_GATE_API');
  assert.equal(e.status, 403);
  assert.equal(e.fault, 'client');
  assert.equal(e.retryable, false);
  assert.equal(e.requestId, 'req-403');
  assert.equal(e.attempts, 1);
  assert.equal(e.service, 'octavia');
  assert.equal(e.operation, 'failover load balancer');
  assert.equal(e.message, 'octavia failover load balancer: HTTP 403 Policy does not allow this request to be performed.');
  assert.match(e.hint ?? '', /D-039/);
  assert.match(e.blocks['Last calls'] ?? '', /PUT .*failover -> 403 \d+ms req-403/);
});

test('x-compute-request-id is used when x-openstack-request-id is absent', async () => {
  const agent = mock();
  agent.get(ORIGIN).intercept({ path: '/servers/x', method: 'GET' }).reply(404, '{"itemNotFound":{"code":404,"message":"Instance x could not be found."}}', { headers: { 'x-compute-request-id': 'req-nova' } });
  const t = new HttpTransport({ dispatcher: agent, clock: fakeClock() });
  const e = await rejection(t.request({ method: 'GET', url: `${ORIGIN}/servers/x`, service: 'nova', operation: 'get server', signal }));
  assert.ok(e instanceof ApiError);
  assert.equal(e.requestId, 'req-nova');
  assert.equal(e.serverMessage, 'Instance x could not be found.');
});

test('accepted statuses are returned, not thrown', async () => {
  const agent = mock();
  agent.get(ORIGIN).intercept({ path: '/v1/clustertemplates/t', method: 'GET' }).reply(404, '{}');
  const t = new HttpTransport({ dispatcher: agent, clock: fakeClock() });
  const res = await t.request({ method: 'GET', url: `${ORIGIN}/v1/clustertemplates/t`, accept: [404], service: 'magnum', operation: 'get template', signal });
  assert.equal(res.status, 404);
});

test('malformed JSON is CAPI_GATE_BAD_RESPONSE naming service and operation', async () => {
  const agent = mock();
  agent.get(ORIGIN).intercept({ path: '/v1/clusters/c', method: 'GET' }).reply(200, '{"uuid": "abc", "status":', { headers: { 'content-type': 'application/json' } });
  const t = new HttpTransport({ dispatcher: agent, clock: fakeClock() });
  const e = await rejection(t.requestJson({ method: 'GET', url: `${ORIGIN}/v1/clusters/c`, service: 'magnum', operation: 'get cluster', signal }));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_BAD_RESPONSE'));
  assert.match(e.message, /^magnum get cluster: HTTP 200 answer is not valid JSON/);
});

test('a schema mismatch is CAPI_GATE_BAD_RESPONSE with the path', async () => {
  const agent = mock();
  agent.get(ORIGIN).intercept({ path: '/v1/clusters/c', method: 'GET' }).reply(200, '{"uuid": 7}');
  const t = new HttpTransport({ dispatcher: agent, clock: fakeClock() });
  const e = await rejection(t.requestJson({ method: 'GET', url: `${ORIGIN}/v1/clusters/c`, service: 'magnum', operation: 'get cluster', signal }, z.object({ uuid: z.string() })));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_BAD_RESPONSE'));
  assert.match(e.message, /uuid:/);
});

test('a truncated body is CAPI_GATE_BAD_RESPONSE after the GET retries (real loopback server)', async () => {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
    res.write('{"images":[{"id":"a"');
    setTimeout(() => res.destroy(), 5);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const t = new HttpTransport({ clock: fakeClock(), retry: { maxAttempts: 2 } });
  try {
    const e = await rejection(t.requestJson({ method: 'GET', url: `http://127.0.0.1:${port}/v2/images`, service: 'glance', operation: 'list images', signal }));
    assert.ok(isCapiGateError(e, 'CAPI_GATE_BAD_RESPONSE'), String(e));
    assert.match(e.message, /glance list images: HTTP 200 answer broke off/);
    assert.equal(hits, 2);
  } finally {
    await t.close();
    server.close();
  }
});

test('per-attempt timeout is a transport error', async () => {
  const agent = mock();
  agent.get(ORIGIN).intercept({ path: '/t', method: 'POST' }).reply(200, '{}').delay(500);
  const t = new HttpTransport({ dispatcher: agent, clock: fakeClock() });
  const e = await rejection(t.request({ method: 'POST', url: `${ORIGIN}/t`, json: {}, timeoutMs: 30, service: 's', operation: 'o', signal }));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_TRANSPORT'), String(e));
  assert.match(e.message, /no answer within 30ms/);
});

test('query values that look secret and known secrets never reach the trace or messages', async () => {
  const secret = 'gAAAAAB-known-token-value-0123456789';
  redactor.add(secret);
  const agent = mock();
  agent
    .get(ORIGIN)
    .intercept({ path: (p) => p.startsWith('/v3/x'), method: 'GET' })
    .reply(400, JSON.stringify({ error: { message: `bad token ${secret}` } }), { headers: { 'content-type': 'application/json' } });
  const seen: TraceEntry[] = [];
  const t = new HttpTransport({ dispatcher: agent, clock: fakeClock(), onCall: (e) => seen.push(e) });
  const e = await rejection(
    t.request({ method: 'GET', url: `${ORIGIN}/v3/x`, query: { token: 'abcd-visible?', name: 'n' }, headers: { 'x-auth-token': secret }, service: 'keystone', operation: 'x', signal }),
  );
  assert.ok(e instanceof ApiError);
  const everything = JSON.stringify({ m: e.message, b: e.blocks, h: e.hint, s: e.serverMessage, seen, trace: t.trace.all() });
  assert.ok(!everything.includes(secret), everything);
  assert.ok(!everything.includes('abcd-visible'), everything);
  assert.equal(seen.length, 1);
  // And the header really was sent (the mock saw it), just never recorded.
  const call = agent.getCallHistory()?.calls()[0];
  assert.equal((call?.headers as Record<string, string>)['x-auth-token'], secret);
});
