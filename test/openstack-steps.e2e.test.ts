// Issue #3 acceptance, as a user runs it: `capi-gate sim` in one process, `capi-gate run` in another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, tempDir } from './helpers.js';
import { control, siteVariantText, timeline } from './reliability/harness.js';
import { startSimProcess } from './sim-process.js';
import type { SimProcess } from './sim-process.js';

const STEPS = '8.0.prereqs,8.0.image,8.0.template,8.1,8.2';

function run(sim: SimProcess, runs: string, args: string[], site = sim.site) {
  const r = spawnSync(process.execPath, [BIN, 'run', '--site', site, '--runs-dir', runs, ...args], { encoding: 'utf8', env: sim.env, timeout: 240_000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

function journal(runs: string): { t: string; key?: string; value?: string }[] {
  const [id] = readdirSync(runs).filter((d) => d !== 'doctor');
  return readFileSync(join(runs, id!, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { t: string });
}

function clusters(state: Record<string, unknown>): { name: string; status: string }[] {
  return (state['magnum'] as { clusters: { name: string; status: string }[] }).clusters;
}
function templates(state: Record<string, unknown>): { name: string }[] {
  return (state['magnum'] as { clustertemplates: { name: string }[] }).clustertemplates;
}

test('8.0-8.2 and 8.5 pass against the simulator; the journal holds the LB id, VIP, FIP and api_address', async () => {
  const t = tempDir();
  const sim = await startSimProcess(join(t.dir, 'sim'), ['--time-scale', '0.01']);
  try {
    const runs = join(t.dir, 'runs');
    const r = run(sim, runs, ['--only', `${STEPS},8.5`]);
    // The selected steps passed, but the acceptance items were not run: no verdict, exit 5.
    assert.equal(r.code, 5, r.out);
    assert.match(r.out, /Verdict: PARTIAL: 6 of 18 steps; no verdict on 8\.0\.reserved-memory, 8\.0\.stage-and-verify, 8\.3, D-011 \(not selected\)/);
    const caps = new Map(journal(runs).filter((x) => x.t === 'capture').map((x) => [x.key, x.value]));
    assert.match(caps.get('api_lb_id') ?? '', /^[0-9a-f-]{36}$/);
    // One address space: the VIP in the (loopback-mapped) workload CIDR, the FIP on it is api_address's host.
    assert.match(caps.get('api_lb_vip') ?? '', /^127\.\d+\.16\.\d+$/, 'the VIP is in the workload CIDR');
    assert.match(caps.get('api_fip') ?? '', /^127\.\d+\.7\.\d+$/);
    assert.equal(caps.get('api_address'), `https://${caps.get('api_fip') ?? '?'}:6443`, 'LB -> VIP -> FIP -> api_address correlate');
    assert.equal(caps.get('health_status'), 'HEALTHY');
    const state = await sim.state();
    assert.equal(clusters(state).length, 0, '8.5 deleted the cluster');
    assert.equal(templates(state).length, 1);
  } finally {
    await sim.stop();
    t.cleanup();
  }
});

test('a create silent in Magnum for longer than clusterStall once its API endpoint exists (health null, no addresses) is not a stall', async () => {
  const t = tempDir();
  const sim = await startSimProcess(join(t.dir, 'sim'), ['--time-scale', '0.01']);
  try {
    // The simulated create is 10 minutes; from api_address (~2.5 min) Magnum shows nothing new
    // until CREATE_COMPLETE, as a real CAPI Helm create: far longer than a 3-minute stall window
    // (the site's deadlines are already scaled: 3 min x 0.01).
    const site = join(t.dir, 'site-stall.yaml');
    writeFileSync(site, siteVariantText(readFileSync(sim.site, 'utf8'), 'capi-test-1', { clusterStall: '1800ms' }));
    const runs = join(t.dir, 'runs');
    const r = run(sim, runs, ['--only', STEPS], site);
    assert.equal(r.code, 5, r.out);
    const report = JSON.parse(readFileSync(join(runs, readdirSync(runs)[0]!, 'report.json'), 'utf8')) as { items: { id: string; status: string; waits: { name: string; outcome: string }[] }[] };
    const item = report.items.find((i) => i.id === '8.2')!;
    assert.equal(item.status, 'PASS');
    assert.equal(item.waits.find((w) => w.name === 'cluster')?.outcome, 'success');
  } finally {
    await sim.stop();
    t.cleanup();
  }
});

test('killing run during 8.2 and resuming leaves exactly one cluster and one template', async () => {
  const t = tempDir();
  const sim = await startSimProcess(join(t.dir, 'sim'), ['--time-scale', '0.02']);
  try {
    const runs = join(t.dir, 'runs');
    const child = spawn(process.execPath, [BIN, 'run', '--site', sim.site, '--runs-dir', runs, '--only', STEPS], { env: sim.env });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`8.2 never started: ${out}`)), 60_000);
      child.stdout.on('data', (d) => {
        out += String(d);
        if (/8\.2 waiting for cluster/.test(out)) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((r) => child.once('exit', r));
    assert.equal(clusters(await sim.state()).length, 1);
    const resumed = run(sim, runs, ['--resume']);
    assert.equal(resumed.code, 5, resumed.out);
    assert.match(resumed.out, /8\.1 PASS \(from the journal\)/);
    assert.match(resumed.out, /8\.0\.template PASS \(from the journal\)/);
    assert.match(resumed.out, /8\.2 PASS/);
    const state = await sim.state();
    assert.equal(clusters(state).filter((c) => c.name === 'capi-test-1').length, 1, 'exactly one cluster');
    assert.equal(templates(state).length, 1, 'exactly one template');
    // A second, fresh run finds both by name and creates nothing.
    const again = run(sim, join(t.dir, 'runs2'), ['--only', STEPS]);
    assert.equal(again.code, 5, again.out);
    assert.match(again.out, /already present; not created again/);
    assert.equal(clusters(await sim.state()).length, 1);
  } finally {
    await sim.stop();
    t.cleanup();
  }
});

test('killed after sending the create, before Magnum shows the cluster: the resume waits for it instead of creating a second', async () => {
  const t = tempDir();
  const sim = await startSimProcess(join(t.dir, 'sim'), ['--time-scale', '0.01']);
  try {
    // Magnum holds the create 8 s before it writes the row (as its conductor does after the 202).
    const rule = { id: 'slow-create', service: 'magnum', method: 'POST', path: '^/v1/clusters$', phase: 'http', count: 1, action: { type: 'delay', ms: 8000 } };
    await control(sim.control, 'POST', '/_sim/faults', { rules: [rule] });
    const runs = join(t.dir, 'runs');
    const child = spawn(process.execPath, [BIN, 'run', '--site', sim.site, '--runs-dir', runs, '--only', STEPS], { env: sim.env });
    const intent = () => existsSync(runs) && readdirSync(runs).some((d) => {
      const f = join(runs, d, 'journal.jsonl');
      return existsSync(f) && readFileSync(f, 'utf8').includes('"t":"mutation-intent","key":"cluster"');
    });
    // The rule counts the POST when Magnum takes it, before the hold: then it is in Magnum's hands.
    const held = async () => ((await control(sim.control, 'GET', '/_sim/faults')) as { faults: { id: string; applied: number }[] }).faults.some((f) => f.id === 'slow-create' && f.applied === 1);
    for (let i = 0; i < 600 && !(await held()); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(intent(), 'the run journaled its create before sending it');
    assert.ok(await held(), 'Magnum holds the create');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.equal(clusters(await sim.state()).length, 0, 'killed before Magnum showed the cluster');
    const resumed = run(sim, runs, ['--resume']);
    assert.equal(resumed.code, 5, resumed.out);
    assert.match(resumed.out, /an earlier attempt may have sent this create/);
    assert.match(resumed.out, /already present; not created again/);
    const created = (await timeline(sim.control, 'magnum.cluster')).filter((e) => e.kind === 'magnum.cluster');
    assert.equal(new Set(created.map((e) => e.id)).size, 1, 'one cluster ever created');
    assert.equal(clusters(await sim.state()).length, 1);
  } finally {
    await sim.stop();
    t.cleanup();
  }
});

test('stale-appcred: 8.2 fails fast with the D-039 hint instead of waiting for the deadline', async () => {
  const t = tempDir();
  const sim = await startSimProcess(join(t.dir, 'sim'), ['--time-scale', '0.01', '--scenario', 'stale-appcred']);
  try {
    const runs = join(t.dir, 'runs');
    const started = Date.now();
    const r = run(sim, runs, ['--only', STEPS]);
    const tookMs = Date.now() - started;
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /8\.2 FAIL/);
    assert.match(r.out, /D-039/);
    assert.match(r.out, /load-balancer_member/);
    const report = JSON.parse(readFileSync(join(runs, readdirSync(runs)[0]!, 'report.json'), 'utf8')) as { items: { id: string; code?: string; waits: { outcome: string; histogram: Record<string, number> }[] }[] };
    const item = report.items.find((i) => i.id === '8.2')!;
    assert.equal(item.code, 'CAPI_GATE_FORBIDDEN');
    assert.equal(item.waits[0]?.outcome, 'forbidden');
    assert.ok((item.waits[0]?.histogram['HTTP 403'] ?? 0) >= 3);
    assert.ok(tookMs < 60_000, `failed in ${tookMs} ms, far inside the 45-minute deadline`);
  } finally {
    await sim.stop();
    t.cleanup();
  }
});

test('D-042: health_status UNHEALTHY on a working cluster is waited for (deadlines.healthSettle), then 8.2 FAILs with the finding', async () => {
  const t = tempDir();
  const sim = await startSimProcess(join(t.dir, 'sim'), ['--time-scale', '0.01', '--scenario', 'cosmetic-unhealthy']);
  try {
    const runs = join(t.dir, 'runs');
    const r = run(sim, runs, ['--only', STEPS]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /8\.2 FAIL/);
    assert.match(r.out, /FINDING \(D-042\): Magnum health_status is UNHEALTHY after \d+ s of Magnum's health sync while the API LB is ACTIVE\/ONLINE/);
    assert.match(r.out, /1\.4\.0/, 'the hint names the driver that clears it');
    const report = JSON.parse(readFileSync(join(runs, readdirSync(runs)[0]!, 'report.json'), 'utf8')) as { items: { id: string; details?: Record<string, unknown>; waits: { name: string; outcome: string }[] }[] };
    const item = report.items.find((i) => i.id === '8.2')!;
    assert.equal(item.details?.['finding'], 'D-042-cosmetic-unhealthy');
    // The site's 2m healthSettle at time scale 0.01 is 1.2 s of simulated Magnum health syncs.
    assert.ok(Number(item.details?.['healthWaitMs']) >= 1_000, JSON.stringify(item.details));
    assert.deepEqual(item.waits.map((w) => [w.name, w.outcome]), [['cluster', 'success'], ['health', 'timeout']]);
    assert.equal(new Map(journal(runs).filter((x) => x.t === 'capture').map((x) => [x.key, x.value])).get('health_status'), 'UNHEALTHY');
  } finally {
    await sim.stop();
    t.cleanup();
  }
});

test('an image of the site\'s name that is hidden (os_hidden) fails 8.0 with the unhide command; no second image is seeded', async () => {
  const t = tempDir();
  const sim = await startSimProcess(join(t.dir, 'sim'), ['--time-scale', '0.01']);
  try {
    const op = await fetch(`${sim.control}/_sim/ops`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ op: 'image-hide', hidden: true }) });
    assert.equal(op.status, 200, await op.text());
    const images = async () => (await sim.state())['glance'] as { images: { id: string; name: string; os_hidden: boolean }[] };
    const [hidden] = (await images()).images;
    assert.equal(hidden?.os_hidden, true);
    const r = run(sim, join(t.dir, 'runs'), ['--only', '8.0']);
    assert.equal(r.code, 3, r.out);
    assert.match(r.out, new RegExp(`8\\.0\\.stage-and-verify FAIL.*image 'ubuntu-jammy-kube-v1\\.34\\.8' exists but is hidden \\(os_hidden=true\\): ${hidden!.id} active`));
    assert.match(r.out, new RegExp(`openstack image set --unhidden ${hidden!.id}`));
    assert.deepEqual((await images()).images.map((i) => i.id), [hidden!.id], 'nothing seeded');
  } finally {
    await sim.stop();
    t.cleanup();
  }
});

test('small-pages: a cloud that pages every list at one item is accepted as any other; the lists were read page by page', async () => {
  const t = tempDir();
  const sim = await startSimProcess(join(t.dir, 'sim'), ['--time-scale', '0.01', '--scenario', 'small-pages']);
  try {
    const r = run(sim, join(t.dir, 'runs'), []);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Verdict: FUNCTIONALLY ACCEPTED/);
    const { requests } = (await control(sim.control, 'GET', '/_sim/requests')) as { requests: { path: string }[] };
    assert.ok(requests.some((x) => /[?&]marker=/.test(x.path)), 'the run followed a next link');
    const state = await sim.state();
    assert.equal(clusters(state).length, 0, '8.5 deleted the cluster');
  } finally {
    await sim.stop();
    t.cleanup();
  }
});
