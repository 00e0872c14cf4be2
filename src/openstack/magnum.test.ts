import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCapiGateError } from '../core/errors.js';
import { ApiError } from '../http/index.js';
import { createCluster, createTemplate, deleteCluster, findCluster, findTemplate, getCluster, getClusterCa, listClusters, oldestTemplate, signCertificate } from './magnum.js';
import { MAGNUM, header, jsonBody, rejection, sessions } from './mock-cloud.test-helper.js';

const signal = new AbortController().signal;

const TEMPLATE = {
  uuid: 'fb9a54fc-0000-4000-8000-000000000001',
  name: 'capi-k8s-v1-34',
  coe: 'kubernetes',
  image_id: 'ubuntu-jammy-kube-v1.34.8',
  flavor_id: 'capi.node',
  master_flavor_id: 'gp.mid',
  external_network_id: 'provider-ext',
  network_driver: 'calico',
  labels: { fixed_subnet_cidr: '10.20.16.0/24', octavia_provider: 'amphora' },
  master_lb_enabled: true,
  floating_ip_enabled: true,
  tls_disabled: false,
  links: [{ href: 'http://h/v1/clustertemplates/fb9a', rel: 'self' }],
  some_future_field: { tolerated: true },
};

const CLUSTER = {
  status: 'CREATE_COMPLETE',
  health_status: 'HEALTHY',
  health_status_reason: { cluster: 'Ready', infrastructure: 'Ready', controlplane: 'Ready', nodegroup: 'Ready' },
  cluster_template_id: TEMPLATE.uuid,
  node_addresses: ['10.20.16.11', '10.20.16.12'],
  uuid: '0586d151-0000-4000-8000-000000000002',
  stack_id: 'capi-test-1-kgwwe7c4qj6a',
  status_reason: null,
  api_address: 'https://127.12.7.180:6443',
  master_addresses: ['10.20.16.10'],
  master_count: 1,
  node_count: 2,
  name: 'capi-test-1',
  keypair: 'capi-mgmt-key',
  faults: {},
  labels: {},
  project_id: 'd5bc',
};

test('every call carries OpenStack-API-Version: container-infra 1.11 and the token', async () => {
  const { cloud, tenant } = sessions();
  cloud.agent.get(MAGNUM).intercept({ path: '/v1/clustertemplates/capi-k8s-v1-34', method: 'GET' }).reply(200, TEMPLATE);
  const t = await findTemplate(tenant, 'capi-k8s-v1-34', signal);
  assert.equal(t?.uuid, TEMPLATE.uuid);
  assert.equal(t?.networkDriver, 'calico');
  assert.deepEqual(t?.labels, TEMPLATE.labels);
  assert.equal(t?.masterLbEnabled, true);
  const call = cloud.calls(MAGNUM)[0];
  assert.equal(header(call, 'openstack-api-version'), 'container-infra 1.11');
  assert.equal(header(call, 'x-auth-token'), cloud.tokens[0]);
});

test('duplicate template names (two runs raced the create): the 409 lookup lists them and takes the oldest', async () => {
  const { cloud, tenant } = sessions();
  const pool = cloud.agent.get(MAGNUM);
  const newer = { ...TEMPLATE, uuid: '00000000-0000-4000-8000-00000000000a', created_at: '2026-11-24T03:07:02+00:00' };
  const older = { ...TEMPLATE, uuid: 'ffffffff-0000-4000-8000-00000000000b', created_at: '2026-11-24T03:07:01+00:00' };
  const other = { ...TEMPLATE, uuid: '11111111-0000-4000-8000-00000000000c', name: 'another', created_at: '2026-11-24T03:00:00+00:00' };
  pool.intercept({ path: '/v1/clustertemplates/capi-k8s-v1-34', method: 'GET' }).reply(409, { errors: [{ status: 409, title: 'Multiple cluster templates exist with same name. Please use the cluster template uuid instead.' }] });
  pool.intercept({ path: '/v1/clustertemplates/detail', method: 'GET' }).reply(200, { clustertemplates: [newer, other, older] });
  const t = await findTemplate(tenant, 'capi-k8s-v1-34', signal);
  assert.equal(t?.uuid, older.uuid, 'the oldest of that name, not the smallest uuid nor another name');
  assert.equal(t?.createdAt, older.created_at);
});

test('oldestTemplate: created_at first, uuid breaks a tie (every run picks the same one)', () => {
  const a = { uuid: 'b', createdAt: '2026-11-24T03:07:01+00:00' };
  const b = { uuid: 'a', createdAt: '2026-11-24T03:07:01+00:00' };
  const c = { uuid: '0', createdAt: '2026-11-24T03:07:05+00:00' };
  assert.equal(oldestTemplate([c, a, b])?.uuid, 'a');
  assert.equal(oldestTemplate([a, c])?.uuid, 'b');
  assert.equal(oldestTemplate([]), undefined);
});

test('a missing template is undefined; its 404 title is parsed for getCluster', async () => {
  const { cloud, tenant } = sessions();
  const pool = cloud.agent.get(MAGNUM);
  pool.intercept({ path: '/v1/clustertemplates/nope', method: 'GET' }).reply(404, { errors: [{ status: 404, title: 'ClusterTemplate nope could not be found.' }] });
  pool.intercept({ path: '/v1/clusters/capi-test-1', method: 'GET' }).reply(404, { errors: [{ code: 'client', status: 404, title: 'Cluster capi-test-1 could not be found.', detail: '' }] }, { headers: { 'x-openstack-request-id': 'req-m1' } });
  assert.equal(await findTemplate(tenant, 'nope', signal), undefined);
  const e = await rejection(getCluster(tenant, 'capi-test-1', signal));
  assert.ok(e instanceof ApiError);
  assert.equal(e.status, 404);
  assert.equal(e.requestId, 'req-m1');
  assert.equal(e.message, 'magnum get cluster: HTTP 404 Cluster capi-test-1 could not be found.');
});

test('an ambiguous name (409) is thrown even by find', async () => {
  const { cloud, tenant } = sessions();
  cloud.agent.get(MAGNUM).intercept({ path: '/v1/clusters/dup', method: 'GET' }).reply(409, { errors: [{ title: 'Multiple clusters exist with same name. Please use the cluster uuid instead.' }] });
  const e = await rejection(findCluster(tenant, 'dup', signal));
  assert.ok(e instanceof ApiError && e.status === 409);
  assert.match(e.message, /Multiple clusters/);
});

test('template create sends the CLI body with calico pinned and explicit nulls', async () => {
  const { cloud, tenant } = sessions();
  cloud.agent.get(MAGNUM).intercept({ path: '/v1/clustertemplates', method: 'POST' }).reply(201, TEMPLATE);
  const t = await createTemplate(
    tenant,
    {
      name: 'capi-k8s-v1-34',
      image: 'ubuntu-jammy-kube-v1.34.8',
      externalNetwork: 'provider-ext',
      masterFlavor: 'gp.mid',
      flavor: 'capi.node',
      networkDriver: 'calico',
      masterLbEnabled: true,
      floatingIpEnabled: true,
      labels: { fixed_subnet_cidr: '10.20.16.0/24', octavia_provider: 'amphora' },
    },
    signal,
  );
  assert.equal(t.name, 'capi-k8s-v1-34');
  const call = cloud.calls(MAGNUM)[0];
  assert.equal(header(call, 'content-type'), 'application/json');
  assert.deepEqual(jsonBody(call), {
    name: 'capi-k8s-v1-34',
    image_id: 'ubuntu-jammy-kube-v1.34.8',
    keypair_id: null,
    external_network_id: 'provider-ext',
    coe: 'kubernetes',
    fixed_network: null,
    fixed_subnet: null,
    network_driver: 'calico',
    volume_driver: null,
    dns_nameserver: '8.8.8.8',
    flavor_id: 'capi.node',
    master_flavor_id: 'gp.mid',
    docker_volume_size: null,
    docker_storage_driver: 'overlay2',
    http_proxy: null,
    https_proxy: null,
    no_proxy: null,
    labels: { fixed_subnet_cidr: '10.20.16.0/24', octavia_provider: 'amphora' },
    tls_disabled: false,
    public: false,
    registry_enabled: false,
    server_type: 'vm',
    master_lb_enabled: true,
    floating_ip_enabled: true,
  });
});

test('cluster create answers 202 {uuid} and is never replayed on 503', async () => {
  const { cloud, tenant } = sessions();
  const pool = cloud.agent.get(MAGNUM);
  pool.intercept({ path: '/v1/clusters', method: 'POST' }).reply(202, { uuid: CLUSTER.uuid });
  const created = await createCluster(tenant, { name: 'capi-test-1', template: 'capi-k8s-v1-34', keypair: 'capi-mgmt-key', masterCount: 1, nodeCount: 2 }, signal);
  assert.deepEqual(created, { uuid: CLUSTER.uuid });
  assert.deepEqual(jsonBody(cloud.calls(MAGNUM)[0]), {
    name: 'capi-test-1',
    cluster_template_id: 'capi-k8s-v1-34',
    keypair: 'capi-mgmt-key',
    master_count: 1,
    node_count: 2,
    create_timeout: 60,
    discovery_url: null,
  });
  pool.intercept({ path: '/v1/clusters', method: 'POST' }).reply(503, 'busy').times(3);
  const e = await rejection(createCluster(tenant, { name: 'c2', template: 't', keypair: 'k', masterCount: 1, nodeCount: 1 }, signal));
  assert.ok(e instanceof ApiError && e.status === 503 && e.attempts === 1);
  assert.equal(cloud.calls(MAGNUM).length, 2);
});

test('cluster get maps the fields the steps read', async () => {
  const { cloud, tenant } = sessions();
  cloud.agent.get(MAGNUM).intercept({ path: '/v1/clusters/capi-test-1', method: 'GET' }).reply(200, CLUSTER);
  const c = await getCluster(tenant, 'capi-test-1', signal);
  assert.equal(c.status, 'CREATE_COMPLETE');
  assert.equal(c.healthStatus, 'HEALTHY');
  assert.equal(c.apiAddress, 'https://127.12.7.180:6443');
  assert.equal(c.stackId, 'capi-test-1-kgwwe7c4qj6a');
  assert.equal(c.healthStatusReason['controlplane'], 'Ready');
  assert.equal(c.statusReason, undefined);
  assert.deepEqual(c.masterAddresses, ['10.20.16.10']);
});

test('list, delete (204; 404 = already gone) and a malformed list', async () => {
  const { cloud, tenant } = sessions();
  const pool = cloud.agent.get(MAGNUM);
  pool.intercept({ path: '/v1/clusters', method: 'GET' }).reply(200, { clusters: [{ uuid: 'u', name: 'n', status: 'DELETE_IN_PROGRESS' }] });
  pool.intercept({ path: '/v1/clusters/capi-test-1', method: 'DELETE' }).reply(204, '');
  pool.intercept({ path: '/v1/clusters/capi-test-1', method: 'DELETE' }).reply(404, { errors: [{ title: 'gone' }] });
  pool.intercept({ path: '/v1/clusters', method: 'GET' }).reply(200, { clusters: [{ name: 'no-uuid' }] });
  const list = await listClusters(tenant, signal);
  assert.equal(list[0]?.status, 'DELETE_IN_PROGRESS');
  assert.equal(await deleteCluster(tenant, 'capi-test-1', signal), true);
  assert.equal(await deleteCluster(tenant, 'capi-test-1', signal), false);
  const e = await rejection(listClusters(tenant, signal));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_BAD_RESPONSE'));
  assert.match(e.message, /^magnum list clusters: .*clusters\.0\.uuid/);
});

test('certificates: CA by cluster uuid, CSR signed by POST', async () => {
  const { cloud, tenant } = sessions();
  const pool = cloud.agent.get(MAGNUM);
  pool.intercept({ path: `/v1/certificates/${CLUSTER.uuid}`, method: 'GET' }).reply(200, { cluster_uuid: CLUSTER.uuid, pem: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----', links: [] });
  pool.intercept({ path: '/v1/certificates', method: 'POST' }).reply(201, { cluster_uuid: CLUSTER.uuid, csr: 'x', pem: '-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----' });
  assert.match(await getClusterCa(tenant, CLUSTER.uuid, signal), /CA/);
  const csr = '-----BEGIN CERTIFICATE REQUEST-----\nZZ\n-----END CERTIFICATE REQUEST-----';
  assert.match(await signCertificate(tenant, CLUSTER.uuid, csr, signal), /CLIENT/);
  assert.deepEqual(jsonBody(cloud.calls(MAGNUM)[1]), { cluster_uuid: CLUSTER.uuid, csr });
});
