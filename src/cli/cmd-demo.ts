// `capi-gate demo`: the simulated site in-process, at a time scale that finishes the whole
// acceptance in about a minute; runs every step, writes every report, prints the verdict and
// where the reports are. Nothing leaves loopback.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { startSim } from '../../sim/index.js';
import { runCommand } from './cmd-run.js';
import type { Out } from './output.js';

export interface DemoOptions {
  readonly runsDir: string;
  readonly timeScale: number;
  readonly scenario?: string;
  readonly signal: AbortSignal;
  readonly clock: Clock;
}

export async function demoCommand(out: Out, o: DemoOptions): Promise<number> {
  const stamp = new Date(o.clock.now()).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const simDir = join(o.runsDir, 'demo-sites', stamp);
  mkdirSync(simDir, { recursive: true });
  out.line(`demo: starting the simulated site (time scale ${o.timeScale}${o.scenario ? `, scenario ${o.scenario}` : ''}) in ${simDir}`);
  const sim = await startSim({ timeScale: o.timeScale, outDir: simDir, ...(o.scenario ? { scenario: o.scenario } : {}) });
  try {
    const files = sim.files!;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      OS_CLIENT_CONFIG_FILE: files.clouds,
      PATH: `${join(simDir, 'bin')}:${process.env.PATH ?? ''}`,
    };
    for (const k of Object.keys(env)) if (k.startsWith('OS_') && k !== 'OS_CLIENT_CONFIG_FILE') delete env[k];
    out.line(`demo: the site file is ${files.site}; running the whole acceptance against it`);
    out.line('');
    const r = await runCommand(out, { site: files.site, only: [], skip: [], runsDir: o.runsDir, signal: o.signal, clock: o.clock, env });
    out.line('');
    out.line(`demo: verdict ${r.report.verdict}. Open ${r.files.html} in a browser for the timeline.`);
    return r.exitCode;
  } finally {
    await sim.close();
  }
}
