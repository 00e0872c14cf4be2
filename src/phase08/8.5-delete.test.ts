import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../http/errors.js';
import { magnumRowGoing } from './8.5-delete.js';

const err = (status: number, serverMessage: string | undefined) => new ApiError({
  service: 'magnum', operation: 'get cluster', method: 'GET', url: 'http://127.0.0.1:9511/v1/clusters/u', attempts: 1, lastCalls: '', status, requestId: undefined, serverMessage,
});

test('the real Magnum 400 of a deleted cluster whose node groups went first reads as "still going", nothing else does', () => {
  // what the real Zed Magnum answered mid-delete on the real control plane (issue 16 runs)
  assert.equal(magnumRowGoing(err(400, 'Invalid input for field/attribute master_count. Value: 0. Value should be greater or equal to 1')), true);
  assert.equal(magnumRowGoing(err(400, 'Invalid input for field/attribute master_count')), true);
  assert.equal(magnumRowGoing(err(400, 'Invalid input for field/attribute name')), false);
  assert.equal(magnumRowGoing(err(500, 'Invalid input for field/attribute master_count')), false);
  assert.equal(magnumRowGoing(err(400, undefined)), false);
  assert.equal(magnumRowGoing(new Error('Invalid input for field/attribute master_count')), false);
});
