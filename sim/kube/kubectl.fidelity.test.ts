// The runbook's kubectl commands (8.3 and D-011.4), run with the real kubectl against the
// simulated workload cluster, with a kubeconfig capi-gate built the `coe cluster config` way,
// and `curl http://EXT/hostname` against the Service LB. HOME is a fresh temp dir so kubectl's
// discovery cache starts cold. Without kubectl: skipped, or failed under CI.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimClock } from '../clock.js';
import { createTestCa, memoryLoadBalancers, signCsrWithCa, startKubeApi } from './index.js';
import type { KubeApiHandle } from './index.js';
import { kubeconfigFromMagnum } from '../../src/kube/kubeconfig.js';
import { KubeClient } from '../../src/kube/client.js';
import { evaluateAddons, nodeRow, podRow } from '../../src/kube/addons.js';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const CURL = '/usr/bin/curl';
const SCALE = 0.002;
const HOST = '127.84.9.10';
const LB_BASE = '127.84.9.200';
const have = existsSync(KUBECTL);
const skip = have ? false : `kubectl not found at ${KUBECTL}`;
if (!have && process.env.CI) throw new Error(`fidelity: kubectl is required under CI (looked at ${KUBECTL})`);

interface Run { code: number; stdout: string; stderr: string; toString(): string }

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      const killed = err && (err as { killed?: boolean }).killed ? ' (killed: timeout)' : '';
      const run = { code, stdout: stdout.toString(), stderr: stderr.toString() };
      resolve({ ...run, toString: () => `${cmd} ${args.join(' ')} -> rc ${code}${killed}\nstdout: ${run.stdout}\nstderr: ${run.stderr}` });
    });
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('the runbook kubectl commands and curl work against the simulated workload cluster', { skip, timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-kubectl-'));
  const ca = await createTestCa('capi-test-1');
  const clock = new SimClock(SCALE);
  // the LB takes ~3 s of real time, so `get svc rr -w` sees <pending> first and the IP as a later event
  const lbs = memoryLoadBalancers({ clock, firstIp: LB_BASE, createMs: 1_500_000, deleteMs: 10_000 });
  let api: KubeApiHandle | undefined;
  const signal = new AbortController().signal;
  try {
    api = await startKubeApi({ host: HOST, port: 6443, caCertPem: ca.certPem, caKeyPem: ca.keyPem, clock, hooks: lbs, model: { clusterName: 'capi-test-1-kgwwe7c4qj6a', masterCount: 1, nodeCount: 2, kubeVersion: 'v1.34.8' } });
    const signer = { getCa: async () => ca.certPem.trim(), signCsr: async (_c: string, csr: string) => signCsrWithCa(ca.certPem, ca.keyPem, csr) };
    const text = await kubeconfigFromMagnum({ cluster: 'uuid', clusterName: 'capi-test-1', apiAddress: `https://${HOST}:6443`, signer, signal });
    const kubeconfig = join(dir, 'config');
    writeFileSync(kubeconfig, text, { mode: 0o600 });
    const home = join(dir, 'home');
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: kubeconfig, SHELL: '/bin/bash', CLOUDSDK_CONFIG: join(home, 'gcloud') };
    const k = (...args: string[]) => sh(KUBECTL, args, env);

    // converge first (8.3's gate, through the client library)
    const client = KubeClient.fromFile(kubeconfig);
    await until('the cluster to converge', async () => {
      const [nodes, pods] = await Promise.all([client.listNodes(signal), client.listPods(signal)]);
      return evaluateAddons({ at: 0, nodes: nodes.map(nodeRow), pods: pods.map(podRow) }, { masterCount: 1, nodeCount: 2, kubeVersion: 'v1.34.8' }).ok ? true : undefined;
    });

    // 8.3
    let r = await k('get', 'nodes', '-o', 'wide');
    assert.equal(r.code, 0, String(r));
    const nodeLines = r.stdout.trim().split('\n');
    assert.match(nodeLines[0] ?? '', /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME$/);
    assert.equal(nodeLines.length, 4, r.stdout);
    assert.equal(nodeLines.filter((l) => /\sReady\s/.test(l) && /\sv1\.34\.8\s/.test(l)).length, 3, r.stdout);
    assert.equal(nodeLines.filter((l) => /\scontrol-plane\s/.test(l)).length, 1, r.stdout);
    assert.match(r.stdout, /10\.20\.16\.10\s+<none>\s+Ubuntu 22\.04\.5 LTS\s+5\.15\.0-140-generic\s+containerd:\/\/1\.7\.27/);

    r = await k('get', 'pods', '-A');
    assert.equal(r.code, 0, String(r));
    assert.match(r.stdout, /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    for (const re of [/calico-system\s+calico-node-\w+\s+1\/1\s+Running\s+0/, /tigera-operator\s+tigera-operator-/, /kube-system\s+openstack-cloud-controller-manager-\w+\s+1\/1\s+Running/, /kube-system\s+csi-cinder-controllerplugin-\S+\s+6\/6\s+Running/, /kube-system\s+csi-cinder-nodeplugin-\w+\s+3\/3\s+Running/, /kube-system\s+coredns-\S+\s+1\/1\s+Running/]) {
      assert.match(r.stdout, re);
    }
    // the runbook's grep: cloud-controller|openstack-cloud|cinder-csi|coredns (cinder-csi misses csi-cinder-*)
    const grep = r.stdout.split('\n').filter((l) => /cloud-controller|openstack-cloud|cinder-csi|coredns/i.test(l));
    assert.ok(grep.some((l) => /coredns/.test(l)) && grep.some((l) => /openstack-cloud-controller-manager/.test(l)));
    assert.ok(!grep.some((l) => /csi-cinder/.test(l)), 'the runbook grep misses csi-cinder-* (api-notes §12.16)');

    r = await k('-n', 'kube-system', 'get', 'pods');
    assert.equal(r.code, 0, String(r));
    assert.doesNotMatch(r.stdout, /calico|tigera/, 'Calico lives in calico-system under tigera: the runbook falls back to -A');

    r = await k('get', 'pods', '-A', '--field-selector=status.phase!=Running,status.phase!=Succeeded');
    assert.equal(r.code, 0, String(r));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /No resources found/);

    // D-011.4
    r = await k('create', 'deploy', 'rr', '--image=registry.k8s.io/e2e-test-images/agnhost:2.40', '--replicas=2', '--', '/agnhost', 'netexec', '--http-port=8080');
    assert.equal(r.code, 0, String(r));
    assert.match(r.stdout, /deployment\.apps\/rr created/);
    const create = api.requests.find((q) => q.method === 'POST' && q.path.startsWith('/apis/apps/v1/namespaces/default/deployments'));
    assert.match(create?.contentType ?? '', /application\/vnd\.kubernetes\.protobuf/, 'kubectl create deployment sent protobuf');
    const dep = api.cluster.store.get('apps/deployments', 'default', 'rr');
    const c0 = ((dep?.spec as { template: { spec: { containers: { name: string; image: string; command?: string[] }[] } } }).template.spec.containers)[0];
    assert.deepEqual({ name: c0?.name, image: c0?.image, command: c0?.command }, { name: 'agnhost', image: 'registry.k8s.io/e2e-test-images/agnhost:2.40', command: ['/agnhost', 'netexec', '--http-port=8080'] });

    r = await k('expose', 'deploy', 'rr', '--port=80', '--target-port=8080', '--type=LoadBalancer');
    assert.equal(r.code, 0, String(r));
    assert.match(r.stdout, /service\/rr exposed/);

    // `kubectl get svc rr -w`: the first event is the synthetic ADDED kubectl drops; the IP arrives as MODIFIED
    const watched = await new Promise<string>((resolve, reject) => {
      const child = spawn(KUBECTL, ['get', 'svc', 'rr', '-w'], { env });
      let out = '';
      const timer = setTimeout(() => { child.kill(); reject(new Error(`get svc rr -w saw no EXTERNAL-IP:\n${out}`)); }, 20_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (/rr\s+LoadBalancer\s+\S+\s+127\.\d+\.\d+\.\d+\s+80:3\d{4}\/TCP/.test(out)) { clearTimeout(timer); child.kill(); resolve(out); }
      });
    });
    assert.match(watched, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE/);
    assert.match(watched, /rr\s+LoadBalancer\s+10\.96\.\S+\s+<pending>\s+80:3\d{4}\/TCP/);

    r = await k('get', 'svc', 'rr', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}');
    assert.equal(r.code, 0, String(r));
    const ext = r.stdout.trim();
    assert.match(ext, /^127\.84\.9\.\d+$/);

    const pods = (await k('get', 'pods', '-l', 'app=rr', '-o', 'jsonpath={.items[*].metadata.name}')).stdout.trim().split(/\s+/).sort();
    assert.equal(pods.length, 2);
    await until('both rr pods Ready behind the LB', async () => (api!.cluster.backends('default', 'rr').length === 2 ? true : undefined));
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const c = await sh(CURL, ['-s', `http://${ext}/hostname`], env);
      assert.equal(c.code, 0, String(c));
      seen.add(c.stdout);
    }
    assert.deepEqual([...seen].sort(), pods, 'curl saw both pod names (round-robin)');

    r = await k('delete', 'svc', 'rr');
    assert.equal(r.code, 0, String(r));
    assert.match(r.stdout, /service "rr" deleted/);
    r = await k('delete', 'deploy', 'rr');
    assert.equal(r.code, 0, String(r));
    assert.match(r.stdout, /deployment\.apps "rr" deleted/);
    await until('the Service LB to be gone', async () => (lbs.list().length === 0 ? true : undefined));
    const after = await sh(CURL, ['-s', '-m', '2', `http://${ext}/hostname`], env);
    assert.notEqual(after.code, 0, 'nothing answers on the LB address after the delete');
  } finally {
    await api?.close();
    clock.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
