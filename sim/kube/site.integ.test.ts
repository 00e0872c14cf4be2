import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { SimClock } from '../clock.js';
import { Rng } from '../rand.js';
import { World } from '../state.js';
import type { Cluster } from '../state.js';
import { attachWorkloadClusters } from './site.js';
import { createTestCa, memoryLoadBalancers } from './index.js';

function version(url: string, ca: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(`${url}/version`, { ca, agent: false, timeout: 1000 }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', () => resolve(0));
    req.end();
  });
}

test('a cluster reaching CREATE_COMPLETE gets its API at api_address with the cluster CA; an API-LB failover blacks it out; delete stops it', async () => {
  const clock = new SimClock(0.001);
  const world = new World(clock, new Rng(7));
  const ca = await createTestCa('capi-test-1');
  const uuid = '6de15cf4-8805-4ac2-b413-8de2c48d92cf';
  const cluster = { uuid, name: 'capi-test-1', stackId: 'capi-test-1-kgwwe7c4qj6a', apiAddress: 'https://127.84.11.180:6443', masterCount: 1, nodeCount: 2, status: 'CREATE_IN_PROGRESS', res: { sgIds: [], serverIds: [], lbAttempts: 0, lbId: 'api-lb', kubeVersion: 'v1.34.8' } } as unknown as Cluster;
  world.clusters.set(uuid, cluster);
  world.cas.set(uuid, { clusterUuid: uuid, subject: 'CN=capi-test-1', certPem: ca.certPem, keyPem: ca.keyPem } as never);
  const errors: unknown[] = [];
  const kube = attachWorkloadClusters({ world, clock, serviceLoadBalancerHooks: () => memoryLoadBalancers({ clock, firstIp: '127.84.11.200' }), defaultKubeVersion: 'v1.34.8', workloadCidr: '10.20.16.0/24', errors, failoverBlackoutMs: 200_000 });
  try {
    assert.equal(kube.api(uuid), undefined);
    world.record({ kind: 'magnum.cluster', id: uuid, name: 'capi-test-1', from: 'CREATE_IN_PROGRESS', to: 'CREATE_COMPLETE' });
    for (let i = 0; i < 100 && !kube.api('capi-test-1'); i++) await new Promise((r) => setTimeout(r, 50));
    const api = kube.api('capi-test-1');
    assert.ok(api, `started (${errors.map(String).join('; ')})`);
    assert.equal(api.url, 'https://127.84.11.180:6443');
    assert.equal(await version(api.url, ca.certPem), 200);
    assert.equal(api.cluster.nodeNames.filter((n) => n.startsWith('capi-test-1-kgwwe7c4qj6a-')).length, 3);

    world.record({ kind: 'octavia.loadbalancer', id: 'api-lb', from: 'ACTIVE/ONLINE', to: 'PENDING_UPDATE/ONLINE', detail: 'failover' });
    assert.equal(await version(api.url, ca.certPem), 0, 'no answer during the failover blip');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await version(api.url, ca.certPem), 200, 'answers again after it');

    world.record({ kind: 'magnum.cluster', id: uuid, name: 'capi-test-1', from: 'CREATE_COMPLETE', to: 'DELETE_IN_PROGRESS' });
    assert.equal(kube.api(uuid), undefined);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await version(api.url, ca.certPem), 0, 'stopped');
  } finally {
    await kube.close();
    clock.close();
  }
});
