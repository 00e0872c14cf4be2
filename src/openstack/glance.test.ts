import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { isCapiGateError } from '../core/errors.js';
import { ApiError } from '../http/index.js';
import { createImage, findImageByName, getImageStatus, importImage, stageImage } from './glance.js';
import { GLANCE, header, jsonBody, rejection, sessions } from './mock-cloud.test-helper.js';

const signal = new AbortController().signal;
const IMAGE = {
  id: '9a991204-0000-4000-8000-000000000003',
  name: 'ubuntu-jammy-kube-v1.34.8',
  status: 'active',
  visibility: 'shared',
  disk_format: 'raw',
  container_format: 'bare',
  size: 67108864,
  os_hidden: false,
  os_distro: 'ubuntu',
  kube_version: 'v1.34.8',
  os_glance_failed_import: '',
  tags: [],
  self: '/v2/images/9a99',
};

test('find by name uses GET /v2/images?name= and reads top-level properties', async () => {
  const { cloud, admin } = sessions();
  cloud.agent
    .get(GLANCE)
    .intercept({ path: '/v2/images', method: 'GET', query: { name: 'ubuntu-jammy-kube-v1.34.8' } })
    .reply(200, { images: [IMAGE], first: '/v2/images', schema: '/v2/schemas/images' });
  const img = await findImageByName(admin, 'ubuntu-jammy-kube-v1.34.8', signal);
  assert.equal(img?.id, IMAGE.id);
  assert.equal(img?.kubeVersion, 'v1.34.8');
  assert.equal(img?.osDistro, 'ubuntu');
  assert.equal(img?.failedImport, undefined);
  assert.equal(img?.properties['kube_version'], 'v1.34.8');
  assert.equal(img?.properties['self'], undefined);
  assert.equal(header(cloud.calls(GLANCE)[0], 'x-auth-token'), cloud.tokens[0]);
});

test('no image is undefined; two images with the name is a precondition error', async () => {
  const { cloud, admin } = sessions();
  const pool = cloud.agent.get(GLANCE);
  pool.intercept({ path: '/v2/images', method: 'GET', query: { name: 'x' } }).reply(200, { images: [] });
  pool.intercept({ path: '/v2/images', method: 'GET', query: { name: 'x', os_hidden: 'true' } }).reply(200, { images: [] });
  pool.intercept({ path: '/v2/images', method: 'GET', query: { name: 'y' } }).reply(200, { images: [{ ...IMAGE, name: 'y' }, { ...IMAGE, id: 'other', name: 'y' }] });
  assert.equal(await findImageByName(admin, 'x', signal), undefined);
  assert.deepEqual(cloud.calls(GLANCE).map((c) => c.searchParams), [{ name: 'x' }, { name: 'x', os_hidden: 'true' }], 'absent: the hidden images of the name are asked for too');
  const e = await rejection(findImageByName(admin, 'y', signal));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_PRECONDITION'));
});

test('an image of the name that is only there hidden (os_hidden) is a precondition error, not an absent image', async () => {
  const { cloud, admin } = sessions();
  const pool = cloud.agent.get(GLANCE);
  pool.intercept({ path: '/v2/images', method: 'GET', query: { name: IMAGE.name } }).reply(200, { images: [] });
  pool.intercept({ path: '/v2/images', method: 'GET', query: { name: IMAGE.name, os_hidden: 'true' } }).reply(200, { images: [{ ...IMAGE, os_hidden: true }] });
  const e = await rejection(findImageByName(admin, IMAGE.name, signal));
  if (!isCapiGateError(e, 'CAPI_GATE_PRECONDITION')) assert.fail(`not a precondition error: ${String(e)}`);
  assert.match(e.message, new RegExp(`image '${IMAGE.name}' exists but is hidden \\(os_hidden=true\\): ${IMAGE.id} active`));
  assert.match(e.hint ?? '', new RegExp(`openstack image set --unhidden ${IMAGE.id}`));
});

test('create posts flat properties and reads the import-methods header', async () => {
  const { cloud, admin } = sessions();
  cloud.agent
    .get(GLANCE)
    .intercept({ path: '/v2/images', method: 'POST' })
    .reply(201, { ...IMAGE, status: 'queued', disk_format: 'qcow2' }, { headers: { 'openstack-image-import-methods': 'glance-direct,web-download,copy-image' } });
  const created = await createImage(
    admin,
    { name: IMAGE.name, diskFormat: 'qcow2', containerFormat: 'bare', properties: { os_distro: 'ubuntu', kube_version: 'v1.34.8' } },
    signal,
  );
  assert.deepEqual(created.importMethods, ['glance-direct', 'web-download', 'copy-image']);
  assert.equal(created.image.status, 'queued');
  assert.deepEqual(jsonBody(cloud.calls(GLANCE)[0]), {
    os_distro: 'ubuntu',
    kube_version: 'v1.34.8',
    name: IMAGE.name,
    disk_format: 'qcow2',
    container_format: 'bare',
  });
});

test('stage streams octet-stream with its length; import asks for glance-direct', async () => {
  const { cloud, admin } = sessions();
  const pool = cloud.agent.get(GLANCE);
  pool.intercept({ path: `/v2/images/${IMAGE.id}/stage`, method: 'PUT' }).reply(204, '');
  pool.intercept({ path: `/v2/images/${IMAGE.id}/import`, method: 'POST' }).reply(202, '');
  pool.intercept({ path: `/v2/images/${IMAGE.id}`, method: 'GET' }).reply(200, { ...IMAGE, status: 'importing' });
  const chunks = [Buffer.from('qcow2-'), Buffer.from('bytes')];
  await stageImage(admin, IMAGE.id, Readable.from(chunks), { sizeBytes: 11 }, signal);
  await importImage(admin, IMAGE.id, signal);
  assert.equal(await getImageStatus(admin, IMAGE.id, signal), 'importing');
  const [stage, imp] = cloud.calls(GLANCE);
  assert.equal(header(stage, 'content-type'), 'application/octet-stream');
  assert.equal(header(stage, 'content-length'), '11');
  assert.deepEqual(jsonBody(imp), { method: { name: 'glance-direct' } });
});

test('a streamed stage is not replayed on 503 (the stream is spent)', async () => {
  const { cloud, admin } = sessions();
  cloud.agent.get(GLANCE).intercept({ path: '/v2/images/i/stage', method: 'PUT' }).reply(503, '503 Service Unavailable\n\nThe server is busy\n').persist();
  const e = await rejection(stageImage(admin, 'i', Readable.from([Buffer.from('x')]), {}, signal));
  assert.ok(e instanceof ApiError);
  assert.equal(e.attempts, 1);
  assert.equal(e.serverMessage, 'The server is busy');
});

test('a glance 409 plain-text body becomes the message', async () => {
  const { cloud, admin } = sessions();
  cloud.agent
    .get(GLANCE)
    .intercept({ path: '/v2/images/i/import', method: 'POST' })
    .reply(409, "409 Conflict\n\nImage needs to be staged before 'glance-direct' method can be used\n\n", { headers: { 'content-type': 'text/plain' } });
  const e = await rejection(importImage(admin, 'i', signal));
  assert.ok(e instanceof ApiError && e.status === 409);
  assert.equal(e.message, "glance import image (glance-direct): HTTP 409 Image needs to be staged before 'glance-direct' method can be used");
});
