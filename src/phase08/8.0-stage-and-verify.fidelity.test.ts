// 8.0 stage-and-verify against the REAL Glance (Debian Zed, scripts/real-openstack.sh) and the
// real Keystone: the image is downloaded from the CDN stand-in with the curl-style UA, verified,
// created public with its properties, staged with glance-direct, imported and polled to active.
// Glance's own sha512 of what it stored (os_hash_value) must equal the manifest's. Then hidden
// (os_hidden), the image is named as hidden, not seeded a second time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_SITE } from '../../test/helpers.js';
import { ensureRealOpenStack, need, realTestOptions } from '../../test/real/real-openstack.js';
import { startHostSims } from '../../sim/hosts/index.js';
import { isCapiGateError } from '../core/errors.js';
import { createHostServices } from '../hosts/index.js';
import { connectOpenStack } from '../openstack/index.js';
import type { OpenStack } from '../openstack/index.js';
import { loadSite } from '../site/load.js';
import type { LoadedSite } from '../site/load.js';
import { step as stage } from './8.0-stage-and-verify.js';
import { runGateSteps, servicesWith } from './site-gates.test-support.js';

const availability = await ensureRealOpenStack();

test('real Glance: an absent image is seeded by glance-direct, active, public, with kube_version/os_distro and Glance\'s sha512 = the manifest\'s', realTestOptions(availability), async () => {
  const real = need(availability);
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-seed-real-'));
  const example = loadSite(EXAMPLE_SITE);
  const h = await startHostSims({ site: example.site, outDir: dir, mapAddress: (ip) => ip.replace(/^10\.12\./, '127.219.'), imageBytes: 1024 * 1024 });
  const name = `capi-gate-seed-${randomBytes(4).toString('hex')}`;
  const site: LoadedSite = {
    ...example,
    site: {
      ...example.site,
      openstack: { clouds: { admin: real.admin.cloud, tenant: real.tenant.cloud }, cloudsFile: real.cloudsFile, region: real.region, interface: 'public' },
      project: { name: real.tenant.projectName, domain: real.tenant.projectDomainName },
      adminProject: { name: real.admin.projectName, domain: real.admin.projectDomainName },
      image: { ...example.site.image, name, url: h.cdn.imageUrl, sha512: h.cdn.sha512, stageDir: join(dir, 'stage') },
      // The CDN stand-in is signed by the host simulator's CA (the real services are plain HTTP).
      tls: { caBundle: h.files.caBundle, insecure: false },
    },
  };
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('OS_')) delete env[k];
  let os: Promise<OpenStack> | undefined;
  const openstack = (signal: AbortSignal) => (os ??= connectOpenStack({ site: site.site, env, signal }));
  try {
    const run = await runGateSteps(site, [stage], servicesWith(createHostServices(site, env), { openstack }));
    try {
      const r = run.rec('8.0.stage-and-verify');
      assert.equal(r.status, 'PASS', `${r.summary}\n${r.hint ?? ''}`);
      assert.match(r.summary, new RegExp(`image ${name} seeded: downloaded 1\\.0 MiB, sha512 verified, glance-direct import active; kube_version=v1\\.34\\.8 os_distro=ubuntu`));
    } finally {
      run.cleanup();
    }
    const o = await openstack(new AbortController().signal);
    const img = await o.glance.findImageByName(o.admin, name, new AbortController().signal);
    assert.ok(img, 'the image is in Glance');
    assert.equal(img.status, 'active');
    assert.equal(img.visibility, 'public');
    assert.equal(img.kubeVersion, 'v1.34.8');
    assert.equal(img.osDistro, 'ubuntu');
    const raw = await o.admin.request({ service: 'image', method: 'GET', path: `/images/${img.id}`, operation: 'get image (raw)', signal: new AbortController().signal });
    const doc = JSON.parse(raw.body.toString('utf8')) as { os_hash_algo?: string; os_hash_value?: string; size?: number };
    assert.equal(doc.size, 1024 * 1024);
    if (doc.os_hash_algo === 'sha512') assert.equal(doc.os_hash_value, h.cdn.sha512, 'Glance hashed the same bytes the manifest names');
    // The tenant (capi-mgmt) sees it: the template is created in that scope.
    const seen = await o.glance.findImageByName(o.tenant, name, new AbortController().signal);
    assert.equal(seen?.id, img.id);
    assert.ok(h.cdn.requests.every((q) => /^curl\//.test(q.userAgent)));
    // Hidden (`openstack image set --hidden`), real Glance leaves it out of the name listing:
    // capi-gate must say so, not take the image for absent and seed a second one of the name.
    const hide = (hidden: boolean) => o.admin.request({
      service: 'image', method: 'PATCH', path: `/images/${img.id}`, operation: 'hide test image', signal: new AbortController().signal,
      headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch' }, body: JSON.stringify([{ op: 'replace', path: '/os_hidden', value: hidden }]),
    });
    await hide(true);
    await assert.rejects(o.glance.findImageByName(o.admin, name, new AbortController().signal), (e: unknown) => isCapiGateError(e, 'CAPI_GATE_PRECONDITION') && e.message.includes(`image '${name}' exists but is hidden (os_hidden=true): ${img.id} active`));
    const again = await runGateSteps(site, [stage], servicesWith(createHostServices(site, env), { openstack }));
    try {
      const r = again.rec('8.0.stage-and-verify');
      assert.equal(r.status, 'FAIL', r.summary);
      assert.match(r.summary, /exists but is hidden/);
      assert.match(r.hint ?? '', new RegExp(`openstack image set --unhidden ${img.id}`));
    } finally {
      again.cleanup();
    }
    const named = await o.admin.request({ service: 'image', method: 'GET', path: '/images', query: { name }, operation: 'list (raw)', signal: new AbortController().signal });
    assert.deepEqual((JSON.parse(named.body.toString('utf8')) as { images: unknown[] }).images, [], 'no second image of the name was seeded');
    await hide(false);
    assert.equal((await o.glance.findImageByName(o.admin, name, new AbortController().signal))?.id, img.id, 'unhidden, it is found again');
    await o.admin.request({ service: 'image', method: 'DELETE', path: `/images/${img.id}`, operation: 'delete test image', signal: new AbortController().signal });
  } finally {
    if (os) await (await os).close();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
