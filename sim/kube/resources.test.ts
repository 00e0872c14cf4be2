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

test('events: the field selectors kubectl describe sends; the Last Seen column counts repeats', () => {
  const ev = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'p.1', namespace: 'ns', uid: 'e', resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' }, involvedObject: { kind: 'Pod', namespace: 'ns', name: 'p', uid: 'u1' }, reason: 'BackOff', type: 'Warning', count: 4, firstTimestamp: '2026-01-01T00:00:00Z', lastTimestamp: '2026-01-01T00:04:00Z', message: 'Back-off', source: { component: 'kubelet', host: 'n1' } } as unknown as KObject;
  assert.equal(parseFieldSelector('events', 'involvedObject.name=p,involvedObject.namespace=ns,involvedObject.uid=u1')(ev), true);
  assert.equal(parseFieldSelector('events', 'involvedObject.uid=other')(ev), false);
  assert.equal(parseFieldSelector('events', 'type=Warning,reason=BackOff')(ev), true);
  const t = toTable('events', [ev], Date.parse('2026-01-01T00:05:00Z'), '9') as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
  assert.deepEqual(t.columnDefinitions.map((c) => c.name).slice(0, 4), ['Last Seen', 'Type', 'Reason', 'Object']);
  assert.deepEqual(t.rows[0]?.cells.slice(0, 6), ['60s (x4 over 5m)', 'Warning', 'BackOff', 'pod/p', '', 'kubelet, n1']);
});

test('printers: a default StorageClass is marked, DaemonSets count, Endpoints truncate after three', () => {
  const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, uid: name, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z', ...extra });
  const sc = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: meta('csi-cinder', { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }), provisioner: 'cinder.csi.openstack.org', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true } as unknown as KObject;
  assert.deepEqual((toTable('storageclasses', [sc], 0, '1') as { rows: { cells: unknown[] }[] }).rows[0]?.cells.slice(0, 5), ['csi-cinder (default)', 'cinder.csi.openstack.org', 'Delete', 'WaitForFirstConsumer', 'true']);
  const ep = { apiVersion: 'v1', kind: 'Endpoints', metadata: meta('x'), subsets: [{ addresses: [{ ip: '1.1.1.1' }, { ip: '1.1.1.2' }, { ip: '1.1.1.3' }, { ip: '1.1.1.4' }], ports: [{ port: 80 }] }] } as unknown as KObject;
  assert.equal((toTable('endpoints', [ep], 0, '1') as { rows: { cells: unknown[] }[] }).rows[0]?.cells[1], '1.1.1.1:80,1.1.1.2:80,1.1.1.3:80 + 1 more...');
  const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta('calico-node'), spec: { template: { spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'calico-node', image: 'i' }] } } }, status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 } } as unknown as KObject;
  assert.deepEqual((toTable('daemonsets', [ds], 0, '1') as { rows: { cells: unknown[] }[] }).rows[0]?.cells.slice(0, 7), ['calico-node', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux']);
});
