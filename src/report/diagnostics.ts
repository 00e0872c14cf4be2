// On failure, a diagnostics bundle in the run directory: Magnum status_reason and
// health_status_reason, CAPI objects (Cluster, OpenStackCluster, Machines with their phases and
// conditions), LB and amphora status, the workload cluster's events and failing pods' log tails, and every waiter's
// observed-state histogram and timeline from the journal. The report layer calls no API: the
// caller hands in `sources` (src/playbooks/diagnostics-sources.ts builds them from the clients);
// a source that fails is recorded as such and the bundle is still written. Everything written
// goes through the redactor.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redactor } from '../core/redact.js';
import type { JournalRecord } from '../engine/journal.js';

export interface DiagnosticsSources {
  cluster?(signal: AbortSignal): Promise<Record<string, unknown> | undefined>;
  loadBalancers?(signal: AbortSignal): Promise<readonly Record<string, unknown>[]>;
  amphorae?(signal: AbortSignal): Promise<readonly Record<string, unknown>[]>;
  capiObjects?(signal: AbortSignal): Promise<readonly Record<string, unknown>[]>;
  /** The workload cluster: events of every namespace, the failing pods and their log tails. */
  workload?(signal: AbortSignal): Promise<Record<string, unknown>>;
}

export interface DiagnosticsBundle {
  readonly dir: string;
  readonly files: readonly string[];
  readonly sections: Readonly<Record<string, unknown>>;
}

function waits(records: readonly JournalRecord[]) {
  return records.flatMap((r) => (r.t === 'step-end' ? r.waits.map((w) => ({ step: r.step, name: w.name, what: w.what, outcome: w.outcome, polls: w.polls, ms: w.endedAt - w.startedAt, histogram: w.histogram, timeline: w.timeline })) : []));
}

function failing(records: readonly JournalRecord[]) {
  return records.flatMap((r) => (r.t === 'step-end' && (r.outcome.status === 'FAIL' || r.outcome.status === 'ERROR') ? [{ step: r.step, status: r.outcome.status, code: r.outcome.code, summary: r.outcome.summary, hint: r.outcome.hint, playbook: r.outcome.playbook }] : []));
}

function markdown(s: Readonly<Record<string, unknown>>): string {
  const out = ['# capi-gate diagnostics', ''];
  for (const [k, v] of Object.entries(s)) {
    out.push(`## ${k}`, '', '```json', JSON.stringify(v, null, 2), '```', '');
  }
  return out.join('\n');
}

/**
 * Collects the bundle into RUN_DIR/diagnostics/ (diagnostics.json + diagnostics.md). Each source
 * has its own time budget; one that fails or times out is noted, never fatal.
 */
export async function collectDiagnostics(runDir: string, records: readonly JournalRecord[], sources: DiagnosticsSources, signal: AbortSignal, budgetMs = 30_000): Promise<DiagnosticsBundle> {
  const sections: Record<string, unknown> = { failing: failing(records), waits: waits(records) };
  const run = async (name: string, fn: ((s: AbortSignal) => Promise<unknown>) | undefined): Promise<void> => {
    if (!fn) {
      sections[name] = { unavailable: 'no source' };
      return;
    }
    const ac = new AbortController();
    const onAbort = () => ac.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => ac.abort(new Error(`${name}: no answer within ${budgetMs} ms`)), budgetMs);
    try {
      sections[name] = (await fn(ac.signal)) ?? null;
    } catch (e) {
      sections[name] = { error: e instanceof Error ? e.message.split('\n')[0] : String(e) };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  };
  await Promise.all([
    run('magnum', sources.cluster?.bind(sources)),
    run('loadBalancers', sources.loadBalancers?.bind(sources)),
    run('amphorae', sources.amphorae?.bind(sources)),
    run('capiObjects', sources.capiObjects?.bind(sources)),
    run('workload', sources.workload?.bind(sources)),
  ]);
  const clean = redactor.redactValue(sections);
  const dir = join(runDir, 'diagnostics');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const json = join(dir, 'diagnostics.json');
  const md = join(dir, 'diagnostics.md');
  writeFileSync(json, JSON.stringify(clean, null, 2) + '\n', { mode: 0o600 });
  writeFileSync(md, redactor.redact(markdown(clean)), { mode: 0o600 });
  return { dir, files: [json, md], sections: clean };
}
