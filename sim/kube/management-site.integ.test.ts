// The simulated site's management cluster follows Magnum: CAPI objects for a built cluster,
// Deleting during a delete, gone with the row; clearing the OpenStackCluster finalizers through
// the API ends a wedged delete; the API is down while the mgmt VM is SHUTOFF (D-041).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim } from '../index.js';
import { MAGNUM_LATEST, RUNBOOK_CLUSTER, RUNBOOK_TEMPLATE, login } from '../testing.js';
import { attachManagementCluster } from './management-site.js';
import { OSC_FINALIZER } from './management.js';
import { ManagementClient } from '../../src/kube/management.js';

const signal = new AbortController().signal;

test('management cluster: CAPI objects follow Magnum; a finalizer patch ends a wedged delete; down while the mgmt VM is SHUTOFF', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-mgmt-'));
  const h = await startSim({});
  const m = await attachManagementCluster({
    world: h.world, clock: h.clock, host: '127.84.8.30', port: 0, outDir: dir, mgmtVmName: h.site.mgmtVm.name,
    clearFinalizer: (uuid) => void h.applyOp({ op: 'cluster-clear-finalizer', cluster: uuid }),
  });
  try {
    assert.equal(statSync(m.kubeconfigPath).mode & 0o777, 0o600);
    const client = ManagementClient.fromFile(m.kubeconfigPath);
    const api = await login(h, 'tenant');
    const mg = (method: string, path: string, body?: unknown) => api.call('container-infra', method, path, body, MAGNUM_LATEST);
    assert.equal((await mg('POST', '/clustertemplates', RUNBOOK_TEMPLATE)).status, 201);
    const uuid = ((await mg('POST', '/clusters', RUNBOOK_CLUSTER)).json as { uuid: string }).uuid;
    h.clock.advance(12 * 60_000);
    const c = (await mg('GET', `/clusters/${uuid}`)).json as { status: string; stack_id: string; project_id?: string };
    assert.equal(c.status, 'CREATE_COMPLETE');
    const pid = api.projectId;
    const osc = await client.openStackCluster(pid, c.stack_id, signal);
    assert.deepEqual(osc?.finalizers, [OSC_FINALIZER]);
    assert.equal(osc?.deleting, false);
    assert.ok(osc?.apiServerLoadBalancer?.id, 'status.apiServerLoadBalancer from the Octavia LB');
    assert.deepEqual((await client.clusters(pid, signal)).map((x) => x.name), [c.stack_id]);

    // D-041: the mgmt VM SHUTOFF takes the API away; started again, it answers.
    h.applyOp({ op: 'server-stop' });
    await assert.rejects(client.clusters(pid, signal));
    const vm = [...h.world.servers.values()].find((s) => s.name === h.site.mgmtVm.name)!;
    assert.equal((await api.call('compute', 'POST', `/servers/${vm.id}/action`, { 'os-start': null })).status, 202);
    h.clock.advance(60_000);
    assert.equal((await client.clusters(pid, signal)).length, 1);

    // A delete Octavia refuses the app-cred: it wedges, the objects are Deleting with finalizers.
    h.faults.add({ id: 'wedge', service: 'octavia', method: 'DELETE', principals: ['appcred'], action: { type: 'status', status: 403 } });
    assert.equal((await mg('DELETE', `/clusters/${uuid}`)).status, 204);
    h.clock.advance(30 * 60_000);
    assert.equal(((await mg('GET', `/clusters/${uuid}`)).json as { status: string }).status, 'DELETE_IN_PROGRESS');
    const wedged = await client.openStackCluster(pid, c.stack_id, signal);
    assert.equal(wedged?.deleting, true);
    assert.deepEqual(wedged?.finalizers, [OSC_FINALIZER]);

    // The appendix-A remedy: the OpenStackCluster goes, the Cluster follows, and so does the Magnum row.
    await client.clearOpenStackClusterFinalizers(pid, c.stack_id, signal);
    assert.equal(await client.openStackCluster(pid, c.stack_id, signal), undefined);
    assert.deepEqual(await client.clusters(pid, signal), []);
    assert.equal((await mg('GET', `/clusters/${uuid}`)).status, 404);
  } finally {
    await m.close();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
