// A known secret fed through every reporter, log, journal, evidence file and error message never
// appears in the output (STYLE 18).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { VirtualClock } from '../src/core/clock.js';
import { CapiGateError, formatError } from '../src/core/errors.js';
import { EventBus } from '../src/core/events.js';
import { redactor, Redactor, REDACTED } from '../src/core/redact.js';
import { Journal, runSteps, defineStep } from '../src/engine/index.js';
import { buildReport, writeReports } from '../src/report/index.js';
import { liveReporter, plainReporter } from '../src/cli/progress.js';
import type { Out } from '../src/cli/output.js';
import { exampleSite, tempDir } from './helpers.js';

const CANARY = 'Canary-Pa55w0rd-7f3e9a';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function capture(isTTY: boolean): { out: Out; text: () => string } {
  let buf = '';
  const out: Out = { isTTY, color: isTTY, line: (t = '') => { buf += redactor.redact(t) + '\n'; }, err: (t) => { buf += redactor.redact(t) + '\n'; }, raw: (t) => { buf += redactor.redact(t); } };
  return { out, text: () => buf };
}

test('a registered secret never reaches the journal, evidence, reports, progress lines or errors', async () => {
  redactor.add(CANARY);
  const t = tempDir();
  try {
    const site = exampleSite();
    const clock = new VirtualClock();
    const journal = Journal.create(t.dir, { runId: 'secret-run', site: 'roosevelt', sitePath: site.path, createdAt: 0, selection: { only: [], skip: [] }, version: 'test' });
    const leaky = defineStep<null, string>({
      id: 'leaky', title: `leaky ${CANARY}`, kind: 'read', needs: [], decisions: [], runbook: '',
      body: async (ctx) => {
        ctx.log(`logging the password ${CANARY}`, 'warn');
        ctx.capture('token', CANARY);
        ctx.evidence.write('response.json', { password: CANARY, nested: { note: `x ${CANARY} y` } });
        await ctx.wait({ name: 'w', what: `waiting with ${CANARY}`, poll: async () => `state-${CANARY}`, state: (s) => s, deadlineMs: 1000, acceptors: [{ state: 'success', matcher: () => true }] });
        return CANARY;
      },
      gate: (v) => ({ status: 'PASS', summary: `got ${v}`, hint: `hint ${CANARY}`, details: { secret: CANARY } }),
    });
    const failing = defineStep<null, null>({
      id: 'failing', title: 'failing', kind: 'read', needs: [], decisions: [], runbook: '',
      body: async () => { throw new CapiGateError('CAPI_GATE_API', `keystone said no to ${CANARY}`, { hint: `try ${CANARY}`, blocks: { Calls: `POST /v3/auth/tokens password=${CANARY}` } }); },
      gate: () => ({ status: 'PASS', summary: '' }),
    });
    const bus = new EventBus();
    const plain = capture(false);
    const live = capture(true);
    const pr = plainReporter(plain.out);
    const lr = liveReporter(live.out, [{ id: 'leaky', title: `leaky ${CANARY}`, kind: 'read' }, { id: 'failing', title: 'failing', kind: 'read' }]);
    bus.on((e) => { pr.onEvent(e); lr.onEvent(e); });
    const result = await runSteps({ steps: [leaky, failing], selected: new Set(['leaky', 'failing']), journal, site, services: null, clock, bus, signal: new AbortController().signal, teardownBudgetMs: 1000, resumed: false });
    lr.stop();
    journal.close();
    assert.equal(result.records.get('leaky')?.status, 'PASS');
    const report = buildReport(journal.meta, Journal.open(t.dir, 'secret-run').all(), [{ id: 'leaky', title: 'leaky', kind: 'read', decisions: [] }, { id: 'failing', title: 'failing', kind: 'read', decisions: [] }]);
    writeReports(report, journal.dir);
    const errText = formatError(new CapiGateError('CAPI_GATE_API', `boom ${CANARY}`, { hint: CANARY, blocks: { Calls: CANARY } }));

    const outputs: Record<string, string> = { plain: plain.text(), live: live.text(), error: redactor.redact(errText) };
    for (const f of filesUnder(t.dir)) outputs[f] = readFileSync(f, 'utf8');
    assert.ok(Object.keys(outputs).length >= 8, `checked ${Object.keys(outputs).join(', ')}`);
    for (const [where, text] of Object.entries(outputs)) {
      assert.ok(!text.includes(CANARY), `the secret leaked into ${where}`);
      assert.ok(!text.includes(Buffer.from(CANARY).toString('base64')), `the base64 secret leaked into ${where}`);
    }
    assert.ok(outputs.plain!.includes(REDACTED), 'the plain lines show where something was redacted');
  } finally {
    t.cleanup();
  }
});

test('secret shapes are redacted even when the value was never registered', () => {
  const r = new Redactor();
  const pem = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB3x\n-----END EC PRIVATE KEY-----';
  const text = r.redact(`${pem}\nX-Auth-Token: gAAAAABnotregistered\n{"password": "hunter22", "application_credential_secret": "s3cr3t"}\nOS_PASSWORD=hunter33`);
  assert.ok(!text.includes('MHcCAQEEIB3x'));
  assert.ok(!text.includes('gAAAAABnotregistered'));
  assert.ok(!text.includes('hunter22'));
  assert.ok(!text.includes('s3cr3t'));
  assert.ok(text.includes('BEGIN EC PRIVATE KEY'), 'the shape stays visible');
});

test('the CLI output sink redacts', async () => {
  redactor.add('another-Secret-value-42');
  let buf = '';
  const w = new Writable({ write(chunk, _enc, cb) { buf += String(chunk); cb(); } });
  const { makeOut } = await import('../src/cli/output.js');
  const out = makeOut(w as unknown as NodeJS.WriteStream, w as unknown as NodeJS.WriteStream);
  out.line('a another-Secret-value-42 b');
  out.err('c another-Secret-value-42 d');
  assert.ok(!buf.includes('another-Secret-value-42'));
});
