import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../core/clock.js';
import { CapiGateError } from '../core/errors.js';
import { runWaiter, WaitError } from './waiter.js';
import type { WaiterSpec } from './waiter.js';

function statusSequence(states: string[]): () => Promise<string> {
  let i = 0;
  return async () => states[Math.min(i++, states.length - 1)]!;
}

const base = (poll: () => Promise<string>, deadlineMs = 20 * 60_000): WaiterSpec<string> => ({
  name: 'cluster',
  what: 'cluster capi-test-1 to CREATE_COMPLETE',
  poll,
  state: (s) => s,
  deadlineMs,
  acceptors: [
    { state: 'success', matcher: (s) => s === 'CREATE_COMPLETE' },
    { state: 'failure', matcher: (s) => s === 'CREATE_FAILED', message: 'create failed', hint: 'see appendix-A', playbook: 'stuck-delete' },
  ],
});

test('success acceptor ends the wait and records a histogram and timeline', async () => {
  const clock = new VirtualClock();
  const r = await runWaiter(base(statusSequence(['CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS', 'CREATE_COMPLETE'])), { clock, random: () => 0 }, new AbortController().signal);
  assert.equal(r.outcome, 'success');
  assert.deepEqual(r.histogram, { CREATE_IN_PROGRESS: 2, CREATE_COMPLETE: 1 });
  assert.deepEqual(r.timeline.map((t) => t.to), ['CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
  assert.equal(r.timeline[0]!.from, null);
  assert.ok(r.endedAt > r.startedAt, 'virtual time passed between polls');
});

test('failure acceptor stops polling at once and names its playbook', async () => {
  const clock = new VirtualClock();
  let polls = 0;
  await assert.rejects(
    runWaiter(base(async () => { polls++; return polls < 2 ? 'CREATE_IN_PROGRESS' : 'CREATE_FAILED'; }), { clock }, new AbortController().signal),
    (e: unknown) => e instanceof WaitError && e.code === 'CAPI_GATE_TERMINAL_STATE' && e.playbook === 'stuck-delete' && e.hint === 'see appendix-A',
  );
  assert.equal(polls, 2);
});

test('a 20-minute deadline elapses on the virtual clock in well under a second of real time', async () => {
  const clock = new VirtualClock();
  const t0 = performance.now();
  const err = await runWaiter(base(async () => 'CREATE_IN_PROGRESS'), { clock }, new AbortController().signal).catch((e: unknown) => e);
  const realMs = performance.now() - t0;
  assert.ok(err instanceof WaitError);
  assert.equal(err.code, 'CAPI_GATE_TIMEOUT');
  assert.ok(err.result.endedAt - err.result.startedAt >= 20 * 60_000, 'the whole deadline passed in virtual time');
  assert.ok(realMs < 1000, `took ${realMs}ms of real time`);
  assert.match(err.blocks['Observed'] ?? '', /CREATE_IN_PROGRESS x\d+/);
});

test('backoff is capped: polls keep coming at most maxMs apart', async () => {
  const clock = new VirtualClock();
  const times: number[] = [];
  await runWaiter({ ...base(async () => { times.push(clock.now()); return 'CREATE_IN_PROGRESS'; }, 10 * 60_000), backoff: { initialMs: 1000, maxMs: 30_000, factor: 2, jitter: 0 } }, { clock }, new AbortController().signal).catch(() => undefined);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  assert.deepEqual(gaps.slice(0, 5), [1000, 2000, 4000, 8000, 16000]);
  assert.ok(gaps.every((g) => g <= 30_000));
});

test('repeated 403s fail fast with the D-039 hint instead of waiting for the deadline', async () => {
  const clock = new VirtualClock();
  const start = clock.now();
  const forbidden = Object.assign(new CapiGateError('CAPI_GATE_API', 'Policy does not allow this request'), { status: 403 });
  const err = await runWaiter(base(async () => { throw forbidden; }), { clock }, new AbortController().signal).catch((e: unknown) => e);
  assert.ok(err instanceof WaitError);
  assert.equal(err.code, 'CAPI_GATE_FORBIDDEN');
  assert.match(err.hint ?? '', /D-039/);
  assert.match(err.hint ?? '', /load-balancer_member/);
  assert.equal(err.result.polls, 3);
  assert.ok(clock.now() - start < 60_000, 'gave up long before the 20-minute deadline');
});

test('transient errors are retried and counted; a non-retryable error ends the wait', async () => {
  const clock = new VirtualClock();
  let n = 0;
  const r = await runWaiter(base(async () => {
    n++;
    if (n < 3) throw Object.assign(new Error('503'), { status: 503 });
    return 'CREATE_COMPLETE';
  }), { clock }, new AbortController().signal);
  assert.equal(r.histogram['HTTP 503'], 2);
  const fatal = Object.assign(new CapiGateError('CAPI_GATE_API', 'bad request'), { status: 400, retryable: false });
  await assert.rejects(runWaiter(base(async () => { throw fatal; }), { clock }, new AbortController().signal), (e: unknown) => e instanceof WaitError && e.result.polls === 1);
});

test('stall detection fails when nothing changes for stallMs, before the deadline', async () => {
  const clock = new VirtualClock();
  const err = await runWaiter({ ...base(async () => 'CREATE_IN_PROGRESS'), stallMs: 5 * 60_000, stallHint: 'the driver has no create timeout' }, { clock }, new AbortController().signal).catch((e: unknown) => e);
  assert.ok(err instanceof WaitError);
  assert.equal(err.code, 'CAPI_GATE_STALLED');
  assert.match(err.hint ?? '', /no create timeout/, 'the step\'s own stall hint');
  const generic = await runWaiter({ ...base(async () => 'DELETE_IN_PROGRESS'), stallMs: 60_000 }, { clock }, new AbortController().signal).catch((e: unknown) => e);
  assert.ok(generic instanceof WaitError);
  assert.match(generic.hint ?? '', /Nothing changed within the stall window/, 'a delete is not told about create timeouts');
  assert.ok(err.result.endedAt - err.result.startedAt < 20 * 60_000);
});

test('abort cancels a pending backoff sleep promptly', async () => {
  const clock = new VirtualClock();
  const ac = new AbortController();
  const p = runWaiter({ ...base(async () => 'CREATE_IN_PROGRESS'), backoff: { initialMs: 3_600_000, maxMs: 3_600_000, factor: 1, jitter: 0 } }, { clock }, ac.signal);
  setImmediate(() => ac.abort());
  await assert.rejects(p, (e: unknown) => e instanceof WaitError && e.code === 'CAPI_GATE_ABORTED');
});

test('an OpenStack API that stops answering ends the wait unevaluated (CAPI_GATE_TRANSPORT, an ERROR), never a timeout or stall of the cloud', async () => {
  const clock = new VirtualClock();
  const down = (e: object) => async () => {
    if (clock.now() < 60_000) return 'CREATE_IN_PROGRESS';
    throw Object.assign(new CapiGateError('CAPI_GATE_TRANSPORT', 'magnum getCluster: connection refused'), e);
  };
  for (const [label, extra, stallMs] of [
    ['connection refused until the deadline', { service: 'magnum' }, undefined],
    ['503 until the deadline', { service: 'magnum', code: 'CAPI_GATE_API', status: 503 }, undefined],
    ['connection refused past the stall window', { service: 'magnum' }, 5 * 60_000],
  ] as const) {
    const start = clock.now();
    const poll = down(extra);
    const err = await runWaiter({ ...base(async () => { if (clock.now() - start < 60_000) return 'CREATE_IN_PROGRESS'; return poll(); }, 20 * 60_000), ...(stallMs ? { stallMs } : {}) }, { clock }, new AbortController().signal).catch((e: unknown) => e);
    assert.ok(err instanceof WaitError, label);
    assert.equal(err.code, 'CAPI_GATE_TRANSPORT', label);
    assert.equal(err.result.outcome, 'error', label);
    assert.match(err.message, /could not be evaluated: magnum gave no usable answer for the last /, label);
  }
  // A service that is not an OpenStack API (the workload cluster's apiserver) keeps the timeout.
  const kube = await runWaiter(base(async () => { throw Object.assign(new CapiGateError('CAPI_GATE_TRANSPORT', 'kube: refused'), { service: 'kubernetes' }); }, 10 * 60_000), { clock }, new AbortController().signal).catch((e: unknown) => e);
  assert.ok(kube instanceof WaitError);
  assert.equal(kube.code, 'CAPI_GATE_TIMEOUT');
  // The API answers again before the deadline: the cloud was judged, the timeout stands.
  const back = clock.now();
  const recovered = await runWaiter(base(async () => {
    const t = clock.now() - back;
    if (t > 60_000 && t < 120_000) throw Object.assign(new CapiGateError('CAPI_GATE_TRANSPORT', 'reset'), { service: 'magnum' });
    return 'CREATE_IN_PROGRESS';
  }, 10 * 60_000), { clock }, new AbortController().signal).catch((e: unknown) => e);
  assert.ok(recovered instanceof WaitError);
  assert.equal(recovered.code, 'CAPI_GATE_TIMEOUT');
});

test('a wait records its deadline and its detection window: the time between its last two answers', async () => {
  const clock = new VirtualClock();
  const r = await runWaiter({ ...base(statusSequence(['CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS', 'CREATE_COMPLETE'])), backoff: { initialMs: 1000, maxMs: 4000, factor: 2, jitter: 0 } }, { clock, random: () => 0 }, new AbortController().signal);
  assert.equal(r.deadlineMs, 20 * 60_000);
  // Polls at 0, 1000 and 3000 ms: the final state arrived within the last 2000 ms.
  assert.equal(r.detectionWindowMs, 2000);
  const once = await runWaiter(base(statusSequence(['CREATE_COMPLETE'])), { clock, random: () => 0 }, new AbortController().signal);
  assert.equal(once.detectionWindowMs, undefined, 'one answer bounds nothing');
});
