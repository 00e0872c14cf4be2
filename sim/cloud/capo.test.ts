// The simulated CAPI/CAPO controllers, over the in-process cloud port: the objects the Magnum
// driver writes become a network, router, security groups, servers, the API LB and its FIP;
// the status the driver reads comes back; delete unwinds everything; a refused LB lookup holds
// the finalizer (stuck-delete) until it is cleared.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { SimHandle } from '../index.js';
import { startSim } from '../index.js';
import { ManagementCluster, OSC_FINALIZER } from '../kube/management.js';
import { createTestCa } from '../kube/tls.js';
import { CapoController, CLUSTER, KCP, MD, OSC, OSMT, OSMT_DEF } from './capo.js';
import type { ReadyCluster } from './capo.js';
import type { CloudPort } from './port.js';
import { CloudError } from './port.js';

let h: SimHandle;
before(async () => {
  h = await startSim({ timeScale: 0.001 });
});
after(async () => {
  await h.close();
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function writeObjects(m: ManagementCluster, projectId: string, stack: string): Promise<string> {
  const ns = `magnum-${projectId}`;
  const ca = await createTestCa('cluster-ca');
  const s = m.store;
  if (!s.def(OSMT)) s.register(OSMT_DEF);
  const meta = (name: string) => ({ name, namespace: ns, uid: '', resourceVersion: '', creationTimestamp: '' });
  s.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, uid: '', resourceVersion: '', creationTimestamp: '' } });
  s.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: meta(`${stack}-cloud-credentials`), data: { 'clouds.yaml': b64('clouds: {openstack: {}}\n') } });
  s.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: meta(`${stack}-ca`), data: { 'tls.crt': b64(ca.certPem), 'tls.key': b64(ca.keyPem) } });
  const image = [...h.world.images.values()][0]?.id ?? '';
  for (const [name, flavor] of [[`${stack}-cp-t`, 'gp.mid'], [`${stack}-wk-t`, 'capi.node']] as const) {
    s.create(OSMT, { apiVersion: '', kind: '', metadata: meta(name), spec: { template: { spec: { flavor, image: { id: image }, sshKeyName: 'capi-mgmt-key' } } } });
  }
  s.create(OSC, { apiVersion: '', kind: '', metadata: meta(stack), spec: { externalNetwork: { filter: { name: 'provider-ext' } }, managedSubnets: [{ cidr: '10.20.16.0/24', dnsNameservers: ['8.8.8.8'] }], identityRef: { name: `${stack}-cloud-credentials` } } });
  s.create(KCP, { apiVersion: '', kind: '', metadata: meta(`${stack}-control-plane`), spec: { replicas: 1, version: 'v1.34.8', machineTemplate: { infrastructureRef: { name: `${stack}-cp-t` } } } });
  s.create(MD, { apiVersion: '', kind: '', metadata: meta(`${stack}-default-worker`), spec: { replicas: 2, template: { spec: { infrastructureRef: { name: `${stack}-wk-t` } } } } });
  s.create(CLUSTER, { apiVersion: '', kind: '', metadata: meta(stack), spec: {} });
  return ns;
}

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function markDeleted(m: ManagementCluster, ns: string, stack: string): void {
  for (const key of [CLUSTER, OSC]) {
    const o = m.store.peek(key, ns, stack);
    if (!o) continue;
    o.metadata.deletionTimestamp = m.store.timestamp();
    m.store.update(key, o);
  }
}

test('create: the OpenStack side is built through the port and the CAPI status reads back', async () => {
  const project = h.credentials.tenant.projectId;
  const m = new ManagementCluster(h.clock);
  const stack = 'capi-test-1-abcdefabcdef';
  const ns = await writeObjects(m, project, stack);
  const ready: ReadyCluster[] = [];
  const stopped: string[] = [];
  const capo = new CapoController({
    store: m.store, cloudFor: () => h.cloud(project), periodMs: 20,
    startWorkload: (c) => { ready.push(c); return Promise.resolve(); },
    stopWorkload: (n, s) => { stopped.push(`${n}/${s}`); return Promise.resolve(); },
  });
  capo.start();
  try {
    await until('Provisioned', () => (m.store.peek(CLUSTER, ns, stack)?.status as { phase?: string } | undefined)?.phase === 'Provisioned');
    const w = h.world;
    const base = `k8s-clusterapi-cluster-${ns}-${stack}`;
    assert.ok(w.networkByName(base), 'network');
    assert.ok([...w.routers.values()].some((r) => r.name === base && r.gateway !== null && r.interfaces.length === 1), 'router with gateway and interface');
    assert.equal([...w.securityGroups.values()].filter((g) => g.name.startsWith(`k8s-cluster-${ns}-${stack}-secgroup-`)).length, 2);
    const servers = [...w.servers.values()].filter((s) => s.metadata['k8s-cluster'] === stack);
    assert.equal(servers.filter((s) => s.name.includes('-control-plane-')).length, 1);
    assert.equal(servers.filter((s) => s.name.includes('-default-worker-')).length, 2);
    assert.ok(servers.every((s) => s.status === 'ACTIVE'));
    const lb = [...w.loadBalancers.values()].find((x) => x.name === `${base}-kubeapi`);
    assert.equal(lb?.provisioningStatus, 'ACTIVE');
    const fip = [...w.floatingIps.values()].find((f) => f.portId === lb?.vipPortId);
    assert.ok(fip);
    const osc = m.store.peek(OSC, ns, stack);
    assert.deepEqual(osc?.metadata.finalizers, [OSC_FINALIZER]);
    assert.equal((osc?.status as { ready?: boolean }).ready, true);
    assert.equal((osc?.status as { apiServerLoadBalancer?: { ip?: string; id?: string } }).apiServerLoadBalancer?.ip, fip.address);
    assert.deepEqual((m.store.peek(CLUSTER, ns, stack)?.spec as { controlPlaneEndpoint?: unknown }).controlPlaneEndpoint, { host: fip.address, port: 6443 });
    assert.equal((m.store.peek(KCP, ns, `${stack}-control-plane`)?.status as { ready?: boolean }).ready, true);
    assert.equal((m.store.peek(MD, ns, `${stack}-default-worker`)?.status as { readyReplicas?: number }).readyReplicas, 2);
    assert.equal(ready.length, 1);
    assert.equal(ready[0]?.fip, fip.address);
    assert.deepEqual(ready[0]?.workers.map((x) => x.name).sort(), servers.filter((s) => s.name.includes('-default-worker-')).map((s) => s.name).sort());

    // delete: everything it built goes, then the objects
    markDeleted(m, ns, stack);
    await until('objects gone', () => m.store.peek(OSC, ns, stack) === undefined && m.store.peek(CLUSTER, ns, stack) === undefined);
    assert.equal(w.networkByName(base), undefined);
    assert.equal([...w.routers.values()].filter((r) => r.name === base).length, 0);
    assert.equal([...w.servers.values()].filter((s) => s.metadata['k8s-cluster'] === stack).length, 0);
    assert.equal([...w.loadBalancers.values()].filter((x) => x.name === `${base}-kubeapi`).length, 0);
    assert.equal([...w.floatingIps.values()].filter((f) => f.id === fip.id).length, 0);
    assert.equal([...w.securityGroups.values()].filter((g) => g.name.includes(stack)).length, 0);
    assert.equal(m.store.peekAll('secrets', ns).length, 0);
    assert.deepEqual(stopped, [`${ns}/${stack}`]);
  } finally {
    await capo.stop();
  }
});

test('delete: a refused LB lookup holds the finalizer (stuck-delete); clearing it by hand lets the objects go', async () => {
  const project = h.credentials.tenant.projectId;
  const m = new ManagementCluster(h.clock);
  const stack = 'capi-test-2-abcdefabcdef';
  const ns = await writeObjects(m, project, stack);
  let refuse = false;
  const real = h.cloud(project);
  const cloud: CloudPort = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'loadBalancersNamed' && refuse) return () => Promise.reject(new CloudError('octavia', 'GET', '/v2/lbaas/loadbalancers', 403, 'Policy does not allow this request to be performed.'));
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  const capo = new CapoController({ store: m.store, cloudFor: () => cloud, periodMs: 20, retryMs: 20, startWorkload: () => Promise.resolve(), stopWorkload: () => Promise.resolve() });
  capo.start();
  try {
    await until('Provisioned', () => (m.store.peek(CLUSTER, ns, stack)?.status as { phase?: string } | undefined)?.phase === 'Provisioned');
    refuse = true;
    markDeleted(m, ns, stack);
    await until('failureMessage', () => /403 Policy does not allow/.test(String((m.store.peek(OSC, ns, stack)?.status as { failureMessage?: string } | undefined)?.failureMessage ?? '')));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(m.store.peek(OSC, ns, stack)?.metadata.finalizers, [OSC_FINALIZER], 'the finalizer holds');
    assert.ok(capo.errors.length >= 2, 'it retries');
    // the appendix-A remedy: the finalizer cleared by hand; the OpenStack leftovers stay
    const osc = m.store.peek(OSC, ns, stack);
    assert.ok(osc);
    osc.metadata.finalizers = [];
    m.store.update(OSC, osc);
    m.store.remove(OSC, ns, stack);
    await until('LB lookup no longer attempted', () => m.store.peek(OSC, ns, stack) === undefined);
    assert.equal([...h.world.loadBalancers.values()].filter((x) => x.name.includes(stack)).length, 1, 'the API LB is left for the manual cleanup');
  } finally {
    await capo.stop();
  }
});

test('delete: a holdDelete reason keeps the finalizer after the servers went; the LB, FIP and network stay until it is cleared', async () => {
  const project = h.credentials.tenant.projectId;
  const m = new ManagementCluster(h.clock);
  const stack = 'capi-test-3-abcdefabcdef';
  const ns = await writeObjects(m, project, stack);
  const capo = new CapoController({
    store: m.store, cloudFor: () => h.cloud(project), periodMs: 20, retryMs: 20, startWorkload: () => Promise.resolve(), stopWorkload: () => Promise.resolve(),
    holdDelete: (c) => `held for ${c.stackId}`,
  });
  capo.start();
  try {
    await until('Provisioned', () => (m.store.peek(CLUSTER, ns, stack)?.status as { phase?: string } | undefined)?.phase === 'Provisioned');
    markDeleted(m, ns, stack);
    await until('failureMessage', () => String((m.store.peek(OSC, ns, stack)?.status as { failureMessage?: string } | undefined)?.failureMessage ?? '').includes(`held for ${stack}`));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(m.store.peek(OSC, ns, stack)?.metadata.finalizers, [OSC_FINALIZER], 'the finalizer holds');
    assert.equal([...h.world.servers.values()].filter((s) => s.metadata['k8s-cluster'] === stack).length, 0, 'the servers went first');
    assert.equal([...h.world.loadBalancers.values()].filter((x) => x.name.includes(stack)).length, 1, 'the API LB stays');
    assert.ok(h.world.networkByName(`k8s-clusterapi-cluster-${ns}-${stack}`), 'the network stays');
  } finally {
    await capo.stop();
  }
});
