// D-011.4's gate on the failover's timing: slow is FAIL only when this process was running to see
// it; a late sight that this process's own stall explains is ERROR (inconclusive).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { step } from './d011-4-octavia.js';
import type { OctaviaObserved } from './d011-4-octavia.js';

const observed = (durationMs: number, stalledMs: number): OctaviaObserved => ({
  rr: { pods: ['rr-a', 'rr-b'], tally: { requests: 20, counts: { 'rr-a': 10, 'rr-b': 10 }, failures: [] }, cleanup: { ok: true, ms: 900 } },
  failover: { lbId: 'lb-1', outcome: 'active', durationMs, stalledMs, states: ['PENDING_UPDATE/ONLINE', 'ACTIVE/ONLINE'], operatingStatuses: ['ONLINE'], final: { id: 'lb-1', name: 'api', provisioningStatus: 'ACTIVE', operatingStatus: 'ONLINE' } },
  expectedMs: 5000,
  deadlineMs: 60_000,
});

const gate = (o: OctaviaObserved) => step.gate(o, {} as never);

test('a failover seen late while this machine stalled long enough to explain it is inconclusive (ERROR), not slow', () => {
  const r = gate(observed(15_000, 9_000));
  assert.equal(r.status, 'ERROR');
  assert.match(r.summary, /^failover: inconclusive: ACTIVE seen after 15s, but this machine stalled 9\.0s of it \(slow beyond 7\.5s, expected ~5\.0s/);
  assert.match(r.hint ?? '', /too busy to time the failover.*--only D-011\.4/);
  assert.equal(r.playbook, undefined, 'no api-lb-error playbook for our own stall');
});

test('slow beyond what the stall explains is the cloud\'s: FAIL slow-failover with the N+1 hint', () => {
  const r = gate(observed(15_000, 2_000));
  assert.equal(r.status, 'FAIL');
  assert.match(r.summary, /failover: slow-failover: ACTIVE after 15s, expected ~5\.0s \(slow beyond 7\.5s/);
  assert.equal(r.playbook, 'api-lb-error');
});

test('on time is PASS whatever the stall', () => {
  assert.equal(gate(observed(6_000, 5_000)).status, 'PASS');
  assert.equal(gate(observed(6_000, 0)).status, 'PASS');
});
