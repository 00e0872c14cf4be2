import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimClock } from './clock.js';

function fakeReal() {
  let t = 0;
  return { now: () => t, set: (v: number) => { t = v; } };
}

test('simulated time runs 1/timeScale faster than real time', () => {
  const real = fakeReal();
  const c = new SimClock(0.01, 1_000_000, real.now);
  real.set(60); // 60 ms of real time
  assert.equal(c.now(), 1_000_000 + 6_000);
  c.close();
});

test('advance fires due timers in order, including timers they schedule', () => {
  const real = fakeReal();
  const c = new SimClock(1, 0, real.now);
  const fired: string[] = [];
  c.after(100, 'b', () => fired.push('b'));
  c.after(50, 'a', () => {
    fired.push('a');
    c.after(10, 'a2', () => fired.push('a2'));
  });
  c.after(500, 'late', () => fired.push('late'));
  c.advance(200);
  assert.deepEqual(fired, ['a', 'a2', 'b']);
  assert.equal(c.pending().length, 1);
  c.close();
});

test('cancel removes a timer; setTimeScale keeps simulated time continuous', () => {
  const real = fakeReal();
  const c = new SimClock(1, 0, real.now);
  let hit = false;
  const t = c.after(10, 'x', () => { hit = true; });
  c.cancel(t);
  c.advance(20);
  assert.equal(hit, false);
  real.set(1000);
  const before = c.now();
  c.setTimeScale(0.5);
  assert.equal(c.now(), before);
  real.set(1100);
  assert.equal(c.now(), before + 200);
  assert.throws(() => c.setTimeScale(0), /positive/);
  assert.throws(() => c.advance(-1), /forward/);
  c.close();
});

test('timers are driven by real timers scaled by timeScale', async () => {
  const c = new SimClock(0.001);
  // The clock's real timers are unref'd (a simulator never holds a process open): keep the loop alive here.
  const keepAlive = setInterval(() => undefined, 1000);
  const start = performance.now();
  await new Promise<void>((resolve) => c.after(20_000, 'twenty simulated seconds', resolve));
  const took = performance.now() - start;
  clearInterval(keepAlive);
  assert.ok(took >= 15 && took < 1000, `took ${took} ms`);
  c.close();
});
