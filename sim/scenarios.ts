// Named fault scenarios: YAML (or JSON) files under sim/scenarios/, found at run time from
// the package root (the folder holding capi-gate's package.json), so the compiled simulator
// in dist/sim/ reads the same files as the sources. A scenario is seeded, ordered fault rules
// plus setup ops; a path to a file works too.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { faultRuleSchema } from './faults.js';
import { opSchema } from './ops.js';

export const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  /** Seeds the rule probabilities (ids are fresh at every start) unless startSim gets its own seed. */
  seed: z.number().int().optional(),
  octaviaRbac: z.enum(['legacy', 'new', 'either']).optional(),
  /** The driver's health sync (D-042): `cosmetic-unhealthy` is the pre-1.4.0 driver. */
  driverHealth: z.enum(['coherent', 'cosmetic-unhealthy']).optional(),
  /** Omit the seeded image (a fresh deploy: 8.0 must stage-and-verify it). */
  image: z.boolean().optional(),
  /** Cap every list at this many items a page, as a deployment's pagination_max_limit / max_limit does. */
  pageSize: z.number().int().min(1).optional(),
  rules: z.array(faultRuleSchema).default([]),
  setup: z.array(opSchema).default([]),
  /** Ops applied when a cluster reaches a state, e.g. the API LB going ERROR after CREATE_COMPLETE. */
  on: z.array(z.strictObject({ clusterStatus: z.string(), afterMs: z.number().min(0).default(0), ops: z.array(opSchema) })).default([]),
});

export type Scenario = z.output<typeof scenarioSchema>;

export function packageRoot(from?: string): string {
  // The single executable unpacks the package's files and names the folder (scripts/sea-entry.cjs).
  const unpacked = (globalThis as { __capiGatePackageRoot?: string }).__capiGatePackageRoot;
  if (from === undefined && unpacked) return unpacked;
  from ??= dirname(fileURLToPath(import.meta.url));
  let dir = from;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'capi-gate') return dir;
      } catch {
        // not our package.json; keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the capi-gate package root above ${from}`);
    dir = up;
  }
}

export function scenariosDir(): string {
  return join(packageRoot(), 'sim', 'scenarios');
}

export function listScenarios(): string[] {
  const dir = scenariosDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).map((f) => f.replace(/\.(ya?ml|json)$/, '')).sort();
}

export function parseScenario(text: string, source: string): Scenario {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new Error(`${source}: not valid YAML/JSON: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  const res = scenarioSchema.safeParse(raw);
  if (!res.success) throw new Error(`${source}: ${res.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return res.data;
}

export function loadScenario(nameOrPath: string): Scenario {
  const looksLikePath = isAbsolute(nameOrPath) || nameOrPath.includes('/') || /\.(ya?ml|json)$/.test(nameOrPath);
  if (looksLikePath) {
    const file = resolve(nameOrPath);
    if (!existsSync(file)) throw new Error(`scenario file not found: ${file}`);
    return parseScenario(readFileSync(file, 'utf8'), file);
  }
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(nameOrPath)) throw new Error(`not a scenario name: ${nameOrPath}`);
  const dir = scenariosDir();
  for (const ext of ['yaml', 'yml', 'json']) {
    const file = join(dir, `${nameOrPath}.${ext}`);
    if (existsSync(file)) return parseScenario(readFileSync(file, 'utf8'), file);
  }
  throw new Error(`unknown scenario "${nameOrPath}"; known: ${listScenarios().join(', ') || '(none)'}`);
}
