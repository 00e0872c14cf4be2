import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../http/errors.js';
import type { Cluster } from '../openstack/index.js';
import { clusterRow, nodegroupsPending } from './8.1-create.js';

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

test('nodegroups pending: the counts of a cluster just created are read only once the conductor has written both nodegroups', () => {
  const asked = { masterCount: 1, nodeCount: 2 };
  const row = (status: string, masterCount: number | undefined, nodeCount: number | undefined) => ({ uuid: 'u', name: 'n', status, masterCount, nodeCount }) as Cluster;
  // Zed's conductor: the row (0/0), the master nodegroup (1/0), the workers' (1/2), one commit each
  assert.equal(nodegroupsPending(row('CREATE_IN_PROGRESS', 0, 0), asked), true);
  assert.equal(nodegroupsPending(row('CREATE_IN_PROGRESS', 1, 0), asked), true);
  assert.equal(nodegroupsPending(row('CREATE_IN_PROGRESS', 1, 2), asked), false);
  assert.equal(nodegroupsPending(row('CREATE_IN_PROGRESS', undefined, undefined), asked), false, 'an API that does not say');
  assert.equal(nodegroupsPending(row('CREATE_FAILED', 1, 0), asked), false, 'past the start: what it says is what it is');
});
