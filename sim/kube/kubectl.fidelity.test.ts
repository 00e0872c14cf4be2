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
    // the capi-helm-charts' namespaces and names: the OpenStack integrations in openstack-system
    for (const re of [/calico-system\s+calico-node-\w+\s+1\/1\s+Running\s+0/, /tigera-operator\s+tigera-operator-/, /openstack-system\s+openstack-cloud-controller-manager-\w+\s+1\/1\s+Running/, /openstack-system\s+openstack-cinder-csi-controllerplugin-\S+\s+6\/6\s+Running/, /openstack-system\s+openstack-cinder-csi-nodeplugin-\w+\s+3\/3\s+Running/, /kube-system\s+coredns-\S+\s+1\/1\s+Running/, /kube-system\s+metrics-server-\S+\s+1\/1\s+Running/, /node-feature-discovery\s+node-feature-discovery-worker-\w+\s+1\/1\s+Running/]) {
      assert.match(r.stdout, re);
    }
    // the runbook's grep: cloud-controller|openstack-cloud|cinder-csi|coredns
    const grep = r.stdout.split('\n').filter((l) => /cloud-controller|openstack-cloud|cinder-csi|coredns/i.test(l));
    assert.ok(grep.some((l) => /coredns/.test(l)) && grep.some((l) => /openstack-cloud-controller-manager/.test(l)) && grep.some((l) => /openstack-cinder-csi-nodeplugin/.test(l)));

    r = await k('-n', 'kube-system', 'get', 'pods');
    assert.equal(r.code, 0, String(r));
    assert.doesNotMatch(r.stdout, /calico|tigera/, 'Calico lives in calico-system under tigera: the runbook falls back to -A');

    r = await k('get', 'pods', '-A', '--field-selector=status.phase!=Running,status.phase!=Succeeded');
    assert.equal(r.code, 0, String(r));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /No resources found/);

    // what an operator types next: the chart's objects, events, logs, discovery
    r = await k('get', 'ds', '-A');
    assert.equal(r.code, 0, String(r));
    assert.match(r.stdout, /^NAMESPACE\s+NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE/);
    assert.match(r.stdout, /openstack-system\s+openstack-cloud-controller-manager\s+1\s+1\s+1\s+1\s+1\s+node-role\.kubernetes\.io\/control-plane=/);
    assert.match(r.stdout, /calico-system\s+calico-node\s+3\s+3\s+3\s+3\s+3\s/);
    r = await k('get', 'sc');
    assert.equal(r.code, 0, String(r));
    assert.match(r.stdout, /csi-cinder \(default\)\s+cinder\.csi\.openstack\.org\s+Delete\s+WaitForFirstConsumer\s+true/);
    r = await k('get', 'ep', 'kubernetes');
    assert.equal(r.code, 0, String(r));
    assert.match(r.stdout, /kubernetes\s+10\.20\.16\.10:6443/);
    r = await k('get', 'svc', '-n', 'default', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}');
    assert.equal(r.stdout, '172.24.0.1', 'the chart\'s service CIDR 172.24.0.0/13');
    r = await k('get', 'nodes', '-o', 'jsonpath={.items[*].spec.podCIDR}');
    assert.deepEqual(r.stdout.split(' ').sort(), ['172.16.0.0/24', '172.16.1.0/24', '172.16.2.0/24'], 'node podCIDRs from the chart\'s 172.16.0.0/13');
    r = await k('get', 'endpointslices', '-n', 'kube-system', '-l', 'kubernetes.io/service-name=kube-dns');
    assert.equal(r.code, 0, String(r));
    assert.match(r.stdout, /kube-dns-\w+\s+IPv4\s+53,53,9153\s+172\.\d+\.\d+\.\d+,172\./);
    for (const args of [['get', 'sts', '-A'], ['get', 'leases', '-n', 'kube-node-lease'], ['get', 'cm', '-A'], ['get', 'secrets', '-n', 'openstack-system'], ['get', 'cronjobs', '-A'], ['get', 'pvc', '-A'], ['get', 'csidrivers']]) {
      r = await k(...args);
      assert.equal(r.code, 0, String(r));
    }
    r = await k('get', 'events', '-A');
    assert.equal(r.code, 0, String(r));
    assert.match(r.stdout, /^NAMESPACE\s+LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    assert.match(r.stdout, /openstack-system\s+\S+\s+Normal\s+Started\s+pod\/openstack-cloud-controller-manager-\w+\s+Started container openstack-cloud-controller-manager/);
    assert.match(r.stdout, /default\s+\S+\s+Normal\s+Synced\s+node\/\S+\s+Node synced successfully/);
    const ccmPod = (await k('-n', 'openstack-system', 'get', 'pods', '-l', 'app=openstack-cloud-controller-manager', '-o', 'jsonpath={.items[0].metadata.name}')).stdout;
    assert.match(ccmPod, /^openstack-cloud-controller-manager-\w+$/);
    r = await k('-n', 'openstack-system', 'describe', 'pod', ccmPod);
    assert.equal(r.code, 0, String(r));
    assert.match(r.stdout, /Events:\s*\n\s+Type\s+Reason\s+Age\s+From\s+Message/);
    assert.match(r.stdout, /Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned openstack-system\/openstack-cloud-controller-manager-\w+ to /);
    assert.match(r.stdout, /Normal\s+Pulled\s+\S+\s+kubelet(?:, \S+)?\s+Successfully pulled image "registry\.k8s\.io\/provider-os\/openstack-cloud-controller-manager:v1\.36\.0"/);
    r = await k('-n', 'openstack-system', 'logs', ccmPod);
    assert.equal(r.code, 0, String(r));
    assert.match(r.stdout, /^I\d{4} \d\d:\d\d:\d\d\.\d{6} +1 \S+\] Successfully initialized node \S+ with cloud provider$/m);
    r = await k('-n', 'openstack-system', 'logs', ccmPod, '--previous');
    assert.notEqual(r.code, 0, 'a container that never restarted has no previous log');
    assert.match(r.stderr, /previous terminated container "openstack-cloud-controller-manager" in pod "openstack-cloud-controller-manager-\w+" not found/);
    r = await k('-n', 'kube-system', 'logs', 'deploy/coredns');
    assert.equal(r.code, 0, String(r));
    assert.match(r.stdout, /CoreDNS-1\.12\.1/);
    r = await k('get', 'widgets');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /the server doesn't have a resource type "widgets"/);
    r = await k('get', '--raw', '/apis/widgets.example.com/v1/widgets');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /NotFound|the server could not find the requested resource/);
    r = await k('api-resources', '-o', 'name');
    assert.equal(r.code, 0, String(r));
    for (const name of ['daemonsets.apps', 'statefulsets.apps', 'storageclasses.storage.k8s.io', 'endpoints', 'endpointslices.discovery.k8s.io', 'events', 'secrets', 'configmaps', 'leases.coordination.k8s.io']) assert.ok(r.stdout.split('\n').includes(name), `api-resources lists ${name}`);

    // D-011.4
    r = await k('create', 'deploy', 'rr', '--image=registry.k8s.io/e2e-test-images/agnhost:2.40', '--replicas=2', '--', '/agnhost', 'netexec', '--http-port=8080');
    assert.equal(r.code, 0, String(r));
    assert.match(r.stdout, /deployment\.apps\/rr created/);
    const create = api.requests.find((q) => q.method === 'POST' && q.path.startsWith('/apis/apps/v1/namespaces/default/deployments'));
    assert.match(create?.contentType ?? '', /application\/vnd\.kubernetes\.protobuf/, 'kubectl create deployment sent protobuf');
    // Its typed client offers JSON beside protobuf, so a JSON-only simulator (watches included) answers it.
    assert.match(create?.accept ?? '', /application\/json/, `kubectl's typed client accepts JSON too (Accept: ${create?.accept})`);
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
    assert.match(watched, /rr\s+LoadBalancer\s+172\.24\.\S+\s+<pending>\s+80:3\d{4}\/TCP/);

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
    // agnhost netexec logs its servers and each request it answered
    const logs = (await Promise.all(pods.map((p) => k('logs', p)))).map((x) => x.stdout);
    assert.ok(logs.every((l) => /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d Started HTTP server on port 8080$/m.test(l)), logs.join('\n'));
    assert.equal(logs.reduce((n, l) => n + (l.match(/ GET \/hostname$/gm) ?? []).length, 0), 10, 'ten access lines in all');
    r = await k('describe', 'svc', 'rr');
    assert.equal(r.code, 0, String(r));
    assert.match(r.stdout, /Normal\s+EnsuringLoadBalancer\s+\S+\s+service-controller\s+Ensuring load balancer/);
    assert.match(r.stdout, /Normal\s+EnsuredLoadBalancer\s+\S+\s+service-controller\s+Ensured load balancer/);
    r = await k('get', 'ep', 'rr', '-o', 'jsonpath={.subsets[0].addresses[*].targetRef.name}');
    assert.deepEqual(r.stdout.split(' ').sort(), pods, 'the Service\'s Endpoints are its ready pods');

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

test('ccm-crashloop as kubectl shows it: CrashLoopBackOff, the BackOff event, the CCM\'s auth error in logs and logs --previous', { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-kubectl-ccm-'));
  const ca = await createTestCa('capi-test-1');
  const clock = new SimClock(SCALE);
  const host = '127.84.9.11';
  let api: KubeApiHandle | undefined;
  const signal = new AbortController().signal;
  try {
    api = await startKubeApi({ host, port: 6443, caCertPem: ca.certPem, caKeyPem: ca.keyPem, clock, model: { clusterName: 'capi-test-1-kgwwe7c4qj6a', masterCount: 1, nodeCount: 2, kubeVersion: 'v1.34.8', authUrl: 'https://127.12.4.50:5000/v3' }, faults: { ccmCrashLoop: { restartsAtBoot: 7 } } });
    const signer = { getCa: async () => ca.certPem.trim(), signCsr: async (_c: string, csr: string) => signCsrWithCa(ca.certPem, ca.keyPem, csr) };
    const kubeconfig = join(dir, 'config');
    writeFileSync(kubeconfig, await kubeconfigFromMagnum({ cluster: 'uuid', clusterName: 'capi-test-1', apiAddress: `https://${host}:6443`, signer, signal }), { mode: 0o600 });
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dir, 'home'), KUBECONFIG: kubeconfig };
    const k = (...args: string[]) => sh(KUBECTL, args, env);
    const pod = await until('the CCM to crash-loop', async () => {
      const r = await k('-n', 'openstack-system', 'get', 'pods', '-l', 'app=openstack-cloud-controller-manager', '--no-headers');
      const m = /^(openstack-cloud-controller-manager-\w+)\s+0\/1\s+CrashLoopBackOff\s+([89]|\d\d)/m.exec(r.stdout);
      return m?.[1];
    });
    let r = await k('-n', 'openstack-system', 'logs', pod);
    assert.equal(r.code, 0, String(r));
    assert.match(r.stdout, /^E\d{4} [\d:.]+ +1 openstack\.go:\d+\] failed to authenticate against https:\/\/127\.12\.4\.50:5000\/v3: .*got 401 instead/m);
    assert.match(r.stdout, /^F\d{4} [\d:.]+ +1 main\.go:\d+\] Cloud provider could not be initialized: could not init cloud provider "openstack": Authentication failed$/m);
    r = await k('-n', 'openstack-system', 'logs', pod, '--previous', '--tail=1');
    assert.equal(r.code, 0, String(r));
    assert.match(r.stdout, /^F.*Authentication failed\n$/);
    r = await k('-n', 'openstack-system', 'describe', 'pod', pod);
    assert.match(r.stdout, /State:\s+Waiting\s+Reason:\s+CrashLoopBackOff/);
    assert.match(r.stdout, /Last State:\s+Terminated\s+Reason:\s+Error\s+Exit Code:\s+255/);
    assert.match(r.stdout, /Warning\s+BackOff\s+\S+( \(x\d+ over \S+\))?\s+kubelet(?:, \S+)?\s+Back-off restarting failed container openstack-cloud-controller-manager/);
    r = await k('get', 'events', '-A', '--field-selector', 'type=Warning');
    assert.match(r.stdout, /^openstack-system\s+\S+( \(x\d+ over \S+\))?\s+Warning\s+BackOff\s+pod\/openstack-cloud-controller-manager-/m);
    r = await k('get', 'nodes', '-o', 'jsonpath={.items[*].spec.taints[*].key}');
    assert.match(r.stdout, /node\.cloudprovider\.kubernetes\.io\/uninitialized/, 'the nodes keep the uninitialized taint');
  } finally {
    await api?.close();
    clock.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
