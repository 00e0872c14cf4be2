// Test support for the site-gate steps: runs selected steps through the real engine (journal,
// evidence, gates) with the given services, on a virtual clock.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../core/clock.js';
import { EventBus } from '../core/events.js';
import type { RunEvent } from '../core/events.js';
import { Journal, runSteps } from '../engine/index.js';
import type { RunResult, StepDef, StepRecord } from '../engine/index.js';
import type { HostServices } from '../hosts/index.js';
import type { LoadedSite } from '../site/load.js';
import type { Phase08Services } from './services.js';

export interface StepRun {
  readonly result: RunResult;
  readonly records: ReadonlyMap<string, StepRecord>;
  readonly events: RunEvent[];
  readonly runDir: string;
  rec(id: string): StepRecord;
  evidence(stepId: string, name: string): string;
  cleanup(): void;
}

export function servicesWith(hosts: Partial<HostServices>, extra: Partial<Phase08Services> = {}): Phase08Services {
  return {
    env: {},
    openstack: () => Promise.reject(new Error('no OpenStack in this test')),
    hosts: { imageStore: undefined, ...hosts } as HostServices,
    ...extra,
  } as unknown as Phase08Services;
}

export async function runGateSteps(site: LoadedSite, steps: readonly StepDef<Phase08Services>[], services: Phase08Services): Promise<StepRun> {
  const runsDir = mkdtempSync(join(tmpdir(), 'capi-gate-gates-'));
  const clock = new VirtualClock();
  const journal = Journal.create(runsDir, { runId: 'r1', site: site.site.site, sitePath: site.path, createdAt: clock.now(), selection: { only: [], skip: [] }, version: 'test' });
  const bus = new EventBus();
  const events: RunEvent[] = [];
  bus.on((e) => events.push(e));
  const cleanup = () => rmSync(runsDir, { recursive: true, force: true });
  try {
    const result = await runSteps({
      steps, selected: new Set(steps.map((s) => s.id)), journal, site, services, clock, bus,
      signal: new AbortController().signal, teardownBudgetMs: 60_000, resumed: false,
    });
    return {
      result, records: result.records, events, runDir: journal.dir,
      cleanup,
      evidence: (stepId, name) => readFileSync(join(journal.dir, 'evidence', stepId.replace(/[^A-Za-z0-9._-]/g, '_'), name), 'utf8'),
      rec(id) {
        const r = result.records.get(id);
        if (!r) throw new Error(`no record for ${id}`);
        return r;
      },
    };
  } catch (e) {
    cleanup();
    throw e;
  }
}
