// Paged lists end to end (client + simulator, in-process): a simulator whose every list is
// capped at one item a page (the small-pages scenario: pagination_max_limit / max_limit = 1).
// Each list the clients read must hold exactly what the simulator's world holds, and the request
// log must show that pages were followed; a client reading only the first page fails here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim } from '../../sim/index.js';
import { realClock } from '../core/clock.js';
import { isCapiGateError } from '../core/errors.js';
import { loadSite } from '../site/load.js';
import { listLeftovers } from '../playbooks/leftovers.js';
import { connectOpenStack } from './openstack.js';

const signal = AbortSignal.timeout(60_000);
const sorted = (xs: Iterable<string>) => [...xs].sort();

test('every list is read to its last page when the cloud pages at one item', async () => {
  const out = mkdtempSync(join(tmpdir(), 'capi-gate-paging-integ-'));
  const sim = await startSim({ outDir: out, timeScale: 0.001, scenario: 'small-pages' });
  try {
    assert.equal(sim.scenario?.pageSize, 1);
    const { site } = loadSite(join(out, 'site.yaml'));
    const os = await connectOpenStack({ site, env: {}, signal, search: { cwd: out, homeDir: out, systemDir: out } });
    const tpl = {
      name: site.template.name, image: site.image.name, externalNetwork: site.externalNetwork, masterFlavor: site.flavors.master.name, flavor: site.flavors.worker.name,
      networkDriver: site.template.networkDriver, masterLbEnabled: true, floatingIpEnabled: false, labels: site.template.labels,
    };
    // Two templates of one name (two racing first runs): the lookup must see both to pick the oldest.
    const first = await os.magnum.createTemplate(os.tenant, tpl, signal);
    await realClock.sleep(5, signal);
    await os.magnum.createTemplate(os.tenant, tpl, signal);
    await os.magnum.createTemplate(os.tenant, { ...tpl, name: 'another-template' }, signal);
    assert.equal((await os.magnum.listTemplatesNamed(os.tenant, site.template.name, signal)).length, 2);
    assert.equal((await os.magnum.findTemplate(os.tenant, site.template.name, signal))?.uuid, first.uuid);

    const { uuid } = await os.magnum.createCluster(os.tenant, { name: site.cluster.name, template: first.uuid, keypair: site.keypair, masterCount: 1, nodeCount: 2 }, signal);
    await os.magnum.createCluster(os.tenant, { name: 'capi-test-2', template: first.uuid, keypair: site.keypair, masterCount: 1, nodeCount: 1 }, signal);
    for (let i = 0; i < 400 && (await os.magnum.getCluster(os.tenant, uuid, signal)).status !== 'CREATE_COMPLETE'; i++) await realClock.sleep(25, signal);
    assert.equal((await os.magnum.getCluster(os.tenant, uuid, signal)).status, 'CREATE_COMPLETE');
    // A Service LB as the CCM makes it: a second load balancer and a floating IP on its VIP port.
    await sim.serviceLoadBalancerHooks(uuid).create({ clusterName: site.cluster.name, namespace: 'default', name: 'rr', uid: 'u1', lbName: `kube_service_${site.cluster.name}_default_rr`, ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] });
    // A second image of the kube image's name: ambiguous, which only the second page shows.
    await os.glance.createImage(os.admin, { name: site.image.name, diskFormat: 'qcow2', containerFormat: 'bare' }, signal);

    const w = sim.world;
    const p = os.projectId;
    const ids = (xs: readonly { id: string }[]) => sorted(xs.map((x) => x.id));
    const mine = <T extends { id: string; projectId: string }>(m: Map<string, T>) => sorted([...m.values()].filter((x) => x.projectId === p).map((x) => x.id));
    const project = { project_id: p };
    const lists: [string, string[], string[]][] = [
      ['networks', ids(await os.neutron.listNetworks(os.tenant, project, signal)), mine(w.networks)],
      ['subnets', ids(await os.neutron.listSubnets(os.tenant, project, signal)), mine(w.subnets)],
      ['routers', ids(await os.neutron.listRouters(os.tenant, project, signal)), mine(w.routers)],
      ['ports', ids(await os.neutron.listPorts(os.tenant, project, signal)), mine(w.ports)],
      ['floating IPs', ids(await os.neutron.listFloatingIps(os.tenant, project, signal)), mine(w.floatingIps)],
      ['security groups', ids(await os.neutron.listSecurityGroups(os.tenant, project, signal)), mine(w.securityGroups)],
      ['load balancers', ids(await os.octavia.listLoadBalancers(os.tenant, { projectId: p }, signal)), mine(w.loadBalancers)],
      ['servers', ids(await os.nova.listServers(os.tenant, {}, signal)), mine(w.servers)],
      ['flavors', ids(await os.nova.listFlavors(os.tenant, signal)), sorted([...w.flavors.keys()])],
      ['clusters', sorted((await os.magnum.listClusters(os.tenant, signal)).map((c) => c.uuid)), sorted([...w.clusters.values()].filter((c) => c.projectId === p).map((c) => c.uuid))],
      ['images named', ids(await os.glance.listImagesByName(os.admin, site.image.name, signal)), sorted([...w.images.values()].filter((i) => i.name === site.image.name).map((i) => i.id))],
    ];
    for (const [what, listed, truth] of lists) {
      assert.ok(truth.length >= 2, `${what}: the world holds ${truth.length}; the test needs two pages at least`);
      assert.deepEqual(listed, truth, what);
    }
    const lb = (await os.octavia.listLoadBalancers(os.tenant, { projectId: p }, signal)).find((x) => x.name.endsWith('-kubeapi'));
    assert.ok(lb);
    assert.ok((await os.octavia.listAmphorae(os.admin, { loadbalancerId: lb.id }, signal)).length >= 1);

    await assert.rejects(os.glance.findImageByName(os.admin, site.image.name, signal), (e: unknown) => isCapiGateError(e, 'CAPI_GATE_PRECONDITION') && /2 images/.test(e.message));

    // The leftovers of capi-test-1 (its CAPO network, router, groups, API and Service LBs) are
    // found whole, and those of capi-test-2 are not taken for them.
    const stackId = (await os.magnum.getCluster(os.tenant, uuid, signal)).stackId ?? '';
    const left = await listLeftovers(os, { stackId, clusterName: site.cluster.name }, signal);
    assert.deepEqual(sorted(left.loadBalancers.map((x) => x.name)), sorted([`kube_service_${site.cluster.name}_default_rr`, ...[...w.loadBalancers.values()].filter((x) => x.name.includes(stackId)).map((x) => x.name)]));
    assert.deepEqual(sorted(left.networks.map((x) => x.id)), sorted([...w.networks.values()].filter((n) => n.name.includes(stackId)).map((n) => n.id)));
    assert.ok(left.networks.length === 1 && left.routers.length === 1 && left.securityGroups.length >= 1 && left.floatingIps.length >= 1, JSON.stringify(left));

    const paged = new Set(sim.requests.list({}).filter((r) => /[?&]marker=/.test(r.path)).map((r) => r.service));
    assert.deepEqual(sorted(paged), ['glance', 'magnum', 'neutron', 'nova', 'octavia']);
  } finally {
    await sim.close();
    rmSync(out, { recursive: true, force: true });
  }
});
