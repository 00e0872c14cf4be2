// 8.3 and D-011.4 against the simulated workload cluster (sim/kube), in-process: the kubeconfig
// is built from a test CA through the CertificateSigner, the Service LBs live in memory, and
// the API-LB failover is a small state machine on the same SimClock. Durations are scaled by
// SCALE; the site deadlines are scaled alike, so "100 s expected" means 100 s of simulated time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { realClock } from '../core/clock.js';
import { EventBus } from '../core/events.js';
import type { RunEvent } from '../core/events.js';
import { Journal } from '../engine/journal.js';
import { runSteps } from '../engine/runner.js';
import type { StepDef, StepRecord } from '../engine/index.js';
import type { DeadlineName } from '../site/schema.js';
import { SimClock } from '../../sim/clock.js';
import { createTestCa, loadKubeScenario, memoryLoadBalancers, occmLoadBalancerName, signCsrWithCa, startKubeApi } from '../../sim/kube/index.js';
import type { KubeApiHandle, KubeScenario } from '../../sim/kube/index.js';
import { exampleSite, tempDir } from '../../test/helpers.js';
import { serviceLoadBalancerMatches } from '../kube/index.js';
import type { KubeOctavia, LoadBalancerState, MagnumAccess, ServiceRef } from '../kube/index.js';
import { CAPTURED } from '../report/captured-keys.js';
import type { Phase08Services } from './services.js';
import { step as step83 } from './8.3-addons.js';
import { step as stepD114 } from './d011-4-octavia.js';

const SCALE = 0.002;
const CLUSTER = 'capi-test-1-kgwwe7c4qj6a';

interface World {
  readonly api: KubeApiHandle;
  readonly clock: SimClock;
  readonly lbs: ReturnType<typeof memoryLoadBalancers>;
  readonly octavia: KubeOctavia & { failovers: number };
  readonly magnum: MagnumAccess & { calls: string[] };
  readonly apiLb: { -readonly [K in keyof LoadBalancerState]: LoadBalancerState[K] };
  /** The Service LBs Octavia still held at each failover call. */
  readonly lbsAtFailover: string[][];
  close(): Promise<void>;
}

/**
 * How the CCM's LB delete goes wrong: `lingerMs` -- it gives up at once (the Service loses its
 * finalizer and goes) while Octavia deletes the LB only after lingerMs (Infinity: never);
 * `error` -- the LB goes to ERROR and the CCM gives up (the Service goes, the LB stays).
 */
type LbDeleteFault = { readonly lingerMs: number } | { readonly error: true };

async function world(host: string, lbBase: string, scenario?: KubeScenario, lbDelete?: LbDeleteFault): Promise<World> {
  const ca = await createTestCa('capi-test-1');
  const clock = new SimClock(SCALE);
  const lbs = memoryLoadBalancers({ clock, firstIp: lbBase, createMs: 30_000, deleteMs: 10_000 });
  const hooks: typeof lbs = !lbDelete ? lbs : {
    ...lbs,
    async delete(lbId) {
      const lb = lbs.list().find((l) => l.id === lbId);
      if (!lb) return;
      if ('error' in lbDelete) {
        (lb as { provisioningStatus: string }).provisioningStatus = 'ERROR';
        throw new Error(`load balancer ${lbId} went to ERROR`);
      }
      lb.provisioningStatus = 'PENDING_DELETE';
      if (Number.isFinite(lbDelete.lingerMs)) clock.after(lbDelete.lingerMs, 'fake-lb: lingered', () => void lbs.delete(lbId));
      throw new Error(`gave up waiting for load balancer ${lbId} to be deleted`);
    },
  };
  const api = await startKubeApi({
    host, port: 6443, caCertPem: ca.certPem, caKeyPem: ca.keyPem, clock, hooks, faults: scenario?.kube ?? {},
    model: { clusterName: CLUSTER, masterCount: 1, nodeCount: 2, kubeVersion: 'v1.34.8' },
  });
  const apiLb = { id: '0f968008-8429-4ac3-8b82-452e126982cf', name: `k8s-clusterapi-cluster-magnum-x-${CLUSTER}-kubeapi`, provisioningStatus: 'ACTIVE', operatingStatus: 'ONLINE' };
  const failoverMs = scenario?.octavia.failoverMs ?? 100_000;
  const blackoutMs = scenario?.octavia.blackoutMs ?? 25_000;
  const lbsAtFailover: string[][] = [];
  const octavia = {
    failovers: 0,
    async serviceLoadBalancers(svc: ServiceRef) {
      assert.equal(svc.capiCluster, CLUSTER, 'the step passes the CAPI cluster name (capi_suffix)');
      return lbs.list().filter((l) => serviceLoadBalancerMatches(l.name, svc) && l.name === occmLoadBalancerName(CLUSTER, svc.namespace, svc.name)).map((l) => ({ id: l.id, name: l.name, provisioningStatus: l.provisioningStatus, operatingStatus: 'ONLINE' }));
    },
    async failover(id: string) {
      lbsAtFailover.push(lbs.list().map((l) => `${l.name} ${l.provisioningStatus}`));
      if (id !== apiLb.id) throw Object.assign(new Error('404'), { status: 404 });
      if (apiLb.provisioningStatus !== 'ACTIVE' && apiLb.provisioningStatus !== 'ERROR') throw Object.assign(new Error(`409 Invalid state ${apiLb.provisioningStatus}`), { status: 409 });
      octavia.failovers++;
      apiLb.provisioningStatus = 'PENDING_UPDATE';
      // the replacement amphora takes over the VIP a little before the end: the brief blip
      clock.after(Math.max(0, failoverMs - blackoutMs - 10_000), 'failover: vip moves', () => api.blackout(blackoutMs));
      clock.after(failoverMs, 'failover: done', () => { apiLb.provisioningStatus = 'ACTIVE'; });
    },
    async getLoadBalancer(id: string) {
      return id === apiLb.id ? { ...apiLb } : undefined;
    },
  };
  const calls: string[] = [];
  const magnum = {
    calls,
    async getCa(c: string) { calls.push(`GET /v1/certificates/${c}`); return ca.certPem.trim(); },
    async signCsr(c: string, csr: string) { calls.push(`POST /v1/certificates ${c}`); return signCsrWithCa(ca.certPem, ca.keyPem, csr); },
    async locate() { return { uuid: '6de15cf4-8805-4ac2-b413-8de2c48d92cf', apiAddress: `https://${host}:6443` }; },
  };
  return { api, clock, lbs, octavia, magnum, apiLb, lbsAtFailover, async close() { await api.close(); clock.close(); } };
}

const scaled = (ms: number) => Math.max(1, Math.round(ms * SCALE));

async function run(w: World, opts: { runsDir: string; selected?: string[]; signal?: AbortSignal; onEvent?: (e: RunEvent) => void; deadlines?: Partial<Record<DeadlineName, number>> }) {
  const site = exampleSite();
  const d = site.deadlinesMs;
  const loaded = {
    ...site,
    deadlinesMs: {
      ...d,
      nodesReady: scaled(d.nodesReady), loadBalancerIp: scaled(d.loadBalancerIp), failover: scaled(d.failover), failoverExpected: scaled(d.failoverExpected), teardown: scaled(d.teardown),
      probe: 2_000,
      ...opts.deadlines,
    },
  };
  const journal = Journal.create(opts.runsDir, { runId: 'kube-1', site: site.site.site, sitePath: site.path, createdAt: Date.now(), selection: { only: [], skip: [] }, version: 'test' });
  const at = Date.now();
  journal.append({ t: 'capture', key: CAPTURED.clusterUuid, value: '6de15cf4-8805-4ac2-b413-8de2c48d92cf', at });
  journal.append({ t: 'capture', key: CAPTURED.apiAddress, value: `${w.api.url}`, at });
  journal.append({ t: 'capture', key: CAPTURED.apiLbId, value: w.apiLb.id, at });
  journal.append({ t: 'capture', key: CAPTURED.capiSuffix, value: CLUSTER, at });
  const bus = new EventBus();
  const events: RunEvent[] = [];
  bus.on((e) => { events.push(e); opts.onEvent?.(e); });
  const services = {
    env: {},
    kube: { magnum: w.magnum, octavia: w.octavia, tuning: { pollMinMs: 40, pollMaxMs: 200, probeIntervalMs: 20, requestTimeoutMs: 3_000 } },
    openstack: async () => { throw new Error('not used by 8.3 / D-011.4'); },
    hosts: {},
  } as unknown as Phase08Services;
  const steps = [step83, stepD114] as StepDef<Phase08Services>[];
  const result = await runSteps({
    steps, selected: new Set(opts.selected ?? steps.map((s) => s.id)), journal, site: loaded, services, clock: realClock, bus,
    signal: opts.signal ?? new AbortController().signal, teardownBudgetMs: 30_000, resumed: false,
  });
  return { result, events, journal };
}

function record(r: { result: { records: ReadonlyMap<string, StepRecord> } }, id: string): StepRecord {
  const rec = r.result.records.get(id);
  assert.ok(rec, `${id} has a record`);
  return rec;
}

async function nothingLeft(w: World): Promise<void> {
  assert.equal(w.api.cluster.store.get('apps/deployments', 'default', 'rr'), undefined, 'no rr Deployment remains');
  assert.equal(w.api.cluster.store.get('services', 'default', 'rr'), undefined, 'no rr Service remains');
  assert.deepEqual(w.lbs.list(), [], 'no Service LB remains');
}

test('8.3 and D-011.4 pass on a healthy simulated cluster: kubeconfig 0600, both pods answer, LB gone, failover timed and the blackout reported', async () => {
  const t = tempDir();
  const w = await world('127.84.2.10', '127.84.2.100');
  try {
    const r = await run(w, { runsDir: t.dir });
    const r83 = record(r, '8.3');
    assert.equal(r83.status, 'PASS', r83.summary);
    assert.match(r83.summary, /3 nodes Ready at v1\.34\.8 \(1 control-plane \+ 2 workers\)/);
    // found by the charts' labels, and where: the CCM and Cinder CSI in openstack-system
    assert.match(r83.summary, /Calico \(calico-apiserver\+calico-system\+tigera-operator\), CCM \(openstack-system, 0 restarts, not crash-looping\), Cinder CSI \(openstack-system\), CoreDNS \(kube-system\)/);
    const found = (r83.details as { foundIn: Record<string, { namespaces: string[]; by: string[] }> }).foundIn;
    assert.deepEqual(found.ccm, { namespaces: ['openstack-system'], by: ['label app=openstack-cloud-controller-manager'] });
    assert.deepEqual(found['cinder-csi'], { namespaces: ['openstack-system'], by: ['label app=openstack-cinder-csi'] });
    const d = record(r, 'D-011.4');
    assert.equal(d.status, 'PASS', `${d.summary}\n${d.hint ?? ''}`);
    const dist = (d.details as { distribution: Record<string, number> }).distribution;
    assert.equal(Object.keys(dist).length, 2, 'both pods answered');
    assert.ok(Object.values(dist).every((n) => n >= 5), `round-robin spreads: ${JSON.stringify(dist)}`);
    assert.equal(Object.values(dist).reduce((a, b) => a + b, 0), 20);
    for (const pod of Object.keys(dist)) assert.match(pod, /^rr-[a-z0-9]{10}-[a-z0-9]{5}$/);
    assert.match(d.summary, /failover ACTIVE in/);
    assert.match(d.summary, /blackout|no blackout/);
    assert.equal(w.octavia.failovers, 1);
    assert.deepEqual(w.magnum.calls, ['GET /v1/certificates/6de15cf4-8805-4ac2-b413-8de2c48d92cf', 'POST /v1/certificates 6de15cf4-8805-4ac2-b413-8de2c48d92cf']);
    const kubeconfig = r.result.captured.get(CAPTURED.kubeconfig)!;
    assert.ok(kubeconfig.startsWith(r.result.runDir));
    assert.equal(statSync(kubeconfig).mode & 0o777, 0o600);
    assert.match(readFileSync(kubeconfig, 'utf8'), /client-key-data: "?REDACTED: the client key is not kept/, 'the evidence keeps the certificates, not the client key');
    assert.doesNotMatch(readFileSync(kubeconfig, 'utf8'), /PRIVATE KEY|LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVkt/);
    assert.ok(r.result.captured.get(CAPTURED.failoverDuration));
    assert.equal(r.result.captured.get(CAPTURED.kubeVersion), 'v1.34.8');
    const ev = join(r.result.runDir, 'evidence', '8.3');
    assert.match(readFileSync(join(ev, 'nodes.txt'), 'utf8'), /control-plane-\w+\s+Ready\s+control-plane/);
    assert.match(readFileSync(join(ev, 'pods.txt'), 'utf8'), /openstack-system\s+openstack-cinder-csi-controllerplugin-/);
    assert.match(readFileSync(join(ev, 'addons-found.txt'), 'utf8'), /^ccm\s+openstack-system, by label app=openstack-cloud-controller-manager$/m);
    assert.equal(readFileSync(join(ev, 'pods-not-running.txt'), 'utf8'), 'No resources found\n');
    assert.ok(existsSync(join(r.result.runDir, 'evidence', 'D-011.4', 'failover.json')));
    const fo = JSON.parse(readFileSync(join(r.result.runDir, 'evidence', 'D-011.4', 'failover.json'), 'utf8')) as { states: string[]; blackout: { failed: number } };
    assert.deepEqual(fo.states, ['PENDING_UPDATE/ONLINE', 'ACTIVE/ONLINE']);
    assert.ok(fo.blackout.failed > 0, 'the blip was seen by the probes');
    assert.match(d.summary, /workload API blackout \d/);
    await nothingLeft(w);
    const teardown = r.events.filter((e) => e.type === 'teardown');
    assert.ok(teardown.every((e) => e.type === 'teardown' && e.ok), `teardown ran clean: ${JSON.stringify(teardown)}`);
  } finally {
    await w.close();
    t.cleanup();
  }
});

test('scenario ccm-crashloop: 8.3 fails fast naming the CCM pod, CrashLoopBackOff and its restarts (D-011 item 5)', async () => {
  const t = tempDir();
  const sc = loadKubeScenario('ccm-crashloop');
  const w = await world('127.84.3.10', '127.84.3.100', sc);
  try {
    const r = await run(w, { runsDir: t.dir });
    const r83 = record(r, '8.3');
    assert.equal(r83.status, 'FAIL');
    for (const m of sc.expect!.mentions) assert.ok(r83.summary.includes(m), `summary mentions ${m}: ${r83.summary}`);
    assert.match(r83.summary, /openstack-system\/openstack-cloud-controller-manager-\w+ CrashLoopBackOff, \d+ restarts/);
    assert.match(r83.hint ?? '', /D-011 item 5/);
    assert.match(r83.hint ?? '', /kubectl -n openstack-system logs openstack-cloud-controller-manager-\w+ --previous/);
    assert.equal(r83.playbook, 'uninitialized-taint');
    assert.ok(r83.endedAt - r83.startedAt < scaled(10 * 60_000), 'failed fast, before the nodesReady deadline');
    assert.equal(record(r, 'D-011.4').status, 'SKIPPED');
  } finally {
    await w.close();
    t.cleanup();
  }
});

test('scenario rr-single-pod: D-011.4 fails naming the only pod that answered, and still tears down', async () => {
  const t = tempDir();
  const sc = loadKubeScenario('rr-single-pod');
  const w = await world('127.84.4.10', '127.84.4.100', sc);
  try {
    const r = await run(w, { runsDir: t.dir });
    assert.equal(record(r, '8.3').status, 'PASS');
    const d = record(r, 'D-011.4');
    assert.equal(d.status, 'FAIL');
    const m = /round-robin: only (rr-\S+) answered \(20 of 20 requests\); (rr-\S+) never did/.exec(d.summary);
    assert.ok(m, d.summary);
    assert.notEqual(m[1], m[2]);
    assert.match(d.hint ?? '', /pool members/);
    assert.match(d.summary, /failover ACTIVE in/, 'the failover part still ran');
    await nothingLeft(w);
  } finally {
    await w.close();
    t.cleanup();
  }
});

test('scenario slow-failover: the failover gate fails with the measured duration and the N+1 amphora headroom hint', async () => {
  const t = tempDir();
  const sc = loadKubeScenario('slow-failover');
  const w = await world('127.84.5.10', '127.84.5.100', sc);
  try {
    const r = await run(w, { runsDir: t.dir });
    const d = record(r, 'D-011.4');
    assert.equal(d.status, 'FAIL');
    assert.match(d.summary, /failover: slow-failover: ACTIVE after \d+ms, expected ~200ms \(slow beyond 300ms/);
    assert.match(d.hint ?? '', /N\+1/);
    assert.equal(d.playbook, 'api-lb-error');
    const ms = (d.details as { failoverDurationMs: number }).failoverDurationMs;
    assert.ok(ms >= scaled(250_000) * 0.9, `measured ${ms}`);
    assert.match(d.summary, /round-robin rr-/, 'round-robin still passed');
  } finally {
    await w.close();
    t.cleanup();
  }
});

test('interrupted during the round-robin test: teardown removes the rr Deployment, Service and LB', async () => {
  const t = tempDir();
  const w = await world('127.84.6.10', '127.84.6.100');
  const ac = new AbortController();
  try {
    const r = await run(w, {
      runsDir: t.dir, signal: ac.signal,
      onEvent: (e) => { if (e.type === 'log' && e.stepId === 'D-011.4' && /round-robin over/.test(e.message)) ac.abort(); if (e.type === 'wait-progress' && e.progress.waiter === 'rr-external-ip' && w.lbs.list().length > 0) ac.abort(); },
    });
    assert.equal(r.result.interrupted, true);
    assert.equal(r.result.records.get('D-011.4'), undefined, 'D-011.4 runs again on --resume');
    assert.ok(r.events.some((e) => e.type === 'teardown' && e.name === 'D-011.4' && e.ok), 'teardown ran');
    await nothingLeft(w);
  } finally {
    await w.close();
    t.cleanup();
  }
});

type Cleanup = { ok: boolean; ms: number; error?: string; hint?: string };
function roundRobinEvidence(r: { result: { runDir: string } }): { cleanup: Cleanup } {
  return JSON.parse(readFileSync(join(r.result.runDir, 'evidence', 'D-011.4', 'round-robin.json'), 'utf8')) as { cleanup: Cleanup };
}

const waited = (events: RunEvent[], waiter: string) => events.filter((e): e is Extract<RunEvent, { type: 'wait-progress' }> => e.type === 'wait-progress' && e.progress.waiter === waiter);

test('the rr Service gone but its Octavia LB lingering: rr-teardown-lb waits for it, the failover only after it is gone', async () => {
  const t = tempDir();
  // the CCM gives up (finalizer removed), Octavia deletes the LB 90 s (simulated) later, within the 5 min teardown
  const w = await world('127.84.7.10', '127.84.7.100', undefined, { lingerMs: 90_000 });
  try {
    const r = await run(w, { runsDir: t.dir });
    const d = record(r, 'D-011.4');
    assert.equal(d.status, 'PASS', `${d.summary}\n${d.hint ?? ''}`);
    assert.ok(waited(r.events, 'rr-teardown-lb').length > 0, 'the rr-teardown-lb wait ran');
    assert.match(d.summary, /rr torn down, LB gone in/);
    const { cleanup } = roundRobinEvidence(r);
    assert.equal(cleanup.ok, true, JSON.stringify(cleanup));
    assert.ok(cleanup.ms >= scaled(90_000), `cleanup.ms ${cleanup.ms} covers the LB's lingering (>= ${scaled(90_000)} ms)`);
    assert.equal(w.octavia.failovers, 1);
    assert.deepEqual(w.lbsAtFailover, [[]], 'DOCFIX-040: no Service LB left in Octavia when the failover was called');
    await nothingLeft(w);
  } finally {
    await w.close();
    t.cleanup();
  }
});

test('the rr Service gone but its Octavia LB in ERROR: cleanup fails naming the LB, with the hand-delete hint', async () => {
  const t = tempDir();
  const w = await world('127.84.8.10', '127.84.8.100', undefined, { error: true });
  try {
    const r = await run(w, { runsDir: t.dir });
    const d = record(r, 'D-011.4');
    assert.equal(d.status, 'FAIL', d.summary);
    const lbId = w.lbs.list()[0]?.id;
    assert.ok(lbId, 'the LB is still there (in ERROR)');
    assert.match(d.summary, new RegExp(`teardown: the rr Service's Octavia LB went to ERROR while deleting \\(${lbId}\\)`));
    assert.ok(waited(r.events, 'rr-teardown-lb').length > 0, 'the rr-teardown-lb wait saw it');
    const { cleanup } = roundRobinEvidence(r);
    assert.equal(cleanup.ok, false);
    assert.match(cleanup.error ?? '', /went to ERROR while deleting/);
    assert.match(cleanup.hint ?? '', /openstack loadbalancer delete --cascade ID/, 'the hint is kept in the evidence');
    assert.match(d.hint ?? '', /openstack loadbalancer delete --cascade ID, admin scope/, 'and given to the operator');
    // the failover is called only once the cleanup has settled (here: failed on the ERROR)
    assert.equal(w.lbsAtFailover.length, 1);
    assert.deepEqual(w.lbsAtFailover[0], [`${occmLoadBalancerName(CLUSTER, 'default', 'rr')} ERROR`]);
    const ended = r.events.filter((e) => e.type === 'wait-transition' && e.waiter === 'rr-teardown-lb');
    assert.ok(ended.some((e) => e.type === 'wait-transition' && /ERROR/.test(e.to)), `rr-teardown-lb saw ERROR: ${JSON.stringify(ended)}`);
    assert.ok(r.events.some((e) => e.type === 'teardown' && e.name === 'D-011.4' && !e.ok), 'the step teardown reports the leftover LB too');
  } finally {
    await w.close();
    t.cleanup();
  }
});

test('the rr Service gone but its Octavia LB never deleted: cleanup fails at the teardown deadline with the hint', async () => {
  const t = tempDir();
  const w = await world('127.84.9.10', '127.84.9.100', undefined, { lingerMs: Infinity });
  try {
    const r = await run(w, { runsDir: t.dir });
    const d = record(r, 'D-011.4');
    assert.equal(d.status, 'FAIL', d.summary);
    assert.match(d.summary, /teardown: /);
    const { cleanup } = roundRobinEvidence(r);
    assert.equal(cleanup.ok, false);
    assert.match(cleanup.error ?? '', /rr Service's Octavia LB gone/);
    assert.match(cleanup.hint ?? '', /The CCM did not delete the Service LB: delete it by hand/);
    assert.match(d.hint ?? '', /The CCM did not delete the Service LB: delete it by hand/);
    const deadline = scaled(exampleSite().deadlinesMs.teardown);
    assert.ok(cleanup.ms >= deadline * 0.9, `gave up at the teardown deadline: ${cleanup.ms} ms of ${deadline}`);
    assert.ok(waited(r.events, 'rr-teardown-lb').length > 0, 'the rr-teardown-lb wait ran');
    assert.equal(w.lbsAtFailover.length, 1, 'the failover still ran, after the cleanup had settled');
    assert.equal(w.lbsAtFailover[0]!.length, 1, 'the leftover LB is the rr one');
  } finally {
    await w.close();
    t.cleanup();
  }
});
