import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ccmCrashLooping, ccmRunning, evaluateAddons, identifyAddon, nodesTable, podsTable, UNINITIALIZED_TAINT } from './addons.js';
import type { AddonsObservation, NodeRow, PodRow } from './addons.js';

const expect = { masterCount: 1, nodeCount: 2, kubeVersion: 'v1.34.8' };
const node = (name: string, cp = false, over: Partial<NodeRow> = {}): NodeRow => ({
  name, ready: true, status: 'Ready', roles: cp ? ['control-plane'] : [], controlPlane: cp, version: 'v1.34.8', internalIp: '10.20.16.10', externalIp: '<none>',
  osImage: 'Ubuntu 22.04.5 LTS', kernel: '5.15.0-140-generic', runtime: 'containerd://1.7.27', taints: [], createdAt: 0, ...over,
});
const pod = (ns: string, name: string, over: Partial<PodRow> = {}): PodRow => ({
  namespace: ns, name, phase: 'Running', status: 'Running', ready: '1/1', allReady: true, restarts: 0, waiting: [], node: 'n', ip: '1.2.3.4', createdAt: 0, message: '', ...over,
});
const healthy = (): AddonsObservation => ({
  at: 0,
  nodes: [node('cp-1', true), node('w-1'), node('w-2')],
  pods: [
    pod('calico-system', 'calico-node-aaaaa'), pod('tigera-operator', 'tigera-operator-x-bbbbb'), pod('kube-system', 'openstack-cloud-controller-manager-ccccc'),
    pod('kube-system', 'csi-cinder-controllerplugin-x-ddddd', { ready: '6/6' }), pod('kube-system', 'csi-cinder-nodeplugin-eeeee', { ready: '3/3' }),
    pod('kube-system', 'coredns-x-fffff'), pod('kube-system', 'job-done', { phase: 'Succeeded', status: 'Completed', allReady: false, ready: '0/1' }),
  ],
});

test('a converged cluster passes; Calico may live in kube-system or calico-system; csi-cinder-* counts as Cinder CSI', () => {
  assert.equal(evaluateAddons(healthy(), expect).ok, true);
  const ks = healthy();
  const moved = { ...ks, pods: ks.pods.map((p) => (p.name.startsWith('calico') ? { ...p, namespace: 'kube-system' } : p)) };
  assert.equal(evaluateAddons(moved, expect).ok, true);
});

test('node problems: count, NotReady, wrong kubelet version, uninitialized taint', () => {
  const o = healthy();
  const bad = { ...o, nodes: [node('cp-1', true), node('w-1', false, { ready: false, status: 'NotReady' }), node('w-2', false, { version: 'v1.32.13', taints: [`${UNINITIALIZED_TAINT}=true:NoSchedule`] })] };
  const v = evaluateAddons(bad, expect);
  assert.equal(v.ok, false);
  assert.match(v.problems.join('\n'), /not Ready: w-1 \(NotReady\)/);
  assert.match(v.problems.join('\n'), /not the image's v1\.34\.8: w-2 v1\.32\.13/);
  assert.match(v.problems.join('\n'), /uninitialized taint .*: w-2/);
  const few = evaluateAddons({ ...o, nodes: [node('cp-1', true), node('w-1')] }, expect);
  assert.match(few.problems[0] ?? '', /2 nodes \(1 control-plane \+ 1 workers\), expected 3 \(1 control-plane \+ 2 workers\)/);
});

test('CCM: CrashLoopBackOff is crash-looping (fail fast from 3 restarts); a restart after the baseline fails too', () => {
  const o = healthy();
  const looping = { ...o, pods: o.pods.map((p) => (p.name.startsWith('openstack-cloud') ? { ...p, status: 'CrashLoopBackOff', allReady: false, ready: '0/1', restarts: 7, waiting: ['CrashLoopBackOff'] } : p)) };
  const v = evaluateAddons(looping, expect);
  assert.equal(v.crashLooping.length, 1);
  assert.equal(ccmCrashLooping(v).length, 1);
  assert.equal(ccmRunning(looping), false);
  const early = { ...o, pods: o.pods.map((p) => (p.name.startsWith('openstack-cloud') ? { ...p, status: 'CrashLoopBackOff', allReady: false, restarts: 1, waiting: ['CrashLoopBackOff'] } : p)) };
  assert.equal(ccmCrashLooping(evaluateAddons(early, expect)).length, 0, 'one early restart: keep waiting');
  const base = healthy();
  const later = { ...o, pods: o.pods.map((p) => (p.name.startsWith('openstack-cloud') ? { ...p, restarts: 2 } : p)) };
  const r = evaluateAddons(later, expect, base);
  assert.equal(r.ok, false);
  assert.match(r.problems.join(';'), /ccm: restarted while watched: kube-system\/openstack-cloud-controller-manager-ccccc 0 -> 2 restarts/);
  assert.equal(evaluateAddons(later, expect).ok, true, 'restarts before the baseline are only reported');
});

test('stuck pods are named with namespace and phase; missing add-ons are named', () => {
  const o = healthy();
  const v = evaluateAddons({ ...o, pods: [...o.pods.filter((p) => !p.name.startsWith('coredns')), pod('default', 'web-1', { phase: 'Pending', status: 'ContainerCreating', allReady: false })] }, expect);
  assert.match(v.problems.join('\n'), /coredns: no coredns pods/);
  assert.match(v.problems.join('\n'), /pods outside Running\/Succeeded: default\/web-1 Pending \(ContainerCreating\)/);
});

test('evidence tables look like kubectl', () => {
  const o = healthy();
  assert.match(nodesTable(o.nodes, 90_000).split('\n')[0] ?? '', /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP/);
  assert.match(nodesTable(o.nodes, 90_000), /cp-1\s+Ready\s+control-plane\s+90s\s+v1\.34\.8/);
  assert.match(podsTable(o.pods, 0), /kube-system\s+coredns-x-fffff\s+1\/1\s+Running\s+0/);
  assert.equal(podsTable([], 0), 'No resources found\n');
});

test('add-ons are found by their charts\' labels in any namespace, names only as the fallback, and the verdict says where', () => {
  const o = healthy();
  // the capi-helm-charts layout: CCM and Cinder CSI in openstack-system, names the patterns would not know
  const chart: AddonsObservation = {
    ...o,
    pods: [
      ...o.pods.filter((p) => !/cloud-controller|csi-cinder/.test(p.name)),
      pod('openstack-system', 'occm-x1', { labels: { app: 'openstack-cloud-controller-manager', component: 'controllermanager', release: 'ccm-openstack' } }),
      pod('openstack-system', 'cinder-a', { ready: '6/6', labels: { app: 'openstack-cinder-csi', component: 'controllerplugin' } }),
      pod('openstack-system', 'cinder-b', { ready: '3/3', labels: { app: 'openstack-cinder-csi', component: 'nodeplugin' } }),
    ],
  };
  const v = evaluateAddons(chart, expect);
  assert.equal(v.ok, true, v.problems.join('\n'));
  const ccm = v.addons.find((a) => a.addon === 'ccm')!;
  assert.deepEqual([ccm.namespaces, ccm.foundBy], [['openstack-system'], ['label app=openstack-cloud-controller-manager']]);
  const csi = v.addons.find((a) => a.addon === 'cinder-csi')!;
  assert.deepEqual(csi.pods.map((p) => p.name), ['cinder-a', 'cinder-b']);
  assert.deepEqual(v.addons.find((a) => a.addon === 'calico')?.foundBy, ['name ^(calico-|tigera-operator)']);
  assert.deepEqual(identifyAddon(pod('x', 'dns-1', { labels: { 'k8s-app': 'kube-dns' } })), { addon: 'coredns', by: 'label k8s-app=kube-dns' });
  assert.equal(identifyAddon(pod('x', 'nginx-1', { labels: { app: 'nginx' } })), undefined);
  // a node plugin alone is not Cinder CSI: the controller is missing, said so
  const half = evaluateAddons({ ...chart, pods: chart.pods.filter((p) => p.name !== 'cinder-a') }, expect);
  assert.match(half.problems.join('\n'), /cinder-csi: no Cinder CSI controllerplugin pods/);
  // nothing found: the problem names the labels it looked for
  const none = evaluateAddons({ ...chart, pods: chart.pods.filter((p) => !p.labels?.app?.includes('cloud-controller')) }, expect);
  assert.match(none.problems.join('\n'), /no ccm pods \(looked in every namespace for labels app=openstack-cloud-controller-manager/);
  // a crash-looping CCM is seen by its label wherever it runs
  const crash = { ...chart, pods: chart.pods.map((p) => (p.name === 'occm-x1' ? { ...p, status: 'CrashLoopBackOff', allReady: false, ready: '0/1', restarts: 5, waiting: ['CrashLoopBackOff'] } : p)) };
  assert.deepEqual(ccmCrashLooping(evaluateAddons(crash, expect)).map((p) => `${p.namespace}/${p.name}`), ['openstack-system/occm-x1']);
});
