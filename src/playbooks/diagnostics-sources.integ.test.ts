// The workload part of the failure diagnostics against the simulated workload API, with the
// CCM crash-looping (D-011 item 5's failure): the BackOff event and the CCM's log tail are in.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimClock } from '../../sim/clock.js';
import { createTestCa, signCsrWithCa, startKubeApi } from '../../sim/kube/index.js';
import { realClock } from '../core/clock.js';
import { kubeconfigFromMagnum } from '../kube/kubeconfig.js';
import { withoutClientKey } from '../kube/kubeconfig-evidence.js';
import type { Phase08Services } from '../phase08/services.js';
import { CAPTURED } from '../report/captured-keys.js';
import { exampleSite, tempDir } from '../../test/helpers.js';
import { diagnosticsSources } from './diagnostics-sources.js';

test('diagnostics: events of every namespace and the failing pods\' log tails, previous container included (CCM crash-loop)', { timeout: 60_000 }, async () => {
  const t = tempDir('capi-gate-diag-');
  const ca = await createTestCa('wl');
  const clock = new SimClock(0.002);
  const api = await startKubeApi({
    host: '127.84.9.20', port: 0, caCertPem: ca.certPem, caKeyPem: ca.keyPem, clock,
    model: { clusterName: 'capi-test-1-kgwwe7c4qj6a', masterCount: 1, nodeCount: 2, kubeVersion: 'v1.34.8' },
    faults: { ccmCrashLoop: { restartsAtBoot: 4 } },
  });
  const signal = new AbortController().signal;
  try {
    const signer = { getCa: () => Promise.resolve(ca.certPem), signCsr: (_c: string, csr: string) => signCsrWithCa(ca.certPem, ca.keyPem, csr) };
    const kubeconfig = join(t.dir, 'kubeconfig');
    writeFileSync(kubeconfig, await kubeconfigFromMagnum({ cluster: 'u', clusterName: 'capi-test-1', apiAddress: api.url, signer, signal }), { mode: 0o600 });
    const ctx = {
      site: exampleSite(), clock: realClock, signal, say: () => undefined,
      services: { kube: { octavia: {} } } as unknown as Phase08Services,
      captured: (k: string) => (k === CAPTURED.kubeconfig ? kubeconfig : undefined),
    };
    const sources = diagnosticsSources(ctx);
    let got: { events: { namespace: string; type: string; reason: string; object: string; message: string }[]; failingPods: { namespace: string; pod: string; status: string; logs: Record<string, string>; previousLogs?: Record<string, string> }[] } | undefined;
    for (let i = 0; i < 100; i++) {
      got = (await sources.workload!(signal)) as typeof got;
      if (got?.events.some((e) => e.reason === 'BackOff')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const backoff = got?.events.find((e) => e.reason === 'BackOff');
    assert.ok(backoff, JSON.stringify(got?.events));
    assert.equal(backoff.type, 'Warning');
    assert.match(backoff.object, /^pod\/openstack-cloud-controller-manager-/);
    assert.equal(backoff.namespace, 'openstack-system');
    // events of every namespace: the scheduler's and the kubelet's too
    assert.ok(new Set(got?.events.map((e) => e.namespace)).size > 1, `events of other namespaces are in: ${JSON.stringify([...new Set(got?.events.map((e) => e.namespace))])}`);
    const ccm = got?.failingPods.find((p) => p.pod.startsWith('openstack-cloud-controller-manager-'));
    assert.ok(ccm, JSON.stringify(got?.failingPods.map((p) => p.pod)));
    assert.equal(ccm.status, 'CrashLoopBackOff');
    assert.equal(ccm.namespace, 'openstack-system');
    assert.match(Object.values(ccm.logs).join('\n'), /^F\d{4} \d\d:\d\d:\d\d\.\d{6} +1 main\.go:\d+\] Cloud provider could not be initialized/m);
    assert.match(Object.values(ccm.logs).join('\n'), /got 401 instead.*The request you have made requires authentication/);
    assert.match(Object.values(ccm.previousLogs ?? {}).join('\n'), /Authentication failed/, 'the previous container\'s log too');

    const none = diagnosticsSources({ ...ctx, captured: () => undefined });
    const unavailable = { unavailable: 'no usable workload kubeconfig (8.3 makes one once the cluster is CREATE_COMPLETE)' };
    assert.deepEqual(await none.workload!(signal), unavailable);
    // The evidence copy a run keeps has no client key: not usable, said the same way.
    const keyless = join(t.dir, 'kubeconfig-evidence');
    writeFileSync(keyless, withoutClientKey(readFileSync(kubeconfig, 'utf8')));
    assert.deepEqual(await diagnosticsSources({ ...ctx, captured: (k: string) => (k === CAPTURED.kubeconfig ? keyless : undefined) }).workload!(signal), unavailable);
  } finally {
    await api.close();
    clock.close();
    t.cleanup();
  }
});
