import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { SimClock } from '../clock.js';
import { createTestCa, signCsrWithCa, startKubeApi, startManagementApi, CLUSTER_FINALIZER, OSC_FINALIZER } from './index.js';
import { generateClientKey, kubeconfigFromMagnum } from '../../src/kube/kubeconfig.js';
import { ManagementClient } from '../../src/kube/management.js';
import { KubeClient } from '../../src/kube/client.js';

const signal = new AbortController().signal;

interface Tls { ca: string; cert: string; key: string }

async function clientTls(ca: { certPem: string; keyPem: string }, cn = 'admin', o = 'system:masters'): Promise<Tls> {
  const k = await generateClientKey(signal, { cn, o });
  return { ca: ca.certPem, cert: await signCsrWithCa(ca.certPem, ca.keyPem, k.csrPem), key: k.keyPem };
}

function call(url: string, tls: Tls, opts: { method?: string; accept?: string; body?: unknown; contentType?: string } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, method: opts.method ?? 'GET', ca: tls.ca, cert: tls.cert, key: tls.key, agent: false,
      headers: { accept: opts.accept ?? 'application/json', ...(opts.body !== undefined ? { 'content-type': opts.contentType ?? 'application/json' } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(JSON.stringify(opts.body));
    req.end();
  });
}

/** Reads watch events until `n` arrived or the time is up. */
function watchEvents(url: string, tls: Tls, accept: string, n: number, during: () => Promise<void>): Promise<{ type: string; object: Record<string, unknown> }[]> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const events: { type: string; object: Record<string, unknown> }[] = [];
    let buf = '';
    const req = request({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, ca: tls.ca, cert: tls.cert, key: tls.key, agent: false, headers: { accept } }, (res) => {
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, i)) as { type: string; object: Record<string, unknown> });
          buf = buf.slice(i + 1);
        }
        if (events.length >= n) { req.destroy(); resolve(events); }
      });
      res.once('data', () => { void during(); });
    });
    req.on('error', (e) => (events.length >= n ? resolve(events) : reject(e)));
    setTimeout(() => { req.destroy(); resolve(events); }, 5000).unref();
    req.end();
  });
}

test('discovery, Tables, Status errors, RBAC by group, and watch with a synthetic ADDED first', async () => {
  const ca = await createTestCa('capi-test-1');
  const api = await startKubeApi({ host: '127.84.7.10', port: 6443, caCertPem: ca.certPem, caKeyPem: ca.keyPem, timeScale: 0.001, model: { clusterName: 'c1-abc', masterCount: 1, nodeCount: 2, kubeVersion: 'v1.34.8' } });
  try {
    const tls = await clientTls(ca);
    const base = api.url;
    const v = JSON.parse((await call(`${base}/version?timeout=5s`, tls)).body) as { gitVersion: string; minor: string };
    assert.deepEqual([v.gitVersion, v.minor], ['v1.34.8', '34']);
    const groups = JSON.parse((await call(`${base}/apis`, tls)).body) as { groups: { name: string }[] };
    assert.deepEqual(groups.groups.map((g) => g.name).sort(), ['apps', 'batch', 'coordination.k8s.io', 'discovery.k8s.io', 'storage.k8s.io']);
    const core = JSON.parse((await call(`${base}/api/v1`, tls)).body) as { resources: { name: string; shortNames?: string[] }[] };
    assert.deepEqual(core.resources.find((r) => r.name === 'services')?.shortNames, ['svc']);

    const table = JSON.parse((await call(`${base}/api/v1/nodes?limit=500`, tls, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' })).body) as { kind: string; rows: { cells: unknown[]; object: { kind: string } }[] };
    assert.equal(table.kind, 'Table');
    assert.equal(table.rows.length, 3);
    assert.equal(table.rows[0]?.object.kind, 'PartialObjectMetadata');

    const missing = await call(`${base}/api/v1/namespaces/default/services/rr`, tls);
    assert.equal(missing.status, 404);
    assert.deepEqual(JSON.parse(missing.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'services "rr" not found', reason: 'NotFound', details: { name: 'rr', kind: 'services' }, code: 404 });
    const bad = await call(`${base}/api/v1/pods?fieldSelector=spec.bogus%3D1`, tls);
    assert.equal(bad.status, 400);
    assert.match(bad.body, /field label not supported: spec.bogus/);

    const viewer = await clientTls(ca, 'jane', 'developers');
    const forbidden = await call(`${base}/api/v1/nodes`, viewer);
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.body, /User \\"jane\\" cannot list resource \\"nodes\\"/);

    const svc = { kind: 'Service', apiVersion: 'v1', metadata: { name: 'web', labels: { app: 'web' } }, spec: { ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 'web' }, type: 'ClusterIP' }, status: { loadBalancer: {} } };
    const created = await call(`${base}/api/v1/namespaces/default/services?fieldManager=kubectl-expose`, tls, { method: 'POST', body: svc });
    assert.equal(created.status, 201);
    const c = JSON.parse(created.body) as { metadata: { namespace: string; uid: string; resourceVersion: string }; spec: { clusterIP: string; sessionAffinity: string } };
    assert.equal(c.metadata.namespace, 'default');
    assert.match(c.spec.clusterIP, /^172\.2[4-9]\./, 'from the chart\'s service CIDR 172.24.0.0/13');
    assert.equal(c.spec.sessionAffinity, 'None');
    assert.equal((await call(`${base}/api/v1/namespaces/default/services`, tls, { method: 'POST', body: svc })).status, 409);

    // kubectl get svc web -w: ADDED (which kubectl drops) first, then the change as MODIFIED
    const events = await watchEvents(`${base}/api/v1/namespaces/default/services?fieldSelector=metadata.name%3Dweb&resourceVersion=0&watch=true`, tls,
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json', 2,
      async () => { await call(`${base}/api/v1/namespaces/default/services/web`, tls, { method: 'PATCH', body: { metadata: { labels: { tier: 'front' } } }, contentType: 'application/merge-patch+json' }); });
    assert.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED']);
    assert.equal(events[0]?.object.kind, 'Table');
  } finally {
    await api.close();
  }
});

test('management cluster: stuck OpenStackCluster delete, finalizers cleared with a merge patch, the Cluster follows', async () => {
  const ca = await createTestCa('mgmt');
  const clock = new SimClock(0.001);
  const mgmt = await startManagementApi({ host: '127.84.8.10', port: 6443, caCertPem: ca.certPem, caKeyPem: ca.keyPem, clock });
  try {
    const projectId = 'd5bc125c7c1841d389b76cd0a7b0a915';
    const stack = 'capi-test-1-kgwwe7c4qj6a';
    mgmt.management.addCluster({ projectId, clusterUuid: 'u', stackId: stack, kubeVersion: 'v1.34.8', masterCount: 1, nodeCount: 2, apiLb: { id: '0f968008', ip: '10.12.7.180', internalIP: '10.20.16.144' } });
    const signer = { getCa: async () => ca.certPem, signCsr: async (_c: string, csr: string) => signCsrWithCa(ca.certPem, ca.keyPem, csr) };
    const text = await kubeconfigFromMagnum({ cluster: 'm', clusterName: 'mgmt', apiAddress: mgmt.url, signer, signal });
    const m = new ManagementClient(KubeClient.fromString(text));
    const osc = await m.openStackCluster(projectId, stack, signal);
    assert.deepEqual(osc?.finalizers, [OSC_FINALIZER]);
    assert.equal(osc?.apiServerLoadBalancer?.id, '0f968008');
    assert.deepEqual((await m.clusters(projectId, signal)).map((c) => [c.name, c.finalizers]), [[stack, [CLUSTER_FINALIZER]]]);

    mgmt.management.beginDelete(projectId, stack, { stuck: true });
    assert.equal((await m.openStackCluster(projectId, stack, signal))?.deleting, true);
    await m.clearOpenStackClusterFinalizers(projectId, stack, signal);
    assert.equal(await m.openStackCluster(projectId, stack, signal), undefined);
    assert.deepEqual(await m.clusters(projectId, signal), [], 'the Cluster auto-follows');
  } finally {
    await mgmt.close();
    clock.close();
  }
});
