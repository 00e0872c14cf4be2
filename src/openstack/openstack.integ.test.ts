// The clients against the simulated site, in-process (STYLE 20: *.integ.test.ts): both scopes,
// the project id resolved by name, template, cluster create → CREATE_COMPLETE → delete, and the
// API LB: show, admin failover → ACTIVE, the same failover refused (403) under tenant scope.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim } from '../../sim/index.js';
import { realClock } from '../core/clock.js';
import { ApiError } from '../http/index.js';
import { loadSite } from '../site/load.js';
import { loadCloudCredentials } from './clouds.js';
import { connectOpenStack } from './openstack.js';
import type { OpenStack } from './openstack.js';
import { narrowToProject } from './session.js';

const signal = AbortSignal.timeout(60_000);

async function until<T>(what: string, probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  const seen: string[] = [];
  for (;;) {
    const v = await probe();
    seen.push(JSON.stringify(v));
    if (done(v)) return v;
    if (Date.now() > end) assert.fail(`${what}: not reached in ${timeoutMs}ms; last seen ${seen.slice(-3).join(' | ')}`);
    await realClock.sleep(25, signal);
  }
}

test('openstack clients against the simulator', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'capi-gate-os-integ-'));
  const sim = await startSim({ outDir: out, timeScale: 0.001 });
  let os: OpenStack | undefined;
  try {
    const { site } = loadSite(join(out, 'site.yaml'));
    const search = { cwd: out, homeDir: out, systemDir: out };
    os = await connectOpenStack({ site, env: {}, signal, search });
    const o = os;

    await t.test('admin scope resolves the project id by name + domain; tenant is narrowed to it', async () => {
      assert.equal(o.projectId, sim.credentials.tenant.projectId);
      const admin = await o.admin.token(signal);
      assert.equal(admin.projectId, sim.credentials.admin.projectId);
      const tenant = await o.tenant.token(signal);
      assert.equal(tenant.projectId, o.projectId);
    });

    await t.test('an application credential authenticates with no scope and lands on the project', async () => {
      const creds = loadCloudCredentials({ ...search, env: {}, cloudsFile: join(out, 'clouds.yaml'), cloud: 'sim-appcred' });
      assert.equal(creds.authType, 'v3applicationcredential');
      const s = narrowToProject(creds, o.projectId, { transport: o.transport, region: 'RegionOne', interface: 'public' });
      const tok = await s.token(signal);
      assert.equal(tok.projectId, o.projectId);
      assert.deepEqual(tok.methods, ['application_credential']);
    });

    await t.test('image carries kube_version and os_distro', async () => {
      const img = await o.glance.findImageByName(o.admin, site.image.name, signal);
      assert.ok(img, 'image seeded');
      assert.equal(img.kubeVersion, site.image.kubeVersion);
      assert.equal(img.osDistro, site.image.osDistro);
    });

    let templateUuid = '';
    await t.test('template: find, else create (calico pinned), then get by name', async () => {
      const existing = await o.magnum.findTemplate(o.tenant, site.template.name, signal);
      if (!existing) {
        await o.magnum.createTemplate(
          o.tenant,
          {
            name: site.template.name,
            image: site.image.name,
            externalNetwork: site.externalNetwork,
            masterFlavor: site.flavors.master.name,
            flavor: site.flavors.worker.name,
            networkDriver: site.template.networkDriver,
            dnsNameserver: site.template.dnsNameserver,
            dockerStorageDriver: site.template.dockerStorageDriver,
            masterLbEnabled: site.template.masterLbEnabled,
            floatingIpEnabled: site.template.floatingIpEnabled,
            labels: site.template.labels,
          },
          signal,
        );
      }
      const tpl = await o.magnum.getTemplate(o.tenant, site.template.name, signal);
      assert.equal(tpl.networkDriver, 'calico');
      assert.equal(tpl.masterLbEnabled, true);
      templateUuid = tpl.uuid;
    });

    let clusterUuid = '';
    await t.test('cluster create answers {uuid} and converges to CREATE_COMPLETE', async () => {
      const { uuid } = await o.magnum.createCluster(
        o.tenant,
        { name: site.cluster.name, template: site.template.name, keypair: site.keypair, masterCount: site.cluster.masterCount, nodeCount: site.cluster.nodeCount },
        signal,
      );
      clusterUuid = uuid;
      const c = await until(
        'CREATE_COMPLETE',
        () => o.magnum.findCluster(o.tenant, site.cluster.name, signal),
        (x) => x?.status === 'CREATE_COMPLETE' || x?.status === 'CREATE_FAILED',
      );
      assert.equal(c?.status, 'CREATE_COMPLETE', c?.statusReason);
      assert.equal(c?.uuid, uuid);
      assert.equal(c?.clusterTemplateId, templateUuid);
      assert.match(c?.apiAddress ?? '', /^https:\/\/[\d.]+:6443$/);
      assert.ok(c?.stackId);
      const listed = await o.magnum.listClusters(o.tenant, signal);
      assert.ok(listed.some((x) => x.uuid === uuid));
      const ca = await o.magnum.getClusterCa(o.tenant, uuid, signal);
      assert.match(ca, /BEGIN CERTIFICATE/);
    });

    await t.test('API LB: tenant show; admin failover → PENDING_UPDATE → ACTIVE; tenant failover is a 403', async () => {
      const lbs = await o.octavia.listLoadBalancers(o.tenant, { projectId: o.projectId }, signal);
      const lb = lbs.find((x) => x.name.endsWith('-kubeapi'));
      assert.ok(lb, `an API LB among ${lbs.map((x) => x.name).join(', ')}`);
      const shown = await o.octavia.getLoadBalancer(o.tenant, lb.id, signal);
      assert.equal(shown.provisioningStatus, 'ACTIVE');
      const byId = await o.octavia.listLoadBalancers(o.admin, { id: lb.id }, signal);
      assert.deepEqual(byId.map((x) => x.id), [lb.id]);

      // The wrong scope cannot even be written (see session.test.ts); on the wire the tenant gets 403.
      const e = await o.tenant
        .request({ service: 'load-balancer', method: 'PUT', path: `/lbaas/loadbalancers/${lb.id}/failover`, operation: 'failover load balancer', signal })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      assert.ok(e instanceof ApiError, String(e));
      assert.equal(e.status, 403);
      assert.match(e.message, /Policy does not allow/);

      const amphorae = await o.octavia.listAmphorae(o.admin, { loadbalancerId: lb.id }, signal);
      assert.ok(amphorae.length >= 1);
      await o.octavia.failoverLoadBalancer(o.admin, lb.id, signal);
      const during = await o.octavia.getLoadBalancer(o.admin, lb.id, signal);
      assert.equal(during.provisioningStatus, 'PENDING_UPDATE');
      const after = await until('failover ACTIVE', () => o.octavia.getLoadBalancer(o.admin, lb.id, signal), (x) => x.provisioningStatus === 'ACTIVE');
      assert.equal(after.operatingStatus, 'ONLINE');
    });

    await t.test('cluster delete (204) → gone; a second delete reports already gone', async () => {
      assert.equal(await o.magnum.deleteCluster(o.tenant, clusterUuid, signal), true);
      await until('cluster gone', () => o.magnum.findCluster(o.tenant, clusterUuid, signal), (x) => x === undefined);
      assert.equal(await o.magnum.deleteCluster(o.tenant, clusterUuid, signal), false);
    });
  } finally {
    await os?.close();
    await sim.close();
  }
});
