// The HTML report in real headless Chromium: renders with no console errors, the timeline is
// visible, a screenshot is kept as a test artifact in the run directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { VirtualClock } from '../core/clock.js';
import { EventBus } from '../core/events.js';
import { Journal, runSteps, defineStep } from '../engine/index.js';
import type { StepOutcome } from '../engine/index.js';
import { CATALOG } from '../phase08/index.js';
import { buildReport } from './model.js';
import { renderHtml } from './html.js';
import { exampleSite } from '../../test/helpers.js';
import { artifactsDir, requireTool } from '../../test/artifacts.js';

const CHROMIUM = '/usr/bin/chromium';

async function sampleRunDir(): Promise<{ dir: string; html: string }> {
  const runs = artifactsDir('html-report');
  const site = exampleSite();
  const clock = new VirtualClock();
  const runId = `html-${Date.now()}`;
  const journal = Journal.create(runs, { runId, site: site.site.site, sitePath: site.path, createdAt: clock.now(), selection: { only: [], skip: [] }, version: 'test' });
  // Steps shaped like a real run: a long create wait with state changes, reads overlapping it.
  const steps = CATALOG.map((s) => defineStep<null, null>({
    id: s.id, title: s.title, kind: s.kind, needs: s.needs, ...(s.after ? { after: s.after } : {}), decisions: s.decisions, runbook: '', ...(s.counted === false ? { counted: false } : {}),
    body: async (ctx) => {
      if (s.id === '8.2') {
        let n = 0;
        await ctx.wait({ name: 'cluster', what: 'cluster capi-test-1 to CREATE_COMPLETE', poll: async () => (++n < 6 ? 'CREATE_IN_PROGRESS' : 'CREATE_COMPLETE'), state: (x) => x, deadlineMs: 45 * 60_000, acceptors: [{ state: 'success', matcher: (x) => x === 'CREATE_COMPLETE' }] });
      } else {
        await ctx.clock.sleep(s.kind === 'mutation' ? 20_000 : 5_000, ctx.signal);
      }
      return null;
    },
    gate: (): StepOutcome => (s.id === 'D-011.7' ? { status: 'OUTSTANDING', summary: 'Snapshot 2 missing on 4 domains', hint: 'Take Snapshot 2 after tenant setup, then sign off.' } : s.id === 'D-011.8' ? { status: 'DEFERRED', summary: 'D-019' } : { status: 'PASS', summary: 'ok' }),
  }));
  await runSteps({ steps, selected: new Set(steps.map((s) => s.id)), journal, site, services: null, clock, bus: new EventBus(), signal: new AbortController().signal, teardownBudgetMs: 1000, resumed: false });
  journal.close();
  const report = buildReport(journal.meta, Journal.open(runs, runId).all(), CATALOG);
  assert.equal(report.verdict, 'FUNCTIONALLY ACCEPTED');
  const html = join(journal.dir, 'report.html');
  writeFileSync(html, renderHtml(report));
  return { dir: journal.dir, html };
}

test('the HTML report renders in headless Chromium without console errors, with a visible timeline', async (t) => {
  if (!requireTool(t, existsSync(CHROMIUM), 'Debian chromium')) return;
  const { chromium } = await import('playwright-core');
  const { dir, html } = await sampleRunDir();
  const text = (await import('node:fs')).readFileSync(html, 'utf8');
  assert.doesNotMatch(text, /<script|https?:\/\/(?!www\.w3\.org)/, 'self-contained: no scripts, no fetches');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(String(e)));
    const requests: string[] = [];
    page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
    await page.goto(pathToFileURL(html).href);
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [], 'no network fetches');
    assert.equal(await page.locator('#verdict').innerText(), 'FUNCTIONALLY ACCEPTED');
    const timeline = page.locator('#timeline');
    assert.ok(await timeline.isVisible(), 'timeline visible');
    const box = await timeline.boundingBox();
    assert.ok(box && box.width > 500 && box.height > 200, `timeline has a real size: ${JSON.stringify(box)}`);
    assert.ok((await page.locator('#timeline g.bar.step').count()) >= CATALOG.length - 1);
    assert.ok((await page.locator('#timeline g.bar.state').count()) >= 2, 'the 8.2 wait shows its states');
    assert.equal(await page.locator('#summary tr').count(), 9);
    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000, 'a real screenshot');
  } finally {
    await browser.close();
  }
});
