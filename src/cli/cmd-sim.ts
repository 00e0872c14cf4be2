// `capi-gate sim`: the simulated site on loopback in the foreground until SIGINT/SIGTERM. Prints
// `ready` once it serves, and writes site.yaml, clouds.yaml, openrc-admin, openrc-tenant into --out.

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { startSim } from '../../sim/index.js';
import { loadSite } from '../site/load.js';
import type { Out } from './output.js';

export interface SimCommandOptions {
  readonly out: string;
  readonly site?: string;
  readonly timeScale: number;
  readonly scenario?: string;
  readonly seed?: number;
}

export async function simCommand(out: Out, o: SimCommandOptions): Promise<number> {
  const outDir = resolve(o.out);
  mkdirSync(outDir, { recursive: true });
  const site = o.site ? loadSite(o.site).site : undefined;
  const sim = await startSim({ ...(site ? { site } : {}), timeScale: o.timeScale, ...(o.scenario ? { scenario: o.scenario } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}), outDir });
  out.line(`keystone ${sim.urls.keystone}`);
  out.line(`control  ${sim.urls.control}/_sim/state`);
  if (sim.files) out.line(`site     ${sim.files.site}`);
  if (sim.scenario) out.line(`scenario ${o.scenario}`);
  out.line(`time scale ${o.timeScale}`);
  out.line('ready');
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sim.close();
  out.line('stopped');
  return 0;
}
