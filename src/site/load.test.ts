import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseSite } from './load.js';
import { EXAMPLE_SITE } from '../../test/helpers.js';
import { CapiGateError } from '../core/errors.js';

const example = readFileSync(EXAMPLE_SITE, 'utf8');

function problem(text: string): CapiGateError {
  try {
    parseSite(text, 'bad-site.yaml');
  } catch (e) {
    assert.ok(e instanceof CapiGateError);
    return e;
  }
  assert.fail('expected the site file to be rejected');
}

test('the example site file holds the runbook values', () => {
  const { site, deadlinesMs } = parseSite(example, EXAMPLE_SITE);
  assert.equal(site.project.name, 'capi-mgmt');
  assert.equal(site.project.domain, 'capi');
  assert.equal(site.template.name, 'capi-k8s-v1-34');
  assert.equal(site.template.networkDriver, 'calico');
  assert.equal(site.image.name, 'ubuntu-jammy-kube-v1.34.8');
  assert.equal(site.image.kubeVersion, 'v1.34.8');
  assert.equal(site.externalNetwork, 'provider-ext');
  assert.equal(site.keypair, 'capi-mgmt-key');
  assert.equal(site.cluster.name, 'capi-test-1');
  assert.equal(site.cluster.masterCount + site.cluster.nodeCount, 3);
  assert.equal(site.workloadCidr, '10.20.16.0/24');
  assert.equal(site.flavors.master.name, 'gp.mid');
  assert.equal(site.flavors.worker.name, 'capi.node');
  assert.equal(site.coreVips[0]?.url, 'https://10.12.4.50:5000/v3');
  assert.equal(site.reservedHostMemoryMb, 8192);
  assert.equal(deadlinesMs.failoverExpected, 100_000);
  assert.equal(deadlinesMs.clusterCreate, 45 * 60_000);
  assert.ok(site.mgmtVm.fipEnvFile.endsWith('capi-mgmt-net.env'));
  assert.ok(!/d5bc125c7c1841d389b76cd0a7b0a915|0d00ddc1-d2bf/.test(example), 'ids that regenerate per rebuild are not in the site file');
});

test('a wrong type names the file, the path and the value', () => {
  const e = problem(example.replace('masterCount: 1', 'masterCount: "one"'));
  assert.equal(e.code, 'CAPI_GATE_SITE_INVALID');
  assert.equal(e.exitCode, 2);
  assert.match(e.message, /bad-site\.yaml:\d+: cluster\.masterCount: .*\(value: "one"\)/);
});

test('a missing key names the path and says it is missing', () => {
  const e = problem(example.replace(/^keypair: .*$/m, ''));
  assert.match(e.message, /bad-site\.yaml(:\d+)?: keypair: required key is missing \(value: \(missing\)\)/);
});

test('an unknown key (a typo) is rejected with its path, line and value', () => {
  const e = problem(example.replace('  nodeCount: 2', '  nodeCount: 2\n  nodeCuont: 3'));
  assert.match(e.message, /bad-site\.yaml:\d+: cluster\.nodeCuont: unknown key .*\(value: 3\)/);
});

test('the flannel network driver is refused with the DOCFIX-032 reason', () => {
  const e = problem(example.replace('networkDriver: calico', 'networkDriver: flannel'));
  assert.match(e.message, /template\.networkDriver: .*DOCFIX-032.*\(value: "flannel"\)/);
});

test('bad durations, URLs and hashes are named', () => {
  const e = problem(example.replace('clusterCreate: 45m', 'clusterCreate: soon').replace(/sha512: [0-9a-f]+/, 'sha512: abc').replace('url: "https://10.12.4.51:9311/"', 'url: "barbican"'));
  assert.match(e.message, /deadlines\.clusterCreate: must be a duration.*"soon"/);
  assert.match(e.message, /image\.sha512: .*"abc"/);
  assert.match(e.message, /coreVips\[1\]\.url: must be an http\(s\) URL \(value: "barbican"\)/);
});

test('YAML syntax errors give the line and a hint', () => {
  const e = problem('site: x\n  bad: [unclosed\n');
  assert.equal(e.code, 'CAPI_GATE_SITE_UNREADABLE');
  assert.equal(e.exitCode, 2);
  assert.match(e.message, /bad-site\.yaml/);
  assert.ok(e.hint);
});

test('relative paths resolve against the site file, ~ against $HOME', () => {
  const { site } = parseSite(example.replace('fipEnvFile: ~/capi-mgmt-net.env', 'fipEnvFile: env/mgmt.env'), '/etc/capi/site.yaml');
  assert.equal(site.mgmtVm.fipEnvFile, '/etc/capi/env/mgmt.env');
});

test('a cluster name Magnum would refuse at 8.1 is refused here, with its line, before any API call', () => {
  const line = example.split('\n').findIndex((l) => l === '  name: capi-test-1') + 1;
  assert.ok(line > 0);
  for (const bad of ['1capi', 'capi test', 'capi/test', '-capi', 'capí', `c${'a'.repeat(242)}`]) {
    const e = problem(example.replace('  name: capi-test-1', `  name: "${bad}"`));
    assert.equal(e.code, 'CAPI_GATE_SITE_INVALID', bad);
    assert.equal(e.exitCode, 2);
    assert.match(e.message, new RegExp(`bad-site\\.yaml:${line}: cluster\\.name: must (start with a letter and hold only letters, digits|be at most 242 characters)`), bad);
    assert.ok(e.hint, 'with a hint');
  }
  for (const good of ['capi-test-1', 'Capi_Test.2', `c${'a'.repeat(241)}`]) {
    assert.equal(parseSite(example.replace('  name: capi-test-1', `  name: "${good}"`), 'ok.yaml').site.cluster.name, good);
  }
});
