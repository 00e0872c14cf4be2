// `capi-gate sim`: the simulated site on loopback in the foreground until SIGINT/SIGTERM. Prints
// `ready` once it serves, and writes site.yaml, clouds.yaml, openrc-admin, openrc-tenant into --out.

import { ensureDir } from '../engine/index.js';
import { join, resolve } from 'node:path';
import { CapiGateError } from '../core/errors.js';
import { allScenarios, startSiteSim } from '../../sim/site-sim.js';
import { loopbackNet } from '../../sim/loopback.js';
import { loadSite } from '../site/load.js';
import type { Out } from './output.js';
import { waitForStop } from './wait-for-stop.js';

export interface SimCommandOptions {
  readonly out: string;
  readonly site?: string;
  readonly timeScale: number;
  readonly scenario?: string;
  readonly seed?: number;
  readonly snapshot2?: boolean;
}

export function checkScenario(name: string | undefined): void {
  if (!name) return;
  const all = allScenarios();
  const names = [...all.openstack, ...all.hosts, ...all.kube];
  if (!names.includes(name)) {
    throw new CapiGateError('CAPI_GATE_USAGE', `unknown scenario ${JSON.stringify(name)}`, { hint: `Known scenarios: ${names.sort().join(', ')}.` });
  }
}

/** A simulated site binds fixed loopback addresses; a second one on the machine cannot start. */
export function explainStartFailure(e: unknown): never {
  const msg = e instanceof Error ? e.message : String(e);
  if (/EADDRINUSE/.test(msg)) {
    throw new CapiGateError('CAPI_GATE_PRECONDITION', `the simulated site cannot start: ${msg}`, {
      hint: 'Another simulated site (capi-gate sim or demo) is running on this machine: stop it first. The site maps 10.x addresses to fixed 127.x addresses and ports.',
      cause: e,
    });
  }
  if (/EACCES/.test(msg)) {
    throw new CapiGateError('CAPI_GATE_PRECONDITION', `the simulated site cannot start: ${msg}`, { hint: 'The site binds privileged ports (443, 80, 22): run as root.', cause: e });
  }
  throw e;
}

export async function simCommand(out: Out, o: SimCommandOptions): Promise<number> {
  checkScenario(o.scenario);
  const outDir = resolve(o.out);
  ensureDir(outDir, { name: 'the --out directory', hint: 'Pass --out a directory this user can write (it is made if missing).' });
  const site = o.site ? loadSite(o.site).site : undefined;
  const s = await startSiteSim({ ...(site ? { site } : {}), timeScale: o.timeScale, ...(o.scenario ? { scenario: o.scenario } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.snapshot2 !== undefined ? { snapshot2: o.snapshot2 } : {}), outDir }).catch(explainStartFailure);
  out.line(`keystone ${s.sim.urls.keystone}`);
  out.line(`control  ${s.sim.urls.control}/_sim/state`);
  const net = loopbackNet();
  out.line(`net      ${net}: the site's 10.a.b.c addresses are served on 127.(a+${net}).b.c`);
  out.line(`site     ${s.siteFile}`);
  out.line(`clouds   ${s.cloudsFile}`);
  out.line(`juju     ${join(s.hosts.binDir, 'juju')} (put ${s.hosts.binDir} first on PATH)`);
  out.line(`mgmt     ${s.management.api.url} (management cluster; kubeconfig ${s.management.kubeconfigPath})`);
  const vm = s.hosts.mgmtVm;
  out.line(`mgmt VM  ssh ${vm.user}@${vm.host}${vm.port === 22 ? '' : ` -p ${vm.port}`}: ${vm.kind === 'openssh' ? `${vm.server} (a real sshd and shell)` : `the in-process stand-in (${vm.fallbackReason ?? 'asked for'})`}`);
  if (o.scenario) out.line(`scenario ${o.scenario}`);
  out.line(`seed     ${s.sim.seed} (--seed ${s.sim.seed} starts the same ids again)`);
  out.line(`time scale ${o.timeScale}`);
  out.line('ready');
  await waitForStop();
  await s.close();
  out.line('stopped');
  return 0;
}
