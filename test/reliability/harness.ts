// Shared plumbing of the reliability tier: spawning the built CLI asynchronously (so several
// cases run at once on two cores), a bounded-concurrency map, a seeded PRNG, and the tally every
// part writes so the last part can print the table (scenarios passed, kill points survived, bad
// inputs tried, secrets leaked).

import { seededRandom } from '../../src/core/backoff.js';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, REPO_ROOT } from '../helpers.js';
import { startSimProcess } from '../sim-process.js';
import type { SimProcess } from '../sim-process.js';

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs `capi-gate ARGS` and resolves when it exits (or is killed at timeoutMs). */
export function cli(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; onSpawn?: (c: ChildProcess) => void } = {}): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { NO_COLOR: '1', ...(opts.env ?? process.env) }, cwd: opts.cwd ?? REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += String(d); });
    child.stderr.on('data', (d) => { stderr += String(d); });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
    opts.onSpawn?.(child);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** A stack trace in user-facing output is a crash, whatever the exit code says. */
export function hasStackTrace(text: string): boolean {
  return /\n\s+at [^\n]*(\(|file:|node:)/.test(text) || /^\s+at (async )?[\w.<>]+ \(/m.test(text);
}

export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** mulberry32: small, seeded, repeatable (the engine's own). */
export const prng = seededRandom;

export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length) % items.length] as T;
}

// ---- the tally ---------------------------------------------------------------------------------

export const TALLY_DIR = join(REPO_ROOT, 'test-artifacts', 'reliability');

export interface Tally {
  readonly part: string;
  scenariosPassed?: number;
  scenariosTried?: number;
  killPointsSurvived?: number;
  killPointsTried?: number;
  badInputsTried?: number;
  badInputsHandled?: number;
  secretsLeaked?: number;
  filesScanned?: number;
  privateKeysFound?: number;
  notes?: string[];
}

export function writeTally(t: Tally): void {
  mkdirSync(TALLY_DIR, { recursive: true });
  writeFileSync(join(TALLY_DIR, `${t.part}.json`), JSON.stringify({ ...t, at: new Date().toISOString() }, null, 2) + '\n');
}

export function readTallies(): Tally[] {
  if (!existsSync(TALLY_DIR)) return [];
  return readdirSync(TALLY_DIR).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(TALLY_DIR, f), 'utf8')) as Tally);
}

export function renderTable(ts: readonly Tally[]): string {
  const sum = (k: keyof Tally) => ts.reduce((n, t) => n + (typeof t[k] === 'number' ? (t[k] as number) : 0), 0);
  const rows: [string, string][] = [
    ['scenarios passed', `${sum('scenariosPassed')} / ${sum('scenariosTried')}`],
    ['kill points survived', `${sum('killPointsSurvived')} / ${sum('killPointsTried')}`],
    ['bad inputs tried', `${sum('badInputsTried')} (handled cleanly: ${sum('badInputsHandled')})`],
    ['secrets leaked', `${sum('secretsLeaked')} (files + outputs scanned: ${sum('filesScanned')})`],
    ['private keys found', `${sum('privateKeysFound')} (any PEM private key, raw or base64)`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  const line = `+${'-'.repeat(w + 2)}+${'-'.repeat(44)}+`;
  return [
    'capi-gate reliability',
    line,
    ...rows.map(([k, v]) => `| ${k.padEnd(w)} | ${v.padEnd(42)} |`),
    line,
    `parts: ${ts.map((t) => t.part).sort().join(', ')}`,
  ].join('\n');
}

/**
 * PEM private keys in a text, whoever's they are: each "-----BEGIN ... PRIVATE KEY-----" header
 * as it is (raw or JSON-escaped) and inside any base64 run (a kubeconfig's client-key-data).
 */
export function privateKeysIn(text: string): number {
  const header = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/g;
  let n = (text.match(header) ?? []).length;
  for (const run of text.match(/[A-Za-z0-9+/]{40,}={0,2}/g) ?? []) n += (Buffer.from(run, 'base64').toString('latin1').match(header) ?? []).length;
  return n;
}

/** Every regular file under dir (the run directory: journal, reports, evidence, logs). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...filesUnder(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

// ---- the simulator's control API ---------------------------------------------------------------

export async function control(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const r = await fetch(`${base}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  const text = await r.text();
  if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

export interface SimState {
  magnum: { clusters: { uuid: string; name: string; status: string; stackId?: string | null }[]; clustertemplates: { uuid: string; name: string }[] };
  octavia: { loadbalancers: { id: string; name: string; provisioning_status?: string }[] };
  neutron: {
    networks: { id: string; name: string }[];
    subnets: { id: string; name: string }[];
    routers: { id: string; name: string }[];
    ports: { id: string; name: string }[];
    floatingips: { id: string; floating_ip_address?: string }[];
    securityGroups: { id: string; name: string }[];
  };
  nova: { servers: { id: string; name: string; status: string }[] };
}

export async function simState(base: string): Promise<SimState> {
  return (await control(base, 'GET', '/_sim/state')) as SimState;
}

export interface TimelineEntry {
  readonly seq: number;
  readonly kind: string;
  readonly id: string;
  readonly name?: string;
  readonly from?: string | null;
  readonly to: string;
}

export async function timeline(base: string, kind?: string): Promise<TimelineEntry[]> {
  return ((await control(base, 'GET', `/_sim/timeline${kind ? `?kind=${encodeURIComponent(kind)}` : ''}`)) as { timeline: TimelineEntry[] }).timeline;
}

/** Counts of what could leak: load balancers, floating IPs, ports, security groups, networks, routers, servers. */
export function resourceCounts(s: SimState): Record<string, number> {
  return {
    loadbalancers: s.octavia.loadbalancers.filter((l) => l.provisioning_status !== 'DELETED').length,
    floatingips: s.neutron.floatingips.length,
    ports: s.neutron.ports.length,
    securityGroups: s.neutron.securityGroups.length,
    networks: s.neutron.networks.length,
    routers: s.neutron.routers.length,
    servers: s.nova.servers.length,
  };
}

/** Real-time budgets for a simulator whose site file does not scale its deadlines (the sim's own site.yaml now does). */
export const FAST_DEADLINES: Record<string, string> = {
  imageActive: '1m', clusterCreate: '3m', clusterStall: '1m', nodesReady: '3s', loadBalancerIp: '15s', failover: '30s', clusterDelete: '2m', teardown: '30s', probe: '3s',
};

/** The simulator's site file with another cluster name and short deadlines, beside the original (its relative paths resolve). */
export function siteVariantText(text: string, cluster: string, deadlines: Record<string, string> = {}): string {
  const out = text.replace(/^(cluster:\n\s+name:\s*)\S+/m, `$1${cluster}`);
  const at = out.search(/^deadlines:/m);
  if (at < 0) return out;
  let tail = out.slice(at);
  for (const [k, v] of Object.entries(deadlines)) tail = tail.replace(new RegExp(`^(\\s+${k}:\\s*)\\S+`, 'm'), `$1${v}`);
  return out.slice(0, at) + tail;
}

/**
 * Starts `capi-gate sim`; the simulator binds the site's fixed loopback addresses, so while
 * another one runs on this machine (a parallel e2e test, a demo) it waits and tries again.
 */
export async function startSim(dir: string, args: string[], waitMs = 180_000): Promise<SimProcess> {
  const until = Date.now() + waitMs;
  for (let i = 0; ; i++) {
    try {
      return await startSimProcess(`${dir}${i ? `-${i}` : ''}`, args);
    } catch (e) {
      if (!/EADDRINUSE/.test(String(e)) || Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 1_000 + Math.floor(Math.random() * 1_000)));
    }
  }
}
