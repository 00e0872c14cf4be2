// The management cluster as kubectl sees it on the simulated site: Machines with their phases,
// KubeadmControlPlane / MachineDeployment whose counts match, and the runbook's alternative path
// to the workload kubeconfig (the `<cluster>-kubeconfig` Secret clusterctl reads), used by kubectl
// against the workload API; under a wedged delete the control-plane Machine stays Deleting.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim } from '../index.js';
import { MAGNUM_LATEST, RUNBOOK_CLUSTER, RUNBOOK_TEMPLATE, login } from '../testing.js';
import { attachManagementCluster } from './management-site.js';
import { capiNamespace } from './management.js';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const have = existsSync(KUBECTL);
const skip = have ? false : `kubectl not found at ${KUBECTL}`;
if (!have && process.env.CI) throw new Error(`fidelity: kubectl is required under CI (looked at ${KUBECTL})`);

function sh(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(KUBECTL, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout: stdout.toString(), stderr: stderr.toString() });
    });
  });
}

test('kubectl on the management cluster: Machines, KCP/MD status, the <cluster>-kubeconfig Secret works; a wedged delete leaves the control-plane Machine Deleting', { skip, timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-mgmt-kubectl-'));
  const h = await startSim({});
  const m = await attachManagementCluster({
    world: h.world, clock: h.clock, host: '127.84.8.31', port: 0, outDir: dir, mgmtVmName: h.site.mgmtVm.name,
    clearFinalizer: (uuid) => void h.applyOp({ op: 'cluster-clear-finalizer', cluster: uuid }),
  });
  try {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dir, 'home'), KUBECONFIG: m.kubeconfigPath };
    const k = (...args: string[]) => sh(args, env);
    const api = await login(h, 'tenant');
    const mg = (method: string, path: string, body?: unknown) => api.call('container-infra', method, path, body, MAGNUM_LATEST);
    assert.equal((await mg('POST', '/clustertemplates', RUNBOOK_TEMPLATE)).status, 201);
    const uuid = ((await mg('POST', '/clusters', RUNBOOK_CLUSTER)).json as { uuid: string }).uuid;
    h.clock.advance(12 * 60_000);
    const c = (await mg('GET', `/clusters/${uuid}`)).json as { status: string; stack_id: string };
    assert.equal(c.status, 'CREATE_COMPLETE');
    const ns = capiNamespace(api.projectId);
    const stack = c.stack_id;

    let r = await k('-n', ns, 'get', 'machines');
    assert.equal(r.code, 0, JSON.stringify(r));
    assert.match(r.stdout, /^NAME\s+CLUSTER\s+NODENAME\s+PROVIDERID\s+PHASE\s+AGE\s+VERSION/);
    const rows = r.stdout.trim().split('\n').slice(1);
    assert.equal(rows.length, 3, r.stdout);
    assert.ok(rows.every((l) => new RegExp(`^${stack}-\\S+\\s+${stack}\\s+${stack}-\\S+\\s+openstack:///[0-9a-f-]{36}\\s+Running\\s+\\S+\\s+v1\\.34\\.8$`).test(l)), r.stdout);
    // the Machines' servers are Nova's
    const ids = [...h.world.servers.values()].filter((s) => s.name.startsWith(`${stack}-`)).map((s) => s.id).sort();
    assert.deepEqual(rows.map((l) => /openstack:\/\/\/(\S+)/.exec(l)![1]).sort(), ids);
    r = await k('-n', ns, 'get', 'kcp');
    assert.match(r.stdout, new RegExp(`${stack}-control-plane\\s+${stack}\\s+true\\s+true\\s+1\\s+1\\s+1\\s+0\\s+\\S+\\s+v1\\.34\\.8`));
    r = await k('-n', ns, 'get', 'md');
    assert.match(r.stdout, new RegExp(`${stack}-default-worker\\s+${stack}\\s+2\\s+2\\s+2\\s+0\\s+Running\\s+\\S+\\s+v1\\.34\\.8`));
    r = await k('-n', ns, 'get', 'cluster,openstackcluster');
    assert.equal(r.code, 0, JSON.stringify(r));
    assert.match(r.stdout, new RegExp(`cluster\\.cluster\\.x-k8s\\.io/${stack}\\s+\\s*Provisioned`));

    // the runbook's alternative: the kubeconfig CAPI keeps in <cluster>-kubeconfig (what clusterctl get kubeconfig prints)
    const secret = await (async () => {
      for (let i = 0; i < 100; i++) {
        const x = await k('-n', ns, 'get', 'secret', `${stack}-kubeconfig`, '-o', 'jsonpath={.data.value}');
        if (x.code === 0 && x.stdout) return x.stdout;
        await new Promise((res) => setTimeout(res, 50));
      }
      throw new Error('no <cluster>-kubeconfig Secret');
    })();
    const wl = join(dir, 'workload.kubeconfig');
    writeFileSync(wl, Buffer.from(secret, 'base64'), { mode: 0o600 });
    r = await k('--kubeconfig', wl, 'config', 'current-context');
    assert.equal(r.stdout.trim(), `${stack}-admin@${stack}`);
    for (let i = 0; i < 100 && (r = await k('--kubeconfig', wl, 'get', 'nodes')).code !== 0; i++) await new Promise((res) => setTimeout(res, 50));
    assert.equal(r.code, 0, JSON.stringify(r));
    assert.equal(r.stdout.trim().split('\n').length, 4, r.stdout);

    // a delete Octavia refuses the app-cred: workers go with their servers, the control-plane Machine stays Deleting
    h.faults.add({ id: 'wedge', service: 'octavia', method: 'DELETE', principals: ['appcred'], action: { type: 'status', status: 403 } });
    assert.equal((await mg('DELETE', `/clusters/${uuid}`)).status, 204);
    h.clock.advance(30 * 60_000);
    r = await k('-n', ns, 'get', 'machines');
    const left = r.stdout.trim().split('\n').slice(1);
    assert.equal(left.length, 1, r.stdout);
    assert.match(left[0] ?? '', new RegExp(`^${stack}-control-plane-\\S+\\s+${stack}\\s+.*\\s+Deleting\\s+`));
    r = await k('-n', ns, 'get', 'cluster', stack, '-o', 'jsonpath={.status.phase}');
    assert.equal(r.stdout, 'Deleting');
  } finally {
    await m.close();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
