import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { SimHandle } from './index.js';
import { startSim } from './index.js';
import type { Api } from './testing.js';
import { login, request } from './testing.js';

let h: SimHandle;
let admin: Api;
before(async () => {
  h = await startSim({ scenario: 'fresh-deploy' });
  admin = await login(h, 'admin');
});
after(async () => {
  await h.close();
});

const NAME = 'ubuntu-jammy-kube-v1.34.8';

test('discovery is a 300; the fresh-deploy scenario has no image; show-by-name falls back as the SDK does', async () => {
  assert.equal((await request(`${h.urls.glance}/`, 'GET')).status, 300);
  const byPath = await admin.call('image', 'GET', `/v2/images/${NAME}`);
  assert.equal(byPath.status, 404);
  assert.match(byPath.text, /No image found with ID/);
  const byName = await admin.call('image', 'GET', `/v2/images?name=${NAME}`);
  assert.deepEqual((byName.json as { images: unknown[] }).images, []);
});

test('glance-direct: POST (import-methods header) -> stage -> import -> active, converted to raw', async () => {
  const created = await admin.call('image', 'POST', '/v2/images', {
    container_format: 'bare', disk_format: 'qcow2', name: NAME, os_distro: 'ubuntu', kube_version: 'v1.34.8',
    'owner_specified.openstack.md5': '', 'owner_specified.openstack.sha256': '', 'owner_specified.openstack.object': `images/${NAME}`,
  });
  assert.equal(created.status, 201);
  assert.equal(created.headers.get('openstack-image-import-methods'), 'glance-direct,web-download,copy-image');
  const img = created.json as Record<string, unknown>;
  assert.equal(img['status'], 'queued');
  assert.equal(img['visibility'], 'shared');
  assert.equal(img['kube_version'], 'v1.34.8');
  const id = String(img['id']);
  assert.equal((await admin.call('image', 'POST', `/v2/images/${id}/import`, { method: { name: 'glance-direct' } })).status, 409);
  const data = Buffer.alloc(4096, 7);
  assert.equal((await admin.call('image', 'PUT', `/v2/images/${id}/stage`, data)).status, 204);
  assert.equal(((await admin.call('image', 'GET', `/v2/images/${id}`)).json as { status: string }).status, 'uploading');
  assert.equal((await admin.call('image', 'POST', `/v2/images/${id}/import`, { method: { name: 'glance-direct' } })).status, 202);
  assert.equal(((await admin.call('image', 'GET', `/v2/images/${id}`)).json as { status: string }).status, 'importing');
  h.clock.advance(61_000);
  const done = (await admin.call('image', 'GET', `/v2/images/${id}`)).json as Record<string, unknown>;
  assert.equal(done['status'], 'active');
  assert.equal(done['disk_format'], 'raw');
  assert.equal(done['size'], 4096);
  assert.equal(done['os_hash_algo'], 'sha512');
  const statuses = h.world.timeline.filter((e) => e.kind === 'glance.image' && e.id === id).map((e) => e.to);
  assert.deepEqual(statuses, ['queued', 'uploading', 'importing', 'active']);
  const tenant = await login(h, 'tenant');
  assert.equal((await tenant.call('image', 'GET', `/v2/images/${id}`)).status, 404, 'shared visibility: invisible to capi-mgmt');
});

test('web-download hangs then reverts to queued (FINDING-3); the CDN 403s urllib but serves curl', async () => {
  const created = await admin.call('image', 'POST', '/v2/images', { name: 'wd', disk_format: 'qcow2', container_format: 'bare' });
  const id = (created.json as { id: string }).id;
  assert.equal((await admin.call('image', 'POST', `/v2/images/${id}/import`, { method: { name: 'web-download', uri: h.urls.cdnImage } })).status, 202);
  h.clock.advance(60_000);
  const img = (await admin.call('image', 'GET', `/v2/images/${id}`)).json as Record<string, unknown>;
  assert.equal(img['status'], 'queued');
  assert.equal(img['os_glance_failed_import'], 'fs');
  assert.equal((await request(h.urls.cdnImage, 'GET', undefined, { 'User-Agent': 'Python-urllib/3.11' })).status, 403);
  const curl = await fetch(h.urls.cdnImage, { headers: { 'User-Agent': 'curl/7.88.1' } });
  assert.equal(curl.status, 200);
  assert.equal((await curl.arrayBuffer()).byteLength, 65536);
});

test('hidden images only show with ?os_hidden=True; plain PUT /file goes saving -> active', async () => {
  const created = await admin.call('image', 'POST', '/v2/images', { name: 'hid', os_hidden: true, disk_format: 'qcow2', container_format: 'bare' });
  const id = (created.json as { id: string }).id;
  const plain = (await admin.call('image', 'GET', '/v2/images')).json as { images: { id: string }[] };
  assert.ok(!plain.images.some((i) => i.id === id));
  const hidden = (await admin.call('image', 'GET', '/v2/images?os_hidden=True')).json as { images: { id: string }[] };
  assert.ok(hidden.images.some((i) => i.id === id));
  assert.equal((await admin.call('image', 'PUT', `/v2/images/${id}/file`, Buffer.alloc(10))).status, 204);
  assert.equal(h.world.images.get(id)?.status, 'saving');
  h.clock.advance(11_000);
  assert.equal(h.world.images.get(id)?.status, 'active');
  assert.equal(h.world.images.get(id)?.diskFormat, 'qcow2');
});
