import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, webcrypto } from 'node:crypto';
import '../src/core/reflect-polyfill.js';
import * as x509 from '@peculiar/x509';
import type { SimHandle } from './index.js';
import { startSim } from './index.js';
import type { Api } from './testing.js';
import { negotiate } from './magnum.js';
import { MAGNUM_LATEST, RUNBOOK_CLUSTER, RUNBOOK_TEMPLATE, fromToken, login, request } from './testing.js';

let h: SimHandle;
let api: Api;
before(async () => {
  h = await startSim({});
  api = await login(h, 'tenant');
});
after(async () => {
  await h.close();
});

const mg = (method: string, path: string, body?: unknown) => api.call('container-infra', method, path, body, MAGNUM_LATEST);

test('microversions: latest is Zed\'s 1.10 with the four headers; 1.11 is the real 406; unknown service is 406', async () => {
  const r = await mg('GET', '/clustertemplates');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('openstack-api-version'), 'container-infra 1.10');
  assert.equal(r.headers.get('openstack-api-maximum-version'), 'container-infra 1.10');
  const caracal = await api.call('container-infra', 'GET', '/clusters', undefined, { 'OpenStack-API-Version': 'container-infra 1.11' });
  assert.equal(caracal.status, 406);
  // Magnum 15.0.1's answers, measured with curl against the loopback control plane (2026-12-07):
  // HTTPNotAcceptableAPIVersion through the parsable-error middleware, with pecan's JSON body
  // (code, title, description) under it when the Accept header prefers JSON, and without it else.
  const help = [{ rel: 'help', href: 'http://docs.openstack.org/api-guide/compute/microversions.html' }];
  const range = 'The supported version range is: [container-infra 1.1, container-infra 1.10].';
  assert.equal(caracal.text, JSON.stringify({ errors: [{ code: 'magnum.microversion-unsupported', title: 'Requested microversion is unsupported', description: `Version 1.11 was requested but the minor version is not supported by this service. ${range}`, max_version: '1.10', min_version: '1.1', links: help }] }), 'Accept: application/json (key order too)');
  const plain = await api.call('container-infra', 'GET', '/clusters', undefined, { 'OpenStack-API-Version': 'container-infra 1.99', Accept: '*/*' });
  assert.equal(plain.text, JSON.stringify({ errors: [{ max_version: '1.10', min_version: '1.1', code: 'magnum.microversion-unsupported', links: help, title: 'Requested microversion is unsupported' }] }), 'Accept: */* is text/plain first for pecan');
  const major = await api.call('container-infra', 'GET', '/clusters', undefined, { 'OpenStack-API-Version': 'container-infra 2.1' });
  assert.equal((major.json as { errors: { description: string }[] }).errors[0]?.description, `Mutually exclusive versions requested. Version 2.1 requested but not supported by this service.${range}`);
  const garbage = await api.call('container-infra', 'GET', '/clusters', undefined, { 'OpenStack-API-Version': 'container-infra garbage' });
  assert.deepEqual(garbage.json, { errors: [{ request_id: '', code: '', status: 406, title: 'Not Acceptable', detail: 'Invalid value for OpenStack-API-Version header', links: [] }] });
  const garbageHtml = await api.call('container-infra', 'GET', '/clusters', undefined, { 'OpenStack-API-Version': 'container-infra garbage', Accept: 'text/html' });
  assert.deepEqual(garbageHtml.json, { errors: [{ request_id: '', code: '', status: 406, title: '', detail: '', links: [] }] });
  assert.equal(caracal.headers.get('openstack-api-maximum-version'), 'container-infra 1.10');
  assert.deepEqual(negotiate('container-infra 1.11', '1.11'), { version: '1.11' }, 'the simulated maximum is configurable (magnumMaxVersion)');
  assert.equal(r.headers.get('openstack-api-minimum-version'), 'container-infra 1.1');
  assert.equal(r.headers.get('vary'), 'OpenStack-API-Version');
  assert.equal((await api.call('container-infra', 'GET', '/clustertemplates', undefined, { 'OpenStack-API-Version': 'container-infra 1.99' })).status, 406);
  assert.equal((await api.call('container-infra', 'GET', '/clustertemplates', undefined, { 'OpenStack-API-Version': 'compute 1.1' })).status, 406);
  const none = await api.call('container-infra', 'GET', '/clustertemplates');
  assert.equal(none.headers.get('openstack-api-version'), 'container-infra 1.1');
});

test('templates: 404 body, flannel refused (DOCFIX-032), create keeps names and has links', async () => {
  const missing = await mg('GET', '/clustertemplates/capi-k8s-v1-34');
  assert.equal(missing.status, 404);
  assert.equal((missing.json as { errors: { title: string }[] }).errors[0]?.title, 'ClusterTemplate capi-k8s-v1-34 could not be found.');
  const flannel = await mg('POST', '/clustertemplates', { ...RUNBOOK_TEMPLATE, network_driver: 'flannel' });
  assert.equal(flannel.status, 400);
  assert.match(flannel.text, /flannel is not supported/);
  const noNet = await mg('POST', '/clustertemplates', { ...RUNBOOK_TEMPLATE, external_network_id: 'nope' });
  assert.equal(noNet.status, 400);
  const created = await mg('POST', '/clustertemplates', RUNBOOK_TEMPLATE);
  assert.equal(created.status, 201);
  const t = created.json as Record<string, unknown>;
  assert.equal(t['image_id'], 'ubuntu-jammy-kube-v1.34.8');
  assert.equal(t['cluster_distro'], 'ubuntu');
  assert.ok(Array.isArray(t['links']) && (t['links'] as unknown[]).length === 2);
  const shown = await mg('GET', '/clustertemplates/capi-k8s-v1-34');
  assert.equal((shown.json as { uuid: string }).uuid, t['uuid']);
  const dup = await mg('POST', '/clustertemplates', RUNBOOK_TEMPLATE);
  assert.equal(dup.status, 201);
  assert.equal((await mg('GET', '/clustertemplates/capi-k8s-v1-34')).status, 409);
  assert.equal((await mg('DELETE', `/clustertemplates/${(dup.json as { uuid: string }).uuid}`)).status, 204);
});

test('cluster lifecycle: 202 {uuid}, driver side effects, CREATE_COMPLETE, certificates, delete to 404', async () => {
  const created = await mg('POST', '/clusters', RUNBOOK_CLUSTER);
  assert.equal(created.status, 202);
  assert.deepEqual(Object.keys(created.json as object), ['uuid']);
  const uuid = (created.json as { uuid: string }).uuid;
  // The conductor writes the row, then the trust and the CA, after the 202.
  assert.equal((await mg('GET', `/clusters/${uuid}`)).status, 404);
  assert.equal((await mg('GET', `/certificates/${uuid}`)).status, 404);
  h.clock.advance(1_000); // past the row and its two node groups (the next test has the steps)
  let c = (await mg('GET', '/clusters/capi-test-1')).json as Record<string, unknown>;
  assert.equal(c['status'], 'CREATE_IN_PROGRESS');
  const noCa = await mg('GET', `/certificates/${uuid}`);
  assert.equal(noCa.status, 404);
  assert.equal((noCa.json as { errors: { detail: string }[] }).errors[0]?.detail, 'A key pair None could not be found.');
  h.clock.advance(2_000);
  assert.equal((await mg('GET', `/certificates/${uuid}`)).status, 200);
  c = (await mg('GET', '/clusters/capi-test-1')).json as Record<string, unknown>;
  assert.equal(c['health_status'], null);
  assert.equal(c['api_address'], null);
  assert.match(String(c['stack_id']), /^capi-test-1-[a-z0-9]{12}$/);

  // During the create Magnum's health sync skips the cluster and the driver sets no addresses.
  h.clock.advance(5 * 60_000);
  c = (await mg('GET', `/clusters/${uuid}`)).json as Record<string, unknown>;
  assert.equal(c['status'], 'CREATE_IN_PROGRESS');
  assert.equal(c['health_status'], null);
  assert.deepEqual(c['health_status_reason'], {});
  assert.deepEqual([c['master_addresses'], c['node_addresses']], [[], []]);
  assert.match(String(c['api_address']), /^https:\/\/127\.12\.7\.\d+:6443$/);

  h.clock.advance(5 * 60_000 - 5_000);
  for (let i = 0; i < 30 && c['status'] !== 'CREATE_COMPLETE'; i++) {
    h.clock.advance(500);
    c = (await mg('GET', `/clusters/${uuid}`)).json as Record<string, unknown>;
  }
  assert.equal(c['status'], 'CREATE_COMPLETE');
  assert.equal(c['health_status'], null, 'health follows on the next periodic sync');
  h.clock.advance(60_000);
  c = (await mg('GET', `/clusters/${uuid}`)).json as Record<string, unknown>;
  assert.equal(c['health_status'], 'HEALTHY');
  assert.deepEqual([c['master_addresses'], c['node_addresses']], [[], []]);
  assert.deepEqual(c['health_status_reason'], { cluster: 'Ready', infrastructure: 'Ready', controlplane: 'Ready', nodegroup: 'Ready' });
  assert.equal(c['api_address'], 'https://127.12.7.180:6443');
  assert.equal(c['coe_version'], 'v1.34.8');
  assert.equal(c['master_count'], 1);
  assert.equal(c['node_count'], 2);
  assert.equal('faults' in c, false, "Zed's get_one shows faults only on a FAILED cluster");
  assert.equal(c['merge_labels'], false);

  // Octavia: the API LB, VIP in the workload CIDR; Neutron: the FIP from provider-ext; Nova: 1 + 2 servers.
  const lbs = (await api.call('load-balancer', 'GET', '/v2.0/lbaas/loadbalancers')).json as { loadbalancers: Record<string, string>[] };
  const lb = lbs.loadbalancers.find((x) => x['name']?.endsWith(`${String(c['stack_id'])}-kubeapi`));
  assert.ok(lb, 'the API LB exists');
  assert.equal(lb['provisioning_status'], 'ACTIVE');
  assert.equal(lb['operating_status'], 'ONLINE');
  // One address space: the VIP, the FIP and api_address are the loopback-mapped addresses a client here can reach.
  assert.match(lb['vip_address'] ?? '', /^127\.20\.16\.\d+$/);
  const fips = (await api.call('network', 'GET', '/v2.0/floatingips?floating_ip_address=127.12.7.180')).json as { floatingips: Record<string, string>[] };
  assert.equal(fips.floatingips[0]?.['fixed_ip_address'], lb['vip_address']);
  assert.equal(c['api_address'], `https://${fips.floatingips[0]?.['floating_ip_address'] ?? '?'}:6443`);
  const servers = (await api.call('compute', 'GET', `/servers/detail?name=${String(c['stack_id'])}`)).json as { servers: { name: string; status: string }[] };
  assert.equal(servers.servers.length, 3);
  assert.ok(servers.servers.every((s) => s.status === 'ACTIVE'));
  assert.equal(servers.servers.filter((s) => s.name.includes('-control-plane-')).length, 1);

  // Certificates (§3.6): the CA, and a CSR CN=admin,O=system:masters signed by it.
  const ca = await mg('GET', `/certificates/${uuid}`);
  assert.equal(ca.status, 200);
  const caPem = (ca.json as { pem: string }).pem;
  assert.ok(!caPem.endsWith('\n'));
  const caCert = new X509Certificate(caPem);
  assert.match(caCert.subject, /CN=capi-test-1/);
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=admin, O=system:masters', keys: keys as never, signingAlgorithm: alg }, webcrypto as never);
  const signed = await mg('POST', '/certificates', { cluster_uuid: uuid, csr: csr.toString('pem') });
  assert.equal(signed.status, 201);
  const cert = new X509Certificate((signed.json as { pem: string }).pem);
  assert.ok(cert.verify(caCert.publicKey), 'the client certificate chains to the cluster CA');
  assert.match(cert.subject, /CN=admin/);
  assert.match(cert.subject, /O=system:masters/);
  assert.equal((await mg('POST', '/certificates', { cluster_uuid: 'nope', csr: csr.toString('pem') })).status, 400);
  assert.equal((await mg('POST', '/certificates', { cluster_uuid: uuid, csr: 'garbage' })).status, 400);
  assert.ok(h.clusterCa('capi-test-1')?.keyPem.includes('PRIVATE KEY'), 'the CA key is kept for the Kubernetes simulator');

  // The template is in use.
  assert.equal((await mg('DELETE', '/clustertemplates/capi-k8s-v1-34')).status, 400);

  assert.equal((await mg('DELETE', '/clusters/capi-test-1')).status, 204);
  // Real Zed (loopback control plane): the 204 is a cast to the conductor, and the cluster shows
  // its old status until the conductor has called the driver.
  c = (await mg('GET', `/clusters/${uuid}`)).json as Record<string, unknown>;
  assert.equal(c['status'], 'CREATE_COMPLETE', 'right after the 204');
  h.clock.advance(1_000);
  c = (await mg('GET', `/clusters/${uuid}`)).json as Record<string, unknown>;
  assert.equal(c['status'], 'DELETE_IN_PROGRESS', 'once the conductor has taken it');
  h.clock.advance(4 * 60_000);
  const gone = await mg('GET', `/clusters/${uuid}`);
  assert.equal(gone.status, 404);
  assert.equal((gone.json as { errors: { title: string }[] }).errors[0]?.title, `Cluster ${uuid} could not be found.`);
  assert.equal(h.world.loadBalancers.size, 0);
  assert.equal([...h.world.servers.values()].filter((s) => s.name.startsWith('capi-test-1')).length, 0);
  assert.equal([...h.world.floatingIps.values()].filter((f) => f.address === '127.12.7.180').length, 0);
  assert.equal([...h.world.networks.values()].filter((n) => n.name.includes('capi-test-1')).length, 0);
  const kinds = h.world.timeline.filter((e) => e.kind === 'magnum.cluster' && e.id === uuid).map((e) => e.to);
  assert.deepEqual(kinds, ['CREATE_IN_PROGRESS', 'CREATE_COMPLETE', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE', 'gone']);
});

test('a create: the conductor writes the row, then the master node group, then the workers\' (real Zed: a show with no node group is wsme\'s 400 on master_count; node_count 0 with the master\'s only)', async () => {
  // Its own simulator whose clock moves only when advanced: the windows are a few hundred simulated ms.
  const own = await startSim({ timeScale: 1_000 }); // (tokens live tokenTtl / timeScale: an hour is 3.6 simulated s)
  try {
    const t = await login(own, 'tenant');
    const call = (method: string, path: string, body?: unknown) => t.call('container-infra', method, path, body, MAGNUM_LATEST);
    assert.equal((await call('POST', '/clustertemplates', RUNBOOK_TEMPLATE)).status, 201);
    const created = await call('POST', '/clusters', RUNBOOK_CLUSTER);
    assert.equal(created.status, 202);
    const uuid = (created.json as { uuid: string }).uuid;
    assert.equal((await call('GET', `/clusters/${uuid}`)).status, 404, 'no row yet');
    own.clock.advance(600);
    const rowOnly = await call('GET', `/clusters/${uuid}`);
    assert.equal(rowOnly.status, 400);
    assert.match(JSON.stringify(rowOnly.json), /Invalid input for field\/attribute master_count/);
    own.clock.advance(200);
    const masterOnly = (await call('GET', `/clusters/${uuid}`)).json as Record<string, unknown>;
    assert.deepEqual([masterOnly['status'], masterOnly['master_count'], masterOnly['node_count']], ['CREATE_IN_PROGRESS', 1, 0]);
    own.clock.advance(200);
    const both = (await call('GET', `/clusters/${uuid}`)).json as Record<string, unknown>;
    assert.deepEqual([both['master_count'], both['node_count']], [1, 2]);
  } finally {
    await own.close();
  }
});

test("magnum-conductor's periodic tasks: CREATE_COMPLETE and the row's removal land on its 10-s status syncs from its start, not when the CAPI side is done; health on its 60-s health syncs after that (real Magnum: periodic.py, spacing=10 and health_polling_interval)", async () => {
  const own = await startSim({});
  const t0 = own.clock.now(); // the conductor's start (give or take the sim's own start-up): its ticks are t0 + k x 10 s
  try {
    const t = await login(own, 'tenant');
    const call = (method: string, path: string, body?: unknown) => t.call('container-infra', method, path, body, MAGNUM_LATEST);
    assert.equal((await call('POST', '/clustertemplates', RUNBOOK_TEMPLATE)).status, 201);
    own.clock.advance(3_700); // the cluster's create starts off the grid
    const uuid = ((await call('POST', '/clusters', RUNBOOK_CLUSTER)).json as { uuid: string }).uuid;
    const status = async () => ((await call('GET', `/clusters/${uuid}`)).json as Record<string, unknown>)['status'];
    for (let i = 0; i < 800 && (await status()) !== 'CREATE_COMPLETE'; i++) own.clock.advance(1_000);
    assert.equal(await status(), 'CREATE_COMPLETE');
    for (let i = 0; i < 80 && !own.world.timeline.some((e) => e.kind === 'magnum.cluster.health' && e.id === uuid); i++) own.clock.advance(1_000);
    assert.equal((await call('DELETE', `/clusters/${uuid}`)).status, 204);
    for (let i = 0; i < 400 && (await call('GET', `/clusters/${uuid}`)).status !== 404; i++) own.clock.advance(1_000);
    const at = (to: string) => own.world.timeline.find((e) => e.kind === 'magnum.cluster' && e.id === uuid && e.to === to)?.at;
    const created = at('CREATE_IN_PROGRESS');
    const complete = at('CREATE_COMPLETE');
    const gone = at('gone');
    assert.ok(created !== undefined && complete !== undefined && gone !== undefined);
    const offGrid = (x: number) => Math.min((x - t0) % 10_000, 10_000 - ((x - t0) % 10_000));
    assert.ok(offGrid(created) > 1_000, 'the create itself is the API\'s, off the grid');
    assert.ok(offGrid(complete) < 500, `CREATE_COMPLETE ${complete - t0} ms after the conductor's start: on a tick`);
    assert.ok(offGrid(gone - complete + t0) < 1, `the row went ${gone - complete} ms after CREATE_COMPLETE: a tick of the same grid`);
    assert.ok(complete - created >= 600_000, 'not before the CAPI side is done (durations.clusterCreate)');
    // Health comes from the other periodic task, every [kubernetes] health_polling_interval (60 s) on
    // the same grid, for clusters already COMPLETE when it lists them: never with the status.
    const healthy = own.world.timeline.find((e) => e.kind === 'magnum.cluster.health' && e.id === uuid && e.to === 'HEALTHY')?.at;
    assert.ok(healthy !== undefined, 'health synced');
    const off60 = (x: number) => Math.min((x - t0) % 60_000, 60_000 - ((x - t0) % 60_000));
    assert.ok(off60(healthy) < 500, `HEALTHY ${healthy - t0} ms after the conductor's start: on a 60-s tick`);
    assert.ok(healthy > complete && healthy - complete <= 60_000, `HEALTHY ${healthy - complete} ms after CREATE_COMPLETE: the first health tick after it`);
  } finally {
    await own.close();
  }
});

test('the driver reads kube_version from the IMAGE: without it the create fails', async () => {
  h.applyOp({ op: 'image-unset-property', property: 'kube_version' });
  try {
    const created = await mg('POST', '/clusters', { ...RUNBOOK_CLUSTER, name: 'no-kube' });
    assert.equal(created.status, 202);
    h.clock.advance(10_000);
    const c = (await mg('GET', '/clusters/no-kube')).json as Record<string, unknown>;
    assert.equal(c['status'], 'CREATE_FAILED');
    assert.match(String(c['status_reason']), /kube_version/);
    assert.match(JSON.stringify(c['faults']), /kube_version/);
    h.clock.advance(120_000);
    const later = (await mg('GET', '/clusters/no-kube')).json as Record<string, unknown>;
    assert.equal(later['health_status'], null, 'Magnum never syncs the health of a CREATE_FAILED cluster');
  } finally {
    h.applyOp({ op: 'image-set-property', property: 'kube_version', value: 'v1.34.8' });
  }
});

test('master_count > 1 needs master_lb_enabled (an even count is not refused before Magnum 20); an unknown keypair is refused', async () => {
  const noLb = await mg('POST', '/clusters', { ...RUNBOOK_CLUSTER, name: 'three', master_count: 3, master_lb_enabled: false });
  assert.equal(noLb.status, 400);
  assert.equal((noLb.json as { errors: { detail: string }[] }).errors[0]?.detail, 'master_count must be 1 when master_lb_enabled is False');
  const even = await mg('POST', '/clusters', { ...RUNBOOK_CLUSTER, name: 'even', master_count: 2 });
  assert.equal(even.status, 202, even.text);
  assert.equal((await mg('DELETE', `/clusters/${(even.json as { uuid: string }).uuid}`)).status, 404, 'the row is not written yet');
  h.clock.advance(600);
  assert.equal((await mg('DELETE', '/clusters/even')).status, 204);
  assert.equal((await mg('POST', '/clusters', { ...RUNBOOK_CLUSTER, name: 'nokey', keypair: 'nokey' })).status, 404);
  assert.equal((await mg('POST', '/clusters', { ...RUNBOOK_CLUSTER, name: 'notpl', cluster_template_id: 'nope' })).status, 404);
});

test('unknown body keys are 400 as wsme answers them; a template needs a driver for the image\'s os_distro', async () => {
  const key = await mg('POST', '/clusters', { ...RUNBOOK_CLUSTER, name: 'k', flavour: 'x' });
  assert.equal(key.status, 400);
  assert.equal((key.json as { errors: { detail: string }[] }).errors[0]?.detail, 'Unknown attribute for argument cluster: flavour');
  const tkey = await mg('POST', '/clustertemplates', { ...RUNBOOK_TEMPLATE, name: 't2', driver: 'k8s_capi_helm_v1' });
  assert.equal(tkey.status, 400);
  assert.match(tkey.text, /Unknown attribute for argument cluster_template: driver/);
  h.applyOp({ op: 'image-set-property', property: 'os_distro', value: 'fedora-coreos' });
  try {
    const fcos = await mg('POST', '/clustertemplates', { ...RUNBOOK_TEMPLATE, name: 'fcos' });
    assert.equal(fcos.status, 400);
    assert.equal((fcos.json as { errors: { detail: string }[] }).errors[0]?.detail, 'Cluster type (vm, fedora-coreos, kubernetes) not supported.');
    h.applyOp({ op: 'image-set-property', property: 'os_distro', value: 'flatcar' });
    const flatcar = await mg('POST', '/clustertemplates', { ...RUNBOOK_TEMPLATE, name: 'flatcar' });
    assert.equal(flatcar.status, 201, flatcar.text);
    assert.equal((await mg('DELETE', '/clustertemplates/flatcar')).status, 204);
  } finally {
    h.applyOp({ op: 'image-set-property', property: 'os_distro', value: 'ubuntu' });
  }
});

test('certificates: only the cluster\'s creator or an admin; another member of the project is 403 (certificate policy)', async () => {
  const tpl = await mg('POST', '/clustertemplates', { ...RUNBOOK_TEMPLATE, name: 'cert-tpl' });
  assert.equal(tpl.status, 201, tpl.text);
  const created = await mg('POST', '/clusters', { ...RUNBOOK_CLUSTER, name: 'cert-policy', cluster_template_id: 'cert-tpl' });
  const uuid = (created.json as { uuid: string }).uuid;
  h.clock.advance(3_000);
  const project = h.world.projects.get(api.projectId)!;
  const other = { id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', name: 'second-member', domainId: project.domainId, password: 'second-Pa55', enabled: true };
  h.world.users.set(other.id, other);
  for (const role of ['member', 'reader', 'load-balancer_member']) h.world.grant(other.id, project.id, role);
  const r = await request(`${h.urls.keystone}/auth/tokens`, 'POST', { auth: { identity: { methods: ['password'], password: { user: { id: other.id, password: other.password } } }, scope: { project: { id: project.id } } } });
  assert.equal(r.status, 201, r.text);
  const second = fromToken(r);
  const shown = await second.call('container-infra', 'GET', `/clusters/${uuid}`, undefined, MAGNUM_LATEST);
  assert.equal(shown.status, 200, 'a project member sees the cluster');
  const ca = await second.call('container-infra', 'GET', `/certificates/${uuid}`, undefined, MAGNUM_LATEST);
  assert.equal(ca.status, 403);
  assert.deepEqual(ca.json, { errors: [{ request_id: '', code: 'client', status: 403, title: "Policy doesn't allow certificate:get to be performed.", detail: "Policy doesn't allow certificate:get to be performed.", links: [] }] });
  const sign = await second.call('container-infra', 'POST', '/certificates', { cluster_uuid: uuid, csr: 'x' }, MAGNUM_LATEST);
  assert.equal(sign.status, 403);
  assert.match(sign.text, /certificate:create/);
  assert.equal((await mg('GET', `/certificates/${uuid}`)).status, 200, 'the creator may');
  const admin = await login(h, 'admin');
  assert.equal((await admin.call('container-infra', 'GET', `/certificates/${uuid}`, undefined, MAGNUM_LATEST)).status, 200, 'an admin may');
});
