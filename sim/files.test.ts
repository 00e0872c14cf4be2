import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadSite } from '../src/site/load.js';
import { siteSchema } from '../src/site/schema.js';
import { defaultSite, startSim } from './index.js';
import { login, request } from './testing.js';

test('outDir: a valid site.yaml on loopback, clouds.yaml and openrc files 0600', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capi-sim-'));
  const h = await startSim({ outDir: dir });
  try {
    assert.ok(h.files);
    const loaded = loadSite(h.files.site);
    assert.equal(loaded.site.site, 'sim');
    assert.deepEqual(loaded.site.openstack.clouds, { admin: 'sim-admin', tenant: 'sim-tenant' });
    assert.equal(loaded.site.openstack.cloudsFile, join(dir, 'clouds.yaml'));
    const text = readFileSync(h.files.site, 'utf8');
    assert.ok(!/\b10\.\d+\.\d+\.\d+/.test(text.replace(/^(workloadCidr|\s+fixed_subnet_cidr):.*$/gm, '')), 'no 10.x address outside the CIDRs');
    assert.ok(loaded.site.coreVips.every((v) => new URL(v.url).hostname.startsWith('127.')));
    assert.equal(loaded.site.coreVips.find((v) => v.name === 'keystone')?.url, h.urls.keystone);
    for (const f of [h.files.clouds, h.files.openrcAdmin, h.files.openrcTenant]) assert.equal(statSync(f).mode & 0o777, 0o600, f);
    assert.equal(readFileSync(h.files.mgmtEnv, 'utf8').trim(), 'MGMT_FIP=127.12.7.41');
    const clouds = parse(readFileSync(h.files.clouds, 'utf8')) as { clouds: Record<string, { auth: Record<string, unknown>; region_name: string; interface: string; identity_api_version: number }> };
    const admin = clouds.clouds['sim-admin'];
    assert.equal(admin?.auth['auth_url'], h.urls.keystone);
    assert.equal(admin?.auth['project_name'], 'admin');
    assert.equal(admin?.region_name, 'RegionOne');
    assert.equal(admin?.identity_api_version, 3);
    assert.equal(clouds.clouds['sim-tenant']?.auth['project_id'], h.credentials.tenant.projectId);
    assert.equal(clouds.clouds['sim-appcred']?.auth['project_name'], undefined, 'app-cred entries carry no scope');
    const openrc = readFileSync(h.files.openrcTenant, 'utf8');
    assert.match(openrc, new RegExp(`export OS_PROJECT_ID='${h.credentials.tenant.projectId}'`));
    assert.doesNotMatch(openrc, /OS_PROJECT_NAME=/);
    // The CDN image matches the sha512 written into the site file.
    const img = Buffer.from(await (await fetch(loaded.site.image.url, { headers: { 'User-Agent': 'curl/8' } })).arrayBuffer());
    const { createHash } = await import('node:crypto');
    assert.equal(createHash('sha512').update(img).digest('hex'), loaded.site.image.sha512);
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a site object shapes the world: names, roles, flavors, image', async () => {
  const base = defaultSite();
  const site = siteSchema.parse({
    ...base, project: { name: 'team-k8s', domain: 'teams' }, externalNetwork: 'public', keypair: 'ops-key',
    clusterCreatorRoles: ['member', 'load-balancer_member'],
    flavors: { master: { name: 'cp.large', minRamMb: 16384, minVcpus: 4 }, worker: { name: 'w.small', minRamMb: 2048, minVcpus: 1 } },
    image: { ...base.image, name: 'kube-img', kubeVersion: 'v1.33.1' },
  });
  const h = await startSim({ site });
  try {
    const api = await login(h, 'tenant');
    assert.equal(h.credentials.tenant.projectName, 'team-k8s');
    assert.equal(h.credentials.tenant.projectDomainName, 'teams');
    const roles = h.world.rolesOf(h.world.userByName('capi-user', h.world.domainByName('teams')?.id ?? '')?.id ?? '', api.projectId).map((r) => r.name).sort();
    assert.deepEqual(roles, ['load-balancer_member', 'member']);
    const nets = (await api.call('network', 'GET', '/v2.0/networks?name=public')).json as { networks: { 'router:external': boolean }[] };
    assert.equal(nets.networks[0]?.['router:external'], true);
    const fl = (await api.call('compute', 'GET', '/flavors/detail')).json as { flavors: { name: string; ram: number }[] };
    assert.deepEqual(fl.flavors.map((f) => `${f.name}:${f.ram}`).sort(), ['cp.large:16384', 'w.small:2048']);
    const img = (await api.call('image', 'GET', '/v2/images?name=kube-img')).json as { images: { kube_version: string }[] };
    assert.equal(img.images[0]?.kube_version, 'v1.33.1');
    assert.equal((await api.call('compute', 'GET', '/os-keypairs/ops-key')).status, 200);
  } finally {
    await h.close();
  }
});

test('the request log and state never carry tokens or passwords', async () => {
  const h = await startSim({});
  try {
    const api = await login(h, 'tenant');
    await api.call('compute', 'GET', '/servers');
    const log = (await request(`${h.urls.control}/_sim/requests`, 'GET')).text;
    const state = (await request(`${h.urls.control}/_sim/state`, 'GET')).text;
    assert.match(log, /"service":"compute"|"service":"nova"/);
    for (const secret of [api.token, h.credentials.tenant.password, h.credentials.admin.password, h.credentials.appCred.secret]) {
      assert.ok(!log.includes(secret), 'log leaks a secret');
      assert.ok(!state.includes(secret), 'state leaks a secret');
    }
    assert.ok(!state.includes('PRIVATE KEY'));
  } finally {
    await h.close();
  }
});

test('binding a non-loopback host is refused', async () => {
  await assert.rejects(startSim({ host: '0.0.0.0' }), /loopback only/);
});
