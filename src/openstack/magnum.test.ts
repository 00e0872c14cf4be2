import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCapiGateError } from '../core/errors.js';
import { ApiError } from '../http/index.js';
import { clusterBody, createCluster, createTemplate, deleteCluster, findCluster, findTemplate, getCluster, getClusterCa, listClusters, oldestTemplate, sessionVersion, signCertificate, templateBody } from './magnum.js';
import { MAGNUM, header, jsonBody, manualClock, rejection, sessions } from './mock-cloud.test-helper.js';

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

test('every call carries OpenStack-API-Version: container-infra 1.10 (Zed\'s maximum, all capi-gate needs) and the token', async () => {
  const { cloud, tenant } = sessions();
  cloud.agent.get(MAGNUM).intercept({ path: '/v1/clustertemplates/capi-k8s-v1-34', method: 'GET' }).reply(200, TEMPLATE);
  const t = await findTemplate(tenant, 'capi-k8s-v1-34', signal);
  assert.equal(t?.uuid, TEMPLATE.uuid);
  assert.equal(t?.networkDriver, 'calico');
  assert.deepEqual(t?.labels, TEMPLATE.labels);
  assert.equal(t?.masterLbEnabled, true);
  const call = cloud.calls(MAGNUM)[0];
  assert.equal(header(call, 'openstack-api-version'), 'container-infra 1.10');
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

// Magnum's answer to a version outside its range (HTTPNotAcceptableAPIVersion, measured on 15.0.1).
const unsupported = (max: string) => ({ errors: [{ max_version: max, min_version: '1.1', code: 'magnum.microversion-unsupported', links: [], title: 'Requested microversion is unsupported' }] });

test('microversion: a 406 is negotiated down to the advertised max_version, remembered for the session, the call made again', async () => {
  const { cloud, tenant } = sessions();
  const pool = cloud.agent.get(MAGNUM);
  pool.intercept({ path: '/v1/clusters/capi-test-1', method: 'GET', headers: { 'openstack-api-version': 'container-infra 1.10' } }).reply(406, unsupported('1.8'));
  pool.intercept({ path: '/v1/clusters/capi-test-1', method: 'GET', headers: { 'openstack-api-version': 'container-infra 1.8' } }).reply(200, CLUSTER).times(2);
  assert.equal((await getCluster(tenant, 'capi-test-1', signal)).uuid, CLUSTER.uuid);
  assert.equal(sessionVersion(tenant), '1.8');
  assert.equal((await getCluster(tenant, 'capi-test-1', signal)).uuid, CLUSTER.uuid);
  assert.deepEqual(cloud.calls(MAGNUM).map((c) => header(c, 'openstack-api-version')), ['container-infra 1.10', 'container-infra 1.8', 'container-infra 1.8']);
});

test('microversion: a POST refused with 406 (nothing done) is sent once more at the negotiated version; the header is read when the body has none', async () => {
  const { cloud, tenant } = sessions();
  const pool = cloud.agent.get(MAGNUM);
  pool.intercept({ path: '/v1/clusters', method: 'POST' }).reply(406, 'Not Acceptable', { headers: { 'openstack-api-maximum-version': 'container-infra 1.9' } });
  pool.intercept({ path: '/v1/clusters', method: 'POST' }).reply(202, { uuid: CLUSTER.uuid });
  assert.deepEqual(await createCluster(tenant, { name: 'capi-test-1', template: 't', keypair: 'k', masterCount: 1, nodeCount: 2 }, signal), { uuid: CLUSTER.uuid });
  assert.equal(header(cloud.calls(MAGNUM)[1], 'openstack-api-version'), 'container-infra 1.9');
});

test('microversion: a 406 at the advertised maximum is a clear error, not a loop', async () => {
  const { cloud, tenant } = sessions();
  cloud.agent.get(MAGNUM).intercept({ path: '/v1/clusters', method: 'GET' }).reply(406, unsupported('1.10')).persist();
  const e = await rejection(listClusters(tenant, signal));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_API'));
  assert.match(e.message, /refused microversion container-infra 1\.10 \(406\).*at most 1\.10/);
  assert.equal(cloud.calls(MAGNUM).length, 1);
});

test('certificates before the conductor wrote the CA (404) are waited for, then read', async () => {
  const clock = manualClock();
  const { cloud, tenant } = sessions({ clock });
  const pool = cloud.agent.get(MAGNUM);
  const noCa = { errors: [{ request_id: '', code: 'client', status: 404, title: 'A key pair None could not be found', detail: 'A key pair None could not be found.', links: [] }] };
  pool.intercept({ path: `/v1/certificates/${CLUSTER.uuid}`, method: 'GET' }).reply(404, noCa).times(2);
  pool.intercept({ path: `/v1/certificates/${CLUSTER.uuid}`, method: 'GET' }).reply(200, { cluster_uuid: CLUSTER.uuid, pem: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----' });
  const started = clock.now();
  assert.match(await getClusterCa(tenant, CLUSTER.uuid, signal, { clock }), /CA/);
  assert.equal(cloud.calls(MAGNUM).length, 3);
  assert.ok(clock.now() - started >= 3_000, 'it waited between the tries');
  pool.intercept({ path: `/v1/certificates/${CLUSTER.uuid}`, method: 'GET' }).reply(404, noCa).persist();
  const e = await rejection(getClusterCa(tenant, CLUSTER.uuid, signal, { clock, waitMs: 20_000 }));
  assert.ok(isCapiGateError(e, 'CAPI_GATE_API'));
  assert.match(e.message, /404 for 20 s \(A key pair None could not be found\.\)/);
  assert.match(e.hint ?? '', /conductor writes both after the create's 202/);
});

test('certificates refused by Magnum\'s policy (another user than the creator) say so', async () => {
  const { cloud, tenant } = sessions();
  const policy = (action: string) => ({ errors: [{ request_id: '', code: 'client', status: 403, title: `Policy doesn't allow certificate:${action} to be performed.`, detail: `Policy doesn't allow certificate:${action} to be performed.`, links: [] }] });
  cloud.agent.get(MAGNUM).intercept({ path: `/v1/certificates/${CLUSTER.uuid}`, method: 'GET' }).reply(403, policy('get'));
  cloud.agent.get(MAGNUM).intercept({ path: '/v1/certificates', method: 'POST' }).reply(403, policy('create'));
  for (const p of [getClusterCa(tenant, CLUSTER.uuid, signal), signCertificate(tenant, CLUSTER.uuid, 'csr', signal)]) {
    const e = await rejection(p);
    assert.ok(isCapiGateError(e, 'CAPI_GATE_FORBIDDEN'));
    assert.match(e.message, /only to the user who created the cluster, or an admin/);
    assert.match(e.hint ?? '', /credential of the user who created the cluster/);
  }
});

// The attributes of Zed's wsme API types (magnum/api/controllers/v1/cluster_template.py, cluster.py):
// Magnum answers any other body key with 400 "Unknown attribute for argument ...".
const ZED_TEMPLATE_ATTRIBUTES = ['apiserver_port', 'cluster_distro', 'coe', 'dns_nameserver', 'docker_storage_driver', 'docker_volume_size', 'external_network_id', 'fixed_network', 'fixed_subnet', 'flavor_id', 'floating_ip_enabled', 'hidden', 'http_proxy', 'https_proxy', 'image_id', 'insecure_registry', 'keypair_id', 'labels', 'links', 'master_flavor_id', 'master_lb_enabled', 'name', 'network_driver', 'no_proxy', 'project_id', 'public', 'registry_enabled', 'server_type', 'tags', 'tls_disabled', 'user_id', 'uuid', 'volume_driver'];
const ZED_CLUSTER_ATTRIBUTES = ['api_address', 'cluster_template_id', 'coe_version', 'container_version', 'create_timeout', 'discovery_url', 'docker_volume_size', 'faults', 'fixed_network', 'fixed_subnet', 'flavor_id', 'floating_ip_enabled', 'health_status', 'health_status_reason', 'keypair', 'labels', 'labels_added', 'labels_overridden', 'labels_skipped', 'links', 'master_addresses', 'master_count', 'master_flavor_id', 'master_lb_enabled', 'merge_labels', 'name', 'node_addresses', 'node_count', 'project_id', 'stack_id', 'status', 'status_reason', 'user_id', 'uuid'];

test('the create bodies carry only attributes Zed\'s Magnum knows', () => {
  const tpl = templateBody({ name: 't', image: 'i', externalNetwork: 'e', masterFlavor: 'm', flavor: 'f', networkDriver: 'calico', masterLbEnabled: true, floatingIpEnabled: true, keypair: 'k', labels: { a: 'b' } });
  assert.deepEqual(Object.keys(tpl).filter((k) => !ZED_TEMPLATE_ATTRIBUTES.includes(k)), []);
  const cl = clusterBody({ name: 'c', template: 't', keypair: 'k', masterCount: 3, nodeCount: 2, createTimeoutMin: 90, labels: { a: 'b' }, mergeLabels: true });
  assert.deepEqual(Object.keys(cl).filter((k) => !ZED_CLUSTER_ATTRIBUTES.includes(k)), []);
});
