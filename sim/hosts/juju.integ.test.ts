// The juju stand-in as a program: `juju status --format=json|short -m MODEL` and the runbook's
// `juju ssh UNIT 'sudo grep -i reserved_host_memory /etc/nova/nova.conf'`, with juju's error
// shapes for an unknown model or unit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleSite } from '../../test/helpers.js';
import { buildJujuState, writeJujuStandIn } from './juju.js';
import { loadHostScenario } from './scenario.js';

function run(bin: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => execFile(bin, args, { encoding: 'utf8' }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr })));
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
    assert.equal(grep.stdout, '# reserved_host_memory_mb = 512  (nova default; D-040 raises it to 8192)\nreserved_host_memory_mb = 8192\n');
    const unset = await run(j.binary, ['ssh', '-m', 'openstack', 'nova-compute/2', 'sudo', 'grep', '-i', 'reserved_host_memory_mb =', '/etc/nova/nova.conf']);
    assert.notEqual(unset.code, 0);
    const noConf = await run(j.binary, ['ssh', 'keystone/0', 'sudo grep -i reserved_host_memory /etc/nova/nova.conf']);
    assert.equal(noConf.code, 2);
    assert.match(noConf.stderr, /No such file or directory/);

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
