// `capi-gate sim --keystone URL --glance URL` as a user starts it, then 8.0 checks through it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { BIN, tempDir } from '../helpers.js';
import { ensureRealOpenStack, need, realOpenStackDir, realTestOptions } from './real-openstack.js';

const availability = await ensureRealOpenStack();

test('sim --keystone --glance serves a hybrid site that capi-gate runs against', realTestOptions(availability), async () => {
  const real = need(availability);
  const t = tempDir('capi-gate-hybrid-cli-');
  const out = join(t.dir, 'site');
  const child = spawn(process.execPath, [BIN, 'sim', '--out', out, '--time-scale', '0.01', '--keystone', real.keystone, '--glance', real.glance, '--real-clouds', join(realOpenStackDir(), 'clouds.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let text = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready: ${text}`)), 60_000);
      child.stdout.on('data', (d) => {
        text += String(d);
        if (/^ready$/m.test(text)) { clearTimeout(timer); resolve(); }
      });
      child.stderr.on('data', (d) => { text += String(d); });
      child.once('exit', (c) => { clearTimeout(timer); reject(new Error(`exited ${c}: ${text}`)); });
    });
    assert.match(text, /keystone http:\/\/127\.0\.0\.1:5000\/v3 \(real\)/);
    const r = spawnSync(process.execPath, [BIN, 'run', '--site', join(out, 'site.yaml'), '--runs-dir', join(t.dir, 'runs'), '--only', '8.0.prereqs,8.0.image'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 5, r.stdout + r.stderr);
    assert.match(r.stdout, /8\.0\.image PASS .*kube_version=v1\.34\.8/);
    const bad = spawnSync(process.execPath, [BIN, 'sim', '--out', out, '--keystone', 'http://10.12.4.50:5000/v3', '--glance', real.glance], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /not a loopback address/);
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
    t.cleanup();
  }
});
