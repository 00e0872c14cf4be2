// Runs a file's parity cases against the real services and the simulator and compares them.
// Each case is one node:test test: it fails on a difference that no allow-list entry accepts.
// With the real services present the outcome of every case is merged into results.json, which
// docs/fidelity.md is generated from; CAPI_GATE_PARITY_REFERENCE=sim compares the simulator with
// a second simulator instead (a check of the suite itself, never written to results.json).
// A cluster that completes in the simulator starts its kube-apiserver on a fixed loopback
// address, so the tier runs as: flock /tmp/capi-gate-sim.lock node scripts/run-tests.mjs parity

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ALLOW_LIST } from './allow-list.js';
import { realAvailable, realBackend, simBackend } from './backend.js';
import type { Backend, Service } from './backend.js';
import { Recorder } from './case.js';
import type { ParityCase } from './case.js';
import { allowedBy, compareAnswers, compareTransitions } from './compare.js';
import type { Difference } from './compare.js';
import { MAGNUM_OVERRIDE } from './ops.js';
import { mergeResults } from './results.js';
import type { CaseResult } from './results.js';

async function runSide(b: Backend, c: ParityCase): Promise<{ rec: Recorder; error?: string }> {
  const rec = new Recorder();
  const ac = new AbortController();
  try {
    await c.run(b, rec, ac.signal);
    return { rec };
  } catch (e) {
    return { rec, error: e instanceof Error ? `${e.message}` : String(e) };
  }
}

/** Differences between two sides' records; a step one side has and the other not is one too. */
export function compareRecords(real: Recorder, sim: Recorder): Difference[] {
  const out: Difference[] = [];
  const simSteps = new Map(sim.steps.map((s) => [s.name, s]));
  for (const r of real.steps) {
    const s = simSteps.get(r.name);
    if (!s) {
      out.push({ op: r.call.op, step: r.name, kind: 'missing-in-sim', path: '(step)', real: String(r.call.status), sim: 'not reached' });
      continue;
    }
    out.push(...compareAnswers(s.call.op, r.name, r.call, s.call));
  }
  for (const s of sim.steps) if (!real.steps.some((r) => r.name === s.name)) out.push({ op: s.call.op, step: s.name, kind: 'extra-in-sim', path: '(step)', real: 'not reached', sim: String(s.call.status) });
  for (const r of real.states) {
    const s = sim.states.find((x) => x.name === r.name);
    out.push(...compareTransitions(s?.op ?? r.op, r.name, r.states, s?.states ?? []));
  }
  return out;
}

export function parityFile(file: string, services: readonly Service[], cases: readonly ParityCase[]): void {
  const selfCheck = process.env['CAPI_GATE_PARITY_REFERENCE'] === 'sim';
  let ref: Backend | undefined;
  let sim: Backend | undefined;
  let skip: string | undefined;
  const results: CaseResult[] = [];

  before(async () => {
    if (selfCheck) {
      const { defaultSite } = await import('../../sim/index.js');
      ref = await simBackend(defaultSite());
      sim = await simBackend(defaultSite());
      return;
    }
    const a = await realAvailable(services);
    if (!a.ok) {
      if (process.env['CI']) throw new Error(a.reason);
      skip = a.reason;
      return;
    }
    ref = await realBackend(a.value);
    sim = await simBackend(ref.site);
  });

  after(async () => {
    await sim?.close();
    await ref?.close();
    if (ref?.kind === 'real' && results.length && !MAGNUM_OVERRIDE) mergeResults(file, ref.versions, results);
  });

  for (const c of cases) {
    test(`${c.name}`, { timeout: (c.timeoutMs ?? 300_000) + 120_000 }, async (t) => {
      if (skip || !ref || !sim) {
        t.skip(skip ?? 'no backends');
        return;
      }
      const [r, s] = await Promise.all([runSide(ref, c), runSide(sim, c)]);
      const diffs = compareRecords(r.rec, s.rec);
      if (r.error) diffs.push({ op: '(case)', step: c.name, kind: 'missing-in-sim', path: '(error)', real: `real side failed: ${r.error}`, sim: s.error ?? 'ok' });
      else if (s.error) diffs.push({ op: '(case)', step: c.name, kind: 'extra-in-sim', path: '(error)', real: 'ok', sim: `simulator side failed: ${s.error}` });
      const judged = diffs.map((d) => ({ ...d, allowed: allowedBy(d, ALLOW_LIST)?.reason }));
      const ops = [...new Set([...r.rec.steps, ...s.rec.steps].map((x) => x.call.op).concat([...r.rec.states, ...s.rec.states].map((x) => x.op)))].filter(Boolean).sort();
      const sentToSim = new Set([...s.rec.steps.map((x) => x.call.op), ...s.rec.states.map((x) => x.op)]);
      if (process.env['CAPI_GATE_PARITY_PRINT_OPS']) process.stdout.write(`OPS ${JSON.stringify(c.name)} ${JSON.stringify([...sentToSim].sort())}\n`);
      for (const op of c.ops) if (!sentToSim.has(op)) judged.push({ op, step: c.name, kind: 'extra-in-sim', path: '(declared op not sent)', real: '-', sim: 'not sent', allowed: undefined });
      const open = judged.filter((d) => !d.allowed);
      const realOps = [...new Set([...r.rec.steps.map((x) => x.call.op), ...r.rec.states.map((x) => x.op)])].filter(Boolean).sort();
      results.push({ case: c.name, clientOps: [...c.clientOps], ops, realOps, passed: open.length === 0, differences: judged });
      assert.deepEqual(
        open.map((d) => `${d.step}: ${d.op} ${d.kind} ${d.path}: real ${d.real} / sim ${d.sim}`),
        [],
        'differences between the real service and the simulator that no allow-list entry accepts',
      );
    });
  }
}
