// Fidelity (issue 3 item 4), cluster path: the runbook's own `openstack coe ...` and
// `loadbalancer ...` commands, run with the REAL python-openstackclient (Debian:
// python3-openstackclient 6.0.0, python3-magnumclient 4.0.0, python3-octaviaclient 3.1.0)
// against the simulator. Skipped locally without the CLI; FAILS under CI (CI installs it).
//
// Client behaviour these assertions expect (not server choices):
// - `-f value -c A -c B` prints in the command's column order, not the -c order (api-notes §1.5).
// - `coe cluster config` does not create --dir (DOCFIX-037) and fails after signing; it needs $SHELL.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { CliSim } from './fidelity-support.js';
import { OPENSTACK, SKIP, lines, startCliSim, until } from './fidelity-support.js';
import { toLoopback } from './loopback.js';

const TIME_SCALE = 0.005;
let s: CliSim;

before(async () => {
  if (!SKIP) s = await startCliSim({ timeScale: TIME_SCALE });
});
after(async () => {
  if (!SKIP) await s?.close();
});

test('the openstack CLI is installed', { skip: SKIP }, () => {
  assert.ok(OPENSTACK, 'CI installs python3-openstackclient python3-magnumclient python3-octaviaclient; `openstack` must be on PATH');
});

test('8.0: template show (ABSENT, 404), create with the runbook flags, show -c uuid', { skip: SKIP }, async () => {
  // The runbook's check, with stderr kept instead of sent to /dev/null.
  const absent = await s.bash(`source "$SIM/openrc-tenant"
openstack coe cluster template show capi-k8s-v1-34 -f value -c uuid 2>"$SIM/err" \\
    && echo "template OK" || echo "template ABSENT -- create it below"; cat "$SIM/err" >&2`);
  assert.equal(absent.stdout.trim(), 'template ABSENT -- create it below');
  assert.match(absent.stderr, /ClusterTemplate capi-k8s-v1-34 could not be found\. \(HTTP 404\)/);
  const c = await s.os('sim-tenant', 'coe', 'cluster', 'template', 'create', 'capi-k8s-v1-34',
    '--coe', 'kubernetes', '--server-type', 'vm', '--image', 'ubuntu-jammy-kube-v1.34.8', '--external-network', 'provider-ext',
    '--master-flavor', 'gp.mid', '--flavor', 'capi.node', '--master-lb-enabled', '--floating-ip-enabled', '--network-driver', 'calico',
    '--dns-nameserver', '8.8.8.8', '--docker-storage-driver', 'overlay2', '--labels', 'fixed_subnet_cidr=10.20.16.0/24,octavia_provider=amphora');
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /Request to create cluster template capi-k8s-v1-34 accepted/);
  const t = [...s.h.world.templates.values()][0];
  assert.deepEqual(t?.fields['labels'], { fixed_subnet_cidr: '10.20.16.0/24', octavia_provider: 'amphora' });
  assert.equal(t?.fields['network_driver'], 'calico');
  assert.equal(t?.fields['master_lb_enabled'], true);
  assert.equal(t?.fields['image_id'], 'ubuntu-jammy-kube-v1.34.8', 'names are stored as given');
  const show = await s.os('sim-tenant', 'coe', 'cluster', 'template', 'show', 'capi-k8s-v1-34', '-f', 'value', '-c', 'uuid');
  assert.equal(show.code, 0, show.stderr);
  assert.equal(show.stdout.trim(), t?.uuid);
});

test('8.1-8.2: cluster create, show -c uuid -c status, watch to CREATE_COMPLETE, capture api_address', { skip: SKIP }, async () => {
  const c = await s.os('sim-tenant', 'coe', 'cluster', 'create', 'capi-test-1', '--cluster-template', 'capi-k8s-v1-34', '--keypair', 'capi-mgmt-key',
    '--master-count', '1', '--node-count', '2');
  assert.equal(c.code, 0, c.stderr);
  const uuid = /Request to create cluster ([0-9a-f-]{36}) accepted/.exec(c.stdout)?.[1];
  assert.ok(uuid, c.stdout);
  const first = await s.os('sim-tenant', 'coe', 'cluster', 'show', 'capi-test-1', '-f', 'value', '-c', 'uuid', '-c', 'status');
  assert.equal(lines(first.stdout)[1], uuid);
  assert.match(lines(first.stdout)[0] ?? '', /^CREATE_(IN_PROGRESS|COMPLETE)$/);
  const status = await until('CREATE_COMPLETE', async () => {
    const st = (await s.os('sim-tenant', 'coe', 'cluster', 'show', 'capi-test-1', '-f', 'value', '-c', 'status')).stdout.trim();
    return st === 'CREATE_COMPLETE' || st === 'CREATE_FAILED' ? st : undefined;
  });
  assert.equal(status, 'CREATE_COMPLETE');
  // Magnum fills health_status on its next periodic sync after CREATE_COMPLETE, not with it.
  await until('HEALTHY', async () => ((await s.os('sim-tenant', 'coe', 'cluster', 'show', 'capi-test-1', '-f', 'value', '-c', 'health_status')).stdout.trim() === 'HEALTHY' ? true : undefined));
  const info = await s.os('sim-tenant', 'coe', 'cluster', 'show', 'capi-test-1', '-f', 'value', '-c', 'api_address', '-c', 'master_count', '-c', 'node_count', '-c', 'health_status');
  assert.deepEqual(lines(info.stdout), ['HEALTHY', `https://${toLoopback('10.12.7.180')}:6443`, '2', '1']);
  const seen = s.h.world.timeline.filter((e) => e.kind === 'magnum.cluster' && e.id === uuid).map((e) => e.to);
  assert.deepEqual(seen, ['CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
});

test('8.3: coe cluster config --dir (not created: DOCFIX-037) --force writes a kubeconfig signed by the cluster CA', { skip: SKIP }, async () => {
  const d = join(s.dir, 'capi-test-1');
  const nodir = await s.os('sim-tenant', 'coe', 'cluster', 'config', 'capi-test-1', '--dir', d, '--force');
  assert.equal(nodir.code, 1);
  assert.match(nodir.stderr + nodir.stdout, /No such file or directory/);
  mkdirSync(d);
  const r = await s.os('sim-tenant', 'coe', 'cluster', 'config', 'capi-test-1', '--dir', d, '--force');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), `export KUBECONFIG=${join(d, 'config')}`);
  assert.ok(existsSync(join(d, 'config')));
  const kc = parse(readFileSync(join(d, 'config'), 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string }; name: string }[];
    users: { name: string; user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  assert.equal(kc.clusters[0]?.cluster.server, `https://${toLoopback('10.12.7.180')}:6443`);
  assert.equal(kc.clusters[0]?.name, 'capi-test-1');
  const caPem = Buffer.from(kc.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64').toString();
  assert.equal(caPem.trim(), s.h.clusterCa('capi-test-1')?.certPem);
  const cert = new X509Certificate(Buffer.from(kc.users[0]?.user['client-certificate-data'] ?? '', 'base64'));
  assert.ok(cert.verify(new X509Certificate(caPem).publicKey), 'the client certificate chains to the cluster CA');
  assert.match(cert.subject, /CN=admin/);
  assert.match(cert.subject, /O=system:masters/);
  assert.match(Buffer.from(kc.users[0]?.user['client-key-data'] ?? '', 'base64').toString(), /BEGIN RSA PRIVATE KEY/);
  const calls = s.h.requests.list({ service: 'magnum' }).slice(-4).map((x) => `${x.method} ${x.path.replace(/[0-9a-f-]{36}/, 'ID')} ${x.status}`);
  assert.deepEqual(calls, ['GET /v1/clusters/capi-test-1 200', 'GET /v1/clustertemplates/ID 200', 'GET /v1/certificates/ID 200', 'POST /v1/certificates 201']);
});

test('D-011.4: loadbalancer show / failover (admin only; tenant 403) -> PENDING_UPDATE -> ACTIVE, ONLINE held', { skip: SKIP }, async () => {
  const lbId = [...s.h.world.loadBalancers.keys()][0] ?? '';
  const show = () => s.os('sim-admin', 'loadbalancer', 'show', lbId, '-f', 'value', '-c', 'provisioning_status', '-c', 'operating_status');
  assert.deepEqual(lines((await show()).stdout), ['ONLINE', 'ACTIVE']);
  const denied = await s.os('sim-tenant', 'loadbalancer', 'failover', lbId);
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /Policy does not allow this request to be performed\. \(HTTP 403\)/);
  // Slow the clock so PENDING_UPDATE outlives a 1-3 s CLI call, then move simulated time by hand.
  await s.control('/_sim/clock', { timeScale: 1 });
  try {
    const f = await s.os('sim-admin', 'loadbalancer', 'failover', lbId);
    assert.equal(f.code, 0, f.stderr);
    assert.deepEqual(lines((await show()).stdout), ['ONLINE', 'PENDING_UPDATE']);
    await s.control('/_sim/clock', { advanceMs: 100_000 });
    assert.deepEqual(lines((await show()).stdout), ['ONLINE', 'ACTIVE']);
  } finally {
    await s.control('/_sim/clock', { timeScale: TIME_SCALE });
  }
  const calls = s.h.requests.list({ service: 'octavia' }).map((x) => `${x.method} ${x.path.replace(/[0-9a-f-]{36}/, 'ID')} ${x.status}`);
  assert.ok(calls.includes('GET /v2.0/lbaas/loadbalancers?id=ID 200') && calls.includes('PUT /v2.0/lbaas/loadbalancers/ID/failover 202'), calls.join('\n'));
});

test('the operator\'s follow-ups: listener/pool/member/healthmonitor lists of the API LB, and LB -> VIP -> FIP -> api_address correlate', { skip: SKIP }, async () => {
  const lbId = [...s.h.world.loadBalancers.keys()][0] ?? '';
  // The listener list has no status column (the client's choice); `listener show` has it.
  const listeners = await s.os('sim-tenant', 'loadbalancer', 'listener', 'list', '--loadbalancer', lbId, '-f', 'value', '-c', 'id', '-c', 'name', '-c', 'protocol', '-c', 'protocol_port');
  assert.equal(listeners.code, 0, listeners.stderr);
  assert.match(listeners.stdout, /^[0-9a-f-]{36} k8s-clusterapi-cluster-\S+-kubeapi-6443 TCP 6443$/m);
  const listenerId = (lines(listeners.stdout)[0] ?? '').split(' ')[0] ?? '';
  const lshow = await s.os('sim-tenant', 'loadbalancer', 'listener', 'show', listenerId, '-f', 'value', '-c', 'provisioning_status', '-c', 'operating_status');
  assert.equal(lshow.code, 0, lshow.stderr);
  assert.deepEqual(lines(lshow.stdout).sort(), ['ACTIVE', 'ONLINE']);
  const pools = await s.os('sim-tenant', 'loadbalancer', 'pool', 'list', '--loadbalancer', lbId, '-f', 'value', '-c', 'id', '-c', 'lb_algorithm', '-c', 'protocol');
  assert.equal(pools.code, 0, pools.stderr);
  const [poolId, proto, algo] = (lines(pools.stdout)[0] ?? '').split(' ');
  assert.deepEqual([proto, algo], ['TCP', 'ROUND_ROBIN']);
  const members = await s.os('sim-tenant', 'loadbalancer', 'member', 'list', poolId ?? '', '-f', 'value', '-c', 'address', '-c', 'protocol_port', '-c', 'operating_status');
  assert.equal(members.code, 0, members.stderr);
  assert.match(members.stdout, new RegExp(`^${toLoopback('10.20.16.0').split('.').slice(0, 3).join('\\.')}\\.\\d+ 6443 ONLINE$`, 'm'));
  const hm = await s.os('sim-tenant', 'loadbalancer', 'healthmonitor', 'list', '-f', 'value', '-c', 'type');
  assert.equal(hm.code, 0, hm.stderr);
  assert.match(hm.stdout, /^TCP$/m);
  // The runbook's capture: the LB's VIP, the FIP on it, and api_address name one address.
  const vip = (await s.os('sim-tenant', 'loadbalancer', 'show', lbId, '-f', 'value', '-c', 'vip_address')).stdout.trim();
  const fip = (await s.os('sim-tenant', 'floating', 'ip', 'list', '--fixed-ip-address', vip, '-f', 'value', '-c', 'Floating IP Address')).stdout.trim();
  const api = (await s.os('sim-tenant', 'coe', 'cluster', 'show', 'capi-test-1', '-f', 'value', '-c', 'api_address')).stdout.trim();
  assert.match(vip, /^127\./);
  assert.equal(api, `https://${fip}:6443`);
});

test('8.5: coe cluster delete, watch the list to gone, then show is a 404', { skip: SKIP }, async () => {
  const d = await s.os('sim-tenant', 'coe', 'cluster', 'delete', 'capi-test-1');
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /Request to delete cluster capi-test-1 has been accepted\./);
  await until('cluster gone from the list', async () => {
    const l = await s.os('sim-tenant', 'coe', 'cluster', 'list', '-f', 'value', '-c', 'name');
    return l.code === 0 && !l.stdout.includes('capi-test-1') ? true : undefined;
  });
  const show = await s.os('sim-tenant', 'coe', 'cluster', 'show', 'capi-test-1');
  assert.equal(show.code, 1);
  assert.match(show.stderr, /Cluster capi-test-1 could not be found\. \(HTTP 404\)/);
  assert.equal(s.h.world.loadBalancers.size, 0);
  assert.equal([...s.h.world.servers.values()].filter((x) => x.name.startsWith('capi-test-1')).length, 0);
});
