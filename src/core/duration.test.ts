import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from './duration.js';
import { backoffDelay, seededRandom } from './backoff.js';
import { computeVerdict, exitCodeFor } from './results.js';

test('durations parse at the edges and format for humans', () => {
  assert.equal(parseDuration('45m'), 2_700_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('100s'), 100_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('soon'), undefined);
  assert.equal(parseDuration('10'), undefined);
  assert.equal(formatDuration(100_000), '1m40s');
  assert.equal(formatDuration(3_700_000), '1h01m');
  assert.equal(formatDuration(2500), '2.5s');
});

test('backoff is exponential, capped, jittered downwards, and reproducible with a seed', () => {
  const p = { initialMs: 1000, maxMs: 8000, factor: 2, jitter: 0 };
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(p, a)), [1000, 2000, 4000, 8000, 8000, 8000]);
  const j = { ...p, jitter: 0.5 };
  const a = [0, 1, 2].map((n) => backoffDelay(j, n, seededRandom(7)));
  const b = [0, 1, 2].map((n) => backoffDelay(j, n, seededRandom(7)));
  assert.deepEqual(a, b);
  assert.ok(a.every((d, i) => d <= [1000, 2000, 4000][i]! && d >= [500, 1000, 2000][i]!));
});

test('verdict and exit codes follow DESIGN and STYLE', () => {
  assert.equal(computeVerdict(['PASS', 'DEFERRED']), 'ACCEPTED');
  assert.equal(computeVerdict(['PASS', 'OUTSTANDING', 'DEFERRED']), 'FUNCTIONALLY ACCEPTED');
  assert.equal(computeVerdict(['PASS', 'OUTSTANDING', 'ERROR']), 'NOT ACCEPTED');
  assert.equal(computeVerdict(['PASS', 'SKIPPED']), 'NOT ACCEPTED');
  assert.equal(exitCodeFor(['PASS', 'OUTSTANDING'], false), 0);
  assert.equal(exitCodeFor(['PASS', 'FAIL', 'ERROR'], false), 1);
  assert.equal(exitCodeFor(['FAIL'], true), 3);
  assert.equal(exitCodeFor(['PASS', 'ERROR'], false), 4);
});
