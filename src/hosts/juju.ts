// Juju (D-011.1, D-040): `juju status --format=json -m MODEL` parsed into applications and units
// (api-notes §10), and reserved_host_memory_mb read from nova.conf on EVERY unit of the compute
// application with the runbook's own command, `juju ssh UNIT 'sudo grep -i reserved_host_memory
// /etc/nova/nova.conf'` (the runbook checks /0 only; D-040 says all hosts). nova.conf is what is
// in effect; `juju config` would only show what the charm was asked for.

import { z } from 'zod';
import { CapiGateError } from '../core/errors.js';
import type { CommandRunner } from './exec.js';
import { lastErrorLine } from './exec.js';

const statusObj = z.looseObject({ current: z.string().default('unknown'), message: z.string().optional(), since: z.string().optional() });
type StatusObjIn = z.input<typeof statusObj>;

interface UnitIn {
  'workload-status'?: StatusObjIn;
  'juju-status'?: StatusObjIn;
  machine?: string;
  'public-address'?: string;
  leader?: boolean;
  subordinates?: Record<string, UnitIn>;
}
const unitSchema: z.ZodType<UnitIn> = z.lazy(() =>
  z.looseObject({
    'workload-status': statusObj.optional(),
    'juju-status': statusObj.optional(),
    machine: z.string().optional(),
    'public-address': z.string().optional(),
    leader: z.boolean().optional(),
    subordinates: z.record(z.string(), unitSchema).optional(),
  }),
);

const statusSchema = z.looseObject({
  model: z.looseObject({ name: z.string(), controller: z.string().optional(), version: z.string().optional() }),
  applications: z
    .record(
      z.string(),
      z.looseObject({
        charm: z.string().optional(),
        'charm-name': z.string().optional(),
        'application-status': statusObj.optional(),
        units: z.record(z.string(), unitSchema).optional(),
        'subordinate-to': z.array(z.string()).optional(),
      }),
    )
    .default({}),
});

export interface JujuStatusValue {
  readonly current: string;
  readonly message: string;
}

export interface JujuUnit {
  readonly name: string;
  readonly application: string;
  readonly workload: JujuStatusValue;
  readonly agent: JujuStatusValue;
  readonly machine: string | undefined;
  readonly address: string | undefined;
  /** The principal unit, for a subordinate (hacluster-vault/0 under vault/0). */
  readonly principal: string | undefined;
}

export interface JujuApplication {
  readonly name: string;
  readonly charm: string;
  readonly status: JujuStatusValue;
  readonly subordinate: boolean;
  readonly units: readonly JujuUnit[];
}

export interface JujuStatus {
  readonly model: string;
  /** When the client took this status (ISO 8601); absent on a status parsed from text alone. */
  readonly takenAt?: string;
  readonly controller: string | undefined;
  readonly applications: readonly JujuApplication[];
}

const value = (s: StatusObjIn | undefined): JujuStatusValue => ({ current: s?.current ?? 'unknown', message: s?.message ?? '' });

/**
 * Natural order, as juju prints units: nova-compute/2 before nova-compute/10. Runs of digits
 * compare as numbers, the rest as code units (juju names are ASCII); no Intl.Collator, whose ICU
 * data costs ~6 ms of a start.
 */
export function naturalCompare(a: string, b: string): number {
  const x = a.match(/\d+|\D+/g) ?? [];
  const y = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (p === q) continue;
    const numeric = /^\d/.test(p) && /^\d/.test(q);
    if (numeric && Number(p) !== Number(q)) return Number(p) - Number(q);
    return p < q ? -1 : 1;
  }
  return x.length - y.length;
}

export function parseJujuStatus(text: string): JujuStatus {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CapiGateError('CAPI_GATE_BAD_RESPONSE', `juju status did not print JSON: ${text.slice(0, 120)}`, { cause: e });
  }
  const parsed = statusSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CapiGateError('CAPI_GATE_BAD_RESPONSE', `juju status JSON is not the documented shape: ${parsed.error.issues[0]?.message ?? ''} at ${parsed.error.issues[0]?.path.join('.') ?? ''}`);
  }
  const apps = new Map<string, { name: string; charm: string; status: JujuStatusValue; subordinate: boolean; units: JujuUnit[] }>();
  for (const [name, a] of Object.entries(parsed.data.applications)) {
    apps.set(name, { name, charm: a['charm-name'] ?? a.charm ?? name, status: value(a['application-status']), subordinate: (a['subordinate-to']?.length ?? 0) > 0, units: [] });
  }
  const appOf = (unit: string): string => unit.split('/')[0] ?? unit;
  const add = (name: string, u: UnitIn, principal: string | undefined): void => {
    const app = appOf(name);
    let entry = apps.get(app);
    if (!entry) {
      entry = { name: app, charm: app, status: { current: 'unknown', message: '' }, subordinate: principal !== undefined, units: [] };
      apps.set(app, entry);
    }
    entry.units.push({ name, application: app, workload: value(u['workload-status']), agent: value(u['juju-status']), machine: u.machine, address: u['public-address'], principal });
    for (const [sub, su] of Object.entries(u.subordinates ?? {})) add(sub, su, name);
  };
  for (const [, a] of Object.entries(parsed.data.applications)) for (const [uname, u] of Object.entries(a.units ?? {})) add(uname, u, undefined);
  const applications = [...apps.values()]
    .map((a) => ({ ...a, units: a.units.sort((x, y) => naturalCompare(x.name, y.name)) }))
    .sort((x, y) => naturalCompare(x.name, y.name));
  return { model: parsed.data.model.name, controller: parsed.data.model.controller, applications };
}

export interface CharmProblem {
  readonly kind: 'application' | 'unit';
  readonly name: string;
  readonly workload: string;
  readonly agent: string;
  readonly message: string;
}

/**
 * D-011.1 "all charms active/idle": an application must be active; a unit's workload must be
 * active and its agent idle -- or executing, which is a hook in flight (update-status runs every
 * 5 minutes) and which the runbook's `grep -vE 'active|idle'` lets through on an active workload.
 * Unlike that grep, a blocked workload with an idle agent is a problem (the grep misses it: the
 * line contains "idle").
 */
export function charmProblems(status: JujuStatus): CharmProblem[] {
  const out: CharmProblem[] = [];
  for (const app of status.applications) {
    // A subordinate application's status is derived from its units; report the units.
    if (!app.subordinate && app.status.current !== 'active') {
      out.push({ kind: 'application', name: app.name, workload: app.status.current, agent: '', message: app.status.message });
    }
    for (const u of app.units) {
      const okAgent = u.agent.current === 'idle' || u.agent.current === 'executing';
      if (u.workload.current !== 'active' || !okAgent) {
        out.push({ kind: 'unit', name: u.name, workload: u.workload.current, agent: u.agent.current, message: u.workload.message || u.agent.message });
      }
    }
  }
  return out;
}

/** `juju status --format=short` lines for the evidence (api-notes §10: `- %s: %s (%v)`). */
export function shortFormat(status: JujuStatus): string {
  const lines: string[] = [];
  const byName = new Map(status.applications.flatMap((a) => a.units.map((u) => [u.name, u] as const)));
  const children = (principal: string): JujuUnit[] => [...byName.values()].filter((u) => u.principal === principal).sort((a, b) => naturalCompare(a.name, b.name));
  const emit = (u: JujuUnit, depth: number): void => {
    lines.push(`${'  '.repeat(depth)}- ${u.name}: ${u.address ?? ''} (agent:${u.agent.current}, workload:${u.workload.current})`);
    for (const c of children(u.name)) emit(c, depth + 1);
  };
  for (const app of status.applications) for (const u of app.units) if (u.principal === undefined) emit(u, 0);
  return lines.join('\n') + '\n';
}

export interface ReservedMemory {
  readonly unit: string;
  /** The value in effect; nova's default (512) when nova.conf does not set it. */
  readonly valueMb: number | undefined;
  readonly source: 'nova.conf' | 'nova default' | 'error';
  /** The grep output, verbatim (for the evidence). */
  readonly raw: string;
  readonly error?: string;
}

/** nova's own default for reserved_host_memory_mb. */
export const NOVA_DEFAULT_RESERVED_MB = 512;

/** Parses `grep -i reserved_host_memory nova.conf`: commented lines ignored, the last setting wins. */
export function parseReservedMemory(grepOutput: string): number | undefined {
  let found: number | undefined;
  for (const line of grepOutput.split(/\r?\n/)) {
    const m = /^\s*reserved_host_memory_mb\s*=\s*(\d+)\s*$/i.exec(line);
    if (m) found = Number(m[1]);
  }
  return found;
}

export interface JujuClient {
  readonly model: string;
  /**
   * `juju status --format=json`: a status this client took less than `reuseMs` ago is answered
   * again instead of asking juju (D-040 reads the compute units before 8.1, D-011.1 every charm
   * right after it: one `juju status`, which takes seconds on a real model, serves both).
   */
  status(signal: AbortSignal): Promise<JujuStatus>;
  /** reserved_host_memory_mb on each unit of the compute application (from this status, or a fresh one). */
  reservedHostMemory(signal: AbortSignal, status?: JujuStatus): Promise<{ application: string; units: ReservedMemory[] }>;
}

export interface JujuOptions {
  readonly binary: string;
  readonly model: string;
  readonly computeApplication: string;
  readonly run: CommandRunner;
  readonly env: NodeJS.ProcessEnv;
  /** Budget of one juju call. */
  readonly timeoutMs: number;
  /** How many `juju ssh` calls run at once. */
  readonly concurrency?: number;
  /** How long a status taken by this client is answered again (default 30 s; 0: every call asks juju). */
  readonly reuseMs?: number;
  /** The clock (tests). */
  readonly now?: () => number;
}

export const RESERVED_MEMORY_COMMAND = 'sudo grep -i reserved_host_memory /etc/nova/nova.conf';

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

export function createJujuClient(o: JujuOptions): JujuClient {
  const now = o.now ?? Date.now;
  const reuseMs = o.reuseMs ?? 30_000;
  // Only a status that was answered is kept: a failure (or an abort) is never handed to the next caller.
  let last: { at: number; status: JujuStatus } | undefined;
  const status = async (signal: AbortSignal): Promise<JujuStatus> => {
    if (last && now() - last.at < reuseMs) return last.status;
    const at = now();
    const r = await o.run(o.binary, ['status', '--format=json', '-m', o.model], { env: o.env, timeoutMs: o.timeoutMs }, signal);
    if (r.code !== 0) {
      throw new CapiGateError('CAPI_GATE_API', `juju status -m ${o.model} exited ${r.code}: ${lastErrorLine(r.stderr) || '(no message)'}`, {
        hint: 'Check that juju is logged in to the controller (juju whoami) and that the model name in the site file (juju.model) exists (juju models).',
      });
    }
    const st = { ...parseJujuStatus(r.stdout), takenAt: new Date(at).toISOString() };
    last = { at, status: st };
    return st;
  };
  return {
    model: o.model,
    status,
    async reservedHostMemory(signal, known) {
      const st = known ?? (await status(signal));
      const app = st.applications.find((a) => a.name === o.computeApplication);
      if (!app || app.units.length === 0) {
        throw new CapiGateError('CAPI_GATE_PRECONDITION', `application ${o.computeApplication} has no units in model ${st.model}`, {
          hint: `Set juju.computeApplication in the site file to the nova-compute application's name (juju status -m ${o.model}).`,
        });
      }
      const units = await mapLimit(app.units.filter((u) => u.principal === undefined), o.concurrency ?? 4, async (u): Promise<ReservedMemory> => {
        const r = await o.run(o.binary, ['ssh', '-m', o.model, u.name, RESERVED_MEMORY_COMMAND], { env: o.env, timeoutMs: o.timeoutMs }, signal);
        const raw = r.stdout.replace(/\r/g, '');
        const v = parseReservedMemory(raw);
        if (r.code === 0 && v !== undefined) return { unit: u.name, valueMb: v, source: 'nova.conf', raw };
        // grep exits 1 when nothing matches: the option is not set, so nova's default applies.
        if (r.code === 1 && raw.trim() === '' && !/error/i.test(r.stderr)) return { unit: u.name, valueMb: NOVA_DEFAULT_RESERVED_MB, source: 'nova default', raw };
        if (r.code === 0) return { unit: u.name, valueMb: NOVA_DEFAULT_RESERVED_MB, source: 'nova default', raw };
        return { unit: u.name, valueMb: undefined, source: 'error', raw, error: `juju ssh ${u.name} exited ${r.code}: ${lastErrorLine(r.stderr) || '(no message)'}` };
      });
      return { application: app.name, units };
    },
  };
}
