// Kubernetes-side fault scenarios, as data files in sim/kube/scenarios/*.json (DESIGN "Faults
// are declared in named scenarios"). `kube` steers the simulated workload cluster; `octavia`
// carries the API-LB failover timing the integrator feeds into the simulated Octavia (and the
// blackout of the workload API it causes). `expect` documents what the gate must say.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { packageRoot } from '../scenarios.js';

export const kubeFaultsSchema = z.strictObject({
  /** The OpenStack CCM crash-loops: CrashLoopBackOff, restartCount from restartsAtBoot upwards. */
  ccmCrashLoop: z.strictObject({ restartsAtBoot: z.number().int().min(1) }).optional(),
  /** The Service LB's pool has at most this many healthy members (rr-single-pod: 1). */
  lbMaxMembers: z.number().int().min(0).optional(),
});

export const kubeScenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string(),
  kube: kubeFaultsSchema.default({}),
  octavia: z.strictObject({
    /** Simulated ms an admin failover of the workload API LB takes (PENDING_UPDATE -> ACTIVE). */
    failoverMs: z.number().int().min(0).optional(),
    /** Simulated ms the workload API does not answer during that failover. */
    blackoutMs: z.number().int().min(0).optional(),
  }).default({}),
  expect: z.strictObject({ step: z.string(), status: z.enum(['PASS', 'FAIL']), mentions: z.array(z.string()) }).optional(),
});

export type KubeFaults = z.output<typeof kubeFaultsSchema>;
export type KubeScenario = z.output<typeof kubeScenarioSchema>;

export const KUBE_SCENARIOS = ['ccm-crashloop', 'rr-single-pod', 'slow-failover'] as const;


export function scenarioPath(name: string): string {
  return join(packageRoot(), 'sim', 'kube', 'scenarios', `${name}.json`);
}

/** Loads and validates sim/kube/scenarios/<name>.json. */
export function loadKubeScenario(name: string): KubeScenario {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`not a scenario name: ${name}`);
  const path = scenarioPath(name);
  const parsed = kubeScenarioSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
