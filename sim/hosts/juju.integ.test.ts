// The juju stand-in as a program: `juju status --format=json|short -m MODEL` and the runbook's
// `juju ssh UNIT 'sudo grep -i reserved_host_memory /etc/nova/nova.conf'`, with juju's error
// shapes for an unknown model or unit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleSite } from '../../test/helpers.js';
import { answerKey, buildJujuState, commonCalls, writeJujuStandIn } from './juju.js';
import { loadHostScenario } from './scenario.js';

function run(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => execFile(bin, args, { encoding: 'utf8', env: { ...process.env, ...env } }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr })));
}

test('juju stand-in: status JSON (api-notes §10 keys), short format, reserved memory over juju ssh, errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-juju-'));
  try {
    const site = exampleSite().site;
    const j = writeJujuStandIn(dir, buildJujuState(site, loadHostScenario({ name: 't', juju: { reservedMemoryMb: { 'nova-compute/2': null } }, vault: { sealed: [0] } })));
    const json = await run(j.binary, ['status', '--format=json', '-m', 'openstack']);
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as { model: { name: string }; applications: Record<string, { 'application-status': { current: string }; units?: Record<string, { 'workload-status': { current: string; message: string }; 'juju-status': { current: string }; 'public-address': string; subordinates?: object }> }> };
    assert.equal(doc.model.name, 'openstack');
    const v0 = doc.applications['vault']?.units?.['vault/0'];
    assert.deepEqual([v0?.['workload-status'].current, v0?.['workload-status'].message, v0?.['public-address']], ['blocked', 'Unit is sealed', '10.12.4.61']);
    assert.equal(doc.applications['vault']?.['application-status'].current, 'blocked');
    assert.ok(doc.applications['nova-compute']?.units?.['nova-compute/0']?.subordinates);

    const short = await run(j.binary, ['status', '--format=short', '-m', 'openstack']);
    assert.match(short.stdout, /^- vault\/0: 10\.12\.4\.61 \(agent:idle, workload:blocked\) 8200\/tcp$/m);
    assert.match(short.stdout, /^- nova-compute\/0: 10\.12\.4\.11 \(agent:idle, workload:active\)\n {2}- ovn-chassis\/0: 10\.12\.4\.11 \(agent:idle, workload:active\)$/m);
    // The runbook's filter shows only lines with neither word: the blocked-but-idle vault unit slips through it.
    assert.ok(!short.stdout.split('\n').filter((l) => l && !/active|idle/.test(l)).some((l) => l.includes('vault/0')));

    const grep = await run(j.binary, ['ssh', '-m', 'openstack', 'nova-compute/0', 'sudo grep -i reserved_host_memory /etc/nova/nova.conf']);
    assert.equal(grep.code, 0);
    assert.equal(grep.stdout, 'reserved_host_memory_mb = 8192\n', 'only what the charm writes: no comment line');
    // Without sudo the ubuntu user cannot read nova.conf (root:nova 0640).
    const noSudo = await run(j.binary, ['ssh', 'nova-compute/0', 'grep -i reserved_host_memory /etc/nova/nova.conf']);
    assert.equal(noSudo.code, 2);
    assert.match(noSudo.stderr, /grep: \/etc\/nova\/nova.conf: Permission denied/);
    const unset = await run(j.binary, ['ssh', '-m', 'openstack', 'nova-compute/2', 'sudo', 'grep', '-i', 'reserved_host_memory_mb =', '/etc/nova/nova.conf']);
    assert.notEqual(unset.code, 0);
    const noConf = await run(j.binary, ['ssh', 'keystone/0', 'sudo grep -i reserved_host_memory /etc/nova/nova.conf']);
    assert.equal(noConf.code, 2);
    assert.match(noConf.stderr, /No such file or directory/);

    // Filters, juju 3.x tabular, exec, vault status on the HA units, one ovn-central leader.
    const tab = await run(j.binary, ['status', 'vault']);
    assert.equal(tab.code, 0, tab.stderr);
    assert.match(tab.stdout, /^Model +Controller +Cloud\/Region +Version +Timestamp\nopenstack +maas-controller +maas\/default +3\.6\.4 +10:14:02Z\n\nApp +Version +Status +Scale +Charm +Channel +Rev +Exposed +Message\nvault +blocked +3 +vault +1\.8\/stable +\d+ +no +Unit is sealed\n\nUnit +Workload/);
    assert.match(tab.stdout, /^vault\/0\* +blocked +idle +\S+ +10\.12\.4\.61 +8200\/tcp +Unit is sealed$/m);
    assert.match(tab.stdout, /^vault\/1 +active +idle +\S+ +10\.12\.4\.62 +8200\/tcp +Unit is ready \(active: true, mlock: disabled\)$/m);
    assert.match(tab.stdout, /^vault\/2 +active +idle .*\(active: false, mlock: disabled\)$/m);
    assert.doesNotMatch(tab.stdout, /keystone|nova-compute/, 'the filter keeps only vault');
    assert.match(tab.stdout, /\nMachine +State +Address +Inst id +Base +AZ +Message\n/);
    const ovn = JSON.parse((await run(j.binary, ['status', 'ovn-central', '--format', 'json'])).stdout) as { applications: Record<string, { units: Record<string, { leader?: boolean; 'workload-status': { message: string } }> }> };
    const ovnUnits = Object.values(ovn.applications['ovn-central']?.units ?? {});
    assert.equal(ovnUnits.filter((u) => u.leader).length, 1);
    assert.equal(ovnUnits.filter((u) => /leader:/.test(u['workload-status'].message)).length, 1);
    assert.deepEqual(Object.keys(ovn.applications), ['ovn-central']);
    const ex = await run(j.binary, ['exec', '--unit', 'nova-compute/0', '--', 'sudo', 'grep', '-i', 'reserved_host_memory', '/etc/nova/nova.conf']);
    assert.equal(ex.stdout, 'reserved_host_memory_mb = 8192\n');
    const exAll = await run(j.binary, ['exec', '--application', 'nova-compute', 'hostname']);
    assert.match(exAll.stdout, /^nova-compute\/0:\n {2}id: "\d+"\n {2}output: \|\n {4}juju-nova-compute-0\n {2}status: completed\nnova-compute\/1:/);
    const other = await run(j.binary, ['ssh', 'keystone/0', 'uptime']);
    assert.equal(other.code, 127);

    const badModel = await run(j.binary, ['status', '--format=json', '-m', 'openstak']);
    assert.equal(badModel.code, 1);
    assert.match(badModel.stderr, /^ERROR model maas-controller:admin\/openstak not found/);
    const badUnit = await run(j.binary, ['ssh', '-m', 'openstack', 'nova-compute/9', 'true']);
    assert.equal(badUnit.code, 1);
    assert.match(badUnit.stderr, /ERROR unit "nova-compute\/9" not found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('juju stand-in: the answers rendered in advance are what the node program prints; a state written behind its back is read, not the stale files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-juju-'));
  try {
    const site = exampleSite().site;
    const state = buildJujuState(site, loadHostScenario({ name: 't', juju: { reservedMemoryMb: { 'nova-compute/2': null } }, vault: { sealed: [1] } }));
    const j = writeJujuStandIn(dir, state, { computeApplication: site.juju.computeApplication });
    const calls = commonCalls(state, site.juju.computeApplication);
    assert.ok(calls.length >= 10);
    for (const argv of calls) {
      assert.ok(existsSync(join(dir, 'juju-answers', `${answerKey(argv)}.code`)), `rendered: juju ${argv.join(' ')}`);
      const fast = await run(j.binary, argv);
      const full = await run(j.binary, argv, { CAPI_GATE_SIM_JUJU_STATE: j.stateFile });
      assert.deepEqual(fast, full, `juju ${argv.join(' ')}`);
    }
    // The key is the shell's: a rendered answer that the shell missed would fall through to node (same output, no speed).
    const key = await new Promise<string>((resolve, reject) => execFile('sh', ['-c', `printf '%s\\0' "$@" | sha256sum`, 'sh', ...calls[0]!], (err, out) => (err ? reject(err) : resolve(out.split(' ')[0] ?? ''))));
    assert.equal(key, answerKey(calls[0]!));
    // write() re-renders: the sealed unit unsealed shows at once.
    const s = j.read();
    s.applications['vault']!.units!['vault/1']!['workload-status'] = { current: 'active', message: 'Unit is ready', since: 'x' };
    j.write(s);
    assert.match((await run(j.binary, ['status', '--format=short'])).stdout, /^- vault\/1: \S+ \(agent:idle, workload:active\)/m);
    // A state file written directly (newer than the rendered files) is what answers.
    await new Promise((r) => setTimeout(r, 20));
    s.applications['vault']!.units!['vault/1']!['workload-status'] = { current: 'blocked', message: 'Unit is sealed', since: 'x' };
    writeFileSync(j.stateFile, JSON.stringify(s));
    assert.match((await run(j.binary, ['status', '--format=short'])).stdout, /^- vault\/1: \S+ \(agent:idle, workload:blocked\)/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
