import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realClock } from '../core/clock.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleSite } from '../../test/helpers.js';
import type { OpenStack } from '../openstack/index.js';
import type { Phase08Services } from '../phase08/index.js';
import { collectDiagnostics } from '../report/diagnostics.js';
import type { JournalRecord } from '../engine/index.js';
import { stuckDelete } from './stuck-delete.js';
import { DELETE_WEDGED } from './stuck-delete.js';
import type { PlaybookContext } from './playbook.js';

const STACK = 'capi-test-1-kgwwe7c4qj6a';
const PID = 'd5bc125c7c1841d389b76cd0a7b0a915';

/** A fake cloud holding one wedged cluster and its CAPO resources; records every mutating call. */
function fakeCloud() {
  const calls: string[] = [];
  let cluster: Record<string, unknown> | undefined = { name: 'capi-test-1', uuid: 'u-1', status: 'DELETE_IN_PROGRESS', statusReason: null, healthStatusReason: {}, stackId: STACK };
  const base = `k8s-clusterapi-cluster-magnum-${PID}-${STACK}`;
  let lbs = [{ id: 'lb-1', name: `${base}-kubeapi`, provisioningStatus: 'ACTIVE', operatingStatus: 'ONLINE', vipPortId: 'p-vip' }, { id: 'lb-2', name: 'kube_service_capi-test-1_default_rr', provisioningStatus: 'ACTIVE', operatingStatus: 'ONLINE', vipPortId: 'p-rr' }];
  let nets = [{ id: 'n-1', name: base }];
  let subnets = [{ id: 's-1', name: base, networkId: 'n-1', cidr: '10.20.16.0/24' }];
  let routers = [{ id: 'r-1', name: base, externalGateway: { networkId: 'ext' } }];
  let sgs = [{ id: 'g-1', name: `k8s-cluster-magnum-${PID}-${STACK}-secgroup-worker` }, { id: 'g-0', name: 'default' }];
  let fips = [{ id: 'f-1', floatingIpAddress: '10.12.7.180', portId: 'p-vip' }];
  const ports = [{ id: 'p-ri', name: '', networkId: 'n-1', deviceOwner: 'network:router_interface' }];
  const os = {
    projectId: PID, tenant: {}, admin: {},
    magnum: { findCluster: () => Promise.resolve(cluster) },
    octavia: {
      listLoadBalancers: () => Promise.resolve(lbs),
      deleteLoadBalancer: (_s: unknown, id: string) => { calls.push(`lb ${id}`); lbs = lbs.filter((l) => l.id !== id); return Promise.resolve(true); },
    },
    neutron: {
      listNetworks: () => Promise.resolve(nets), listSubnets: () => Promise.resolve(subnets), listRouters: () => Promise.resolve(routers),
      listSecurityGroups: () => Promise.resolve(sgs), listPorts: () => Promise.resolve(ports), listFloatingIps: (_s: unknown, f: { port_id?: string }) => Promise.resolve(fips.filter((x) => !f.port_id || x.portId === f.port_id)),
      deleteFloatingIp: (_s: unknown, id: string) => { calls.push(`fip ${id}`); fips = []; return Promise.resolve(true); },
      deletePort: (_s: unknown, id: string) => { calls.push(`port ${id}`); return Promise.resolve(true); },
      removeRouterInterface: (_s: unknown, id: string, t: { subnetId: string }) => { calls.push(`router ${id} remove ${t.subnetId}`); return Promise.resolve(); },
      unsetRouterGateway: (_s: unknown, id: string) => { calls.push(`router ${id} unset gateway`); return Promise.resolve({}); },
      deleteRouter: (_s: unknown, id: string) => { calls.push(`router ${id} delete`); routers = []; return Promise.resolve(true); },
      deleteSubnet: (_s: unknown, id: string) => { calls.push(`subnet ${id}`); subnets = []; return Promise.resolve(true); },
      deleteNetwork: (_s: unknown, id: string) => { calls.push(`network ${id}`); nets = []; return Promise.resolve(true); },
      deleteSecurityGroup: (_s: unknown, id: string) => { calls.push(`sg ${id}`); sgs = sgs.filter((g) => g.id !== id); return Promise.resolve(true); },
    },
  };
  const management = {
    clusters: () => Promise.resolve([{ name: STACK, finalizers: ['cluster.cluster.x-k8s.io'], deleting: true }]),
    openStackCluster: () => Promise.resolve({ name: STACK, finalizers: ['openstackcluster.infrastructure.cluster.x-k8s.io'], deleting: true }),
    clearOpenStackClusterFinalizers: (pid: string, sid: string) => { calls.push(`finalizers ${pid} ${sid}`); cluster = undefined; return Promise.resolve(); },
  };
  return { os: os as unknown as OpenStack, calls, management };
}

function ctxFor(os: OpenStack, management: PlaybookContext['management'], captured: Record<string, string> = {}): PlaybookContext & { said: string[] } {
  const said: string[] = [];
  const services = { openstack: () => Promise.resolve(os), env: {}, kube: { octavia: {} }, hosts: {} } as unknown as Phase08Services;
  return { site: exampleSite(), services, clock: realClock, signal: new AbortController().signal, captured: (k) => captured[k], say: (m) => said.push(m), said, ...(management ? { management } : {}) };
}

test('stuck-delete detect names the wedge, the CAPI objects stuck Deleting and the runbook remedy', async () => {
  const { os, management } = fakeCloud();
  const d = await stuckDelete.detect(ctxFor(os, management));
  assert.equal(d.found, true);
  assert.match(d.evidence, /DELETE_IN_PROGRESS/);
  assert.match(d.evidence, new RegExp(`OpenStackCluster ${STACK} Deleting finalizers \\[openstackcluster`));
  assert.match(d.remedy ?? '', new RegExp(`finalizers in magnum-${PID}`));
  assert.match(d.remedy ?? '', /router remove subnet, router unset --external-gateway, router delete, subnet delete, network delete, security group delete/);
  assert.equal(d.plan?.length, 4);
});

test('stuck-delete detect without management access still finds a delete known to make no progress, and says how to patch by hand', async () => {
  const { os } = fakeCloud();
  const quiet = await stuckDelete.detect(ctxFor(os, undefined));
  assert.equal(quiet.found, false, 'DELETE_IN_PROGRESS alone is not a wedge');
  const d = await stuckDelete.detect(ctxFor(os, undefined, { [DELETE_WEDGED]: 'true' }));
  assert.equal(d.found, true);
  assert.match(d.remedy ?? '', /kubectl -n magnum-\w+ patch openstackcluster capi-test-1-kgwwe7c4qj6a --type=merge/);
  const actions = await stuckDelete.remediate!(ctxFor(os, undefined), d);
  assert.equal(actions.length, 1);
  assert.equal(actions[0]?.ok, false);
  assert.match(actions[0]?.action ?? '', /run by hand/);
});

test('stuck-delete remediate: finalizers first, then LBs, then Neutron in dependency order; idempotent', async () => {
  const { os, calls, management } = fakeCloud();
  const ctx = ctxFor(os, management);
  const d = await stuckDelete.detect(ctx);
  const actions = await stuckDelete.remediate!(ctx, d);
  assert.ok(actions.every((a) => a.ok), JSON.stringify(actions));
  assert.deepEqual(calls, [
    `finalizers ${PID} ${STACK}`,
    'fip f-1', 'lb lb-1', 'lb lb-2',
    'router r-1 remove s-1', 'router r-1 unset gateway', 'router r-1 delete',
    'subnet s-1', 'network n-1', 'sg g-1',
  ]);
  assert.ok(ctx.said.some((m) => /clearing the finalizers/.test(m)));
  calls.length = 0;
  const again = await stuckDelete.remediate!(ctx, d);
  assert.deepEqual(calls, [], 'nothing left to do');
  assert.match(again.map((a) => a.action).join(' '), /nothing left/);
});

test('collectDiagnostics writes the bundle: waiter histograms from the journal, each source, failures noted, secrets redacted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-diag-'));
  try {
    const records: JournalRecord[] = [{ t: 'step-end', step: '8.2', at: 2, startedAt: 1, outcome: { status: 'FAIL', summary: 'CREATE_FAILED', code: 'CAPI_GATE_TERMINAL_STATE', playbook: 'stuck-delete' }, waits: [{ name: 'cluster', what: 'x', outcome: 'failure', value: undefined, startedAt: 1, endedAt: 2, polls: 3, histogram: { CREATE_IN_PROGRESS: 2, CREATE_FAILED: 1 }, timeline: [] }] }];
    const b = await collectDiagnostics(dir, records, {
      cluster: () => Promise.resolve({ status: 'CREATE_FAILED', statusReason: 'password: hunter2hunter2' }),
      loadBalancers: () => Promise.reject(new Error('octavia unreachable')),
    }, new AbortController().signal);
    const s = b.sections as Record<string, unknown>;
    assert.deepEqual((s['waits'] as { histogram: unknown }[])[0]?.histogram, { CREATE_IN_PROGRESS: 2, CREATE_FAILED: 1 });
    assert.deepEqual(s['loadBalancers'], { error: 'octavia unreachable' });
    assert.deepEqual(s['amphorae'], { unavailable: 'no source' });
    assert.equal(b.files.length, 2);
    assert.doesNotMatch(JSON.stringify(s), /hunter2hunter2/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
