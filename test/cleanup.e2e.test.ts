// `capi-gate cleanup` as an operator runs it against a simulated site: it shows what it will
// delete and asks on a terminal; off a terminal it needs --yes; --dry-run changes nothing (the
// simulator's request log holds no DELETE); `--remediate` on a delete already wedged starts the
// remedy at once instead of waiting the delete deadline again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, tempDir } from './helpers.js';
import { cli, control, simState, siteVariantText, startSim } from './reliability/harness.js';
import type { SimProcess } from './sim-process.js';

const CREATE = '8.0.prereqs,8.0.image,8.0.template,8.1,8.2';

interface Logged { seq: number; method: string; path: string; service: string; userAgent: string }

async function requestsSince(sim: SimProcess, seq: number): Promise<Logged[]> {
  // The simulated Magnum driver's own calls and the test's to the control API are not the CLI's.
  return ((await control(sim.control, 'GET', `/_sim/requests?since=${seq}`)) as { requests: Logged[] }).requests.filter((r) => r.seq > seq && r.service !== 'driver' && r.service !== 'control');
}

async function lastSeq(sim: SimProcess): Promise<number> {
  return ((await control(sim.control, 'GET', '/_sim/requests')) as { last: number }).last;
}

const deletes = (rs: readonly Logged[]) => rs.filter((r) => r.method === 'DELETE' || (r.method !== 'GET' && r.service !== 'keystone')).map((r) => `${r.method} ${r.path}`);

/** `capi-gate ARGS` on a pseudo-terminal (util-linux script), typing `input`. */
function onTerminal(args: readonly string[], input: string, env: NodeJS.ProcessEnv) {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { input, encoding: 'utf8', env, timeout: 120_000 });
  return { code: r.status, text: r.stdout + r.stderr };
}

test('cleanup shows its plan and asks; off a terminal it needs --yes (exit 2); --dry-run and a "no" delete nothing; "y" deletes', { timeout: 600_000 }, async () => {
  const t = tempDir('capi-gate-e2e-cleanup-');
  const sim = await startSim(join(t.dir, 'sim'), ['--time-scale', '0.01']);
  try {
    const runs = join(t.dir, 'runs');
    const created = await cli(['run', '--site', sim.site, '--runs-dir', runs, '--only', CREATE], { env: sim.env, timeoutMs: 240_000 });
    assert.equal(created.code, 5, created.stdout + created.stderr);
    const cluster = (await simState(sim.control)).magnum.clusters[0]!;
    assert.equal(cluster.status, 'CREATE_COMPLETE');

    // Off a terminal without --yes: a usage error before any call, with the way forward.
    let seq = await lastSeq(sim);
    const noYes = await cli(['cleanup', '--site', sim.site, '--runs-dir', runs], { env: sim.env, timeoutMs: 60_000 });
    assert.equal(noYes.code, 2, noYes.stdout + noYes.stderr);
    assert.match(noYes.stderr, /^CAPI_GATE_USAGE: cleanup deletes the cluster .*off a terminal it needs --yes/m);
    assert.match(noYes.stderr, /Hint: .*--dry-run.*--yes/);
    assert.deepEqual(await requestsSince(sim, seq), [], 'no API call at all');

    // --dry-run: the plan (the cluster, what the sweep finds of it), no change.
    seq = await lastSeq(sim);
    const dry = await cli(['cleanup', '--site', sim.site, '--runs-dir', runs, '--dry-run'], { env: sim.env, timeoutMs: 60_000 });
    assert.equal(dry.code, 0, dry.stdout + dry.stderr);
    assert.match(dry.stdout, /Will delete:/);
    assert.match(dry.stdout, new RegExp(`- cluster ${cluster.name} ${cluster.uuid} \\(CREATE_COMPLETE\\), and with it what it owns \\(\\d+, found by the sweep\\)`));
    assert.match(dry.stdout, /^ +network \S+ \S+$/m);
    assert.match(dry.stdout, /^ +load balancer \S+-kubeapi/m);
    assert.match(dry.stdout, /Dry run: nothing was changed/);
    const dryCalls = await requestsSince(sim, seq);
    assert.ok(dryCalls.length > 0, 'the dry run looked');
    assert.deepEqual(deletes(dryCalls), [], 'the dry run changed nothing');

    // On a terminal: "n" (or just Enter) changes nothing, exit 3.
    seq = await lastSeq(sim);
    const no = onTerminal(['cleanup', '--site', sim.site, '--runs-dir', runs], 'n\n', sim.env);
    assert.equal(no.code, 3, no.text);
    assert.match(no.text, /Go ahead with the deletes above\? \[y\/N\]/);
    assert.match(no.text, /Not confirmed: nothing was changed/);
    assert.deepEqual(deletes(await requestsSince(sim, seq)), []);
    assert.equal((await simState(sim.control)).magnum.clusters[0]?.status, 'CREATE_COMPLETE');

    // "y": the delete goes ahead and the sweep is clean.
    seq = await lastSeq(sim);
    const yes = onTerminal(['cleanup', '--site', sim.site, '--runs-dir', runs], 'y\n', sim.env);
    assert.equal(yes.code, 0, yes.text);
    assert.match(yes.text, /Leak sweep: nothing of \S+ is left/);
    assert.ok(deletes(await requestsSince(sim, seq)).some((d) => d === `DELETE /v1/clusters/${cluster.uuid}`), 'the cluster delete was sent');
    assert.deepEqual((await simState(sim.control)).magnum.clusters, []);
  } finally {
    await sim.stop();
    t.cleanup();
  }
});

test('cleanup --remediate on a delete already wedged starts the remedy at once, without waiting the delete deadline again', { timeout: 600_000 }, async (tc) => {
  const t = tempDir('capi-gate-e2e-cleanup-stuck-');
  const sim = await startSim(join(t.dir, 'sim'), ['--time-scale', '0.01', '--scenario', 'stuck-delete']);
  try {
    const runs = join(t.dir, 'runs');
    const siteText = readFileSync(sim.site, 'utf8');
    const short = join(sim.dir, 'site-short.yaml');
    writeFileSync(short, siteVariantText(siteText, 'capi-test-1', { clusterDelete: '20s', clusterStall: '8s', failover: '20s' }));
    const created = await cli(['run', '--site', short, '--runs-dir', runs, '--only', CREATE], { env: sim.env, timeoutMs: 240_000 });
    assert.equal(created.code, 5, created.stdout + created.stderr);

    // The first cleanup wedges (Octavia refuses the cluster's app-cred the API LB delete).
    const first = await cli(['cleanup', '--site', short, '--runs-dir', runs, '--yes'], { env: sim.env, timeoutMs: 120_000 });
    assert.equal(first.code, 1, first.stdout + first.stderr);
    assert.match(first.stdout, /FOUND +stuck-delete: cluster capi-test-1 \S+ DELETE_IN_PROGRESS/);

    // Now with a 10-minute delete deadline: waiting it out again would take minutes.
    const long = join(sim.dir, 'site-long.yaml');
    writeFileSync(long, siteVariantText(siteText, 'capi-test-1', { clusterDelete: '10m', clusterStall: '10m', failover: '20s' }));
    const dry = await cli(['cleanup', '--site', long, '--runs-dir', runs, '--remediate', '--dry-run'], { env: sim.env, timeoutMs: 60_000 });
    assert.equal(dry.code, 0, dry.stdout + dry.stderr);
    assert.match(dry.stdout, /already DELETE_IN_PROGRESS/);
    assert.match(dry.stdout, /The delete is already wedged \(stuck-delete\)/);
    assert.match(dry.stdout, /Without waiting for it again, the remedy:\n +then clear the finalizers of OpenStackCluster/);
    assert.equal((await simState(sim.control)).magnum.clusters.length, 1, 'the dry run left the cluster');

    const fix = await cli(['cleanup', '--site', long, '--runs-dir', runs, '--remediate', '--yes'], { env: sim.env, timeoutMs: 120_000 });
    assert.equal(fix.code, 0, fix.stdout + fix.stderr);
    assert.match(fix.stdout, /the delete of capi-test-1 is already wedged \(DELETE_IN_PROGRESS\): not waiting for it again/);
    assert.doesNotMatch(fix.stdout, /waiting for cluster capi-test-1 to be gone: DELETE_IN_PROGRESS/);
    assert.match(fix.stdout, /done: cleared the OpenStackCluster \S+ finalizers/);
    assert.match(fix.stdout, /Leak sweep: nothing of capi-test-1 is left/);
    tc.diagnostic(`cleanup --remediate on the wedged delete: ${fix.ms} ms (delete deadline 10m)`);
    assert.ok(fix.ms < 60_000, `the remedy started at once (${fix.ms} ms)`);
    assert.deepEqual((await simState(sim.control)).magnum.clusters, []);
  } finally {
    await sim.stop();
    t.cleanup();
  }
});
