// The real control plane (scripts/real-openstack.sh --profile full) does what the runbook needs,
// over HTTP from Node and through the real openstack CLI: the objects exist, an LB reaches
// ACTIVE/ONLINE, fails over as admin only, is deleted; a server stops and starts; Magnum creates
// and deletes clusters through the test driver as the tenant and with application credentials.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { MAGNUM_1_10, RealClient, controlPlaneAvailability, controlPlaneTestOptions, needControlPlane, watch } from './control-plane.js';
import type { RealControlPlane } from './control-plane.js';

const availability = await controlPlaneAvailability();
const opts = controlPlaneTestOptions(availability);
const suffix = randomBytes(3).toString('hex');

function openstack(cp: RealControlPlane, cloud: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: process.env['HOME'] ?? '/root', OS_CLIENT_CONFIG_FILE: cp.cloudsFile, no_proxy: '127.0.0.1', NO_PROXY: '127.0.0.1' };
    const child = spawn('/usr/bin/openstack', ['--os-cloud', cloud, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

test('the runbook objects are there, listed over HTTP and by the openstack CLI', opts, async () => {
  const cp = needControlPlane(availability);
  const [admin, tenant] = await Promise.all([RealClient.login(cp, 'admin'), RealClient.login(cp, 'tenant')]);
  for (const s of ['identity', 'image', 'placement', 'compute', 'network', 'load-balancer', 'container-infra']) assert.match(tenant.endpoint(s), /^http:\/\/127\.0\.0\.1:\d+/, s);

  const flavors = await tenant.call<{ flavors: { name: string; ram: number; vcpus: number }[] }>('compute', 'GET', '/flavors/detail');
  assert.equal(flavors.status, 200);
  for (const [name, ram] of [['gp.mid', 8192], ['capi.node', 4096]] as const) {
    const f = flavors.body.flavors.find((x) => x.name === name);
    assert.ok(f && f.ram >= ram && f.vcpus >= 2, `${name}: ${JSON.stringify(f)}`);
  }
  const nets = await tenant.call<{ networks: { id: string; 'router:external': boolean }[] }>('network', 'GET', '/v2.0/networks?name=provider-ext');
  assert.equal(nets.status, 200);
  assert.equal(nets.body.networks.length, 1);
  assert.equal(nets.body.networks[0]?.['router:external'], true);
  const kp = await tenant.call('compute', 'GET', `/os-keypairs/${cp.seed.keypair}`);
  assert.equal(kp.status, 200, 'the keypair belongs to the cluster creator');
  const vm = await tenant.call<{ server: { status: string; addresses: Record<string, { 'OS-EXT-IPS:type': string; addr: string }[]> } }>('compute', 'GET', `/servers/${cp.seed.mgmtVm.id}`);
  assert.equal(vm.body.server.status, 'ACTIVE');
  assert.ok(Object.values(vm.body.server.addresses).flat().some((a) => a['OS-EXT-IPS:type'] === 'floating' && a.addr === cp.seed.mgmtVm.fip), JSON.stringify(vm.body.server.addresses));
  const lbs = await admin.call<{ loadbalancers: unknown[] }>('load-balancer', 'GET', `/v2/lbaas/loadbalancers?project_id=${cp.tenant.projectId}`);
  assert.equal(lbs.status, 200);
  const cts = await tenant.call<{ clustertemplates: unknown[] }>('container-infra', 'GET', '/clustertemplates', { headers: MAGNUM_1_10 });
  assert.equal(cts.status, 200);
  assert.ok(Array.isArray(cts.body.clustertemplates));

  const cli = await Promise.all([
    openstack(cp, 'real-tenant', ['flavor', 'list', '-f', 'value', '-c', 'Name']),
    openstack(cp, 'real-tenant', ['network', 'list', '-f', 'value', '-c', 'Name']),
    openstack(cp, 'real-tenant', ['loadbalancer', 'list', '-f', 'value']),
    openstack(cp, 'real-tenant', ['coe', 'cluster', 'template', 'list', '-f', 'value']),
  ]);
  for (const r of cli) assert.equal(r.code, 0, r.err);
  assert.match(cli[0]?.out ?? '', /^gp\.mid$/m);
  assert.match(cli[0]?.out ?? '', /^capi\.node$/m);
  assert.match(cli[1]?.out ?? '', /^provider-ext$/m);
});

interface Lb { id: string; provisioning_status: string; operating_status: string; vip_address: string }
interface Amphora { id: string; status: string }

test('Octavia: an LB goes ACTIVE/ONLINE, fails over as admin only, and is deleted', opts, async () => {
  const cp = needControlPlane(availability);
  const [admin, tenant, plain] = await Promise.all([RealClient.login(cp, 'admin'), RealClient.login(cp, 'tenant'), RealClient.login(cp, 'plainMember')]);
  const denied = await plain.call('load-balancer', 'GET', '/v2/lbaas/loadbalancers');
  assert.equal(denied.status, 403, 'a member without load-balancer_member is refused');
  const created = await tenant.call<{ loadbalancer: Lb }>('load-balancer', 'POST', '/v2/lbaas/loadbalancers', { body: { loadbalancer: { name: `parity-lb-${suffix}`, vip_subnet_id: cp.seed.mgmtVm.subnetId } } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const lb = created.body.loadbalancer;
  assert.equal(lb.provisioning_status, 'PENDING_CREATE');
  assert.equal(lb.operating_status, 'OFFLINE');
  const get = async () => {
    const r = await tenant.call<{ loadbalancer: Lb }>('load-balancer', 'GET', `/v2/lbaas/loadbalancers/${lb.id}`);
    return r.status === 200 ? `${r.body.loadbalancer.provisioning_status}/${r.body.loadbalancer.operating_status}` : `HTTP ${r.status}`;
  };
  try {
    const up = await watch('LB create', get, (s) => s === 'ACTIVE/ONLINE' || s.startsWith('ERROR'), { timeoutMs: 120_000 });
    assert.equal(up.at(-1), 'ACTIVE/ONLINE', `seen ${up.join(' -> ')}`);
    const amps = async () => (await admin.call<{ amphorae: Amphora[] }>('load-balancer', 'GET', `/v2/octavia/amphorae?loadbalancer_id=${lb.id}`)).body.amphorae;
    const before = (await amps()).filter((a) => a.status === 'ALLOCATED').map((a) => a.id);
    assert.equal(before.length, 1);

    const refused = await tenant.call('load-balancer', 'PUT', `/v2/lbaas/loadbalancers/${lb.id}/failover`);
    assert.equal(refused.status, 403, 'failover is an admin operation');
    const fo = await admin.call('load-balancer', 'PUT', `/v2/lbaas/loadbalancers/${lb.id}/failover`);
    assert.equal(fo.status, 202, JSON.stringify(fo.body));
    await watch('failover', async () => {
      const a = await amps();
      return { lb: await get(), allocated: a.filter((x) => x.status === 'ALLOCATED').map((x) => x.id) };
    }, (v) => v.lb === 'ACTIVE/ONLINE' && v.allocated.length === 1 && v.allocated[0] !== before[0], { timeoutMs: 120_000 });

    const del = await tenant.call('load-balancer', 'DELETE', `/v2/lbaas/loadbalancers/${lb.id}`);
    assert.equal(del.status, 204);
    const gone = await watch('LB delete', get, (s) => s === 'HTTP 404' || s.startsWith('DELETED'), { timeoutMs: 120_000 });
    assert.ok(['HTTP 404', 'DELETED/OFFLINE'].includes(gone.at(-1) ?? ''), `seen ${gone.join(' -> ')}`);
  } finally {
    await tenant.call('load-balancer', 'DELETE', `/v2/lbaas/loadbalancers/${lb.id}?cascade=true`).catch(() => undefined);
  }
});

test('Nova (fake driver): the management VM stops and starts', opts, async () => {
  const cp = needControlPlane(availability);
  const tenant = await RealClient.login(cp, 'tenant');
  const status = async () => (await tenant.call<{ server: { status: string } }>('compute', 'GET', `/servers/${cp.seed.mgmtVm.id}`)).body.server.status;
  try {
    assert.equal((await tenant.call('compute', 'POST', `/servers/${cp.seed.mgmtVm.id}/action`, { body: { 'os-stop': null } })).status, 202);
    assert.equal((await watch('stop', status, (s) => s === 'SHUTOFF' || s === 'ERROR', { timeoutMs: 90_000 })).at(-1), 'SHUTOFF');
    assert.equal((await tenant.call('compute', 'POST', `/servers/${cp.seed.mgmtVm.id}/action`, { body: { 'os-start': null } })).status, 202);
    assert.equal((await watch('start', status, (s) => s === 'ACTIVE' || s === 'ERROR', { timeoutMs: 90_000 })).at(-1), 'ACTIVE');
  } finally {
    if ((await status()) === 'SHUTOFF') await tenant.call('compute', 'POST', `/servers/${cp.seed.mgmtVm.id}/action`, { body: { 'os-start': null } });
  }
});

interface Cluster {
  uuid: string; status: string; status_reason: string | null; stack_id: string | null; api_address: string | null;
  master_addresses: string[] | null; node_addresses: string[] | null; health_status: string | null; health_status_reason: Record<string, string> | null; coe_version: string | null;
}

async function clusterLifecycle(c: RealClient, cp: RealControlPlane, template: string, name: string, expect: 'CREATE_COMPLETE' | 'CREATE_FAILED', waitHealth = false): Promise<void> {
  const post = await c.call<{ uuid: string }>('container-infra', 'POST', '/clusters', {
    headers: MAGNUM_1_10, body: { name, cluster_template_id: template, keypair: cp.seed.keypair, master_count: 1, node_count: 1 },
  });
  assert.equal(post.status, 202, JSON.stringify(post.body));
  const id = post.body.uuid;
  const show = async () => {
    const r = await c.call<Cluster>('container-infra', 'GET', `/clusters/${id}`, { headers: MAGNUM_1_10 });
    return r.status === 200 ? r.body : undefined;
  };
  try {
    const seen = await watch(`${name} create`, async () => {
      const x = await show();
      return x ? { status: x.status, api: x.api_address !== null, health: x.health_status } : { status: 'not yet written', api: false, health: null };
    }, (v) => v.status.endsWith('_COMPLETE') || v.status.endsWith('_FAILED'), { timeoutMs: 240_000 });
    const last = await show();
    assert.ok(last);
    assert.equal(last.status, expect, `${name}: ${JSON.stringify(last)}`);
    if (expect === 'CREATE_COMPLETE') {
      assert.ok(seen.some((v) => v.status === 'CREATE_IN_PROGRESS'), `${name} went through CREATE_IN_PROGRESS: ${JSON.stringify(seen)}`);
      assert.equal(last.api_address, cp.magnumDriver.apiAddress);
      assert.match(last.stack_id ?? '', new RegExp(`^${name}-[a-z0-9]{12}$`));
      assert.deepEqual(last.master_addresses ?? [], [], 'the CAPI Helm driver never sets master_addresses');
      assert.deepEqual(last.node_addresses ?? [], [], 'the CAPI Helm driver never sets node_addresses');
      assert.equal(last.coe_version, 'v1.34.8');
      const creds = await c.call<{ application_credentials: { name: string }[] }>('identity', 'GET', `/users/${c.userId}/application_credentials`);
      if (creds.status === 200) assert.ok(creds.body.application_credentials.some((a) => a.name.startsWith(`magnum-${id}-`)), 'the driver minted the cluster app-cred');
      if (waitHealth) {
        // Magnum syncs health for COMPLETE clusters only, every healthSyncSeconds: null until then.
        assert.ok(seen.every((v) => v.health === null || v.status === 'CREATE_COMPLETE'), `no health while creating: ${JSON.stringify(seen)}`);
        const health = await watch(`${name} health`, async () => (await show())?.health_status ?? null, (h) => h !== null, { timeoutMs: (cp.magnumDriver.healthSyncSeconds + 120) * 1000, intervalMs: 2000 });
        assert.equal(health.at(-1), 'HEALTHY');
        assert.deepEqual((await show())?.health_status_reason, { cluster: 'Ready', infrastructure: 'Ready', controlplane: 'Ready', nodegroup: 'Ready' });
      }
    } else {
      assert.match(last.status_reason ?? '', /application.credential/i, 'the driver could not mint the cluster app-cred');
      assert.equal(last.health_status, null, 'no health after CREATE_FAILED');
    }
    const del = await c.call('container-infra', 'DELETE', `/clusters/${id}`, { headers: MAGNUM_1_10 });
    assert.equal(del.status, 204);
    const gone = await watch(`${name} delete`, async () => (await show())?.status ?? 'gone', (s) => s === 'gone' || s === 'DELETE_FAILED', { timeoutMs: 240_000 });
    assert.equal(gone.at(-1), 'gone', `${name}: ${gone.join(' -> ')}`);
  } finally {
    if (await show()) await c.call('container-infra', 'DELETE', `/clusters/${id}`, { headers: MAGNUM_1_10 }).catch(() => undefined);
  }
}

test('Magnum (test driver): clusters created and deleted as the tenant and with application credentials; health from the periodic sync', opts, async () => {
  const cp = needControlPlane(availability);
  const [tenant, ac, acu] = await Promise.all([RealClient.login(cp, 'tenant'), RealClient.login(cp, 'appCred'), RealClient.login(cp, 'appCredUnrestricted')]);
  const tooNew = await tenant.call<{ errors: { max_version: string }[] }>('container-infra', 'GET', '/clusters', { headers: { 'OpenStack-API-Version': 'container-infra 1.11' } });
  assert.equal(tooNew.status, 406, 'Magnum 15 accepts at most 1.10');
  assert.equal(tooNew.body.errors[0]?.max_version, '1.10');

  const tname = `parity-k8s-${suffix}`;
  const body = {
    name: tname, coe: 'kubernetes', server_type: 'vm', image_id: cp.image.name, external_network_id: cp.seed.externalNetwork.name,
    master_flavor_id: 'gp.mid', flavor_id: 'capi.node', master_lb_enabled: true, floating_ip_enabled: true, network_driver: 'calico',
    dns_nameserver: '8.8.8.8', docker_storage_driver: 'overlay2', labels: { fixed_subnet_cidr: '10.20.16.0/24', octavia_provider: 'amphora' },
  };
  const ct = await tenant.call<{ uuid: string; cluster_distro: string }>('container-infra', 'POST', '/clustertemplates', { headers: MAGNUM_1_10, body });
  assert.equal(ct.status, 201, JSON.stringify(ct.body));
  assert.equal(ct.body.cluster_distro, 'ubuntu');
  try {
    const lbless = await tenant.call('container-infra', 'POST', '/clusters', { headers: MAGNUM_1_10, body: { name: `parity-nolb-${suffix}`, cluster_template_id: ct.body.uuid, master_count: 3, master_lb_enabled: false } });
    assert.equal(lbless.status, 400, 'master_count > 1 needs master_lb_enabled');

    await Promise.all([
      clusterLifecycle(tenant, cp, ct.body.uuid, `parity-t-${suffix}`, 'CREATE_COMPLETE', true),
      clusterLifecycle(acu, cp, ct.body.uuid, `parity-acu-${suffix}`, 'CREATE_COMPLETE'),
      // Keystone refuses the driver's app-cred minting to a restricted application credential.
      clusterLifecycle(ac, cp, ct.body.uuid, `parity-ac-${suffix}`, 'CREATE_FAILED'),
    ]);
  } finally {
    // A template in use cannot go (400) until a cluster a failed assertion left behind is deleted.
    await watch('template delete', async () => (await tenant.call('container-infra', 'DELETE', `/clustertemplates/${ct.body.uuid}`, { headers: MAGNUM_1_10 })).status,
      (st) => st === 204 || st === 404, { timeoutMs: 120_000, intervalMs: 3000 }).catch(() => undefined);
  }
});
