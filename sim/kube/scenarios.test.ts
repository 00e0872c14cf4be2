import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { KUBE_SCENARIOS, loadKubeScenario, scenarioPath } from './scenarios.js';

test('every kube scenario file validates and says what the gate must report', () => {
  const files = readdirSync(dirname(scenarioPath('x'))).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
  assert.deepEqual(files, [...KUBE_SCENARIOS].sort());
  for (const name of KUBE_SCENARIOS) {
    const s = loadKubeScenario(name);
    assert.equal(s.name, name);
    assert.equal(s.expect?.status, 'FAIL');
    assert.ok(s.expect.mentions.length > 0);
  }
  assert.equal(loadKubeScenario('ccm-crashloop').kube.ccmCrashLoop?.restartsAtBoot, 7);
  assert.equal(loadKubeScenario('rr-single-pod').kube.lbMaxMembers, 1);
  assert.ok((loadKubeScenario('slow-failover').octavia.failoverMs ?? 0) > 150_000, 'slower than 1.5 x the ~100 s expectation');
  assert.throws(() => loadKubeScenario('../etc/passwd'), /not a scenario name/);
});
