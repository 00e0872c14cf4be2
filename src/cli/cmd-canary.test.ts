import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canaryPrefix, isCanaryCluster, nextStart, parseInterval, parseListen } from './cmd-canary.js';
import { clusterName } from '../site/schema.js';

test('canary cluster names: the site\'s name and a short run id, a valid Magnum name within the CAPI Helm driver\'s 30 characters', () => {
  for (const site of ['roosevelt', 'sim', '9lives', 'a-very-long-site-name-indeed-longer-than-thirty']) {
    const name = `${canaryPrefix(site)}0a1b2c`;
    assert.ok(name.length <= 30, name);
    assert.ok(clusterName.safeParse(name).success, name);
    assert.ok(isCanaryCluster(site, name), name);
  }
  assert.equal(canaryPrefix('roosevelt'), 'roosevelt-canary-');
  assert.equal(isCanaryCluster('roosevelt', 'roosevelt-canary-0a1b2'), false, 'id too short');
  assert.equal(isCanaryCluster('roosevelt', 'roosevelt-canary-0a1b2cd'), false, 'id too long');
  assert.equal(isCanaryCluster('roosevelt', 'capi-test-1'), false, 'the site file\'s own cluster is never a canary leftover');
  assert.equal(isCanaryCluster('roosevelt', 'roosevelt-canary-zzzzzz'), false);
});

test('schedule: fixed slots every interval from the first start; missed slots are skipped; jitter is added', () => {
  assert.deepEqual(nextStart(0, 100, 30, 0, () => 0), { slot: 100, at: 100 });
  assert.deepEqual(nextStart(0, 100, 100, 0, () => 0), { slot: 100, at: 100 });
  assert.deepEqual(nextStart(0, 100, 250, 0, () => 0), { slot: 300, at: 300 }, 'a run that overran two slots starts at the next one');
  assert.deepEqual(nextStart(0, 100, 30, 10, () => 0.5), { slot: 100, at: 105 });
});

test('--listen and durations: bad input is a usage error with a hint', () => {
  assert.deepEqual(parseListen('127.0.0.1:9464'), { host: '127.0.0.1', port: 9464 });
  assert.deepEqual(parseListen('[::1]:9464'), { host: '::1', port: 9464 });
  for (const bad of ['9464', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', 'host:port']) {
    assert.throws(() => parseListen(bad), (e: Error & { code?: string; hint?: string }) => e.code === 'CAPI_GATE_USAGE' && /HOST:PORT/.test(e.message) && !!e.hint, bad);
  }
  assert.equal(parseInterval('6h', '--every', 1000), 21_600_000);
  assert.throws(() => parseInterval('6 hours', '--every', 1000), /--every "6 hours": not a duration/);
  assert.throws(() => parseInterval('10ms', '--every', 1000), /at least/);
});
