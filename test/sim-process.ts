// Starts `capi-gate sim` as a separate process (as a user would) and waits for its `ready` line.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { toLoopback } from '../sim/loopback.js';
import { BIN } from './helpers.js';

export interface SimProcess {
  readonly dir: string;
  readonly site: string;
  readonly control: string;
  /** The loopback net the site came up on (a second site on the machine moves to the next). */
  readonly net: number;
  /** A site address as this sim serves it: 10.a.b.c -> 127.(a+net).b.c. */
  lo(ip: string): string;
  readonly env: NodeJS.ProcessEnv;
  readonly child: ChildProcess;
  state(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startSimProcess(dir: string, args: string[] = []): Promise<SimProcess> {
  const child = spawn(process.execPath, [BIN, 'sim', '--out', dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => { err += String(d); });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sim not ready in 30 s: ${out}${err}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += String(d);
      if (/^ready$/m.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sim exited ${code}: ${out}${err}`));
    });
  });
  const control = (/^control +(http:\/\/\S+)\/_sim\/state$/m.exec(out) ?? [])[1] ?? '';
  const net = Number((/^net +(\d+):/m.exec(out) ?? [])[1] ?? 0);
  return {
    dir,
    site: join(dir, 'site.yaml'),
    control,
    net,
    lo: (ip) => toLoopback(ip, net),
    env: { ...process.env, OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), NO_COLOR: '1', PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}` },
    child,
    state: async () => (await (await fetch(`${control}/_sim/state`)).json()) as Record<string, unknown>,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
