// Child processes with their cost: wall time, user + system CPU and peak RSS of the child and
// every descendant it reaped (GNU time's wait4 rusage), so a bash script's openstack and kubectl
// processes are counted in full.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export interface Measured {
  readonly code: number | null;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly wallMs: number;
  /** user + system CPU seconds of the process tree (null when GNU time is missing). */
  readonly cpuS: number | null;
  readonly userS: number | null;
  readonly sysS: number | null;
  /** Peak resident set of the largest process in the tree, MB. */
  readonly maxRssMb: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const GNU_TIME = '/usr/bin/time';
let seq = 0;

export function haveGnuTime(): boolean {
  return existsSync(GNU_TIME);
}

export function measure(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<Measured> {
  const timeFile = join(tmpdir(), `capi-gate-bench-time-${process.pid}-${++seq}`);
  const timed = haveGnuTime();
  const file = timed ? GNU_TIME : cmd;
  const argv = timed ? ['-f', '%e %U %S %M', '-o', timeFile, cmd, ...args] : [...args];
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const t0 = performance.now();
    const child = spawn(file, argv, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += String(d); });
    child.stderr.on('data', (d) => { stderr += String(d); });
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs) : undefined;
    child.once('error', reject);
    child.once('close', (code) => {
      if (timer) clearTimeout(timer);
      const wallMs = performance.now() - t0;
      let userS: number | null = null;
      let sysS: number | null = null;
      let maxRssMb: number | null = null;
      if (timed && existsSync(timeFile)) {
        const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
        const [, u, s, m] = last.split(/\s+/).map(Number);
        if (u !== undefined && Number.isFinite(u)) userS = u;
        if (s !== undefined && Number.isFinite(s)) sysS = s;
        if (m !== undefined && Number.isFinite(m)) maxRssMb = m / 1024;
        rmSync(timeFile, { force: true });
      }
      resolve({ code, startedAt, endedAt: startedAt + wallMs, wallMs, userS, sysS, cpuS: userS !== null && sysS !== null ? userS + sysS : null, maxRssMb, stdout, stderr });
    });
  });
}

/** VmRSS and VmHWM (peak) of a live process, MB; undefined once it is gone or off Linux. */
export function memoryOf(pid: number): { rssMb: number; hwmMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number((new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status) ?? [])[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** sysconf(_SC_CLK_TCK): 100 on every Linux Node runs on. */
const CLOCK_TICKS = 100;

/** user + system CPU seconds a live process has used so far (/proc/PID/stat); undefined once it is gone or off Linux. */
export function cpuOf(pid: number): number | undefined {
  try {
    // The fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / CLOCK_TICKS : undefined;
  } catch {
    return undefined;
  }
}

