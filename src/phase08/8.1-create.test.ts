import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../http/errors.js';
import type { Cluster } from '../openstack/index.js';
import { clusterRow } from './8.1-create.js';

const err = (status: number, serverMessage: string | undefined) => new ApiError({
  service: 'magnum', operation: 'get cluster', method: 'GET', url: 'http://127.0.0.1:9511/v1/clusters/u', attempts: 1, lastCalls: '', status, requestId: undefined, serverMessage,
});

test('the new cluster\'s row: absent while Magnum answers 400 on master_count (node groups not written yet), other errors stay errors', async () => {
  // what the real Zed Magnum answered a GET right after the create, with two creates at once
  assert.equal(await clusterRow(() => Promise.reject(err(400, 'Invalid input for field/attribute master_count. Value: None.'))), null);
  assert.equal(await clusterRow(() => Promise.resolve(undefined)), null);
  const c = { uuid: 'u', name: 'n', status: 'CREATE_IN_PROGRESS' } as Cluster;
  assert.equal(await clusterRow(() => Promise.resolve(c)), c);
  await assert.rejects(clusterRow(() => Promise.reject(err(400, 'Invalid input for field/attribute name'))), /400|Invalid/);
  await assert.rejects(clusterRow(() => Promise.reject(err(500, 'Invalid input for field/attribute master_count'))));
});
