import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCapiGateError } from '../core/errors.js';
import type { CommandRunner } from './exec.js';
import { charmProblems, createJujuClient, naturalCompare, parseJujuStatus, parseReservedMemory, shortFormat } from './juju.js';

const SINCE = '09 Jun 2026 10:14:02Z';
const unit = (workload: string, agent: string, address: string, message = 'Unit is ready', extra: Record<string, unknown> = {}) => ({
  'workload-status': { current: workload, message, since: SINCE },
  'juju-status': { current: agent, since: SINCE, version: '3.6.4' },
  machine: '0/lxd/3', 'public-address': address, ...extra,
});

function status(apps: Record<string, unknown>): string {
  return JSON.stringify({ model: { name: 'openstack', controller: 'maas-controller', version: '3.6.4' }, machines: {}, applications: apps });
}

const HEALTHY = status({
  vault: {
    charm: 'vault', 'charm-name': 'vault', 'application-status': { current: 'active', message: 'Unit is ready', since: SINCE },
    units: {
      'vault/0': unit('active', 'idle', '10.12.4.61', 'Unit is ready', { 'open-ports': ['8200/tcp'], subordinates: { 'hacluster-vault/0': unit('active', 'idle', '10.12.4.61') } }),
      'vault/10': unit('active', 'executing', '10.12.4.70'),
      'vault/2': unit('active', 'idle', '10.12.4.63'),
    },
  },
  'hacluster-vault': { charm: 'hacluster', 'application-status': { current: 'active', since: SINCE }, 'subordinate-to': ['vault'] },
});

test('juju status JSON: applications, units in natural order, subordinates under their app with the principal named', () => {
  const s = parseJujuStatus(HEALTHY);
  assert.equal(s.model, 'openstack');
  const vault = s.applications.find((a) => a.name === 'vault');
  assert.deepEqual(vault?.units.map((u) => u.name), ['vault/0', 'vault/2', 'vault/10']);
  const sub = s.applications.find((a) => a.name === 'hacluster-vault');
  assert.equal(sub?.subordinate, true);
  assert.equal(sub?.units[0]?.principal, 'vault/0');
  assert.deepEqual(charmProblems(s), [], 'an executing agent on an active workload is a hook in flight, not a problem');
});

test('short format matches api-notes §10: "- %s: %s (agent:..., workload:...)", subordinates indented', () => {
  const text = shortFormat(parseJujuStatus(HEALTHY));
  assert.match(text, /^- vault\/0: 10\.12\.4\.61 \(agent:idle, workload:active\)$/m);
  assert.match(text, /^ {2}- hacluster-vault\/0: 10\.12\.4\.61 \(agent:idle, workload:active\)$/m);
  assert.ok(text.indexOf('vault/2:') < text.indexOf('vault/10:'));
});

test('a blocked workload with an idle agent is reported (the runbook grep would miss it), with its message', () => {
  const s = parseJujuStatus(status({
    'ceph-osd': {
      charm: 'ceph-osd', 'application-status': { current: 'blocked', message: 'No block devices detected using current configuration', since: SINCE },
      units: { 'ceph-osd/2': unit('blocked', 'idle', '10.12.4.13', 'No block devices detected using current configuration'), 'ceph-osd/0': unit('active', 'idle', '10.12.4.11') },
    },
    octavia: { charm: 'octavia', 'application-status': { current: 'active', since: SINCE }, units: { 'octavia/0': unit('active', 'lost', '10.12.5.32', '') } },
  }));
  const p = charmProblems(s);
  assert.deepEqual(p.map((x) => `${x.kind} ${x.name} ${x.workload}/${x.agent}`), ['application ceph-osd blocked/', 'unit ceph-osd/2 blocked/idle', 'unit octavia/0 active/lost']);
  assert.equal(p[1]?.message, 'No block devices detected using current configuration');
});

test('juju status that is not JSON, or not the documented shape, is BAD_RESPONSE', () => {
  assert.throws(() => parseJujuStatus('ERROR connection refused'), (e: unknown) => isCapiGateError(e, 'CAPI_GATE_BAD_RESPONSE'));
  assert.throws(() => parseJujuStatus('{"applications":{}}'), (e: unknown) => isCapiGateError(e, 'CAPI_GATE_BAD_RESPONSE'));
});

test('reserved_host_memory_mb: commented lines ignored, last setting wins, CRLF tolerated', () => {
  assert.equal(parseReservedMemory('# reserved_host_memory_mb = 512\r\nreserved_host_memory_mb = 8192\r\n'), 8192);
  assert.equal(parseReservedMemory('reserved_host_memory_mb=4096\nreserved_host_memory_mb = 512\n'), 512);
  assert.equal(parseReservedMemory('#reserved_host_memory_mb = 8192\n'), undefined);
});

function fakeRunner(answers: (file: string, args: readonly string[]) => { code: number; stdout?: string; stderr?: string }) {
  const calls: { file: string; args: readonly string[] }[] = [];
  const run: CommandRunner = async (file, args) => {
    calls.push({ file, args });
    const a = answers(file, args);
    return { code: a.code, stdout: a.stdout ?? '', stderr: a.stderr ?? '' };
  };
  return { run, calls };
}

const COMPUTE = status({
  'nova-compute': {
    charm: 'nova-compute', 'application-status': { current: 'active', since: SINCE },
    units: {
      'nova-compute/0': unit('active', 'idle', '10.12.4.11', 'Unit is ready', { subordinates: { 'ovn-chassis/0': unit('active', 'idle', '10.12.4.11') } }),
      'nova-compute/1': unit('active', 'idle', '10.12.4.12'),
      'nova-compute/2': unit('active', 'idle', '10.12.4.13'),
      'nova-compute/3': unit('active', 'idle', '10.12.4.14'),
    },
  },
  'ovn-chassis': { charm: 'ovn-chassis', 'application-status': { current: 'active', since: SINCE }, 'subordinate-to': ['nova-compute'] },
});

test('reserved memory is read on EVERY compute unit with the runbook command, as arguments (no shell)', async () => {
  const { run, calls } = fakeRunner((_f, args) => {
    if (args[0] === 'status') return { code: 0, stdout: COMPUTE };
    const u = args[3];
    if (u === 'nova-compute/1') return { code: 0, stdout: '# reserved_host_memory_mb = 512\nreserved_host_memory_mb = 512\r\n' };
    if (u === 'nova-compute/2') return { code: 1, stdout: '' }; // grep found nothing: nova default
    if (u === 'nova-compute/3') return { code: 255, stderr: 'ERROR cannot connect to any address: [10.12.4.14:22]\n' };
    return { code: 0, stdout: 'reserved_host_memory_mb = 8192\n' };
  });
  const j = createJujuClient({ binary: '/opt/juju', model: 'openstack', computeApplication: 'nova-compute', run, env: {}, timeoutMs: 1000 });
  const r = await j.reservedHostMemory(new AbortController().signal);
  assert.deepEqual(calls[0], { file: '/opt/juju', args: ['status', '--format=json', '-m', 'openstack'] });
  assert.deepEqual(calls.slice(1).map((c) => c.args), [0, 1, 2, 3].map((i) => ['ssh', '-m', 'openstack', `nova-compute/${i}`, 'sudo grep -i reserved_host_memory /etc/nova/nova.conf']));
  assert.deepEqual(r.units.map((u) => [u.unit, u.valueMb, u.source]), [
    ['nova-compute/0', 8192, 'nova.conf'], ['nova-compute/1', 512, 'nova.conf'], ['nova-compute/2', 512, 'nova default'], ['nova-compute/3', undefined, 'error'],
  ]);
  assert.match(r.units[3]?.error ?? '', /exited 255: ERROR cannot connect/);
});

test('a missing compute application is a precondition naming the site key; a failing juju status is an API error with the message', async () => {
  const ok = fakeRunner(() => ({ code: 0, stdout: COMPUTE }));
  const j = createJujuClient({ binary: 'juju', model: 'openstack', computeApplication: 'nova-compute-kvm', run: ok.run, env: {}, timeoutMs: 1000 });
  await assert.rejects(j.reservedHostMemory(new AbortController().signal), (e: unknown) => isCapiGateError(e, 'CAPI_GATE_PRECONDITION') && /juju\.computeApplication/.test(e.hint ?? ''));
  const bad = fakeRunner(() => ({ code: 1, stderr: 'ERROR model maas-controller:admin/openstak not found\n' }));
  const j2 = createJujuClient({ binary: 'juju', model: 'openstak', computeApplication: 'nova-compute', run: bad.run, env: {}, timeoutMs: 1000 });
  await assert.rejects(j2.status(new AbortController().signal), (e: unknown) => isCapiGateError(e, 'CAPI_GATE_API') && /openstak not found/.test(e.message));
});

test('one juju status serves D-040 and D-011.1: reused for reuseMs, asked again after; a failure is never reused', async () => {
  let t = 1_000_000;
  let fail = false;
  const { run, calls } = fakeRunner((_f, args) => (args[0] === 'status' ? (fail ? { code: 1, stderr: 'ERROR connection is shut down\n' } : { code: 0, stdout: COMPUTE }) : { code: 0, stdout: 'reserved_host_memory_mb = 8192\n' }));
  const j = createJujuClient({ binary: 'juju', model: 'openstack', computeApplication: 'nova-compute', run, env: {}, timeoutMs: 1000, reuseMs: 30_000, now: () => t });
  const signal = new AbortController().signal;
  await j.reservedHostMemory(signal);
  t += 29_000;
  const s = await j.status(signal);
  const statusCalls = () => calls.filter((c) => c.args[0] === 'status').length;
  assert.equal(statusCalls(), 1);
  assert.equal(s.takenAt, new Date(1_000_000).toISOString());
  assert.ok(s.applications.some((a) => a.name === 'nova-compute'));
  t += 2_000;
  fail = true;
  await assert.rejects(j.status(signal), (e: unknown) => isCapiGateError(e, 'CAPI_GATE_API'));
  await assert.rejects(j.status(signal), (e: unknown) => isCapiGateError(e, 'CAPI_GATE_API'));
  assert.equal(statusCalls(), 3);
  fail = false;
  assert.equal((await j.status(signal)).takenAt, new Date(t).toISOString());
  assert.equal(statusCalls(), 4);
  const never = createJujuClient({ binary: 'juju', model: 'openstack', computeApplication: 'nova-compute', run, env: {}, timeoutMs: 1000, reuseMs: 0, now: () => t });
  await never.status(signal);
  await never.status(signal);
  assert.equal(statusCalls(), 6);
});

test('naturalCompare orders juju names as the ICU natural collation does (digit runs as numbers)', () => {
  const names = ['vault/10', 'vault/2', 'vault-mysql-router/0', 'vault/0', 'nova-compute/11', 'nova-compute/1', 'nova-cloud-controller/0',
    'ceph-osd/3', 'ceph-mon/0', 'ovn-chassis/12', 'ovn-central/2', 'mysql-innodb-cluster/1', 'keystone/0', 'keystone-mysql-router/0', 'octavia/0',
    'octavia-ovn-chassis/1', 'hacluster-vault/0', 'ceph-osd/20', 'nova-compute/2', 'magnum/0', 'magnum-mysql-router/0', 'ovn-chassis-octavia/0'];
  const icu = [...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  assert.deepEqual([...names].sort(naturalCompare), icu);
  assert.ok(naturalCompare('nova-compute/2', 'nova-compute/10') < 0);
  assert.equal(naturalCompare('vault/0', 'vault/0'), 0);
});
