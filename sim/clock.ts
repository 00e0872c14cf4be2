// The simulator's virtual clock. Simulated time runs 1/timeScale times faster than real time
// (timeScale 0.01: a 10-minute create takes 6 s), can be advanced by hand through /_sim/clock,
// and drives every lifecycle through timers kept in simulated time.

export interface SimTimer {
  readonly id: number;
  readonly due: number;
  readonly label: string;
}

interface Entry extends SimTimer {
  fn: () => void;
}

export class SimClock {
  private realStart: number;
  private simStart: number;
  private scale: number;
  private offsetMs = 0;
  private entries: Entry[] = [];
  private seq = 0;
  private handle: NodeJS.Timeout | undefined;
  private closed = false;
  /** Errors thrown by timer callbacks (kept, never thrown into the event loop). */
  readonly errors: unknown[] = [];

  constructor(timeScale: number, simStart = Date.now(), private readonly realNow: () => number = () => performance.now()) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new RangeError(`timeScale must be a positive number, got ${timeScale}`);
    this.scale = timeScale;
    this.realStart = this.realNow();
    this.simStart = simStart;
  }

  get timeScale(): number {
    return this.scale;
  }

  /** Simulated epoch milliseconds. */
  now(): number {
    return this.simStart + (this.realNow() - this.realStart) / this.scale + this.offsetMs;
  }

  /** Changes the scale from now on; simulated time does not jump. */
  setTimeScale(timeScale: number): void {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new RangeError(`timeScale must be a positive number, got ${timeScale}`);
    const now = this.now();
    this.realStart = this.realNow();
    this.simStart = now - this.offsetMs;
    this.scale = timeScale;
    this.arm();
  }

  /**
   * Moves simulated time forward, firing every timer that falls due. Time steps from timer to
   * timer, so a callback sees now() equal to its due time and timers it schedules inside the
   * window fire too.
   */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('the clock only moves forward');
    const target = this.now() + ms;
    for (;;) {
      const first = this.entries[0];
      if (!first || first.due > target || this.closed) break;
      if (first.due > this.now()) this.offsetMs += first.due - this.now();
      this.entries.shift();
      try {
        first.fn();
      } catch (err) {
        this.errors.push(err);
      }
    }
    if (target > this.now()) this.offsetMs += target - this.now();
    this.arm();
  }

  /** Runs fn after `simMs` of simulated time. */
  after(simMs: number, label: string, fn: () => void): SimTimer {
    const e: Entry = { id: ++this.seq, due: this.now() + Math.max(0, simMs), label, fn };
    this.entries.push(e);
    this.entries.sort((a, b) => a.due - b.due || a.id - b.id);
    this.arm();
    return { id: e.id, due: e.due, label };
  }

  cancel(t: SimTimer | undefined): void {
    if (!t) return;
    this.entries = this.entries.filter((e) => e.id !== t.id);
    this.arm();
  }

  pending(): SimTimer[] {
    return this.entries.map(({ id, due, label }) => ({ id, due, label }));
  }

  close(): void {
    this.closed = true;
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
    this.entries = [];
  }

  private runDue(): void {
    // A timer may be at most 1 ms of real time early (float rounding); treat it as due.
    const horizon = () => this.now() + 1 / this.scale;
    for (;;) {
      const first = this.entries[0];
      if (!first || first.due > horizon() || this.closed) break;
      this.entries.shift();
      try {
        first.fn();
      } catch (err) {
        this.errors.push(err);
      }
    }
    this.arm();
  }

  private arm(): void {
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
    const first = this.entries[0];
    if (!first || this.closed) return;
    const realDelay = Math.max(0, (first.due - this.now()) * this.scale);
    this.handle = setTimeout(() => {
      this.handle = undefined;
      this.runDue();
    }, Math.min(realDelay, 2 ** 31 - 1));
    this.handle.unref?.();
  }
}
