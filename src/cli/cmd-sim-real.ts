// `capi-gate sim --openstack real [--real-clouds FILE] --out DIR`: the simulated data plane on the
// REAL OpenStack services of scripts/real-openstack.sh --profile full. The simulator serves the
// management and workload clusters' Kubernetes APIs and the hosts; its CAPO/CCM drive the real
// Neutron, Nova and Octavia; the site file and clouds.yaml in --out point at the real services.

import { resolve } from 'node:path';
import { CapiGateError } from '../core/errors.js';
import { redactor } from '../core/redact.js';
import { ensureDir } from '../engine/index.js';
import { DEFAULT_REAL_DIR, startRealSite } from '../../sim/real/index.js';
import { listHostScenarios } from '../../sim/hosts/index.js';
import { REAL_FAULTS, isRealFault } from '../../sim/real/faults.js';
import type { Out } from './output.js';
import { explainStartFailure } from './cmd-sim.js';
import { waitForStop } from './wait-for-stop.js';

export interface SimRealCommandOptions {
  readonly out: string;
  readonly realClouds?: string;
  readonly timeScale: number;
  readonly snapshot2?: boolean;
  readonly scenario?: string;
}

export async function simRealCommand(out: Out, o: SimRealCommandOptions): Promise<number> {
  if (o.scenario && !listHostScenarios().includes(o.scenario) && !isRealFault(o.scenario)) {
    throw new CapiGateError('CAPI_GATE_USAGE', `--openstack real has no scenario ${JSON.stringify(o.scenario)}`, {
      hint: `Faults made in the real services: ${REAL_FAULTS.join(', ')}; host scenarios: ${listHostScenarios().sort().join(', ')} (docs/real-control-plane.md).`,
    });
  }
  const fault = o.scenario && isRealFault(o.scenario) ? o.scenario : undefined;
  const hostScenario = o.scenario && !fault ? o.scenario : undefined;
  const outDir = resolve(o.out);
  ensureDir(outDir, { name: 'the --out directory', hint: 'Pass --out a directory this user can write (it is made if missing).' });
  const h = await startRealSite({
    outDir, timeScale: o.timeScale, ...(o.realClouds ? { realClouds: o.realClouds } : {}), ...(o.snapshot2 !== undefined ? { snapshot2: o.snapshot2 } : {}),
    ...(hostScenario ? { hostScenario } : {}), ...(fault ? { fault } : {}), log: (l) => out.line(redactor.redact(l)),
  }).catch((e: unknown) => {
    const msg = e instanceof Error ? e.message : String(e);
    if (/another capi-gate sim --openstack real/.test(msg)) throw new CapiGateError('CAPI_GATE_PRECONDITION', msg, { hint: 'Only one simulated data plane can serve a real control plane: the real Magnum driver writes into one management cluster.' });
    if (/not up|no full profile|does not exist|has no cloud/.test(msg)) {
      throw new CapiGateError('CAPI_GATE_PRECONDITION', msg, { hint: `Start the real control plane first: bash scripts/real-openstack.sh up --profile full (its clouds.yaml: ${DEFAULT_REAL_DIR}/clouds.yaml), or pass --real-clouds FILE.` });
    }
    return explainStartFailure(e);
  });
  out.line(`openstack real (${h.realDir}); the simulator serves no OpenStack API`);
  out.line(`mgmt     ${h.management.url} (management cluster; kubeconfig ${h.managementKubeconfig})`);
  out.line(`site     ${h.siteFile}`);
  out.line(`clouds   ${h.cloudsFile}`);
  out.line(`requests ${resolve(outDir, 'requests.json')}`);
  out.line(`juju     ${resolve(h.hosts.binDir, 'juju')} (put ${h.hosts.binDir} first on PATH)`);
  if (o.scenario) out.line(`scenario ${o.scenario}${fault ? ' (made in the real services)' : ''}`);
  out.line(`time scale ${o.timeScale} (the Kubernetes side; OpenStack runs in real time)`);
  out.line('ready');
  await waitForStop();
  await h.close();
  out.line('stopped');
  return 0;
}
