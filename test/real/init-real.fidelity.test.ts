// `capi-gate init` against the real control plane (scripts/real-openstack.sh): the identity and
// image parts of the file come from the real Keystone and Glance. init only reads. This test never
// starts or stops the control plane outside CI: when `real-openstack.sh status` says it is down, the
// test is skipped with that reason. With the full profile, init reads the real services directly.
// With the basic profile (Keystone + Glance only), it reads them through `capi-gate sim --keystone
// --glance`, whose simulated services the real catalog points at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BIN, tempDir } from '../helpers.js';
import { REAL_OPENSTACK_SCRIPT, ensureRealOpenStack, need, realOpenStackDir } from './real-openstack.js';
import type { RealOpenStack } from './real-openstack.js';

async function available(): Promise<{ real?: RealOpenStack; skip?: string }> {
  if (process.env['CI']) return { real: need(await ensureRealOpenStack()) };
  const st = spawnSync('bash', [REAL_OPENSTACK_SCRIPT, 'status'], { encoding: 'utf8', timeout: 60_000 });
  const file = join(realOpenStackDir(), 'real-openstack.json');
  if (st.status !== 0 || !existsSync(file)) return { skip: `the real control plane is not up (real-openstack.sh status exited ${st.status ?? 'by signal'}); this test does not start it` };
  return { real: JSON.parse(readFileSync(file, 'utf8')) as RealOpenStack };
}

const a = await available();

test('init on the real Keystone and Glance: project, domain, roles and the kube image come from them', a.skip ? { skip: a.skip } : {}, async () => {
  const real = a.real!;
  const t = tempDir('capi-gate-init-real-');
  let child: ReturnType<typeof spawn> | undefined;
  try {
    let env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', OS_CLIENT_CONFIG_FILE: real.cloudsFile };
    let clouds = { admin: real.admin.cloud, tenant: real.tenant.cloud };
    if (real.profile !== 'full') {
      const out = join(t.dir, 'hybrid');
      child = spawn(process.execPath, [BIN, 'sim', '--out', out, '--time-scale', '0.01', '--keystone', real.keystone, '--glance', real.glance, '--real-clouds', real.cloudsFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not ready: ${text}`)), 60_000);
        child!.stdout!.on('data', (d) => {
          text += String(d);
          if (/^ready$/m.test(text)) { clearTimeout(timer); resolve(); }
        });
        child!.once('exit', (c) => { clearTimeout(timer); reject(new Error(`exited ${c}: ${text}`)); });
      });
      const site = parse(readFileSync(join(out, 'site.yaml'), 'utf8')) as { openstack: { clouds: { admin: string; tenant: string } } };
      clouds = site.openstack.clouds;
      env = { ...env, OS_CLIENT_CONFIG_FILE: join(out, 'clouds.yaml') };
    }
    const file = join(t.dir, 'real.yaml');
    const r = spawnSync(process.execPath, [BIN, 'init', '--out', file, '--admin-cloud', clouds.admin, '--tenant-cloud', clouds.tenant], { encoding: 'utf8', env, timeout: 120_000 });
    // No juju and no reachable hypervisor here: those parts are TODOs (exit 1), the rest is written.
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const text = readFileSync(file, 'utf8');
    const doc = parse(text) as { project: { name: string; domain: string }; adminProject: { name: string }; image: { name: string; kubeVersion: string } };
    assert.deepEqual(doc.project, { name: real.tenant.projectName, domain: real.tenant.projectDomainName });
    assert.equal(doc.adminProject.name, real.admin.projectName);
    assert.equal(doc.image.name, real.image.name);
    assert.match(text, new RegExp(`name: ${real.tenant.projectName} # from: keystone: the project cloud ${clouds.tenant} is scoped to`));
    assert.match(text, new RegExp(`name: ${real.image.name.replace(/\./g, '\\.')} # from: glance image list, kube_version=v\\d`));
    assert.match(text, /clusterCreatorRoles: .*# from: runbook D-039; the creator holds now: .*load-balancer_member/);
    assert.doesNotMatch(text, new RegExp(real.tenant.password.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    t.cleanup();
  }
});
