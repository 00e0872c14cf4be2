// Compares a real service's answer with the simulator's to the same request: status code, field
// names and JSON types (error bodies and paging links included), and the values of enum fields.
// What differs is a Difference; an allow-list entry with a reason turns it into an accepted one.

export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

export type DiffKind = 'status' | 'missing-in-sim' | 'extra-in-sim' | 'type' | 'enum' | 'transitions';

export interface Difference {
  /** The operation key (operations.json). */
  readonly op: string;
  /** Which step of the case sent it. */
  readonly step: string;
  readonly kind: DiffKind;
  /** JSON path in the answer, e.g. "cluster.health_status" or "" for the status code. */
  readonly path: string;
  readonly real: string;
  readonly sim: string;
}

/** Fields whose values are an enumeration the client branches on: compared by value, not only type. */
export const ENUM_FIELDS = new Set([
  'status', 'provisioning_status', 'operating_status', 'health_status', 'role', 'vm_state', 'power_state', 'task_state',
  'coe', 'server_type', 'network_driver', 'disk_format', 'container_format', 'visibility', 'rel', 'device_owner',
  'router:external', 'admin_state_up', 'ip_version', 'faultcode', 'code', 'type', 'provider',
]);

/** Keys whose children are user data (names chosen by the caller), compared as one value. */
const MAP_FIELDS = new Set(['labels', 'metadata', 'extra_specs', 'health_status_reason', 'faults', 'properties', 'links']);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function short(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s === undefined ? 'undefined' : s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** Every item of a list as one value: per field, all the values seen (types and enums as sets). */
class Many {
  constructor(readonly values: readonly unknown[]) {}
}

function summarise(items: readonly unknown[]): unknown {
  if (items.length === 0) return new Many([]);
  if (items.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x))) {
    const keys = [...new Set(items.flatMap((x) => Object.keys(x as object)))];
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const vals = items.filter((x) => k in (x as object)).map((x) => (x as Record<string, unknown>)[k]);
      out[k] = vals.every(Array.isArray) ? vals.flat() : new Many(vals);
    }
    return out;
  }
  return new Many(items);
}

function typesOf(v: unknown): Set<string> {
  return new Set(v instanceof Many ? v.values.map(typeOf) : [typeOf(v)]);
}

function valuesOf(v: unknown): unknown[] {
  return v instanceof Many ? [...v.values] : [v];
}

function walk(real: unknown, sim: unknown, path: string, key: string, out: Omit<Difference, 'op' | 'step'>[]): void {
  if (real instanceof Many || sim instanceof Many) {
    // Fields of list items: a list holds whatever else is in the project, so the two sides are
    // compared on what they can share: types and enum values differ when the sets do not meet.
    const rv = valuesOf(real);
    const sv = valuesOf(sim);
    if (rv.length === 0 || sv.length === 0) return;
    const rt = typesOf(real);
    const st = typesOf(sim);
    if (![...rt].some((t) => st.has(t))) {
      out.push({ kind: 'type', path, real: `${[...rt].sort().join('|')} ${short(rv[0])}`, sim: `${[...st].sort().join('|')} ${short(sv[0])}` });
      return;
    }
    const ro = rv.filter((x) => typeOf(x) === 'object');
    const so = sv.filter((x) => typeOf(x) === 'object');
    if (ro.length && so.length) walk(summarise(ro), summarise(so), path, key, out);
    const ra = rv.filter(Array.isArray).flat();
    const sa = sv.filter(Array.isArray).flat();
    if (ra.length && sa.length) walk(summarise(ra), summarise(sa), `${path}[]`, key, out);
    if (ENUM_FIELDS.has(key)) {
      const rs = new Set(rv.filter((x) => typeof x !== 'object').map(String));
      const ss = new Set(sv.filter((x) => typeof x !== 'object').map(String));
      if (rs.size && ss.size && ![...rs].some((x) => ss.has(x))) out.push({ kind: 'enum', path, real: [...rs].sort().join('|'), sim: [...ss].sort().join('|') });
    }
    return;
  }
  const tr = typeOf(real);
  const ts = typeOf(sim);
  if (tr !== ts) {
    const scalar = (t: string, v: unknown) => (t === 'null' || t === 'string' || t === 'number' || t === 'boolean' ? `${t} ${short(v)}` : t);
    out.push({ kind: 'type', path, real: scalar(tr, real), sim: scalar(ts, sim) });
    return;
  }
  if (tr === 'array') {
    walk(summarise(real as unknown[]), summarise(sim as unknown[]), `${path}[]`, key, out);
    return;
  }
  if (tr === 'object') {
    if (MAP_FIELDS.has(key)) return;
    const ro = real as Record<string, unknown>;
    const so = sim as Record<string, unknown>;
    for (const k of Object.keys(ro)) {
      const p = path ? `${path}.${k}` : k;
      if (!(k in so)) out.push({ kind: 'missing-in-sim', path: p, real: short(ro[k] instanceof Many ? (ro[k] as Many).values[0] : ro[k]), sim: 'absent' });
      else walk(ro[k], so[k], p, k, out);
    }
    for (const k of Object.keys(so)) if (!(k in ro)) out.push({ kind: 'extra-in-sim', path: path ? `${path}.${k}` : k, real: 'absent', sim: short(so[k] instanceof Many ? (so[k] as Many).values[0] : so[k]) });
    return;
  }
  if (ENUM_FIELDS.has(key) && real !== sim) out.push({ kind: 'enum', path, real: short(real), sim: short(sim) });
}

/** An error body's message, whatever the service's error format; '' for a success body. */
export function message(body: unknown): string {
  if (typeof body === 'string') return short(body.replace(/\s+/g, ' '));
  if (body === null || typeof body !== 'object') return '';
  const b = body as Record<string, unknown>;
  const inner = (b['error'] ?? b['NeutronError'] ?? b['itemNotFound'] ?? b['badRequest'] ?? b['forbidden'] ?? b['conflictingRequest'] ?? (Array.isArray(b['errors']) ? b['errors'][0] : undefined)) as Record<string, unknown> | string | undefined;
  if (typeof inner === 'string') return short(inner);
  const m = inner?.['message'] ?? inner?.['detail'] ?? inner?.['description'] ?? b['faultstring'] ?? b['message'];
  return typeof m === 'string' ? short(m) : '';
}

/** Every difference between two answers to the same request (duplicates from list items removed). */
export function compareAnswers(op: string, step: string, real: Answer, sim: Answer): Difference[] {
  const out: Omit<Difference, 'op' | 'step'>[] = [];
  if (real.status !== sim.status) {
    // Different outcomes: the bodies are of different kinds (an error and a resource), so the
    // status and each side's message say it all.
    out.push({ kind: 'status', path: '', real: `${real.status} ${message(real.body)}`.trim(), sim: `${sim.status} ${message(sim.body)}`.trim() });
  } else walk(real.body, sim.body, '', '', out);
  const seen = new Set<string>();
  return out
    .filter((d) => {
      const k = `${d.kind} ${d.path}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .map((d) => ({ op, step, ...d }));
}

/** A state sequence without consecutive repeats (what a poller sees, whatever its rate). */
export function transitions(states: readonly string[]): string[] {
  return states.filter((s, i) => i === 0 || s !== states[i - 1]);
}

/** Compares the states two backends went through; a sequence that differs is one difference. */
export function compareTransitions(op: string, step: string, real: readonly string[], sim: readonly string[]): Difference[] {
  const r = transitions(real);
  const s = transitions(sim);
  return r.join(' > ') === s.join(' > ') ? [] : [{ op, step, kind: 'transitions', path: '', real: r.join(' > '), sim: s.join(' > ') }];
}

export interface AllowEntry {
  /** The operation key; "*" matches any run of characters. */
  readonly op: string;
  /** The JSON path ("*" as in op); "" for the status code and transitions. */
  readonly path: string;
  /** When given, only the differences seen at this step ("*" as in op). */
  readonly step?: string;
  readonly kind?: DiffKind;
  /** When given, the difference must have exactly these values. */
  readonly real?: string;
  readonly sim?: string;
  readonly reason: string;
}

function globMatch(pattern: string, s: string): boolean {
  if (!pattern.includes('*')) return pattern === s;
  const re = new RegExp(`^${pattern.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(s);
}

/** The allow-list entry that accepts this difference, if any. */
export function allowedBy(d: Difference, list: readonly AllowEntry[]): AllowEntry | undefined {
  return list.find(
    (e) =>
      globMatch(e.op, d.op) &&
      globMatch(e.path, d.path) &&
      (e.step === undefined || globMatch(e.step, d.step)) && (!e.kind || e.kind === d.kind) && (e.real === undefined || e.real === d.real) && (e.sim === undefined || e.sim === d.sim),
  );
}
