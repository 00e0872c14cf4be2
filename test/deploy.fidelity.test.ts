// deploy/ checked by the real tools: kubectl renders the kustomize base; promtool checks the
// PrometheusRule's rules and unit-tests every alert (test/deploy/alerts.test.yaml); the site
// file in the ConfigMap passes capi-gate's own schema; the Deployment runs the canary non-root
// on a read-only root filesystem; the Containerfile builds on the official Node image.
// `kubectl apply --dry-run=client` needs an API server for its REST mapping (it has no offline
// mode): it runs when CAPI_GATE_DRYRUN_KUBECONFIG names one, and is reported skipped otherwise.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse, stringify } from 'yaml';
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

test('kubectl apply --dry-run=client accepts the rendered base (needs an API server: CAPI_GATE_DRYRUN_KUBECONFIG)', (tc) => {
  const kubeconfig = process.env.CAPI_GATE_DRYRUN_KUBECONFIG;
  if (!kubeconfig) {
    tc.skip('kubectl apply --dry-run=client resolves kinds through an API server\'s discovery; no kube-apiserver is packaged in Debian 12 or npm, so CI has none (set CAPI_GATE_DRYRUN_KUBECONFIG to a cluster with the Prometheus Operator CRDs)');
    return;
  }
  const t = tempDir('capi-gate-dryrun-');
  try {
    const r = tool('kubectl', ['kustomize', DEPLOY]);
    writeFileSync(join(t.dir, 'all.yaml'), r.out);
    const dry = spawnSync('kubectl', ['--kubeconfig', kubeconfig, 'apply', '--dry-run=client', '-f', join(t.dir, 'all.yaml')], { encoding: 'utf8' });
    assert.equal(dry.status, 0, dry.stdout + dry.stderr);
    assert.match(dry.stdout, /deployment.apps\/capi-gate-canary created \(dry run\)/);
  } finally {
    t.cleanup();
  }
});
