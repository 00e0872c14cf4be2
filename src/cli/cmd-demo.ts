// `capi-gate demo`: the simulated site in-process, at a time scale that finishes the whole
// acceptance in about a minute; runs every step, writes every report, prints the verdict and
// where the reports are. Nothing leaves loopback.

import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { ensureDir } from '../engine/index.js';
import { startSiteSim } from '../../sim/site-sim.js';
import { checkScenario, explainStartFailure } from './cmd-sim.js';
import { runCommand } from './cmd-run.js';
import type { Out } from './output.js';

export interface DemoOptions {
  readonly runsDir: string;
  readonly timeScale: number;
  readonly scenario?: string;
  readonly snapshot2?: boolean;
  readonly remediate?: boolean;
  readonly signal: AbortSignal;
  readonly clock: Clock;
}

export async function demoCommand(out: Out, o: DemoOptions): Promise<number> {
  const stamp = new Date(o.clock.now()).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const simDir = join(o.runsDir, 'demo-sites', stamp);
  ensureDir(simDir);
  out.line(`demo: starting the simulated site (time scale ${o.timeScale}${o.scenario ? `, scenario ${o.scenario}` : ''}) in ${simDir}`);
  checkScenario(o.scenario);
  const sim = await startSiteSim({ timeScale: o.timeScale, outDir: simDir, ...(o.scenario ? { scenario: o.scenario } : {}), ...(o.snapshot2 ? { snapshot2: true } : {}) }).catch(explainStartFailure);
  try {
    out.line(`demo: the site file is ${sim.siteFile}; running the whole acceptance against it`);
    out.line('');
    const r = await runCommand(out, { site: sim.siteFile, only: [], skip: [], runsDir: o.runsDir, remediate: o.remediate === true, signal: o.signal, clock: o.clock, env: sim.env() });
    out.line('');
    out.line(`demo: verdict ${r.report.verdict}. Open ${r.files.html} in a browser for the timeline.`);
    return r.exitCode;
  } finally {
    await sim.close();
  }
}
