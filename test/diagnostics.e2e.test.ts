// The diagnostics bundle of a failed run, against `capi-gate sim` as a separate process: under
// ccm-crashloop (8.3 fails) it holds the workload cluster's events (the CCM's BackOff in
// openstack-system), the CCM's log tail with its Keystone 401 and the previous container's, and
// the Machines from the management cluster; under stuck-delete (8.5 wedges) the control-plane
// Machine is there, Deleting.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { cli, siteVariantText, startSim } from './reliability/harness.js';

interface Bundle {
  workload: { events: { namespace: string; type: string; reason: string; object: string; message: string }[]; failingPods: { namespace: string; pod: string; status: string; logs: Record<string, string>; previousLogs?: Record<string, string> }[] };
  capiObjects: { kind: string; name: string; phase?: string; deleting?: boolean; nodeName?: string; providerID?: string }[];
}

const bundleOf = (runs: string): Bundle => JSON.parse(readFileSync(join(runs, readdirSync(runs).find((d) => !d.startsWith('.'))!, 'diagnostics', 'diagnostics.json'), 'utf8')) as Bundle;

test('ccm-crashloop: the diagnostics bundle holds the BackOff event, the CCM\'s log tails (401, --previous) and the Machines', { timeout: 600_000 }, async () => {
  const t = tempDir('capi-gate-e2e-diag-ccm-');
  const sim = await startSim(join(t.dir, 'sim'), ['--time-scale', '0.01', '--scenario', 'ccm-crashloop']);
  try {
    const runs = join(t.dir, 'runs');
    const r = await cli(['run', '--site', sim.site, '--runs-dir', runs, '--only', '8.0.prereqs,8.0.image,8.0.template,8.1,8.2,8.3'], { env: sim.env, timeoutMs: 300_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /8\.3 FAIL/);
    const b = bundleOf(runs);
    const backoff = b.workload.events.find((e) => e.reason === 'BackOff');
    assert.ok(backoff, JSON.stringify(b.workload.events.slice(0, 5)));
    assert.equal(backoff.namespace, 'openstack-system');
    assert.match(backoff.object, /^pod\/openstack-cloud-controller-manager-/);
    const ccm = b.workload.failingPods.find((p) => p.pod.startsWith('openstack-cloud-controller-manager-'));
    assert.ok(ccm, JSON.stringify(b.workload.failingPods.map((p) => p.pod)));
    assert.equal(ccm.status, 'CrashLoopBackOff');
    const log = Object.values(ccm.logs).join('\n');
    assert.match(log, /POST https?:\/\/[\d.:]+\/v3\/auth\/tokens\], but got 401 instead/);
    assert.match(log, /Cloud provider could not be initialized/);
    assert.match(Object.values(ccm.previousLogs ?? {}).join('\n'), /Authentication failed/);
    const machines = b.capiObjects.filter((o) => o.kind === 'Machine');
    assert.equal(machines.length, 3, JSON.stringify(b.capiObjects));
    assert.ok(machines.every((m) => m.phase === 'Running' && /^openstack:\/\/\/[0-9a-f-]{36}$/.test(m.providerID ?? '')), JSON.stringify(machines));
  } finally {
    await sim.stop();
    t.cleanup();
  }
});

test('stuck-delete: the diagnostics bundle of the wedged 8.5 shows the control-plane Machine Deleting', { timeout: 600_000 }, async () => {
  const t = tempDir('capi-gate-e2e-diag-stuck-');
  const sim = await startSim(join(t.dir, 'sim'), ['--time-scale', '0.01', '--scenario', 'stuck-delete']);
  try {
    const runs = join(t.dir, 'runs');
    const short = join(sim.dir, 'site-short.yaml');
    writeFileSync(short, siteVariantText(readFileSync(sim.site, 'utf8'), 'capi-test-1', { clusterDelete: '20s', clusterStall: '8s', failover: '20s' }));
    const r = await cli(['run', '--site', short, '--runs-dir', runs, '--only', '8.0.prereqs,8.0.image,8.0.template,8.1,8.2,8.5'], { env: sim.env, timeoutMs: 300_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /8\.5 FAIL/);
    const b = bundleOf(runs);
    const machines = b.capiObjects.filter((o) => o.kind === 'Machine');
    assert.equal(machines.length, 1, JSON.stringify(b.capiObjects));
    assert.match(machines[0]?.name ?? '', /-control-plane-/);
    assert.equal(machines[0]?.phase, 'Deleting');
    assert.equal(machines[0]?.deleting, true);
    assert.ok(b.capiObjects.some((o) => o.kind === 'OpenStackCluster' && o.deleting), JSON.stringify(b.capiObjects));
  } finally {
    await sim.stop();
    t.cleanup();
  }
});
