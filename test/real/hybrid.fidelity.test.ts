// Hybrid mode (issue 3, item 5): steps 8.0-8.2 through the built CLI against the REAL Keystone
// and Glance (scripts/real-openstack.sh), with the simulated Magnum, Octavia, Nova and Neutron
// registered in the real catalog and trusting the real Keystone's tokens (sim/hybrid).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BIN, tempDir } from '../helpers.js';
import { startHybrid } from '../../sim/hybrid/index.js';
import { ensureRealOpenStack, need, realTestOptions } from './real-openstack.js';

const availability = await ensureRealOpenStack();

function cli(args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), 240_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

test('hybrid: 8.0-8.2 pass against the real Keystone and Glance with simulated Magnum/Octavia/Nova/Neutron', realTestOptions(availability), async () => {
  const real = need(availability);
  const { dir, cleanup } = tempDir('capi-gate-hybrid-');
  const before = fronted(await tenantCatalog(real));
  const h = await startHybrid({ keystone: real.keystone, glance: real.glance, admin: real.admin, tenant: real.tenant, appCred: real.appCred, outDir: dir, timeScale: 0.01 });
  try {
    // the fronts refuse what the real Keystone refuses, in the service's own format
    const bogus = await fetch(`${h.urls.octavia}/v2.0/lbaas/loadbalancers`, { headers: { 'x-auth-token': 'gAAAAABnot-a-real-token' } });
    assert.equal(bogus.status, 401);
    assert.ok(h.stats.rejected >= 1);
    // the real catalog lists the fronts
    const catalog = await tenantCatalog(real);
    const url = (type: string) => catalog.find((c) => c.type === type)?.endpoints.find((e) => e.interface === 'public')?.url;
    assert.equal(url('container-infra'), `${h.urls.magnum}/v1`);
    assert.equal(url('load-balancer'), h.urls.octavia);
    assert.equal(url('image'), real.glance);
    assert.ok(h.files, 'hybrid files written');
    // capi-mgmt's id in the simulated world is the real one
    assert.ok(h.sim.world.projects.has(real.tenant.projectId));

    const r = await cli(['run', '--site', h.files.site, '--only', '8.0.prereqs,8.0.image,8.0.template,8.1,8.2'], dir);
    assert.equal(r.code, 5, r.out);
    assert.match(r.out, /8\.0\.image PASS .*kube_version=v1\.34\.8/);
    assert.match(r.out, /8\.2 PASS .*CREATE_COMPLETE; api_address https:\/\/[\d.]+:6443; API LB [0-9a-f-]{36} ACTIVE\/ONLINE, VIP [\d.]+, FIP [\d.]+/);
    assert.match(r.out, /Verdict: PARTIAL: 5 of 18 steps; no verdict on/);
    assert.ok(h.stats.mirrored >= 2, `tokens validated by the real keystone: ${JSON.stringify(h.stats)}`);
    const cluster = [...h.sim.world.clusters.values()].find((c) => c.name === 'capi-test-1');
    assert.equal(cluster?.projectId, real.tenant.projectId);
  } finally {
    await h.close();
    cleanup();
  }
  // the endpoints the fronts replaced are back (a real control plane serves these types again)
  assert.deepEqual(fronted(await tenantCatalog(real)), before);
});

type Catalog = { type: string; endpoints: { interface: string; url: string }[] }[];

async function tenantCatalog(real: ReturnType<typeof need>): Promise<Catalog> {
  const tok = await fetch(`${real.keystone}/auth/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: real.tenant.username, domain: { name: real.tenant.userDomainName }, password: real.tenant.password } } }, scope: { project: { id: real.tenant.projectId } } } }),
  });
  return ((await tok.json()) as { token: { catalog: Catalog } }).token.catalog;
}

/** The catalog entries of the types the hybrid fronts replace, as sorted "type interface url" lines. */
function fronted(catalog: Catalog): string[] {
  const types = ['container-infra', 'load-balancer', 'compute', 'network'];
  return catalog.filter((c) => types.includes(c.type)).flatMap((c) => c.endpoints.map((e) => `${c.type} ${e.interface} ${e.url}`)).sort();
}
