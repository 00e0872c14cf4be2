// The drafted site as a YAML document: the yaml library's Document with a `# from: ...` comment
// on every value (inline for scalars and short lists, above the key for blocks), TODO values
// as strings, warnings in the header. Validated against the site schema before it is returned:
// TODOs stand in as the runbook's example values; a discovered value the schema refuses becomes
// a TODO that says why.

import { Document, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Node, Pair } from 'yaml';
import { CapiGateError } from '../core/errors.js';
import { siteSchema } from '../site/schema.js';
import type { Draft, Entry, Path } from './rules.js';
import { todoValue } from './rules.js';

const KEY_ORDER = ['site', 'openstack', 'project', 'adminProject', 'clusterCreatorRoles', 'image', 'template', 'externalNetwork', 'keypair', 'cluster', 'workloadCidr', 'flavors',
  'coreVips', 'outOfScopeEndpoints', 'tls', 'vault', 'juju', 'reservedHostMemoryMb', 'mgmtVm', 'hypervisor', 'managementCluster'];

function setIn(obj: Record<string, unknown>, path: Path, value: unknown): void {
  let cur: Record<string | number, unknown> = obj;
  path.forEach((k, i) => {
    if (i === path.length - 1) cur[k] = value;
    else cur = (cur[k] ??= typeof path[i + 1] === 'number' ? [] : {}) as Record<string | number, unknown>;
  });
}

function getIn(obj: unknown, path: Path): unknown {
  let cur = obj;
  for (const k of path) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[k] : undefined;
  return cur;
}

function ordered(entries: readonly Entry[]): Entry[] {
  const rank = (e: Entry) => {
    const i = KEY_ORDER.indexOf(String(e.path[0]));
    return i < 0 ? KEY_ORDER.length : i;
  };
  return entries.map((e, i) => ({ e, i })).sort((a, b) => rank(a.e) - rank(b.e) || a.i - b.i).map((x) => x.e);
}

export function toObject(entries: readonly Entry[]): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (const e of ordered(entries)) setIn(obj, e.path, e.value);
  return obj;
}

/**
 * Entries the schema accepts: TODO values are checked as the runbook's example value at their path;
 * a discovered value the schema refuses is replaced by a TODO naming the problem.
 */
export function validateEntries(entries: readonly Entry[], example: unknown): Entry[] {
  let current = [...entries];
  for (let round = 0; round < 4; round++) {
    const obj: Record<string, unknown> = {};
    for (const e of ordered(current)) setIn(obj, e.path, e.kind === 'todo' ? structuredClone(getIn(example, e.path)) : e.value);
    const r = siteSchema.safeParse(obj);
    if (r.success) return current;
    const bad = r.error.issues.map((i) => i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)));
    let changed = false;
    current = current.map((e) => {
      const hit = bad.find((p) => e.path.length <= p.length && e.path.every((k, i) => p[i] === k));
      if (!hit || e.kind === 'todo') return e;
      changed = true;
      const msg = r.error.issues.find((i) => i.path.length === hit.length && i.path.every((k, j) => k === hit[j]))?.message ?? 'refused by the site schema';
      return { path: e.path, kind: 'todo', from: e.from, value: todoValue('site schema', `${JSON.stringify(e.value)} (${e.from}) ${msg}`) };
    });
    if (!changed) {
      const first = r.error.issues[0];
      throw new CapiGateError('CAPI_GATE_INTERNAL', `capi-gate init drafted a site file the schema refuses: ${first?.path.join('.') ?? ''}: ${first?.message ?? ''}`, {
        hint: 'This is a bug in capi-gate init; nothing was written.',
      });
    }
  }
  throw new CapiGateError('CAPI_GATE_INTERNAL', 'capi-gate init could not draft a valid site file', { hint: 'This is a bug in capi-gate init; nothing was written.' });
}

function pairAt(doc: Document, path: Path): Pair | undefined {
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  if (!isMap(parent)) return undefined;
  return parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === path[path.length - 1]) as Pair | undefined;
}

/** The site file text: every value with its `# from:` comment. */
export function renderSite(draft: Draft, header: readonly string[]): string {
  const entries = ordered(draft.entries);
  const doc = new Document(toObject(entries));
  for (const e of entries) {
    const node = doc.getIn(e.path, true) as Node | undefined;
    const comment = e.kind === 'todo' ? '' : ` from: ${e.from}`;
    if (!comment) continue;
    if (isScalar(node)) {
      node.comment = comment;
    } else if (isSeq(node) && node.items.every((x) => isScalar(x)) && node.items.length <= 8) {
      node.flow = true;
      node.comment = comment;
    } else {
      const pair = pairAt(doc, e.path);
      if (pair && isScalar(pair.key)) pair.key.commentBefore = comment;
    }
  }
  doc.commentBefore = header.map((h) => ` ${h}`).join('\n');
  return doc.toString({ lineWidth: 0 });
}
