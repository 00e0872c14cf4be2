// Runs the real CLI entry point (dist/src/cli/main.js) many times in ONE process: each case sets
// process.argv, re-imports main.js under a fresh URL (its dependencies stay loaded, so a case
// costs milliseconds instead of the 1.5 s a cold start costs), and records what it wrote to
// stdout/stderr and the exit code it set. An exception that escapes main is recorded as a crash.
// Usage (spawned by the reliability tests): node cli-batch.js CASES.json RESULTS.json
// A sample of the same cases also runs as separate processes (site-files.reliability.test.ts).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../helpers.js';

interface Case {
  readonly id: string;
  readonly args: readonly string[];
  /** Set for this case only (undefined removes the variable). */
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
}

interface CaseResult {
  readonly id: string;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly crash?: string;
  readonly ms: number;
  readonly outputChars: number;
}

const [casesFile, resultsFile] = process.argv.slice(2);
if (!casesFile || !resultsFile) throw new Error('usage: cli-batch CASES.json RESULTS.json');
const cases = JSON.parse(readFileSync(casesFile, 'utf8')) as Case[];
const mainUrl = pathToFileURL(join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js')).href;
const results: CaseResult[] = [];
process.stdout.setMaxListeners(0);
process.stderr.setMaxListeners(0);
// `run` wires SIGINT/SIGTERM once per case.
process.setMaxListeners(0);
const startCwd = process.cwd();

const clip = (s: string): string => (s.length > 40_000 ? `${s.slice(0, 20_000)}\n[...]\n${s.slice(-20_000)}` : s);
let current: { out: string; err: string; crash?: string } = { out: '', err: '' };
const realOut = process.stdout.write.bind(process.stdout);
const realErr = process.stderr.write.bind(process.stderr);
const capture = (which: 'out' | 'err') => (chunk: unknown, ...rest: unknown[]): boolean => {
  current[which] += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
  const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
  cb?.();
  return true;
};
process.on('uncaughtException', (e) => { current.crash = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e); });
process.on('unhandledRejection', (e) => { current.crash = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e); });

for (const [i, c] of cases.entries()) {
  current = { out: '', err: '' };
  process.argv = [process.execPath, 'capi-gate', ...c.args];
  process.exitCode = undefined;
  const saved = Object.fromEntries(Object.keys(c.env ?? {}).map((k) => [k, process.env[k]]));
  const setEnv = (vars: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(vars)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  setEnv(c.env ?? {});
  process.chdir(c.cwd ?? startCwd);
  process.stdout.write = capture('out') as typeof process.stdout.write;
  process.stderr.write = capture('err') as typeof process.stderr.write;
  const started = Date.now();
  try {
    await import(`${mainUrl}?case=${i}`);
    // main() goes on after the import (a run's pre-flight talks to the network): it sets
    // process.exitCode last.
    for (const until = Date.now() + 120_000; process.exitCode === undefined && !current.crash && Date.now() < until;) await new Promise((r) => setTimeout(r, 5));
    if (process.exitCode === undefined && !current.crash) current.crash = 'no exit code within 120 s (hung?)';
  } catch (e) {
    current.crash = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
    setEnv(saved);
    process.chdir(startCwd);
  }
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  results.push({ id: c.id, code, stdout: clip(current.out), stderr: clip(current.err), ...(current.crash ? { crash: current.crash } : {}), ms: Date.now() - started, outputChars: current.out.length + current.err.length });
}
process.exitCode = 0;
writeFileSync(resultsFile, JSON.stringify(results));
