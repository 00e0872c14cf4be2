// The phase-08 runbook as an ordered list of steps. Order is the runbook's; the scheduler
// overlaps read-only items with cluster convergence.

import type { StepDef } from '../engine/index.js';
import type { Phase08Services } from './services.js';
import { step as prereqs } from './8.0-prereqs.js';
import { step as reservedMemory } from './8.0-reserved-memory.js';
import { step as stageAndVerify } from './8.0-stage-and-verify.js';
import { step as image } from './8.0-image.js';
import { step as template } from './8.0-template.js';
import { step as create } from './8.1-create.js';
import { step as converge } from './8.2-converge.js';
import { step as addons } from './8.3-addons.js';
import { step as charms } from './d011-1-charms.js';
import { step as coreVips } from './d011-2-core-vips.js';
import { step as tenantVip } from './d011-3-tenant-vip.js';
import { step as octavia } from './d011-4-octavia.js';
import { step as e2e } from './d011-5-e2e.js';
import { step as vault } from './d011-6-vault.js';
import { step as snapshots } from './d011-7-snapshots.js';
import { step as designate } from './d011-8-designate.js';
import { step as del } from './8.5-delete.js';
import { step as exitGate } from './exit-gate.js';

export const CATALOG: readonly StepDef<Phase08Services>[] = [
  prereqs, reservedMemory, stageAndVerify, image, template,
  create, converge, addons,
  charms, coreVips, tenantVip, octavia, e2e, vault, snapshots, designate,
  del, exitGate,
];

/** The ACCEPTANCE SUMMARY items, in the runbook's order. */
export const ACCEPTANCE_ITEMS = ['D-011.1', 'D-011.2', 'D-011.3', 'D-011.4', 'D-011.5', 'D-011.6', 'D-011.7', 'D-011.8'] as const;

/**
 * Resolves --only / --skip selectors: an exact id, or a group prefix ("8.0" selects 8.0.*,
 * "D-011" every bar item). Unknown selectors are a usage error (returned for the CLI to report).
 */
export function selectSteps(only: readonly string[], skip: readonly string[], steps: readonly StepDef<Phase08Services>[] = CATALOG): { selected: Set<string>; unknown: string[] } {
  const unknown: string[] = [];
  const match = (sel: string): string[] => {
    const hits = steps.filter((s) => s.id === sel || s.id.startsWith(sel + '.')).map((s) => s.id);
    if (hits.length === 0) unknown.push(sel);
    return hits;
  };
  const base = only.length ? new Set(only.flatMap(match)) : new Set(steps.map((s) => s.id));
  for (const s of skip.flatMap(match)) base.delete(s);
  return { selected: base, unknown };
}
