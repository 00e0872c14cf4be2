// A dense, independent observer of the real control plane's own state, for the detection lag of
// capi-gate's OpenStack waits on the real services: Magnum's cluster rows and Octavia's load
// balancer rows, read straight from the full profile's MariaDB (over its socket, as root, as
// sim/real/faults.ts does) every `periodMs` by one long-lived `mysql` client. The APIs serve
// exactly these rows, so the first sight of a state here is the earliest moment any API client
// could have seen it, within one period. It sends no API request: the request counts of the
// services' logs are not touched.

import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

/** One observed change of a row: its state became `to` (or the row went: 'gone') at `at` (epoch ms). */
export interface ObservedChange {
  readonly kind: 'magnum.cluster' | 'octavia.loadbalancer';
  readonly id: string;
  readonly name: string;
  /** Magnum: the cluster's Heat/driver stack id (CAPO names its API LB after it). */
  readonly stackId?: string;
  readonly from: string | null;
  readonly to: string;
  /** When the observer first saw `to` (epoch ms; the change happened within one period before). */
  readonly at: number;
  /** When it last saw `from` (the change happened after it). */
  readonly prevAt: number | null;
}

export interface ObserverStats {
  readonly reads: number;
  readonly meanPeriodMs: number;
  readonly maxPeriodMs: number;
}

const END = '__capi_gate_observer_end__';
const QUERY =
  "SELECT 'M', uuid, name, status, IFNULL(stack_id, '') FROM magnum.cluster;" +
  "SELECT 'O', id, IFNULL(name, ''), provisioning_status, '' FROM octavia.load_balancer WHERE provisioning_status <> 'DELETED' OR updated_at > NOW() - INTERVAL 1 HOUR;" +
  `SELECT '${END}';\n`;

interface Row { kind: ObservedChange['kind']; id: string; name: string; stackId: string; status: string }

export class DbObserver {
  readonly changes: ObservedChange[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly last = new Map<string, { row: Row; at: number }>();
  private buf = '';
  private pending: Row[] = [];
  private sentAt = 0;
  private lastReadAt = 0;
  private reads = 0;
  private sumPeriod = 0;
  private maxPeriod = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  private stopped = false;
  private err = '';

  private constructor(realDir: string, private readonly periodMs: number) {
    const sock = join(realDir, 'full', 'mysql', 'mysqld.sock');
    // --unbuffered: each query's rows are flushed as it ends, so every read is timed on arrival.
    this.child = spawn('mysql', ['--no-defaults', '-S', sock, '-uroot', '-N', '-B', '--unbuffered'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d: Buffer) => this.onData(d.toString('utf8')));
    this.child.stderr.on('data', (d: Buffer) => (this.err += d.toString('utf8')));
  }

  /** Starts reading; rejects when the first read does not come back within 10 s. */
  static async start(realDir: string, periodMs = 200): Promise<DbObserver> {
    const o = new DbObserver(realDir, periodMs);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`the MariaDB observer got no answer in 10 s: ${o.err.trim() || 'no output'}`)), 10_000);
      o.child.once('exit', (code) => { clearTimeout(t); reject(new Error(`mysql exited ${String(code)}: ${o.err.trim()}`)); });
      o.onFirst = () => { clearTimeout(t); resolve(); };
      o.tick();
    });
    o.child.removeAllListeners('exit');
    return o;
  }

  private onFirst: (() => void) | undefined;

  private tick(): void {
    if (this.stopped || this.inFlight) return;
    this.inFlight = true;
    this.sentAt = Date.now();
    this.child.stdin.write(QUERY);
  }

  private onData(text: string): void {
    this.buf += text;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (line === END) this.endRead();
      else {
        const [k, id, name, status, stack] = line.split('\t');
        if ((k === 'M' || k === 'O') && id && status) this.pending.push({ kind: k === 'M' ? 'magnum.cluster' : 'octavia.loadbalancer', id, name: name ?? '', stackId: stack ?? '', status });
      }
    }
  }

  private endRead(): void {
    const at = Date.now();
    const seen = new Set<string>();
    for (const row of this.pending) {
      const key = `${row.kind}/${row.id}`;
      seen.add(key);
      const prev = this.last.get(key);
      if (!prev || prev.row.status !== row.status) {
        this.changes.push({ kind: row.kind, id: row.id, name: row.name, ...(row.stackId ? { stackId: row.stackId } : {}), from: prev?.row.status ?? null, to: row.status, at, prevAt: prev ? prev.at : (this.reads ? this.lastReadAt : null) });
      }
      this.last.set(key, { row, at });
    }
    for (const [key, prev] of [...this.last]) {
      if (seen.has(key)) continue;
      const r = prev.row;
      this.changes.push({ kind: r.kind, id: r.id, name: r.name, ...(r.stackId ? { stackId: r.stackId } : {}), from: r.status, to: 'gone', at, prevAt: prev.at });
      this.last.delete(key);
    }
    this.pending = [];
    if (this.reads) {
      const period = at - this.lastReadAt;
      this.sumPeriod += period;
      this.maxPeriod = Math.max(this.maxPeriod, period);
    }
    this.reads++;
    this.lastReadAt = at;
    this.inFlight = false;
    if (this.onFirst) {
      const f = this.onFirst;
      this.onFirst = undefined;
      f();
    }
    if (!this.stopped) this.timer = setTimeout(() => this.tick(), Math.max(0, this.periodMs - (at - this.sentAt)));
  }

  stats(): ObserverStats {
    return { reads: this.reads, meanPeriodMs: this.reads > 1 ? this.sumPeriod / (this.reads - 1) : NaN, maxPeriodMs: this.maxPeriod };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.child.stdin.end();
    if (this.child.exitCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { this.child.kill('SIGTERM'); resolve(); }, 3000);
        this.child.once('exit', () => { clearTimeout(t); resolve(); });
      });
    }
  }
}
