import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CloudPort } from '../cloud/port.js';
import { REAL_FAULTS, after, isRealFault } from './faults.js';

test('the real faults are the five of the pure simulator\'s scenarios they mirror', () => {
  assert.deepEqual([...REAL_FAULTS].sort(), ['api-lb-error', 'appcred-deleted', 'mgmt-vm-oom', 'stale-appcred', 'stuck-delete']);
  assert.equal(isRealFault('flaky-apis'), false);
});

test('after(): every call of the cloud waits for the fault, even when the fault failed', async () => {
  const order: string[] = [];
  let release: () => void = () => undefined;
  const first = new Promise<void>((r) => (release = r));
  const cloud = { kind: 'http', externalNetwork: (n: string) => { order.push(`call ${n}`); return Promise.resolve({ id: n, name: n }); }, close: () => Promise.resolve() } as unknown as CloudPort;
  const wrapped = after(first, cloud);
  assert.equal(wrapped.kind, 'http');
  const p = wrapped.externalNetwork('ext');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(order.length, 0, 'no call before the fault is made');
  order.push('fault made');
  release();
  assert.deepEqual(await p, { id: 'ext', name: 'ext' });
  assert.deepEqual(order, ['fault made', 'call ext']);
  const failed = after(Promise.reject(new Error('keystone down')), cloud);
  assert.deepEqual(await failed.externalNetwork('x'), { id: 'x', name: 'x' });
});
