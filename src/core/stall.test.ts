import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { blockFor } from '../../test/helpers.js';
import { openStallWindow, retryIfInconclusive, stallSpoiled, timedTry } from './stall.js';

test('a window counts the time this process could not run, not the time it waited', async () => {
  const quiet = openStallWindow();
  await sleep(600);
  assert.ok(quiet.close() < 900, `an idle wait is not a stall (${quiet.stalledMs()}ms; a loaded machine's own lateness is)`);
  const w = openStallWindow();
  await sleep(150);
  blockFor(1300);
  await sleep(150);
  const s = w.close();
  assert.ok(s >= 1100 && s <= 3000, `a 1.3 s block is counted (${s}ms)`);
  assert.equal(w.close(), s, 'close is idempotent');
  assert.equal(w.stalledMs(), s, 'a closed window keeps its figure');
});

test('a stall before the window opened is not counted; windows overlap independently', async () => {
  const a = openStallWindow();
  await sleep(120);
  blockFor(1000);
  const b = openStallWindow();
  await sleep(150);
  assert.ok(a.close() >= 800, 'the first window saw the block');
  assert.ok(b.close() < 900, `the second opened after it (${b.stalledMs()}ms)`);
});

test('stallSpoiled: a quarter of the deadline, at least 1 s', () => {
  assert.equal(stallSpoiled(1500, 6000), true);
  assert.equal(stallSpoiled(1499, 6000), false);
  assert.equal(stallSpoiled(900, 2000), false, 'never under 1 s');
  assert.equal(stallSpoiled(1000, 2000), true);
});

test('timedTry: only a timeout the stall explains is inconclusive; retryIfInconclusive tries such a check once more', async () => {
  const timeout = () => Object.assign(new Error('no answer'), { code: 'ETIMEDOUT' });
  const fail = (e: unknown, spoiled: { inconclusive: true; stalledMs: number } | undefined) => ({ error: (e as Error).message, ...spoiled });
  // A timeout while this process ran freely: the network's, not inconclusive.
  assert.deepEqual(await timedTry(2000, () => Promise.reject(timeout()), fail), { error: 'no answer' });
  // The same timeout while the process was blocked 1.3 s of a 2 s deadline: inconclusive.
  const spoiled = await timedTry(2000, async () => {
    blockFor(1300);
    await sleep(150);
    throw timeout();
  }, fail);
  assert.equal(spoiled.inconclusive, true);
  assert.ok((spoiled.stalledMs ?? 0) >= 1000, `stalled ${spoiled.stalledMs}ms`);
  // Another error during the same stall is the error it is.
  const refused = await timedTry(2000, async () => {
    blockFor(1300);
    await sleep(150);
    throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
  }, fail);
  assert.deepEqual(refused, { error: 'refused' });

  let tries = 0;
  const answers = [{ inconclusive: true, n: 1 }, { inconclusive: false, n: 2 }];
  const got = await retryIfInconclusive(async () => answers[tries++]!, (second, first) => ({ ...second, n: second.n * 10 + first.n }));
  assert.deepEqual([tries, got], [2, { inconclusive: false, n: 21 }]);
  tries = 0;
  assert.deepEqual(await retryIfInconclusive(async () => (tries++, { ok: true })), { ok: true });
  assert.equal(tries, 1, 'a conclusive answer is not tried again');
});
