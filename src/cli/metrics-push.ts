// Writes and pushes a run's metrics (prom-client): loaded only when --metrics-file, --pushgateway
// or the canary ask for it, so a plain run does not pay for the library at its start.

import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Pushgateway } from 'prom-client';
import type { Registry } from 'prom-client';
import { CapiGateError } from '../core/errors.js';
import { listRuns } from '../engine/index.js';
import type { RunReport } from '../report/index.js';
import { runRegistry, siteHistory } from '../report/metrics.js';
import type { FinishedRun, SiteHistory } from '../report/metrics.js';

/** The Pushgateway job every push goes under; the grouping key is the site. */
export const PUSH_JOB = 'capi-gate';

/** The site's finished runs under runsDir (last run, last success, failures in a row). */
export function historyOf(runsDir: string, site: string): SiteHistory {
  const finished: FinishedRun[] = [];
  for (const r of listRuns(runsDir)) {
    if (r.meta.site !== site) continue;
    const end = [...r.records].reverse().find((x) => x.t === 'run-end' && !x.interrupted);
    if (end && end.t === 'run-end') finished.push({ endedAt: end.at, exitCode: end.exitCode });
  }
  return siteHistory(finished);
}

/** Writes the registry's exposition to path atomically: a temporary file beside it, then a rename. */
export async function writeMetricsFile(path: string, registry: Registry): Promise<void> {
  const text = await registry.metrics();
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new CapiGateError('CAPI_GATE_USAGE', `--metrics-file ${path} could not be written: ${(e as Error).message}`, { hint: 'Check the directory\'s permissions and free space.', cause: e });
  }
}

/** Replaces the site's group on the Pushgateway with the registry's metrics (PUT: no stale series of an earlier run stay). */
export async function pushMetrics(url: string, registry: Registry, site: string, timeoutMs = 15_000): Promise<void> {
  const gw = new Pushgateway(url, { timeout: timeoutMs }, registry);
  try {
    await gw.push({ jobName: PUSH_JOB, groupings: { site } });
  } catch (e) {
    throw new CapiGateError('CAPI_GATE_TRANSPORT', `the Pushgateway at ${url} did not take the metrics: ${(e as Error).message.split('\n')[0] ?? ''}`, {
      hint: 'Check that the Pushgateway runs and this host reaches it; the run itself is recorded (its report and `capi-gate history` have the result).',
      cause: e,
    });
  }
}

/** The registry of a finished run, with its history and API counts. */
export function registryOf(report: RunReport, runsDir: string, requests: ReadonlyMap<string, number>): Registry {
  return runRegistry({ report, history: historyOf(runsDir, report.site), requests });
}
