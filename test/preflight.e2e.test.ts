// The run's pre-flight and what a selection leaves behind, through the built CLI against the
// simulated site: credentials and the catalog are checked before anything is recorded (one token
// per scope, reused by the run), a dead cloud is a precondition error and never a FAIL, a
// selection that creates without the delete says what stays, and the CPU priority drops only
// after a create was really sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { cli, control, hasStackTrace, siteVariantText, startSim } from './reliability/harness.js';
import type { CliResult } from './reliability/harness.js';

function assertPreflightError(r: CliResult, exit: number, code: string, what: string): void {
  const text = r.stdout + r.stderr;
  assert.equal(r.code, exit, `${what}: ${text}`);
  assert.match(r.stderr, new RegExp(`^${code}: pre-flight: `, 'm'), what);
  assert.match(r.stderr, /^ {2}Hint: \S/m, `${what}: a hint`);
  assert.equal(hasStackTrace(text), false, `${what}: no stack trace`);
  assert.doesNotMatch(text, /Verdict|\bFAIL\b|run directory/, `${what}: no run, no verdict`);
}

async function tokenRequests(base: string, since: number): Promise<number> {
  const r = (await control(base, 'GET', `/_sim/requests?service=keystone&since=${since}`)) as { requests: { method: string; path: string }[] };
  return r.requests.filter((q) => q.method === 'POST' && /\/auth\/tokens$/.test(q.path)).length;
}

async function lastSeq(base: string): Promise<number> {
  return ((await control(base, 'GET', '/_sim/requests?service=keystone')) as { last: number }).last;
}

test('pre-flight against the simulated site: credentials, clouds, catalog before anything is recorded; a dead cloud is exit 3, never a FAIL', { timeout: 300_000 }, async () => {
  const tmp = tempDir('capi-gate-preflight-');
  const sim = await startSim(join(tmp.dir, 'sim'), ['--time-scale', '0.01']);
  const runs = (n: string) => join(tmp.dir, `runs-${n}`);
  try {
    const siteText = readFileSync(sim.site, 'utf8');
    const cloudsText = readFileSync(join(sim.dir, 'clouds.yaml'), 'utf8');

    // A good selection: the pre-flight says what it established; the run reuses its two tokens.
    const before = await lastSeq(sim.control);
    const ok = await cli(['run', '--site', sim.site, '--runs-dir', runs('ok'), '--only', '8.0.prereqs'], { env: sim.env, timeoutMs: 120_000 });
    assert.equal(ok.code, 5, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^pre-flight: 2 clouds authenticated \(sim-admin, sim-tenant\), catalog has 4 services \(keystone, octavia, nova, neutron\) in \d+ ms$/m);
    assert.ok(ok.stdout.indexOf('pre-flight:') < ok.stdout.indexOf('run directory:'), 'the pre-flight comes before the run');
    assert.equal(await tokenRequests(sim.control, before), 2, 'one token per scope for pre-flight and run together');

    // The tenant's password is wrong: CAPI_GATE_CREDENTIALS (exit 2), nothing recorded.
    const badPass = join(tmp.dir, 'clouds-bad-password.yaml');
    const tenantAt = cloudsText.indexOf('  sim-tenant:');
    assert.ok(tenantAt > 0, cloudsText);
    writeFileSync(badPass, cloudsText.slice(0, tenantAt) + cloudsText.slice(tenantAt).replace(/password: .*/, 'password: certainly-not-this'));
    const pass = await cli(['run', '--site', sim.site, '--runs-dir', runs('pass')], { env: { ...sim.env, OS_CLIENT_CONFIG_FILE: badPass }, timeoutMs: 120_000 });
    assertPreflightError(pass, 2, 'CAPI_GATE_CREDENTIALS', 'wrong password');
    assert.match(pass.stderr, /keystone refused the tenant credentials of cloud 'sim-tenant' \(.*clouds-bad-password\.yaml\): HTTP 401/);
    assert.doesNotMatch(pass.stdout + pass.stderr, /certainly-not-this/, 'the password is not quoted');
    assert.equal(existsSync(runs('pass')), false, 'no run directory for a run that could not start');

    // The site names a cloud clouds.yaml does not have.
    const wrongCloud = join(sim.dir, 'site-wrong-cloud.yaml');
    writeFileSync(wrongCloud, siteText.replace(/^(\s+tenant:\s*)sim-tenant\b/m, '$1sim-nowhere'));
    const cloud = await cli(['run', '--site', wrongCloud, '--runs-dir', runs('cloud'), '--only', '8.1'], { env: sim.env, timeoutMs: 60_000 });
    assert.equal(cloud.code, 2, cloud.stdout + cloud.stderr);
    assert.match(cloud.stderr, /^CAPI_GATE_CREDENTIALS: cloud 'sim-nowhere' is not in .*clouds\.yaml \(it has: sim-admin, sim-tenant/m);
    assert.equal(existsSync(runs('cloud')), false);

    // The catalog has nothing in the site's region: a precondition (exit 3), before any step.
    const region = join(sim.dir, 'site-region.yaml');
    writeFileSync(region, siteText.replace(/^(\s+region:\s*).*$/m, '$1Nowhere'));
    assert.notEqual(readFileSync(region, 'utf8'), siteText, 'the sim site names a region');
    const reg = await cli(['run', '--site', region, '--runs-dir', runs('region'), '--only', '8.0.image'], { env: sim.env, timeoutMs: 60_000 });
    assertPreflightError(reg, 3, 'CAPI_GATE_PRECONDITION', 'region without endpoints');
    assert.match(reg.stderr, /the catalog has no public endpoint for '(identity|image)' in region Nowhere/);
    assert.equal(existsSync(runs('region')), false);
  } finally {
    await sim.stop();
  }
  try {
    // The whole site down (the simulator stopped: its Keystone and its VIPs refuse): the full run
    // ends at the pre-flight with exit 3, not as a FAIL of the cloud's VIPs, and records nothing.
    const dead = await cli(['run', '--site', sim.site, '--runs-dir', runs('dead')], { env: sim.env, timeoutMs: 120_000 });
    assertPreflightError(dead, 3, 'CAPI_GATE_UNREACHABLE', 'the site down');
    assert.match(dead.stderr, /Keystone of cloud 'sim-admin' \(.*clouds\.yaml\) at http:\/\/127\.[\d.]+:\d+\/v3 cannot be reached: .*ECONNREFUSED/);
    assert.equal(existsSync(runs('dead')), false, 'no run directory, diagnostics or history entry');
  } finally {
    tmp.cleanup();
  }
});

test('a selection that creates without the delete says so before and after; the CPU priority drops only when the create was sent', { timeout: 300_000 }, async () => {
  const tmp = tempDir('capi-gate-leftbehind-');
  const sim = await startSim(join(tmp.dir, 'sim'), ['--time-scale', '0.01']);
  try {
    const site = join(sim.dir, 'site-left.yaml');
    writeFileSync(site, siteVariantText(readFileSync(sim.site, 'utf8'), 'capi-left-1'));
    const run = () => cli(['run', '--site', site, '--runs-dir', join(tmp.dir, 'runs'), '--only', '8.0,8.1', '--nice-after-create', '5'], { env: sim.env, timeoutMs: 120_000 });
    const first = await run();
    assert.equal(first.code, 5, first.stdout + first.stderr);
    const note = `note: this selection runs 8.1 but not 8.5: what it creates (cluster capi-left-1) stays on the cloud after the run. Remove it with: capi-gate cleanup --site ${site}`;
    assert.ok(first.stdout.includes(note), first.stdout);
    assert.ok(first.stdout.indexOf(note) < first.stdout.indexOf('8.0.prereqs start'), 'said before the run starts');
    const clusters = ((await control(sim.control, 'GET', '/_sim/state')) as { magnum: { clusters: { uuid: string; name: string }[] } }).magnum.clusters.filter((c) => c.name === 'capi-left-1');
    assert.equal(clusters.length, 1);
    const after = first.stdout.slice(first.stdout.indexOf('Verdict:'));
    assert.ok(after.includes(`Left on the cloud: cluster capi-left-1 (${clusters[0]!.uuid}), which this selection does not delete. Remove it with: capi-gate cleanup --site ${site}`), after);
    assert.match(first.stdout, /8\.1 the create is out; .*CPU priority lowered to nice 5/);

    // Again: 8.1 finds the cluster and sends nothing, so nothing is lowered (nor said).
    const second = await run();
    assert.equal(second.code, 5, second.stdout + second.stderr);
    assert.match(second.stdout, /8\.1 PASS .*already present; not created again/);
    assert.doesNotMatch(second.stdout, /CPU priority/);

    // With 8.5 in the selection nothing is left, and nothing is said.
    const full = await cli(['run', '--site', site, '--runs-dir', join(tmp.dir, 'runs'), '--only', '8.0,8.1,8.5'], { env: sim.env, timeoutMs: 180_000 });
    assert.doesNotMatch(full.stdout, /stays on the cloud|Left on the cloud/);
  } finally {
    await sim.stop();
    tmp.cleanup();
  }
});
