import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, parseFieldSelector, parseLabelSelector, podStatusText, toTable } from './resources.js';
import type { KObject } from './store.js';

const pod = (name: string, phase: string, extra: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'kube-system', uid: name, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z', labels: { app: name.split('-')[0] ?? '' } },
  spec: { containers: [{ name: 'c' }] }, status: { phase, ...extra },
});

test('ages print like the apiserver (HumanDuration)', () => {
  assert.equal(humanDuration(45_000), '45s');
  assert.equal(humanDuration(150_000), '2m30s');
  assert.equal(humanDuration(3 * 3600_000 + 20 * 60_000), '3h20m');
  assert.equal(humanDuration(5 * 86_400_000), '5d');
});

test('field selectors: the runbook query, ANDed terms, unsupported fields are a 400 reason', () => {
  const f = parseFieldSelector('pods', 'status.phase!=Running,status.phase!=Succeeded');
  assert.equal(f(pod('a', 'Running')), false);
  assert.equal(f(pod('b', 'Succeeded')), false);
  assert.equal(f(pod('c', 'Pending')), true);
  assert.equal(parseFieldSelector('services', 'metadata.name=rr')({ ...pod('rr', 'x'), kind: 'Service' }), true);
  assert.throws(() => parseFieldSelector('pods', 'spec.bogus=1'), /field label not supported: spec.bogus/);
  assert.throws(() => parseFieldSelector('nodes', 'status.phase=Running'), /not supported/);
});

test('label selectors: =, !=, exists, in/notin', () => {
  const o = pod('rr-x', 'Running');
  assert.equal(parseLabelSelector('app=rr')(o), true);
  assert.equal(parseLabelSelector('app!=rr')(o), false);
  assert.equal(parseLabelSelector('app in (x,rr)')(o), true);
  assert.equal(parseLabelSelector('app notin (rr)')(o), false);
  assert.equal(parseLabelSelector('!app')(o), false);
  assert.equal(parseLabelSelector('app')(o), true);
});

test('pod STATUS: CrashLoopBackOff from the waiting reason, Completed for Succeeded, Terminating when deleting', () => {
  assert.equal(podStatusText(pod('ccm', 'Running', { containerStatuses: [{ name: 'c', ready: false, restartCount: 7, image: '', imageID: '', state: { waiting: { reason: 'CrashLoopBackOff' } } }] })), 'CrashLoopBackOff');
  assert.equal(podStatusText(pod('job', 'Succeeded', { containerStatuses: [{ name: 'c', ready: false, restartCount: 0, image: '', imageID: '', state: { terminated: { reason: 'Completed', exitCode: 0 } } }] })), 'Completed');
  const p = pod('x', 'Running');
  p.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  assert.equal(podStatusText(p), 'Terminating');
});

test('node tables carry the -o wide columns at priority 1', () => {
  const t = toTable('nodes', [], Date.now(), '5') as { columnDefinitions: { name: string; priority: number }[] };
  assert.deepEqual(t.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name), ['Name', 'Status', 'Roles', 'Age', 'Version']);
  assert.deepEqual(t.columnDefinitions.filter((c) => c.priority === 1).map((c) => c.name), ['Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime']);
});
