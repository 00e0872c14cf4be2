// A `capi-gate sim` process, as a user starts it, plus what the benchmarks read from its control
// API: the request log and the timeline (collected incrementally, so neither ring buffer drops
// entries under a fleet), the simulated clock (to map simulated timestamps to wall time) and the
// process's memory.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { cpuOf, memoryOf } from './proc.js';
import type { CallRecord } from '../../sim/request-log.js';

export interface TimelineEntry {
  readonly seq: number;
  /** Simulated epoch ms. */
  readonly at: number;
  readonly kind: string;
  readonly id?: string;
  readonly name?: string;
  readonly from?: string | null;
  readonly to?: string;
  readonly detail?: string;
}

export interface RequestEntry extends CallRecord {
  readonly seq: number;
  readonly userAgent?: string;
  readonly user?: string;
}

/** Services whose requests are not a client's: the simulated driver's own calls and the control API. */
const NOT_CLIENT = new Set(['driver', 'control']);

export class BenchSim {
  readonly timeline: TimelineEntry[] = [];
  readonly requests: RequestEntry[] = [];
  private timelineSeq = 0;
  private requestSeq = 0;
  private poller: NodeJS.Timeout | undefined;
  private peakRssMb = 0;
  private collecting: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    readonly control: string,
    readonly timeScale: number,
    private readonly child: ChildProcess,
  ) {}

  /**
   * Starts a sim; the simulated site binds fixed loopback addresses, so while another one runs on
   * this machine (a test, a demo) it waits for it, up to waitMs.
   */
  static async start(bin: string, dir: string, timeScale: number, scenario?: string, waitMs = 10 * 60_000, onWait?: (msg: string) => void, nodeArgs: readonly string[] = []): Promise<BenchSim> {
    const until = Date.now() + waitMs;
    for (;;) {
      try {
        return await BenchSim.startOnce(bin, dir, timeScale, scenario, nodeArgs);
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        if (!/EADDRINUSE/.test(msg) || Date.now() > until) throw err;
        onWait?.(`another simulated site holds its addresses; waiting (${msg.split('\n')[0] ?? ''})`);
        await new Promise((r) => setTimeout(r, 5_000));
      }
    }
  }

  /**
   * The simulator's scheduling priority (nice value; 0 = as the runs). The simulator stands in for
   * a cloud that runs on its own machines; on the bench's 2 CPUs it shares them with the runs it
   * serves, and a fleet's runs would otherwise hold its timers (the cloud's own progress) back.
   */
  static priority = 0;
  /** setpriority was refused (not root): the figures were taken at nice 0. */
  static priorityRefused = false;

  /** nodeArgs: node's own arguments before bin (the bench's --cpu-prof). */
  private static async startOnce(bin: string, dir: string, timeScale: number, scenario?: string, nodeArgs: readonly string[] = []): Promise<BenchSim> {
    const args = [...nodeArgs, bin, 'sim', '--out', dir, '--time-scale', String(timeScale), ...(scenario ? ['--scenario', scenario] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    if (BenchSim.priority !== 0 && child.pid) {
      try {
        setPriority(child.pid, BenchSim.priority);
      } catch (e) {
        // A negative nice needs root (CAP_SYS_NICE): say so once, and go on at the runs' priority.
        if (!BenchSim.priorityRefused) console.error(`bench: the simulator stays at nice 0: setpriority ${BenchSim.priority} refused (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
        BenchSim.priorityRefused = true;
      }
    }
    let out = '';
    child.stderr.on('data', (d) => { out += String(d); });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sim not ready in 60 s: ${out}`)), 60_000);
      child.stdout.on('data', (d) => {
        out += String(d);
        if (/^ready$/m.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`sim exited ${String(code)}: ${out}`));
      });
    });
    const control = (/^control +(http:\/\/\S+)\/_sim\/state$/m.exec(out) ?? [])[1];
    if (!control) throw new Error(`no control URL in the sim's output: ${out}`);
    const sim = new BenchSim(dir, control, timeScale, child);
    sim.poller = setInterval(() => { void sim.collect(); }, 2_000);
    return sim;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get site(): string {
    return join(this.dir, 'site.yaml');
  }

  /** The environment a run or a bash script sees: the simulated clouds and the sim's bin/ first. */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { ...process.env, OS_CLIENT_CONFIG_FILE: join(this.dir, 'clouds.yaml'), NO_COLOR: '1', PATH: `${join(this.dir, 'bin')}:${process.env.PATH ?? ''}`, ...extra };
  }

  private async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.control}${path}`);
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  }

  /** Pulls new timeline and request-log entries (serialised: one pull at a time). */
  collect(): Promise<void> {
    this.collecting = this.collecting.then(async () => {
      try {
        const mem = memoryOf(this.pid);
        if (mem) this.peakRssMb = Math.max(this.peakRssMb, mem.hwmMb);
        const t = await this.get<{ timeline: TimelineEntry[] }>(`/_sim/timeline?since=${this.timelineSeq}`);
        for (const e of t.timeline) if (e.seq > this.timelineSeq) this.timeline.push(e);
        this.timelineSeq = this.timeline.at(-1)?.seq ?? this.timelineSeq;
        const r = await this.get<{ requests: RequestEntry[] }>(`/_sim/requests?since=${this.requestSeq}`);
        for (const e of r.requests) if (e.seq > this.requestSeq) this.requests.push(e);
        this.requestSeq = this.requests.at(-1)?.seq ?? this.requestSeq;
      } catch {
        // the sim is stopping; what was collected stands
      }
    });
    return this.collecting;
  }

  /** Requests made by clients (not the simulated driver, not the control API) since seq `after`. */
  clientRequests(after = 0, before = Infinity): RequestEntry[] {
    return this.requests.filter((r) => r.seq > after && r.seq <= before && !NOT_CLIENT.has(r.service));
  }

  get lastRequestSeq(): number {
    return this.requestSeq;
  }

  /** Maps a simulated epoch ms to wall-clock epoch ms (valid while nobody advances the clock by hand). */
  async clockMap(): Promise<(simMs: number) => number> {
    const t0 = Date.now();
    const c = await this.get<{ now: number; timeScale: number }>('/_sim/clock');
    const t1 = Date.now();
    const realAtNow = (t0 + t1) / 2;
    return (simMs) => realAtNow + (simMs - c.now) * c.timeScale;
  }

  /** CPU seconds the simulator process has used so far. */
  cpuS(): number {
    return cpuOf(this.pid) ?? NaN;
  }

  /** Peak RSS (VmHWM) of the sim process seen so far, MB. */
  memory(): { rssMb: number; peakMb: number } {
    const mem = memoryOf(this.pid);
    if (mem) this.peakRssMb = Math.max(this.peakRssMb, mem.hwmMb);
    return { rssMb: mem?.rssMb ?? NaN, peakMb: this.peakRssMb };
  }

  async stop(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    await this.collecting;
    if (this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    await once(this.child, 'exit');
  }
}
