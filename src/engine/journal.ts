// The run journal under runs/<run-id>/: an append-only JSON-lines file, written on every record
// (and synced to disk on the ones that guard the cloud, see SYNCED), so a run killed at any point
// can be resumed without redoing a finished step or repeating a mutation. A torn last line
// (kill -9 mid-write) is ignored.

import { closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmdirSync, statSync, writeFileSync, writeSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CapiGateError } from '../core/errors.js';
import { redactor } from '../core/redact.js';
import type { StepOutcome } from './step.js';
import type { WaitResult } from './waiter.js';

export type JournalRecord =
  | { t: 'run-start'; at: number; resumed: boolean }
  | { t: 'step-start'; step: string; at: number; attempt: number }
  | { t: 'step-end'; step: string; at: number; startedAt: number; outcome: StepOutcome; waits: WaitResult<unknown>[] }
  | { t: 'capture'; key: string; value: string; at: number }
  | { t: 'mutation-intent'; key: string; at: number }
  | { t: 'mutation-done'; key: string; record: Record<string, unknown>; created: boolean; at: number }
  | { t: 'teardown-armed'; step: string; at: number }
  | { t: 'teardown-done'; step: string; ok: boolean; message: string; at: number }
  | { t: 'signoff'; item: string; by: string; note: string; at: number; amends?: boolean }
  | { t: 'diagnosis'; step: string; playbook: string; found: boolean; evidence: string; error?: string; at: number }
  | { t: 'remediation'; playbook: string; action: string; ok: boolean; at: number; step?: string }
  | { t: 'run-end'; at: number; verdict: string; exitCode: number; interrupted: boolean };

export interface RunMeta {
  readonly schema: 'capi-gate/run@1';
  readonly runId: string;
  readonly site: string;
  readonly sitePath: string;
  readonly createdAt: number;
  readonly selection: { only: string[]; skip: string[] };
  readonly version: string;
}

export function newRunId(now: number): string {
  const d = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${d}-${randomBytes(2).toString('hex')}`;
}

/**
 * Records synced to disk before append returns: the ones that keep a resume from repeating or
 * leaking a change to the cloud (captured ids, mutation intent/done, teardown), what an operator
 * did (remediation, sign-off) and the run's end. The others (step start/end, diagnoses) are
 * written, which a kill -9 of the process does not undo (the kernel holds them), and reach the
 * disk with the next synced record; a machine crash can lose them, and the resume then runs those
 * steps again: a read step repeats harmlessly, a mutating one finds its synced mutation record.
 * (Syncing all ~60 records of a run cost ~1 ms of CPU each, ~17 ms before the create.)
 */
const SYNCED: ReadonlySet<JournalRecord['t']> = new Set<JournalRecord['t']>(['capture', 'mutation-intent', 'mutation-done', 'teardown-armed', 'teardown-done', 'signoff', 'remediation', 'run-end']);

export class Journal {
  readonly dir: string;
  readonly meta: RunMeta;
  private records: JournalRecord[];
  private fd: number;
  /** fsyncs done by this process (tests). */
  syncs = 0;

  private constructor(dir: string, meta: RunMeta, records: JournalRecord[]) {
    this.dir = dir;
    this.meta = meta;
    this.records = records;
    this.fd = openSync(join(dir, 'journal.jsonl'), 'a', 0o600);
  }

  static create(runsDir: string, meta: Omit<RunMeta, 'schema'>): Journal {
    const root = ensureDir(runsDir);
    const dir = join(root, meta.runId);
    const full: RunMeta = { schema: 'capi-gate/run@1', ...meta };
    try {
      mkdirSync(dir, { mode: 0o700 });
      const tmp = join(dir, 'run.json.tmp');
      writeFileSync(tmp, JSON.stringify(full, null, 2) + '\n');
      renameSync(tmp, join(dir, 'run.json'));
    } catch (e) {
      throw runsDirError(root, e);
    }
    return new Journal(dir, full, []);
  }

  /**
   * Makes sure a run directory can be made under runsDir, before anything else is done and
   * without leaving anything behind: a directory is made and removed again in runsDir, or in its
   * deepest existing ancestor when it does not exist yet (the only test that holds for root,
   * read-only mounts and pseudo-filesystems alike). Throws CAPI_GATE_USAGE naming the path.
   */
  static checkRunsDir(runsDir: string): string {
    const root = resolve(runsDir);
    let at = root;
    for (;;) {
      let isDir: boolean;
      try {
        isDir = statSync(at).isDirectory();
      } catch (e) {
        const up = dirname(at);
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || up === at) throw runsDirError(root, e);
        at = up;
        continue;
      }
      if (!isDir) throw runsDirError(root, Object.assign(new Error('not a directory'), { code: 'ENOTDIR' }));
      break;
    }
    try {
      rmdirSync(mkdtempSync(join(at, '.capi-gate-write-test-')));
    } catch (e) {
      throw runsDirError(root, e);
    }
    return root;
  }

  /** The site's newest run (by createdAt), whether it finished, and how. */
  static newestRun(runsDir: string, site: string): { runId: string; createdAt: number; end: Extract<JournalRecord, { t: 'run-end' }> | undefined } | undefined {
    const newest = runMetas(runsDir).filter((r) => r.meta.site === site).pop();
    if (!newest) return undefined;
    let records: JournalRecord[] = [];
    try {
      records = readRecords(join(newest.dir, 'journal.jsonl'));
    } catch {
      /* an unreadable journal: as if it had no end */
    }
    return { runId: newest.meta.runId, createdAt: newest.meta.createdAt, end: finalEnd(records) };
  }

  static open(runsDir: string, runId: string): Journal {
    if (!/^[A-Za-z0-9._-]+$/.test(runId) || /^\.+$/.test(runId)) {
      throw new CapiGateError('CAPI_GATE_USAGE', `not a run id: ${JSON.stringify(runId)}`, { hint: 'A run id is a directory name under the runs directory, e.g. 20260609-142233-a1b2 (see `capi-gate history`).' });
    }
    const dir = join(resolve(runsDir), runId);
    const metaPath = join(dir, 'run.json');
    if (!existsSync(metaPath)) {
      throw new CapiGateError('CAPI_GATE_JOURNAL', `no run ${runId} under ${resolve(runsDir)}`, {
        hint: 'List runs with `capi-gate history`, or pass --runs-dir where the run was written.',
      });
    }
    let meta: RunMeta;
    try {
      meta = JSON.parse(readFileSync(metaPath, 'utf8')) as RunMeta;
    } catch {
      throw new CapiGateError('CAPI_GATE_JOURNAL', `${metaPath} is not valid JSON`, { hint: 'The run directory is damaged; start a new run.' });
    }
    return new Journal(dir, meta, readRecords(join(dir, 'journal.jsonl')));
  }

  /** The newest run of this site that has no run-end record. */
  static latestUnfinished(runsDir: string, site: string): string | undefined {
    return listRuns(runsDir)
      .filter((r) => r.meta.site === site && !r.finished)
      .sort((a, b) => b.meta.createdAt - a.meta.createdAt)[0]?.meta.runId;
  }

  /** The site's newest run when it did not finish (a kill or crash ended it); undefined otherwise. */
  static newestIfUnfinished(runsDir: string, site: string): string | undefined {
    // Every run start asks: read the metas, and the journal of the newest only.
    const newest = runMetas(runsDir).filter((r) => r.meta.site === site).pop();
    if (!newest) return undefined;
    try {
      return isFinished(readRecords(join(newest.dir, 'journal.jsonl'))) ? undefined : newest.meta.runId;
    } catch {
      return undefined;
    }
  }

  all(): readonly JournalRecord[] {
    return this.records;
  }

  append(record: JournalRecord): void {
    const clean = redactor.redactValue(record);
    this.records.push(clean);
    writeSync(this.fd, JSON.stringify(clean) + '\n');
    if (SYNCED.has(clean.t)) {
      fsyncSync(this.fd);
      this.syncs++;
    }
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
  }

  finishedSteps(): Map<string, Extract<JournalRecord, { t: 'step-end' }>> {
    const m = new Map<string, Extract<JournalRecord, { t: 'step-end' }>>();
    for (const r of this.records) if (r.t === 'step-end') m.set(r.step, r);
    return m;
  }

  captures(): Map<string, string> {
    const m = new Map<string, string>();
    for (const r of this.records) if (r.t === 'capture') m.set(r.key, r.value);
    return m;
  }

  mutation(key: string): Extract<JournalRecord, { t: 'mutation-done' }> | undefined {
    let found: Extract<JournalRecord, { t: 'mutation-done' }> | undefined;
    for (const r of this.records) if (r.t === 'mutation-done' && r.key === key) found = r;
    return found;
  }

  /**
   * The intent of a create whose result was never journaled (the attempt stopped between the
   * two): the create may have reached the cloud. Undefined once a result follows it.
   */
  pendingMutation(key: string): Extract<JournalRecord, { t: 'mutation-intent' }> | undefined {
    let pending: Extract<JournalRecord, { t: 'mutation-intent' }> | undefined;
    for (const r of this.records) {
      if (r.t === 'mutation-intent' && r.key === key) pending = r;
      if (r.t === 'mutation-done' && r.key === key) pending = undefined;
    }
    return pending;
  }

  /** Teardowns armed by an earlier attempt that never reported done. */
  pendingTeardowns(): string[] {
    const armed = new Set<string>();
    for (const r of this.records) {
      if (r.t === 'teardown-armed') armed.add(r.step);
      if (r.t === 'teardown-done' && r.ok) armed.delete(r.step);
    }
    return [...armed];
  }

  attempts(step: string): number {
    return this.records.filter((r) => r.t === 'step-start' && r.step === step).length;
  }

  ended(): Extract<JournalRecord, { t: 'run-end' }> | undefined {
    return this.records.find((r): r is Extract<JournalRecord, { t: 'run-end' }> => r.t === 'run-end' && !r.interrupted);
  }
}

function readRecords(path: string): JournalRecord[] {
  if (!existsSync(path)) return [];
  const out: JournalRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as JournalRecord);
    } catch {
      // A torn line from a kill mid-write: everything before it stands.
    }
  }
  return out;
}

export interface RunListing {
  readonly dir: string;
  readonly meta: RunMeta;
  readonly finished: boolean;
  readonly records: readonly JournalRecord[];
}

/** Each run directory's meta (run.json), oldest first; a damaged one is left out. */
function runMetas(runsDir: string): { dir: string; meta: RunMeta }[] {
  const root = resolve(runsDir);
  if (!existsSync(root)) return [];
  const out: { dir: string; meta: RunMeta }[] = [];
  for (const name of readdirSync(root)) {
    const metaPath = join(root, name, 'run.json');
    if (!existsSync(metaPath)) continue;
    try {
      out.push({ dir: join(root, name), meta: JSON.parse(readFileSync(metaPath, 'utf8')) as RunMeta });
    } catch {
      /* a damaged run directory is not listed */
    }
  }
  return out.sort((a, b) => a.meta.createdAt - b.meta.createdAt);
}

const finalEnd = (records: readonly JournalRecord[]): Extract<JournalRecord, { t: 'run-end' }> | undefined =>
  records.find((r): r is Extract<JournalRecord, { t: 'run-end' }> => r.t === 'run-end' && !r.interrupted);
const isFinished = (records: readonly JournalRecord[]): boolean => finalEnd(records) !== undefined;

function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a file is in the way (not a directory)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'ENOENT':
      return 'directories cannot be made there';
    default:
      return code ?? (e instanceof Error ? e.message : String(e));
  }
}

/** What a directory is for, in errors: its name and the hint that says how to choose another. */
export interface DirRole {
  readonly name: string;
  readonly hint: string;
}

const RUNS_DIR: DirRole = {
  name: 'the runs directory',
  hint: 'Pass --runs-dir (or set CAPI_GATE_RUNS_DIR) to a directory this user can write, e.g. --runs-dir ~/capi-gate-runs.',
};

function runsDirError(path: string, e: unknown, role: DirRole = RUNS_DIR): CapiGateError {
  return new CapiGateError('CAPI_GATE_USAGE', `${role.name} ${path} cannot be used: ${describeFsError(e)}`, { hint: role.hint, cause: e });
}

/**
 * mkdir -p that always returns: each missing directory is made by itself, from the deepest one
 * that exists. (Node's recursive mkdir retries forever where mkdir answers ENOENT under an
 * existing directory, as under /proc, in a loop no signal reaches.) Throws CAPI_GATE_USAGE naming
 * the path and what it is for (default: the runs directory).
 */
export function ensureDir(path: string, role: DirRole = RUNS_DIR): string {
  const root = resolve(path);
  const missing: string[] = [];
  let at = root;
  for (;;) {
    let st;
    try {
      st = statSync(at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw runsDirError(root, e, role);
      missing.unshift(at);
      const up = dirname(at);
      if (up === at) throw runsDirError(root, e, role);
      at = up;
      continue;
    }
    if (!st.isDirectory()) throw runsDirError(root, Object.assign(new Error('not a directory'), { code: 'ENOTDIR' }), role);
    break;
  }
  for (const d of missing) {
    try {
      mkdirSync(d, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && statSync(d).isDirectory()) continue;
      throw runsDirError(root, e, role);
    }
  }
  return root;
}

export function listRuns(runsDir: string): RunListing[] {
  return runMetas(runsDir).flatMap(({ dir, meta }) => {
    try {
      const records = readRecords(join(dir, 'journal.jsonl'));
      return [{ dir, meta, finished: isFinished(records), records }];
    } catch {
      return []; // a damaged run directory is not listed
    }
  });
}
