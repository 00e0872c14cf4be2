import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FaultEngine } from './faults.js';
import { Rng } from './rand.js';

const call = (over: Partial<{ service: string; method: string; path: string; principal: string; phase: 'http' | 'driver' }> = {}) => ({
  service: 'magnum', method: 'GET', path: '/v1/clusters/x', principal: 'tenant', phase: 'http' as const, ...over,
});

test('a 5xx burst skips `after` matches then applies `count` times', () => {
  const f = new FaultEngine(new Rng(1), () => 1);
  f.add({ id: 'burst', service: 'magnum', path: '^/v1/clusters/', after: 1, count: 2, action: { type: 'status', status: 503 } });
  const statuses = [1, 2, 3, 4].map(() => f.decide(call()).action);
  assert.equal(statuses[0], undefined);
  assert.equal(statuses[1]?.type === 'status' && statuses[1].status, 503);
  assert.equal(statuses[2]?.type === 'status' && statuses[2].status, 503);
  assert.equal(statuses[3], undefined);
  assert.equal(f.list()[0]?.exhausted, true);
});

test('rules match on service, method, principal and phase', () => {
  const f = new FaultEngine(new Rng(1), () => 1);
  f.add({ service: 'octavia', principals: ['appcred'], phase: 'driver', action: { type: 'status', status: 403 } });
  assert.equal(f.decide(call({ service: 'octavia', principal: 'appcred', phase: 'driver' })).action?.type, 'status');
  assert.equal(f.decide(call({ service: 'octavia', principal: 'appcred', phase: 'http' })).action, undefined);
  assert.equal(f.decide(call({ service: 'octavia', principal: 'admin', phase: 'driver' })).action, undefined);
  assert.equal(f.decide(call({ service: 'magnum', principal: 'appcred', phase: 'driver' })).action, undefined);
});

test('delays add up, scale with simMs, and the first terminal action wins', () => {
  const f = new FaultEngine(new Rng(1), () => 0.01);
  f.add([
    { id: 'slow', action: { type: 'delay', ms: 100 } },
    { id: 'slow-sim', action: { type: 'delay', simMs: 10_000 } },
    { id: 'drop', action: { type: 'drop' } },
    { id: 'malformed', action: { type: 'malformed' } },
  ]);
  const d = f.decide(call());
  assert.equal(d.delayMs, 200);
  assert.equal(d.action?.type, 'drop');
  assert.deepEqual(d.ruleIds, ['slow', 'slow-sim', 'drop']);
});

test('probability is seeded: the same seed gives the same sequence', () => {
  const run = (seed: number) => {
    const f = new FaultEngine(new Rng(seed), () => 1);
    f.add({ probability: 0.5, action: { type: 'status', status: 500 } });
    return Array.from({ length: 20 }, () => (f.decide(call()).action ? 1 : 0)).join('');
  };
  assert.equal(run(42), run(42));
  assert.notEqual(run(42), '0'.repeat(20));
  assert.notEqual(run(42), '1'.repeat(20));
});

test('invalid rules are refused with the path of the problem', () => {
  const f = new FaultEngine(new Rng(1), () => 1);
  assert.throws(() => f.add({ action: { type: 'status', status: 99 } }), /action\.status/);
  assert.throws(() => f.add({ service: 'swift', action: { type: 'drop' } }), /service/);
  assert.throws(() => f.add({ path: '(', action: { type: 'drop' } }), /regular expression/);
  assert.equal(f.list().length, 0);
});
