// Host-side scenarios: JSON files under sim/hosts/scenarios/, found at run time from the package
// root (the folder with capi-gate's package.json), so dist/sim/hosts reads the same files as the
// sources. A scenario says which Vault units are sealed, which charms are unhappy, which VIPs are
// down, what nova.conf holds, what the CDN serves and which KVM snapshots exist.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { packageRoot } from '../scenarios.js';

const unitOverride = z.strictObject({
  workload: z.enum(['active', 'blocked', 'maintenance', 'waiting', 'error', 'unknown', 'terminated']).optional(),
  agent: z.enum(['allocating', 'idle', 'executing', 'lost', 'failed', 'rebooting']).optional(),
  message: z.string().optional(),
});

export const hostScenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  /** For the OpenStack simulator (startSim): image false = absent from Glance, 8.0 must seed it. */
  openstack: z.strictObject({ image: z.boolean().optional() }).prefault({}),
  vault: z.strictObject({
    /** Indexes into site.vault.units that are sealed. */
    sealed: z.array(z.number().int().min(0)).default([]),
    /** Unseal progress reported by the sealed units (0..t-1). */
    progress: z.number().int().min(0).default(0),
  }).prefault({}),
  juju: z.strictObject({
    /** Unit name -> status override, e.g. {"ceph-osd/2": {"workload": "blocked", "message": "..."}}. */
    units: z.record(z.string(), unitOverride).default({}),
    /** Compute unit name (or "*") -> reserved_host_memory_mb in nova.conf; null = not set (nova default 512). */
    reservedMemoryMb: z.record(z.string(), z.number().int().positive().nullable()).default({}),
  }).prefault({}),
  /** Core VIP names that do not listen. */
  vips: z.strictObject({ down: z.array(z.string()).default([]) }).prefault({}),
  mgmtVm: z.strictObject({ up: z.boolean().default(true) }).prefault({}),
  cdn: z.strictObject({
    /** Serve bytes whose sha512 differs from the manifest (and the site file). */
    corrupt: z.boolean().default(false),
    /** Drop the connection once, after this many body bytes (resume test). */
    dropAfterBytes: z.number().int().positive().optional(),
  }).prefault({}),
  hypervisor: z.strictObject({
    snapshot2: z.boolean().default(false),
    withoutSnapshot1: z.array(z.string()).default([]),
  }).prefault({}),
});

export type HostScenario = z.output<typeof hostScenarioSchema>;
export type HostScenarioInput = z.input<typeof hostScenarioSchema>;


export { packageRoot };

export function hostScenariosDir(): string {
  return join(packageRoot(), 'sim', 'hosts', 'scenarios');
}

export function listHostScenarios(): string[] {
  const dir = hostScenariosDir();
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort() : [];
}

export function parseHostScenario(raw: unknown, source: string): HostScenario {
  const r = hostScenarioSchema.safeParse(raw);
  if (!r.success) throw new Error(`${source}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** A scenario by name (sim/hosts/scenarios/NAME.json), by path, or given inline. */
export function loadHostScenario(ref: string | HostScenarioInput | undefined): HostScenario {
  if (ref === undefined) return parseHostScenario({ name: 'default' }, '(default)');
  if (typeof ref !== 'string') return parseHostScenario(ref, '(inline)');
  const file = isAbsolute(ref) || ref.includes('/') || ref.endsWith('.json') ? resolve(ref) : join(hostScenariosDir(), `${ref}.json`);
  if (!/^[A-Za-z0-9._/-]+$/.test(ref) || !existsSync(file)) {
    throw new Error(`unknown host scenario ${JSON.stringify(ref)} (known: ${listHostScenarios().join(', ')})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseHostScenario(raw, file);
}
