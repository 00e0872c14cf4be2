import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUDGET_SLACK, denseStartMs, denseWindow, describeShape, fixedPolls, onSyncTick, pollBudget, shapedDelay, shapedDelayOnTicks } from './schedule.js';
import type { PollShape } from './schedule.js';
import { runWaiter } from './waiter.js';
import { VirtualClock, realClock } from '../core/clock.js';

const failover: PollShape = { expectedMs: 100_000, from: 'runbook: ~100s', floorMs: 1_000, sparseMs: 30_000 };

/** Poll times of a wait whose state arrives at `endMs`, and the detection lag. */
function simulate(s: PollShape, endMs: number): { polls: number[]; lagMs: number } {
  const polls: number[] = [];
  let t = 0;
  const budget = pollBudget(s);
  for (;;) {
    polls.push(t);
    if (t >= endMs) return { polls, lagMs: t - endMs };
    t += shapedDelay(s, t, polls.length, budget);
  }
}

test('sparse early: one sparse interval apart, landing on the start of the dense phase', () => {
  assert.equal(denseStartMs(failover), 90_000);
  assert.equal(shapedDelay(failover, 0, 1), 30_000);
  assert.equal(shapedDelay(failover, 60_000, 3), 30_000, 'the last sparse delay lands on 90 s');
  assert.equal(shapedDelay(failover, 80_000, 3), 10_000);
});

test('dense around the expected end: 2 % of the elapsed wait less twice the answer time, never below the floor, never above the sparse interval', () => {
  assert.equal(shapedDelay(failover, 90_000, 5), 1_800);
  assert.equal(shapedDelay(failover, 100_000, 5, pollBudget(failover), 400), 1_200, 'an answer taking 0.4 s: 2 s less 0.8 s');
  assert.equal(shapedDelay(failover, 100_000, 5, pollBudget(failover), 900), 1_000, 'the floor wins');
  assert.equal(shapedDelay(failover, 200_000, 8), 4_000);
  assert.equal(shapedDelay(failover, 10_000_000, 9), 30_000, 'capped at the sparse interval');
  const create: PollShape = { expectedMs: 600_000, from: 'runbook', floorMs: 5_000, sparseMs: 120_000 };
  assert.equal(shapedDelay(create, 600_000, 12), 12_000);
});

test('the lag of a change at or after the expected end stays within 2 % of the elapsed wait (or the floor), 4 % once the budget is spent', () => {
  for (const end of [90_000, 100_000, 104_000, 115_000]) {
    const { lagMs } = simulate(failover, end);
    assert.ok(lagMs <= Math.max(1_000, 0.02 * (end + lagMs)) + 1, `end ${end}: lag ${lagMs}`);
  }
  // later than the budget covers: within twice that
  for (const end of [140_000, 250_000]) {
    const { lagMs } = simulate(failover, end);
    assert.ok(lagMs <= 0.04 * (end + lagMs) + 1, `end ${end}: lag ${lagMs}`);
  }
  const create: PollShape = { expectedMs: 600_000, from: 'runbook', floorMs: 5_000, sparseMs: 120_000 };
  const { lagMs, polls } = simulate(create, 600_000);
  assert.ok(lagMs <= 12_000, `create: lag ${lagMs}`);
  assert.ok(polls.length <= fixedPolls(600_000, 30_000), `create: ${polls.length} polls, no more than the runbook's fixed 30 s (${fixedPolls(600_000, 30_000)})`);
});

test('the request budget: what the schedule plans to 1.2x the expected end, plus slack; once spent, polls go sparse', () => {
  const b = pollBudget(failover);
  const planned = simulate(failover, 120_000).polls.length;
  // the budget assumes slow answers (a fifth of the target): it covers the planned polls with room
  assert.ok(b >= planned && b <= 2 * planned + BUDGET_SLACK, `budget ${b} vs planned ${planned}`);
  assert.ok(b <= fixedPolls(120_000, 5_000), `budget ${b}: no more than a fixed 5 s poll`);
  assert.equal(shapedDelay(failover, 110_000, b), 4_400, 'budget spent: twice as sparse');
  assert.match(describeShape(failover), /every 30s until 90s, then 2% of the elapsed less the answer's latency \(floor 1\.0s\); expected end 100s \(runbook: ~100s\)/);
});

test('runWaiter follows the shape and reports requests, budget, expected end and schedule', async () => {
  const clock = new VirtualClock();
  const start = clock.now();
  const seen: number[] = [];
  const r = await runWaiter({
    name: 'lb', what: 'lb ACTIVE', deadlineMs: 300_000, shape: failover,
    poll: async () => {
      seen.push(clock.now() - start);
      return clock.now() - start >= 101_000 ? 'ACTIVE' : 'PENDING_UPDATE';
    },
    state: (v) => v,
    acceptors: [{ state: 'success', matcher: (v) => v === 'ACTIVE' }],
  }, { clock }, new AbortController().signal);
  assert.deepEqual(seen.slice(0, 4), [0, 30_000, 60_000, 90_000]);
  assert.ok(r.endedAt - start - 101_000 <= 2_100, `lag ${r.endedAt - start - 101_000}`);
  assert.equal(r.requests, r.polls);
  assert.equal(r.budget, pollBudget(failover));
  assert.equal(r.expectedMs, 100_000);
  assert.match(r.schedule ?? '', /expected end 100s/);
});

test('a wake (a watch saw a change) ends the sleep at once; requests come from the spec', async () => {
  const clock = realClock;
  const start = clock.now();
  let state = 'pending';
  let wakeUp: (() => void) | undefined;
  setTimeout(() => {
    state = 'ready';
    wakeUp?.();
  }, 20);
  const r = await runWaiter({
    name: 'w', what: 'ready', deadlineMs: 3_600_000, backoff: { initialMs: 600_000, maxMs: 600_000, factor: 1, jitter: 0 },
    poll: async () => state,
    wake: () => new Promise<void>((resolve) => { wakeUp = resolve; }),
    requests: () => 2,
    mode: () => 'watch (1 events)',
    state: (v) => v,
    acceptors: [{ state: 'success', matcher: (v) => v === 'ready' }],
  }, { clock }, new AbortController().signal);
  assert.equal(r.polls, 2);
  assert.ok(r.endedAt - start < 600_000, 'did not sleep out the 10 min delay');
  assert.equal(r.requests, 2);
  assert.equal(r.mode, 'watch (1 events)');
});

test('an offset (the process began before the wait: 8.1 sent the create) moves the dense phase earlier in the wait', () => {
  const late: PollShape = { ...failover, offsetMs: 50_000 };
  assert.equal(shapedDelay(late, 40_000, 3), shapedDelay(failover, 90_000, 3), '40 s into the wait is 90 s into the failover');
  assert.equal(shapedDelay(late, 0, 1), 30_000);
  assert.equal(shapedDelay(late, 30_000, 2), 10_000, 'the sparse phase still lands on 90 % of the expected end');
  assert.ok(pollBudget(late) < pollBudget(failover), 'fewer polls to plan for the rest of it');
  assert.match(describeShape(late), /counted from 50s before the wait/);
});

// The runbook's fixed poll as a cap: a fixed poll of F sees an end at T at ceil(T/F) x F, having
// made ceil(T/F) + 1 polls; the shaped poll must never have made more by the time it sees it.
const fixedAtDetection = (endMs: number, everyMs: number) => Math.ceil(endMs / everyMs) + 1;

test('with the runbook\'s fixed interval: never more polls than the fixed poll, for any end and any answer time', () => {
  const shapes: PollShape[] = [
    { ...failover, fixedEveryMs: 15_000 },
    { expectedMs: 180_000, from: 'delete', floorMs: 1_000, sparseMs: 60_000, fixedEveryMs: 15_000 },
    { expectedMs: 600_000, from: 'create', floorMs: 5_000, sparseMs: 120_000, fixedEveryMs: 30_000, offsetMs: 20_000 },
    { expectedMs: 1_300, from: 'a short failover (real test cloud, history)', floorMs: 13, sparseMs: 430, fixedEveryMs: 1_500 },
    { expectedMs: 26_000, from: 'a short create', floorMs: 260, sparseMs: 8_600, fixedEveryMs: 3_000 },
  ];
  for (const s of shapes) {
    const budget = pollBudget(s);
    for (const answer of [0, 150]) {
      for (let end = 1; end <= s.expectedMs * 3; end += Math.max(1, Math.round(s.expectedMs / 97))) {
        const polls: number[] = [];
        let t = 0;
        for (;;) {
          polls.push(t);
          if (t >= end) break;
          t += shapedDelay(s, t, polls.length, budget, answer);
        }
        polls.forEach((at, j) => assert.ok(at >= j * s.fixedEveryMs! - 1e-6, `${s.from}: poll ${j} at ${at} before ${j} x F`));
        assert.ok(polls.length <= fixedAtDetection(end, s.fixedEveryMs!), `${s.from}: end ${end}: ${polls.length} polls, the fixed poll ${fixedAtDetection(end, s.fixedEveryMs!)}`);
      }
    }
  }
});

test('with the fixed interval the dense window narrows to what it can pay for, and holds 2 % inside it', () => {
  const capped: PollShape = { ...failover, fixedEveryMs: 15_000 };
  const w = denseWindow(capped);
  assert.ok(w.early < 0.1 && w.early >= 0.02 && w.late < 0.2 && w.late >= 0.02, `narrowed: -${w.early} +${w.late}`);
  assert.equal(w.sparsePolls, 2, 'two sparse polls kept: a failure state seen within a third of the wait');
  for (const end of [97_000, 100_000, 103_000]) {
    const { lagMs, polls } = simulate(capped, end);
    assert.ok(lagMs <= 0.02 * end, `end ${end}: lag ${lagMs}`);
    assert.ok(polls.length <= fixedAtDetection(end, 15_000));
  }
  // outside the window: within F, as the fixed poll
  for (const end of [50_000, 130_000]) assert.ok(simulate(capped, end).lagMs <= 15_000 * 2);
  // a create (10 min, F 30 s): the allowance pays for the whole window, nothing narrows
  const create: PollShape = { expectedMs: 600_000, from: 'runbook', floorMs: 5_000, sparseMs: 120_000, fixedEveryMs: 30_000 };
  assert.deepEqual({ early: denseWindow(create).early, late: denseWindow(create).late }, { early: 0.1, late: 0.2 });
  assert.equal(shapedDelay(create, 0, 1), 120_000, 'the sparse phase as before');
  // without a fixed interval: the schedule of before
  assert.deepEqual(denseWindow(failover), { early: 0.1, late: 0.2, sparsePolls: Infinity });
  assert.match(describeShape(capped), /^every 3\ds until 9\ds, .*; by any moment no more requests than a fixed 15s poll \(dense -3%\.\.\+7% of the expected end\)/);
});

test('runWaiter spends the fixed poll\'s allowance by requests: a poll that makes an extra request (8.2\'s Octavia read) uses two', async () => {
  const clock = new VirtualClock();
  const start = clock.now();
  const seen: number[] = [];
  let requests = 0;
  const shape: PollShape = { expectedMs: 100_000, from: 'runbook', floorMs: 1_000, sparseMs: 30_000, fixedEveryMs: 15_000 };
  await runWaiter({
    name: 'cluster', what: 'CREATE_COMPLETE', deadlineMs: 3_600_000, shape,
    requests: () => requests,
    poll: async () => {
      const at = clock.now() - start;
      seen.push(at);
      requests += seen.length % 2 === 1 ? 2 : 1; // every other poll also reads Octavia
      return at >= 101_000 ? 'CREATE_COMPLETE' : 'CREATE_IN_PROGRESS';
    },
    state: (v) => v,
    acceptors: [{ state: 'success', matcher: (v) => v === 'CREATE_COMPLETE' }],
  }, { clock }, new AbortController().signal);
  let spent = 0;
  seen.forEach((at, j) => {
    assert.ok(at >= spent * 15_000, `poll ${j} at ${at}: ${spent} requests spent before it, allowance from ${spent * 15_000}`);
    spent += j % 2 === 0 ? 2 : 1;
  });
});

test("on the status sync's ticks: a poll moves back to just after the latest tick before it, or on to the next one; never before the floor and the fixed poll's allowance", () => {
  const sync = { periodMs: 10_000, visibleAt: 1_000_300, widthMs: 200, basis: 3 };
  // ticks seen by ...300 (+ the 2 % margin: 200 ms): polls at ...500
  assert.equal(onSyncTick(sync, 2_000_000, 2_007_000), 2_000_500, 'back to the tick just before: it sees what the later poll would, sooner');
  assert.equal(onSyncTick(sync, 2_000_600, 2_003_000), 2_010_500, 'no tick between: a poll before the next one could see nothing new');
  assert.equal(onSyncTick(sync, 2_000_600, 2_027_000), 2_020_500);
  assert.equal(onSyncTick(sync, 2_000_500, 2_000_500), 2_000_500);
});

test("on the status sync's ticks, the real control plane's create (~25 s, Magnum's 10-s sync, fixed poll 3 s): every end seen within the margin, never more requests than the fixed poll by that moment, never later than the shape alone", () => {
  const P = 10_000;
  const F = 3_000;
  const shape: PollShape = { expectedMs: 25_000, from: 'site history', floorMs: 500, sparseMs: 8_300, fixedEveryMs: F };
  const lags = { on: 0, off: 0 };
  for (let phase = 0; phase < P; phase += 250) {
    const sync = { periodMs: P, visibleAt: 5_000_000 + phase, widthMs: 100, basis: 2 };
    for (const endTick of [2, 3]) {
      const start = 5_000_000; // the wait starts here; the change is visible at a tick between 15 and 35 s in
      const end = start + phase + endTick * P;
      const run = (ticks: boolean) => {
        let t = 0;
        let n = 0;
        const budget = pollBudget(shape);
        for (;;) {
          n++;
          if (start + t >= end) return { n, lag: start + t - end, t };
          t += ticks ? shapedDelayOnTicks({ ...shape, sync }, t, n, budget, 0, n, start + t) : shapedDelay(shape, t, n, budget, 0, n);
        }
      };
      const on = run(true);
      const off = run(false);
      assert.ok(on.lag <= 0.02 * P + 1, `phase ${phase}, tick ${endTick}: seen ${on.lag} ms late`);
      assert.ok(on.lag <= off.lag + 0.02 * P + 1, `phase ${phase}, tick ${endTick}: ${on.lag} ms against ${off.lag} ms without the ticks`);
      lags.on += on.lag;
      lags.off += off.lag;
      assert.ok(on.n <= fixedPolls(on.t, F), `phase ${phase}, tick ${endTick}: ${on.n} requests by ${on.t} ms, the fixed poll ${fixedPolls(on.t, F)}`);
    }
  }
  assert.ok(lags.on * 3 < lags.off, `mean lag on the ticks ${lags.on / 80} ms, without ${lags.off / 80} ms`);
});

test('without a sync phase the delay is the shape\'s own', () => {
  assert.equal(shapedDelayOnTicks(failover, 90_000, 5, 99, 0, 5, 123_456), shapedDelay(failover, 90_000, 5, 99, 0, 5));
});
