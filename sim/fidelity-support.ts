// Shared by the *.fidelity.test.ts files: find and run the REAL openstack CLI against a
// simulator started with an outDir (its clouds.yaml and openrc files), with a scrubbed
// environment (no OS_* leaks in from the caller) plus HOME and SHELL (`coe cluster config`
// reads os.environ['SHELL'] and crashes without it, api-notes §3.6).

import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { SimHandle, SimOptions } from './index.js';
import { startSim } from './index.js';
import type { CallResult } from './testing.js';
import { request } from './testing.js';

export function findOpenstack(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const p = join(dir, 'openstack');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export const OPENSTACK = findOpenstack();

/** false when the suite can run; a skip reason locally; under CI a missing CLI is a failure (see the first test). */
export const SKIP: false | string = OPENSTACK || process.env['CI'] ? false : 'the openstack CLI is not installed (apt-get install python3-openstackclient python3-magnumclient python3-octaviaclient)';

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export type Cloud = 'sim-admin' | 'sim-tenant' | 'sim-appcred';

export interface CliSim {
  readonly h: SimHandle;
  readonly dir: string;
  os(cloud: Cloud, ...args: string[]): Promise<Run>;
  bash(script: string, env?: Record<string, string>): Promise<Run>;
  control(path: string, body?: unknown): Promise<CallResult>;
  close(): Promise<void>;
}

function spawn(file: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
    });
  });
}

export async function startCliSim(opts: SimOptions): Promise<CliSim> {
  const dir = mkdtempSync(join(tmpdir(), 'capi-fidelity-'));
  mkdirSync(join(dir, 'home'), { recursive: true });
  const h = await startSim({ ...opts, outDir: dir });
  const baseEnv = (): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('OS_')) env[k] = v;
    return { ...env, HOME: join(dir, 'home'), SHELL: '/bin/bash', XDG_CACHE_HOME: join(dir, 'home', '.cache'), PYTHONWARNINGS: 'ignore' };
  };
  return {
    h,
    dir,
    os: (cloud, ...args) => spawn(OPENSTACK ?? 'openstack', args, { ...baseEnv(), OS_CLIENT_CONFIG_FILE: h.files?.clouds ?? '', OS_CLOUD: cloud }),
    bash: (script, env = {}) => spawn('/bin/bash', ['-c', script], { ...baseEnv(), SIM: dir, ...env }),
    control: (path, body) => request(`${h.urls.control}${path}`, body === undefined ? 'GET' : 'POST', body),
    close: async () => {
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const lines = (s: string): string[] => s.trim().split('\n').map((l) => l.trim()).filter(Boolean);
