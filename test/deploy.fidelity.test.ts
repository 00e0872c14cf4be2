// deploy/ checked by the real tools: kubectl renders the kustomize base; promtool checks the
// PrometheusRule's rules and unit-tests every alert (test/deploy/alerts.test.yaml); the site
// file in the ConfigMap passes capi-gate's own schema; the Deployment runs the canary non-root
// on a read-only root filesystem; the Containerfile builds on the official Node image.
// `kubectl apply --dry-run=client` needs an API server (it has no offline mode): kubectl reads
// its discovery for the REST mapping, its OpenAPI for the default --validate=strict, and GETs each
// object to choose create or patch. It runs against CAPI_GATE_DRYRUN_KUBECONFIG's cluster when that
// is set, else against the simulated management cluster (sim/kube/management.ts: CAPI's and the
// Prometheus Operator's CRDs installed, OpenAPI served, sim/kube/openapi.ts); and it must reject
// kinds the cluster does not serve.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse, stringify } from 'yaml';
import { createTestCa, startManagementApi } from '../sim/kube/index.js';
import type { ManagementApiHandle } from '../sim/kube/index.js';
import { issueClientCert } from '../sim/kube/tls.js';
import { REPO_ROOT, tempDir } from './helpers.js';
import { loadSite } from '../src/site/load.js';
import { deployAlerts } from '../src/cli/docs.js';

const DEPLOY = join(REPO_ROOT, 'deploy');

function tool(cmd: string, args: string[], cwd?: string) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd, timeout: 120_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    assert.fail(`${cmd} is not installed: scripts/setup.sh installs it (Debian: ${cmd === 'promtool' ? 'prometheus' : 'kubernetes-client'})`);
  }
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface K8sObject { kind: string; apiVersion: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: Record<string, unknown>; data?: Record<string, string> }

function rendered(): K8sObject[] {
  const r = tool('kubectl', ['kustomize', DEPLOY]);
  assert.equal(r.code, 0, r.err);
  return parseAllDocuments(r.out).map((d) => d.toJS() as K8sObject).filter(Boolean);
}

test('kubectl kustomize deploy/ renders the canary: one replica, non-root, read-only root filesystem, clouds.yaml only referenced', () => {
  const objs = rendered();
  const kinds = objs.map((o) => `${o.kind}/${o.metadata.name.replace(/-[a-z0-9]{10}$/, '')}`).sort();
  assert.deepEqual(kinds, ['ConfigMap/capi-gate-dashboard', 'ConfigMap/capi-gate-site', 'Deployment/capi-gate-canary', 'Namespace/capi-gate', 'PersistentVolumeClaim/capi-gate-runs', 'PrometheusRule/capi-gate', 'Service/capi-gate-canary', 'ServiceAccount/capi-gate', 'ServiceMonitor/capi-gate-canary']);
  assert.ok(!objs.some((o) => o.kind === 'Secret'), 'the base holds no Secret: clouds.yaml is referenced, never shipped');
  const dep = objs.find((o) => o.kind === 'Deployment')!;
  const spec = dep.spec as { replicas: number; strategy: { type: string }; template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[]; volumes: Record<string, unknown>[]; securityContext: Record<string, unknown> } } };
  assert.equal(spec.replicas, 1);
  assert.equal(spec.strategy.type, 'Recreate');
  const pod = spec.template.spec;
  const c = pod.containers[0] as { args: string[]; securityContext: Record<string, unknown>; ports: { containerPort: number }[]; volumeMounts: { name: string; mountPath: string }[] };
  assert.equal(pod.securityContext['runAsNonRoot'], true);
  assert.notEqual(pod.securityContext['runAsUser'], 0);
  assert.equal(c.securityContext['readOnlyRootFilesystem'], true);
  assert.equal(c.securityContext['allowPrivilegeEscalation'], false);
  assert.ok(c.args.includes('canary'));
  assert.ok(c.args.some((a) => /^--every=\d+[hms]$/.test(a)));
  const listen = c.args.find((a) => a.startsWith('--listen='));
  assert.equal(Number(listen?.split(':').pop()), c.ports[0]?.containerPort);
  const clouds = pod.volumes.find((v) => v['name'] === 'clouds') as { secret: { secretName: string } };
  assert.equal(clouds.secret.secretName, 'capi-gate-clouds');
  // The site ConfigMap is mounted where --site points, under kustomize's hashed name.
  const site = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('capi-gate-site'))!;
  const siteVol = pod.volumes.find((v) => v['name'] === 'site') as { configMap: { name: string } };
  assert.equal(siteVol.configMap.name, site.metadata.name);
  const siteArg = c.args.find((a) => a.startsWith('--site='))!.slice('--site='.length);
  const mount = c.volumeMounts.find((m) => m.name === 'site')!;
  assert.ok(siteArg.startsWith(mount.mountPath + '/') && Object.keys(site.data ?? {}).includes(siteArg.slice(mount.mountPath.length + 1)));
  // Every path the canary writes is a volume: the runs directory and /tmp.
  assert.ok(c.args.some((a) => a.startsWith('--runs-dir=/var/lib/capi-gate/')) && c.volumeMounts.some((m) => m.mountPath === '/var/lib/capi-gate'));
  assert.ok(c.volumeMounts.some((m) => m.mountPath === '/tmp'));
  // The dashboard ConfigMap is the dashboard JSON, labelled for Grafana's sidecar.
  const dash = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('capi-gate-dashboard'))!;
  assert.equal(dash.metadata.labels?.['grafana_dashboard'], '1');
  const json = JSON.parse(Object.values(dash.data ?? {})[0] ?? '{}') as { panels: { title: string; targets: { expr: string }[] }[] };
  for (const title of ['Item status over time', 'Durations', 'Failover blackout (runbook: 100 s)']) assert.ok(json.panels.some((p) => p.title === title), title);
  assert.ok(json.panels.every((p) => p.targets.every((t) => /capi_gate_/.test(t.expr))));
  // The ServiceMonitor scrapes the Service's metrics port.
  const sm = objs.find((o) => o.kind === 'ServiceMonitor')!;
  assert.equal((sm.spec as { endpoints: { port: string }[] }).endpoints[0]?.port, 'metrics');
});

test('the site file in the ConfigMap passes capi-gate\'s schema', () => {
  const loaded = loadSite(join(DEPLOY, 'site.yaml'));
  assert.equal(loaded.site.site, 'roosevelt');
});

test('promtool: the PrometheusRule\'s rules check, and each alert fires and resolves as tested', () => {
  const t = tempDir('capi-gate-promtool-');
  try {
    const rule = parse(readFileSync(join(DEPLOY, 'prometheusrule.yaml'), 'utf8')) as { spec: unknown };
    writeFileSync(join(t.dir, 'rules.yaml'), stringify(rule.spec));
    copyFileSync(join(REPO_ROOT, 'test', 'deploy', 'alerts.test.yaml'), join(t.dir, 'alerts.test.yaml'));
    const check = tool('promtool', ['check', 'rules', 'rules.yaml'], t.dir);
    assert.equal(check.code, 0, check.out + check.err);
    assert.match(check.out, /SUCCESS: 4 rules found/);
    const unit = tool('promtool', ['test', 'rules', 'alerts.test.yaml'], t.dir);
    assert.equal(unit.code, 0, unit.out + unit.err);
    // Every alert has a test of its own.
    const tested = readFileSync(join(t.dir, 'alerts.test.yaml'), 'utf8');
    for (const a of deployAlerts()) assert.match(tested, new RegExp(`alertname: ${a.name}\\n`), a.name);
    // And the tests can fail: a rule that never fires is caught.
    writeFileSync(join(t.dir, 'rules.yaml'), stringify(rule.spec).replace('>= 2', '>= 3'));
    assert.notEqual(tool('promtool', ['test', 'rules', 'alerts.test.yaml'], t.dir).code, 0);
  } finally {
    t.cleanup();
  }
});

test('the Containerfile builds on the official Node image and runs as non-root', () => {
  const text = readFileSync(join(DEPLOY, 'Containerfile'), 'utf8');
  const froms = [...text.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!);
  assert.ok(froms.length >= 1 && froms.every((f) => /^docker\.io\/library\/node:20[-.\w]*(@sha256:[0-9a-f]{64})?(\s|$)/.test(f)), froms.join(', '));
  const users = [...text.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
  assert.ok(users.length > 0 && users[users.length - 1] !== 'root' && users[users.length - 1] !== '0', 'the last USER is not root');
  assert.match(text, /ENTRYPOINT \["\/opt\/capi-gate\/bin\/capi-gate"\]/);
});

/** The simulated management cluster (loopback only) and an admin kubeconfig for it. */
async function simulatedManagementCluster(dir: string): Promise<{ api: ManagementApiHandle; kubeconfig: string }> {
  const ca = await createTestCa('capi-gate-dryrun-ca');
  const api = await startManagementApi({ host: '127.84.8.45', port: 0, caCertPem: ca.certPem, caKeyPem: ca.keyPem });
  const user = await issueClientCert(ca.certPem, ca.keyPem, { commonName: 'kubernetes-admin', organization: 'system:masters' });
  const b64 = (x: string) => Buffer.from(x).toString('base64');
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'mgmt',
    clusters: [{ name: 'mgmt', cluster: { server: api.url, 'certificate-authority-data': b64(ca.certPem) } }],
    users: [{ name: 'admin', user: { 'client-certificate-data': b64(user.certPem), 'client-key-data': b64(user.keyPem) } }],
    contexts: [{ name: 'mgmt', context: { cluster: 'mgmt', user: 'admin' } }],
  }), { mode: 0o600 });
  return { api, kubeconfig };
}

function kubectlAsync(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env, timeout: 120_000 }, (e, stdout, stderr) => {
      if (e && (e as NodeJS.ErrnoException).code === 'ENOENT') assert.fail('kubectl is not installed: scripts/setup.sh installs it (Debian: kubernetes-client)');
      resolve({ code: e ? (typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : 1) : 0, out: stdout.toString(), err: stderr.toString() });
    });
  });
}

test('kubectl apply --dry-run=client accepts the rendered base, and rejects a kind the cluster does not serve (CAPI_GATE_DRYRUN_KUBECONFIG, else the simulated management cluster)', { timeout: 180_000 }, async () => {
  const t = tempDir('capi-gate-dryrun-');
  const real = process.env.CAPI_GATE_DRYRUN_KUBECONFIG;
  const sim = real ? undefined : await simulatedManagementCluster(t.dir);
  try {
    const kubeconfig = real ?? sim!.kubeconfig;
    // a fresh HOME: kubectl's discovery and OpenAPI caches start cold
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(t.dir, 'home') };
    const apply = (file: string) => kubectlAsync(['--kubeconfig', kubeconfig, 'apply', '--dry-run=client', '-f', file], env);
    const r = tool('kubectl', ['kustomize', DEPLOY]);
    assert.equal(r.code, 0, r.err);
    const all = join(t.dir, 'all.yaml');
    writeFileSync(all, r.out);
    const objs = parseAllDocuments(r.out).map((d) => d.toJS() as K8sObject).filter(Boolean);

    const dry = await apply(all);
    assert.equal(dry.code, 0, dry.out + dry.err);
    assert.match(dry.out, /deployment.apps\/capi-gate-canary (created|configured|unchanged) \(dry run\)/);
    // one line per object, the custom kinds through the Prometheus Operator's CRDs
    const lines = dry.out.trim().split('\n');
    assert.equal(lines.length, objs.length, dry.out);
    for (const o of objs) {
      const kind = o.kind.toLowerCase() + (o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : '');
      assert.ok(lines.some((l) => l.startsWith(`${kind}/${o.metadata.name} `) && l.endsWith('(dry run)')), `${kind}/${o.metadata.name} in:\n${dry.out}`);
    }
    if (sim) {
      const reqs = sim.api.requests;
      // validation stayed on (kubectl read the OpenAPI v3 documents), and nothing was written
      assert.ok(reqs.some((q) => q.path.startsWith('/openapi/v3/apis/monitoring.coreos.com/v1') && q.status === 200), 'kubectl read the monitoring.coreos.com/v1 OpenAPI document');
      assert.ok(reqs.some((q) => q.path === '/apis/monitoring.coreos.com/v1/namespaces/capi-gate/servicemonitors/capi-gate-canary' && q.method === 'GET' && q.status === 404), 'kubectl asked for the ServiceMonitor and was told it does not exist');
      assert.ok(reqs.every((q) => q.method === 'GET'), reqs.filter((q) => q.method !== 'GET').map((q) => `${q.method} ${q.path}`).join(', '));
      assert.equal(sim.api.management.store.list('namespaces').filter((n) => n.metadata.name === 'capi-gate').length, 0);
    }

    // The same command fails for a kind the cluster does not serve: the ServiceMonitor under an
    // apiVersion the Prometheus Operator's CRD does not have, and a misspelt kind in its group.
    for (const [from, to, msg] of [
      ['apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor', 'apiVersion: monitoring.coreos.com/v2\nkind: ServiceMonitor', /no matches for kind "ServiceMonitor" in version "monitoring.coreos.com\/v2"/],
      ['kind: PrometheusRule', 'kind: PrometheusRules', /no matches for kind "PrometheusRules" in version "monitoring.coreos.com\/v1"/],
    ] as const) {
      assert.ok(r.out.includes(from), from);
      const bad = join(t.dir, 'bad.yaml');
      writeFileSync(bad, r.out.replace(from, to));
      const rej = await apply(bad);
      assert.notEqual(rej.code, 0, rej.out + rej.err);
      assert.match(rej.err, msg);
    }
  } finally {
    await sim?.api.close();
    t.cleanup();
  }
});
