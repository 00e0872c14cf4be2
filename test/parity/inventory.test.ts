// The inventory and the parity cases cover each other: every operation capi-gate was recorded
// sending has a parity case, and every operation its OpenStack clients can send (the
// `operation:` names in src/openstack) is claimed by a case. A new client operation fails here
// until a case sends it; a new request shape fails once the inventory is recorded again.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers.js';
import { loadInventory } from './inventory.js';
import { PARITY_CASES } from './registry.js';

/** The `operation:` names of src/openstack (template literals expanded as the code expands them). */
export function clientOperations(): string[] {
  const dir = join(REPO_ROOT, 'src', 'openstack');
  const out = new Set<string>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts') && !x.includes('.test'))) {
    const text = readFileSync(join(dir, f), 'utf8');
    for (const m of text.matchAll(/operation: ([^,\n]+)/g)) {
      const expr = (m[1] ?? '').trim();
      for (const lit of expr.matchAll(/'([^']+)'/g)) out.add(lit[1] ?? '');
      if (expr === '`authenticate ${this.scope} scope`') ['authenticate admin scope', 'authenticate tenant scope'].forEach((x) => out.add(x));
      else if (expr.startsWith('`list ${c.what}s`')) for (const w of whats(text)) out.add(`list ${w}s`);
      else if (expr.startsWith('`delete ${c.what}`')) for (const w of whats(text)) out.add(`delete ${w}`);
      else if (expr.startsWith('`')) out.add(`(unexpanded) ${expr} in ${f}`);
    }
  }
  return [...out].filter(Boolean).sort();
}

function whats(text: string): string[] {
  return [...text.matchAll(/what: '([^']+)'/g)].map((m) => m[1] ?? '');
}

test('every operation capi-gate was recorded sending has a parity case that sends it', () => {
  const covered = new Set(PARITY_CASES.flatMap((c) => c.ops));
  const missing = loadInventory().operations.map((o) => o.key).filter((k) => !covered.has(k));
  assert.deepEqual(missing, [], 'operations without a parity case: add one to test/parity/*.parity.test.ts and its ops to registry.ts');
});

test('every operation of the OpenStack clients is claimed by a parity case', () => {
  const claimed = new Set(PARITY_CASES.flatMap((c) => c.clientOps));
  const ops = clientOperations();
  assert.ok(ops.length >= 40, `found only ${ops.length} client operations`);
  assert.deepEqual(ops.filter((o) => !claimed.has(o)), [], 'client operations no parity case claims');
});
