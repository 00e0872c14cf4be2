import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { VirtualClock } from '../core/clock.js';
import { EventBus } from '../core/events.js';
import type { RunEvent } from '../core/events.js';
import { CapiGateError } from '../core/errors.js';
import { exampleSite, tempDir } from '../../test/helpers.js';
import { Journal } from './journal.js';
import { runSteps } from './runner.js';
import type { RunOptions, StepFailure } from './runner.js';
import { defineStep } from './step.js';
import type { StepDef, StepContext } from './step.js';

type S = { log: string[] };

function harness(steps: StepDef<S>[], opts: { runsDir: string; signal?: AbortSignal; journal?: Journal; selected?: string[]; clock?: VirtualClock; extra?: Partial<Pick<RunOptions<S>, 'onFailure' | 'keepOnFailure' | 'maxRetries'>> }) {
  const clock = opts.clock ?? new VirtualClock();
  const site = exampleSite();
  const journal = opts.journal ?? Journal.create(opts.runsDir, { runId: 'r1', site: site.site.site, sitePath: site.path, createdAt: clock.now(), selection: { only: [], skip: [] }, version: 'test' });
  const bus = new EventBus();
  const events: RunEvent[] = [];
  bus.on((e) => events.push(e));
  const services: S = { log: [] };
  const run = runSteps({
    steps, selected: new Set(opts.selected ?? steps.map((s) => s.id)), journal, site, services, clock, bus,
    signal: opts.signal ?? new AbortController().signal, teardownBudgetMs: 60_000, resumed: opts.journal !== undefined,
    ...opts.extra,
  });
  return { run, events, services, clock, journal };
}

const passGate = () => ({ status: 'PASS' as const, summary: 'ok' });

function timedStep(id: string, kind: 'read' | 'mutation', ms: number, needs: string[] = []): StepDef<S> {
  return defineStep<S, null>({
    id, title: id, kind, needs, decisions: [], runbook: '',
    body: async (ctx: StepContext<S>) => {
      ctx.services.log.push(`start ${id} @${ctx.clock.now()}`);
      await ctx.clock.sleep(ms, ctx.signal);
      ctx.services.log.push(`end ${id} @${ctx.clock.now()}`);
      return null;
    },
    gate: passGate,
  });
}

function intervals(events: RunEvent[]): Map<string, [number, number]> {
  const m = new Map<string, [number, number]>();
  for (const e of events) {
    if (e.type === 'step-start') m.set(e.stepId, [e.at, Infinity]);
    if (e.type === 'step-end' && !e.reused) m.set(e.stepId, [m.get(e.stepId)?.[0] ?? e.at, e.at]);
  }
  return m;
}

const overlaps = (a: [number, number], b: [number, number]) => a[0] < b[1] && b[0] < a[1];

test('read steps overlap while a mutation waits; mutations never overlap each other', async () => {
  const t = tempDir();
  try {
    const steps = [
      timedStep('m1', 'mutation', 10 * 60_000),
      timedStep('m2', 'mutation', 60_000),
      timedStep('r1', 'read', 120_000),
      timedStep('r2', 'read', 180_000),
      timedStep('r3', 'read', 30_000, ['m1']),
    ];
    const h = harness(steps, { runsDir: t.dir });
    const result = await h.run;
    assert.equal(result.verdict, 'ACCEPTED');
    const iv = intervals(h.events);
    assert.ok(overlaps(iv.get('r1')!, iv.get('m1')!), 'r1 ran while m1 waited');
    assert.ok(overlaps(iv.get('r2')!, iv.get('m1')!), 'r2 ran while m1 waited');
    assert.ok(overlaps(iv.get('r1')!, iv.get('r2')!), 'reads ran concurrently');
    assert.ok(!overlaps(iv.get('m1')!, iv.get('m2')!), 'mutations are serialized');
    assert.ok(iv.get('r3')![0] >= iv.get('m1')![1], 'a step starts only after what it needs');
  } finally {
    t.cleanup();
  }
});

test('a step whose need did not pass is SKIPPED, naming the need', async () => {
  const t = tempDir();
  try {
    const bad = defineStep<S, null>({ id: 'a', title: 'a', kind: 'read', needs: [], decisions: [], runbook: '', body: async () => null, gate: () => ({ status: 'FAIL', summary: 'no' }) });
    const h = harness([bad, timedStep('b', 'read', 1, ['a'])], { runsDir: t.dir });
    const r = await h.run;
    assert.equal(r.records.get('b')?.status, 'SKIPPED');
    assert.match(r.records.get('b')?.summary ?? '', /needs a FAIL/);
    assert.equal(r.verdict, 'NOT ACCEPTED');
    assert.equal(r.exitCode, 1);
  } finally {
    t.cleanup();
  }
});

test('a resumed run redoes no finished step and never repeats a mutation', async () => {
  const t = tempDir();
  try {
    const creates: string[] = [];
    let cloud: { id: string } | undefined;
    let failSecondTime = true;
    const create = defineStep<S, string>({
      id: 'create', title: 'create', kind: 'mutation', needs: [], decisions: [], runbook: '',
      body: async (ctx) => {
        const r = await ctx.mutate({
          key: 'cluster',
          lookup: async () => cloud,
          create: async () => { creates.push('POST'); cloud = { id: 'c-1' }; return cloud; },
          record: (v) => ({ id: v.id }),
        });
        ctx.capture('cluster_uuid', r.value.id);
        return r.value.id;
      },
      gate: (id) => ({ status: 'PASS', summary: id }),
    });
    const counted: string[] = [];
    const after = defineStep<S, null>({
      id: 'after', title: 'after', kind: 'read', needs: ['create'], decisions: [], runbook: '',
      body: async () => {
        counted.push('after');
        if (failSecondTime) throw new CapiGateError('CAPI_GATE_ABORTED', 'killed');
        return null;
      },
      gate: passGate,
    });
    // First attempt: interrupted while `after` runs.
    const ac = new AbortController();
    const first = harness([create, after], { runsDir: t.dir, signal: ac.signal });
    ac.abort();
    const r1 = await first.run;
    first.journal.close();
    assert.equal(r1.interrupted, true);
    assert.equal(r1.exitCode, 130);

    // A fresh journal where `create` finished, as if killed during `after`.
    const j = Journal.open(t.dir, 'r1');
    assert.equal(j.finishedSteps().has('create'), r1.records.has('create'));

    // Resume, now healthy.
    failSecondTime = false;
    const second = harness([create, after], { runsDir: t.dir, journal: j });
    const r2 = await second.run;
    assert.equal(r2.verdict, 'ACCEPTED');
    assert.equal(creates.length, 1, 'exactly one POST across both attempts');
    assert.equal(r2.captured.get('cluster_uuid'), 'c-1');
    const ends = second.events.filter((e) => e.type === 'step-end');
    assert.ok(ends.some((e) => e.type === 'step-end' && e.stepId === 'create' && e.reused), 'create was taken from the journal');
    assert.ok(!second.events.some((e) => e.type === 'step-start' && e.stepId === 'create'), 'create did not start again');
  } finally {
    t.cleanup();
  }
});

test('a killed mutation (intent recorded, result not) is looked up, not recreated', async () => {
  const t = tempDir();
  try {
    let posts = 0;
    const cloud = new Map<string, string>();
    const step = defineStep<S, string>({
      id: 'create', title: 'create', kind: 'mutation', needs: [], decisions: [], runbook: '',
      body: async (ctx) => (await ctx.mutate({
        key: 'cluster',
        lookup: async () => cloud.get('capi-test-1'),
        create: async () => { posts++; cloud.set('capi-test-1', 'uuid-1'); return 'uuid-1'; },
        record: (v) => ({ uuid: v }),
      })).value,
      gate: (v) => ({ status: 'PASS', summary: v }),
    });
    // The previous process: intent journaled, the POST reached the cloud, then kill -9.
    const site = exampleSite();
    const j = Journal.create(t.dir, { runId: 'r1', site: site.site.site, sitePath: site.path, createdAt: 0, selection: { only: [], skip: [] }, version: 'test' });
    j.append({ t: 'mutation-intent', key: 'cluster', at: 0 });
    cloud.set('capi-test-1', 'uuid-1');
    const r = await harness([step], { runsDir: t.dir, journal: j }).run;
    assert.equal(posts, 0);
    assert.equal(r.records.get('create')?.summary, 'uuid-1');
  } finally {
    t.cleanup();
  }
});

function settlingCreate(cloud: Map<string, string>, visibleAt: () => number | undefined, clock: { now(): number }, counter: { posts: number }): StepDef<S> {
  return defineStep<S, string>({
    id: 'create', title: 'create', kind: 'mutation', needs: [], decisions: [], runbook: '',
    body: async (ctx) => (await ctx.mutate({
      key: 'cluster',
      // The row shows only from visibleAt on (Magnum writes it after its 202).
      lookup: async () => { const at = visibleAt(); return at !== undefined && clock.now() >= at ? cloud.get('capi-test-1') : undefined; },
      settleMs: 60_000,
      create: async () => { counter.posts++; cloud.set('capi-test-1', 'uuid-2'); return 'uuid-2'; },
      record: (v) => ({ uuid: v }),
    })).value,
    gate: (v) => ({ status: 'PASS', summary: v }),
  });
}

test('a killed create whose row shows late (Magnum writes it after the 202) is waited for, not created twice', async () => {
  const t = tempDir();
  try {
    const clock = new VirtualClock();
    const start = clock.now();
    const cloud = new Map([['capi-test-1', 'uuid-1']]);
    const counter = { posts: 0 };
    const site = exampleSite();
    const j = Journal.create(t.dir, { runId: 'r1', site: site.site.site, sitePath: site.path, createdAt: start, selection: { only: [], skip: [] }, version: 'test' });
    // The previous process journaled the intent, sent the POST and was killed; the row appears 20 s later.
    j.append({ t: 'mutation-intent', key: 'cluster', at: start });
    const h = harness([settlingCreate(cloud, () => start + 20_000, clock, counter)], { runsDir: t.dir, journal: j, clock });
    const r = await h.run;
    assert.equal(counter.posts, 0, 'no second POST');
    assert.equal(r.records.get('create')?.summary, 'uuid-1');
    assert.ok(clock.now() >= start + 20_000 && clock.now() < start + 60_000, `found when it appeared (${clock.now() - start} ms)`);
    assert.ok(h.events.some((e) => e.type === 'log' && /an earlier attempt may have sent this create/.test(e.message)), 'the wait is said');
    assert.equal(j.all().filter((x) => x.t === 'mutation-done').length, 1);
  } finally {
    t.cleanup();
  }
});

test('a killed create that never reached the cloud is created once the settle time after its intent has passed', async () => {
  const t = tempDir();
  try {
    const clock = new VirtualClock();
    const start = clock.now();
    const cloud = new Map<string, string>();
    const counter = { posts: 0 };
    const site = exampleSite();
    const j = Journal.create(t.dir, { runId: 'r1', site: site.site.site, sitePath: site.path, createdAt: start, selection: { only: [], skip: [] }, version: 'test' });
    j.append({ t: 'mutation-intent', key: 'cluster', at: start - 15_000 });
    const r = await harness([settlingCreate(cloud, () => clock.now(), clock, counter)], { runsDir: t.dir, journal: j, clock }).run;
    assert.equal(counter.posts, 1);
    assert.equal(r.records.get('create')?.summary, 'uuid-2');
    assert.ok(clock.now() >= start + 45_000, 'not before 60 s after the intent');

    // Without an earlier intent (a fresh run), one lookup decides: no wait.
    const t2 = tempDir();
    try {
      const clock2 = new VirtualClock();
      const c2 = { posts: 0 };
      await harness([settlingCreate(new Map(), () => clock2.now(), clock2, c2)], { runsDir: t2.dir, clock: clock2 }).run;
      assert.equal(c2.posts, 1);
      assert.equal(clock2.now(), Date.UTC(2026, 0, 1), 'no time passed');
    } finally {
      t2.cleanup();
    }
  } finally {
    t.cleanup();
  }
});

function teardownStep(order: string[], fail: 'none' | 'throw' | 'wait', onSetup?: () => void): StepDef<S> {
  return defineStep<S, null>({
    id: 'rr', title: 'rr', kind: 'mutation', needs: [], decisions: [], runbook: '',
    body: async (ctx) => {
      order.push('setup');
      onSetup?.();
      if (fail === 'throw') throw new CapiGateError('CAPI_GATE_TIMEOUT', 'no external IP');
      if (fail === 'wait') await ctx.clock.sleep(3_600_000, ctx.signal);
      return null;
    },
    gate: passGate,
    teardown: async (ctx) => {
      assert.equal(ctx.signal.aborted, false, 'teardown gets its own live signal');
      order.push('teardown');
    },
  });
}

test('teardown runs on success, on failure and on abort, and is journaled', async () => {
  for (const mode of ['none', 'throw', 'wait'] as const) {
    const t = tempDir();
    try {
      const order: string[] = [];
      const ac = new AbortController();
      // Ctrl+C while the body waits: aborted from inside the body, so the race with the virtual clock is gone.
      const h = harness([teardownStep(order, mode, mode === 'wait' ? () => ac.abort() : undefined)], { runsDir: t.dir, signal: ac.signal });
      const r = await h.run;
      assert.deepEqual(order, ['setup', 'teardown'], mode);
      assert.ok(h.journal.all().some((x) => x.t === 'teardown-armed'), 'armed before the body');
      assert.ok(h.journal.all().some((x) => x.t === 'teardown-done' && x.ok), 'done recorded');
      if (mode === 'throw') assert.equal(r.records.get('rr')?.status, 'FAIL');
      if (mode === 'wait') assert.equal(r.interrupted, true);
    } finally {
      t.cleanup();
    }
  }
});

test('a teardown armed by a killed attempt runs first on resume', async () => {
  const t = tempDir();
  try {
    const order: string[] = [];
    const h1 = harness([teardownStep(order, 'none')], { runsDir: t.dir, selected: [] });
    await h1.run;
    h1.journal.append({ t: 'teardown-armed', step: 'rr', at: 0 }); // the killed attempt
    h1.journal.close();
    const j = Journal.open(t.dir, 'r1');
    assert.deepEqual(j.pendingTeardowns(), ['rr']);
    const h2 = harness([teardownStep(order, 'none')], { runsDir: t.dir, journal: j });
    await h2.run;
    assert.deepEqual(order, ['teardown', 'setup', 'teardown']);
  } finally {
    t.cleanup();
  }
});

test('an unexpected exception in a body is an ERROR item, not a crash', async () => {
  const t = tempDir();
  try {
    const boom = defineStep<S, null>({ id: 'x', title: 'x', kind: 'read', needs: [], decisions: [], runbook: '', body: async () => { throw new TypeError('undefined is not a function'); }, gate: passGate });
    const r = await harness([boom], { runsDir: t.dir }).run;
    assert.equal(r.records.get('x')?.status, 'ERROR');
    assert.equal(r.records.get('x')?.code, 'CAPI_GATE_INTERNAL');
    assert.equal(r.exitCode, 4);
  } finally {
    t.cleanup();
  }
});

test('polling.intervalScale shrinks every poll interval of every wait', async () => {
  const t = tempDir();
  try {
    const times: number[] = [];
    const step = defineStep<S, null>({
      id: 'w', title: 'w', kind: 'read', needs: [], decisions: [], runbook: '',
      body: async (ctx) => {
        let n = 0;
        await ctx.wait({ name: 'x', what: 'x', deadlineMs: 600_000, backoff: { initialMs: 2000, maxMs: 30_000, factor: 2, jitter: 0 }, poll: async () => { times.push(ctx.clock.now()); return ++n; }, state: String, acceptors: [{ state: 'success', matcher: (v) => v >= 4 }] });
        return null;
      },
      gate: passGate,
    });
    const clock = new VirtualClock();
    const site = exampleSite();
    const scaled = { ...site, site: { ...site.site, polling: { intervalScale: 0.05 } } };
    const journal = Journal.create(t.dir, { runId: 'p', site: 'roosevelt', sitePath: site.path, createdAt: 0, selection: { only: [], skip: [] }, version: 'test' });
    await runSteps({ steps: [step], selected: new Set(['w']), journal, site: scaled, services: { log: [] }, clock, bus: new EventBus(), signal: new AbortController().signal, teardownBudgetMs: 1000, resumed: false });
    assert.deepEqual(times.slice(1).map((x, i) => x - times[i]!), [100, 200, 400]);
  } finally {
    t.cleanup();
  }
});

test('a failed step is reviewed; a review that asks for it runs the step again, and what it found goes into the outcome', async () => {
  const t = tempDir();
  try {
    let healthy = false;
    const seen: StepFailure[] = [];
    const step = defineStep<S, boolean>({
      id: 'lb', title: 'lb', kind: 'read', needs: [], decisions: [], runbook: '',
      body: () => Promise.resolve(healthy),
      gate: (ok) => (ok ? { status: 'PASS', summary: 'ACTIVE' } : { status: 'FAIL', summary: 'API LB is ERROR' }),
    });
    const h = harness([step], {
      runsDir: t.dir,
      extra: {
        onFailure: (f) => {
          seen.push(f);
          healthy = true; // the remedy
          return Promise.resolve({ retry: true, note: 'remediated: api-lb-error', details: { remediation: ['failover'] }, playbook: 'api-lb-error', hint: 'fail over' });
        },
      },
    });
    const r = await h.run;
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.outcome.status, 'FAIL');
    assert.equal(seen[0]?.attempt, 1);
    const rec = r.records.get('lb');
    assert.equal(rec?.status, 'PASS');
    assert.match(rec?.summary ?? '', /ACTIVE \(remediated: api-lb-error\)/);
    assert.deepEqual(rec?.details?.['remediation'], ['failover']);
    assert.equal(rec?.hint, undefined, 'no remedy hint on an item that passed');
    assert.equal(h.journal.attempts('lb'), 2, 'the second attempt is journaled');
  } finally {
    t.cleanup();
  }
});

test('a step is run again at most maxRetries times; without retry the failure stands with the diagnosis', async () => {
  const t = tempDir();
  try {
    let calls = 0;
    const step = defineStep<S, null>({
      id: 'x', title: 'x', kind: 'read', needs: [], decisions: [], runbook: '',
      body: () => { calls++; return Promise.resolve(null); },
      gate: () => ({ status: 'FAIL', summary: 'still broken' }),
    });
    const h = harness([step], { runsDir: t.dir, extra: { maxRetries: 2, onFailure: () => Promise.resolve({ retry: true }) } });
    assert.equal((await h.run).records.get('x')?.status, 'FAIL');
    assert.equal(calls, 3);
    const t2 = tempDir();
    try {
      const h2 = harness([step], { runsDir: t2.dir, extra: { onFailure: () => Promise.resolve({ retry: false, note: 'diagnosis: mgmt-oom', playbook: 'mgmt-oom', hint: 'start it' }) } });
      const rec = (await h2.run).records.get('x');
      assert.equal(rec?.summary, 'still broken (diagnosis: mgmt-oom)');
      assert.equal(rec?.playbook, 'mgmt-oom');
      assert.equal(rec?.hint, 'start it');
    } finally {
      t2.cleanup();
    }
  } finally {
    t.cleanup();
  }
});

test('--keep-on-failure: a failing step keeps what it created (no teardown) and the clean-up step does not run', async () => {
  const t = tempDir();
  try {
    const order: string[] = [];
    const rr = teardownStep(order, 'throw');
    const cleanup = defineStep<S, null>({
      id: 'delete', title: 'delete', kind: 'mutation', needs: [], after: ['rr'], cleanup: true, decisions: [], runbook: '',
      body: () => { order.push('delete'); return Promise.resolve(null); },
      gate: passGate,
    });
    const h = harness([rr, cleanup], { runsDir: t.dir, extra: { keepOnFailure: true } });
    const r = await h.run;
    assert.deepEqual(order, ['setup'], 'no teardown, no delete');
    assert.equal(r.records.get('rr')?.status, 'FAIL');
    assert.equal(r.records.get('rr')?.details?.['keptOnFailure'], true);
    assert.equal(r.records.get('delete')?.status, 'SKIPPED');
    assert.match(r.records.get('delete')?.summary ?? '', /kept for debugging \(--keep-on-failure\): rr FAIL/);
    assert.equal(r.records.get('delete')?.hint, `Delete it when done: capi-gate cleanup --site ${exampleSite().path} (add --remediate if the delete wedges).`, 'the real site file, not a placeholder');
    assert.ok(h.events.some((e) => e.type === 'log' && /left in place for debugging/.test(e.message)), 'says so');
  } finally {
    t.cleanup();
  }
});

test('the journal syncs to disk the records that guard the cloud (captures, mutations, teardown, run end), not step start/end; every record is written at once', () => {
  const t = tempDir();
  try {
    const site = exampleSite();
    const j = Journal.create(t.dir, { runId: 'r1', site: site.site.site, sitePath: site.path, createdAt: 0, selection: { only: [], skip: [] }, version: 'test' });
    j.append({ t: 'step-start', step: '8.0.prereqs', at: 0, attempt: 1 });
    j.append({ t: 'step-end', step: '8.0.prereqs', at: 1, startedAt: 0, outcome: { status: 'PASS', summary: 'ok' }, waits: [] });
    j.append({ t: 'diagnosis', step: '8.2', playbook: 'api-lb-error', found: false, evidence: '-', at: 2 });
    assert.equal(j.syncs, 0);
    j.append({ t: 'mutation-intent', key: 'cluster', at: 3 });
    j.append({ t: 'mutation-done', key: 'cluster', record: { uuid: 'u' }, created: true, at: 4 });
    j.append({ t: 'capture', key: 'cluster_uuid', value: 'u', at: 5 });
    j.append({ t: 'teardown-armed', step: 'D-011.4', at: 6 });
    j.append({ t: 'run-end', at: 7, verdict: 'ACCEPTED', exitCode: 0, interrupted: false });
    assert.equal(j.syncs, 5);
    j.close();
    // Written, not buffered: another process (a resume after kill -9) reads all eight.
    assert.equal(Journal.open(t.dir, 'r1').all().length, 8);
  } finally {
    t.cleanup();
  }
});

test('a selection that leaves a counted step out ends PARTIAL with exit 5, journaled so; the run start is journaled', async () => {
  const t = tempDir();
  try {
    const gate = defineStep<S, null>({ id: 'gate', title: 'gate', kind: 'read', needs: [], decisions: [], runbook: '', counted: false, body: () => Promise.resolve(null), gate: passGate });
    const h = harness([timedStep('a', 'read', 10), timedStep('b', 'read', 10), gate], { runsDir: t.dir, selected: ['a', 'gate'] });
    const r = await h.run;
    assert.equal(r.verdict, 'PARTIAL');
    assert.equal(r.exitCode, 5);
    const recs = h.journal.all();
    assert.deepEqual(recs[0], { t: 'run-start', at: h.journal.meta.createdAt, resumed: false });
    assert.deepEqual(recs.filter((x) => x.t === 'run-end').map((x) => x.t === 'run-end' && [x.verdict, x.exitCode]), [['PARTIAL', 5]]);
    const all = harness([timedStep('a', 'read', 10), gate], { runsDir: join(t.dir, 'all') });
    assert.equal((await all.run).exitCode, 0, 'leaving out only an uncounted step is a full verdict');
  } finally {
    t.cleanup();
  }
});
