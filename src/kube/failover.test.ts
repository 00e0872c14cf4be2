import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../core/clock.js';
import { probeUntil, summarizeProbes } from './failover.js';
import { distributionText, rrDeployment, rrService } from './roundrobin.js';

test('blackout: windows from a failed probe to the next answer, first and last failed probe', () => {
  const r = summarizeProbes([
    { at: 0, ok: true }, { at: 1000, ok: false, error: 'ECONNRESET' }, { at: 2000, ok: false, error: 'timeout' }, { at: 3000, ok: true },
    { at: 4000, ok: false, error: 'x' }, { at: 4500, ok: true },
  ], 5000);
  assert.deepEqual(r, { probes: 6, failed: 3, blackoutMs: 2500, longestMs: 2000, firstFailedAt: 1000, lastFailedAt: 4000, lastError: 'x' });
  assert.equal(summarizeProbes([{ at: 0, ok: false }], 3000).blackoutMs, 3000, 'still down at the end counts to the end');
  assert.equal(summarizeProbes([{ at: 0, ok: true }], 10).failed, 0);
});

test('probeUntil probes on the clock until stopped', async () => {
  const clock = new VirtualClock(0);
  const stop = new AbortController();
  let n = 0;
  const results = await probeUntil(async () => {
    n++;
    if (n === 3) throw new Error('ECONNREFUSED');
    if (n === 5) stop.abort();
  }, { clock, intervalMs: 1000, timeoutMs: 500, stop: stop.signal, signal: new AbortController().signal });
  assert.deepEqual(results.map((r) => [r.at, r.ok]), [[0, true], [1000, true], [2000, false], [3000, true], [4000, true]]);
});

test('the rr objects are what kubectl create deploy / expose send', () => {
  const d = rrDeployment();
  assert.deepEqual(d.spec?.template.spec?.containers[0]?.command, ['/agnhost', 'netexec', '--http-port=8080']);
  assert.equal(d.spec?.template.spec?.containers[0]?.args, undefined);
  assert.equal(d.spec?.replicas, 2);
  const s = rrService();
  assert.deepEqual(s.spec?.ports, [{ protocol: 'TCP', port: 80, targetPort: 8080 }]);
  assert.equal(s.spec?.type, 'LoadBalancer');
  assert.equal(distributionText({ requests: 20, counts: { 'rr-b': 11, 'rr-a': 9 }, failures: [] }), 'rr-a: 9, rr-b: 11 (of 20)');
});
