import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { getPriority } from 'node:os';
import { EventBus } from '../core/events.js';
import type { RunEvent } from '../core/events.js';
import { CapiGateError } from '../core/errors.js';
import { realClock } from '../core/clock.js';
import type { JournalRecord } from '../engine/index.js';
import { lowerPriorityAfterCreate, parseNice } from './priority.js';
import type { PriorityControl } from './priority.js';

function fake(start = 0, fail?: Error): PriorityControl & { sets: number[]; now: number } {
  const c = {
    sets: [] as number[],
    now: start,
    get: () => c.now,
    set: (n: number) => {
      if (fail) throw fail;
      c.sets.push(n);
      c.now = n;
    },
  };
  return c;
}

const stepEnd = (stepId: string): RunEvent => ({ type: 'step-end', stepId, status: 'PASS', summary: '', at: 0, durationMs: 1, reused: false });
const stepStart = (stepId: string): RunEvent => ({ type: 'step-start', stepId, title: stepId, kind: 'mutation', at: 0 });

/** A journal and a bus on which 8.1 runs: `sends` says whether it journals a create intent. */
function world() {
  const bus = new EventBus();
  const records: JournalRecord[] = [];
  const run8_1 = (sends: boolean, status: RunEvent & { type: 'step-end' } = stepEnd('8.1') as RunEvent & { type: 'step-end' }) => {
    bus.emit(stepStart('8.1'));
    if (sends) records.push({ t: 'mutation-intent', key: 'cluster', at: 0 });
    records.push({ t: 'mutation-done', key: 'cluster', record: {}, created: sends, at: 0 });
    bus.emit(status);
  };
  return { bus, records, journal: () => records, run8_1 };
}

function logs(bus: EventBus): string[] {
  const seen: string[] = [];
  bus.on((e) => {
    if (e.type === 'log') seen.push(`${e.stepId ?? '-'} ${e.level} ${e.message}`);
  });
  return seen;
}

test('the priority drops once, when 8.1 ends having sent the create, and the run says so', () => {
  const { bus, records, journal, run8_1 } = world();
  const seen = logs(bus);
  const c = fake();
  lowerPriorityAfterCreate(bus, 5, realClock, journal, c);
  for (const id of ['8.0.prereqs', '8.0.template', 'D-011.8']) {
    bus.emit(stepStart(id));
    // 8.0.template creating its template is not the create.
    records.push({ t: 'mutation-intent', key: 'template', at: 0 });
    bus.emit(stepEnd(id));
  }
  assert.deepEqual(c.sets, [], 'nothing before the create is out');
  run8_1(true);
  assert.deepEqual(c.sets, [5]);
  assert.equal(seen.length, 1);
  assert.match(seen[0]!, /^8\.1 info the create is out; .*nice 5 .*--nice-after-create 0 keeps it/);
  run8_1(true);
  assert.deepEqual(c.sets, [5], 'a second end of 8.1 (a re-run after a remedy) changes nothing');
  assert.equal(seen.length, 1);
});

test('nothing is lowered nor said when 8.1 found the cluster already there, was skipped, or failed before sending', () => {
  const { bus, journal, run8_1 } = world();
  const seen = logs(bus);
  const c = fake();
  lowerPriorityAfterCreate(bus, 5, realClock, journal, c);
  run8_1(false);
  bus.emit({ ...stepEnd('8.1'), status: 'SKIPPED' } as RunEvent);
  bus.emit(stepStart('8.1'));
  bus.emit({ ...stepEnd('8.1'), status: 'ERROR' } as RunEvent);
  assert.deepEqual(c.sets, []);
  assert.deepEqual(seen, []);
  // A later attempt that does send (after a remedy) still counts.
  run8_1(true);
  assert.deepEqual(c.sets, [5]);
});

test('after a failed 8.1 it says what follows (teardown), not that a create is out', () => {
  const { bus, journal, run8_1 } = world();
  const seen = logs(bus);
  const c = fake();
  lowerPriorityAfterCreate(bus, 5, realClock, journal, c);
  run8_1(true, { ...stepEnd('8.1'), status: 'FAIL' } as RunEvent & { type: 'step-end' });
  assert.deepEqual(c.sets, [5]);
  assert.match(seen.join('\n'), /^8\.1 info 8\.1 ended FAIL; from here the run is teardown and waits: CPU priority lowered to nice 5/);
});

test('never raises a priority: a run started lower stays where it is; 0 leaves it alone', () => {
  for (const [start, nice] of [[10, 5], [5, 5], [0, 0]] as const) {
    const { bus, journal, run8_1 } = world();
    const seen = logs(bus);
    const c = fake(start);
    lowerPriorityAfterCreate(bus, nice, realClock, journal, c);
    run8_1(true);
    assert.deepEqual(c.sets, [], `started at ${start}, asked for ${nice}`);
    assert.deepEqual(seen, []);
  }
});

test('a refused priority change is said and the run goes on', () => {
  const { bus, journal, run8_1 } = world();
  const seen = logs(bus);
  lowerPriorityAfterCreate(bus, 5, realClock, journal, fake(0, Object.assign(new Error('EPERM: operation not permitted'), { code: 'EPERM' })));
  run8_1(true);
  assert.equal(bus.listenerErrors.length, 0);
  assert.match(seen.join('\n'), /could not lower the CPU priority to nice 5 \(EPERM: operation not permitted\); the run goes on/);
});

test('unsubscribed (the run is over), it does nothing', () => {
  const { bus, journal, run8_1 } = world();
  const c = fake();
  lowerPriorityAfterCreate(bus, 5, realClock, journal, c)();
  run8_1(true);
  assert.deepEqual(c.sets, []);
});

test('--nice-after-create takes 0..19 and nothing else', () => {
  assert.equal(parseNice('0'), 0);
  assert.equal(parseNice('5'), 5);
  assert.equal(parseNice('19'), 19);
  for (const bad of ['20', '-1', '2.5', 'five', '', ' ', '1e1']) {
    assert.throws(() => parseNice(bad), (e: unknown) => e instanceof CapiGateError && e.code === 'CAPI_GATE_USAGE' && /0 to 19/.test(e.message), bad);
  }
});

test('with the real process priority: the nice value of the process changes', () => {
  // In a child, so that this test process keeps its priority.
  const base = getPriority();
  const want = Math.min(19, base + 3);
  const code = `
    const { EventBus } = await import(${JSON.stringify(new URL('../core/events.js', import.meta.url).href)});
    const { lowerPriorityAfterCreate } = await import(${JSON.stringify(new URL('./priority.js', import.meta.url).href)});
    const { getPriority } = await import('node:os');
    const bus = new EventBus();
    const before = getPriority();
    const records = [];
    lowerPriorityAfterCreate(bus, ${want}, { now: () => 0 }, () => records);
    bus.emit({ type: 'step-start', stepId: '8.1', title: '', kind: 'mutation', at: 0 });
    records.push({ t: 'mutation-intent', key: 'cluster', at: 0 });
    bus.emit({ type: 'step-end', stepId: '8.1', status: 'PASS', summary: '', at: 0, durationMs: 1, reused: false });
    console.log(JSON.stringify({ before, after: getPriority() }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const seen = JSON.parse(r.stdout) as { before: number; after: number };
  assert.deepEqual(seen, { before: base, after: want });
});
