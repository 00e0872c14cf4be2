import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compactIds, exitCodeFor, exitGateOutcome, judge } from './results.js';

const IDS = ['8.0.prereqs', '8.0.image', '8.1', '8.2', 'D-011.1', 'D-011.2', 'D-011.3', '8.5'];

test('a run that leaves counted items out is PARTIAL: exit 5 when the selected steps passed, their own code when not', () => {
  const only = (sel: string[], status: Record<string, 'PASS' | 'FAIL' | 'ERROR'> = {}) => judge(IDS.map((id) => ({ id, status: sel.includes(id) ? status[id] ?? 'PASS' : undefined, ...(id.startsWith('8.0') ? { precondition: true } : {}) })), false);
  const p = only(['8.0.prereqs', '8.0.image']);
  assert.equal(p.verdict, 'PARTIAL');
  assert.equal(p.exitCode, 5);
  assert.deepEqual(p.leftOut, ['8.1', '8.2', 'D-011.1', 'D-011.2', 'D-011.3', '8.5']);
  assert.equal(only(['8.0.prereqs'], { '8.0.prereqs': 'FAIL' }).exitCode, 3, 'a precondition FAIL keeps 3');
  assert.equal(only(['8.1'], { '8.1': 'FAIL' }).exitCode, 1);
  assert.equal(only(['8.1'], { '8.1': 'ERROR' }).exitCode, 4);
  assert.equal(only([]).verdict, 'PARTIAL', 'nothing selected is no verdict');
  assert.equal(only(IDS).verdict, 'ACCEPTED');
  assert.equal(only(IDS).exitCode, 0);
  assert.equal(exitCodeFor(['PASS'], false, true), 5);
});

test('left-out items are written compactly: a group stands for all its members', () => {
  assert.deepEqual(compactIds(['8.1', 'D-011.1', 'D-011.2', 'D-011.3', '8.5'], IDS), ['8.1', 'D-011', '8.5']);
  assert.deepEqual(compactIds(['8.0.image', 'D-011.2'], IDS), ['8.0.image', 'D-011.2']);
  assert.deepEqual(compactIds(['8.0.prereqs', '8.0.image', '8.1', '8.2'], IDS), ['8.0', '8.1', '8.2'], '"8" is not a group: 8.1 and 8.2 stay themselves');
});

test('the exit gate gives no verdict on a partial run, and follows the verdict otherwise', () => {
  const j = judge([{ id: 'a', status: 'PASS' }, { id: 'b', status: undefined }], false);
  assert.deepEqual(exitGateOutcome(j, 'b'), { status: 'SKIPPED', summary: 'no verdict: the gate needs every item; not run here: b' });
  assert.deepEqual(exitGateOutcome(judge([{ id: 'a', status: 'PASS' }, { id: 'b', status: 'OUTSTANDING' }], false), ''), { status: 'PASS', summary: 'FUNCTIONALLY ACCEPTED; open: b OUTSTANDING' });
  assert.deepEqual(exitGateOutcome(judge([{ id: 'a', status: 'FAIL' }], false), ''), { status: 'FAIL', summary: 'NOT ACCEPTED: a FAIL' });
});
