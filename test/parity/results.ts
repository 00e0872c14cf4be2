// results.json: the outcome of the last parity run against the real services, per case, with the
// date and what the real services were. Written by the parity tier (runner.ts), committed, and
// read by docs/fidelity.md's generator.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { REPO_ROOT } from '../helpers.js';
import type { Difference } from './compare.js';

export const RESULTS_FILE = join(REPO_ROOT, 'test', 'parity', 'results.json');

export interface CaseResult {
  readonly case: string;
  readonly clientOps: string[];
  /** Operation keys the case sent (on either side). */
  readonly ops: string[];
  /** Operation keys the real services answered (what the case checked against them). */
  readonly realOps?: string[];
  readonly passed: boolean;
  /** Every difference found; `allowed` is the allow-list reason when one accepts it. */
  readonly differences: (Difference & { readonly allowed?: string | undefined })[];
}

export interface FileResult {
  readonly date: string;
  /** Service -> what its version document said. */
  readonly versions: Record<string, string>;
  readonly cases: CaseResult[];
}

export interface Results {
  /** Debian package -> version of the real services (dpkg), at the last write. */
  readonly packages: Record<string, string>;
  /** By parity test file. */
  readonly files: Record<string, FileResult>;
}

const PACKAGES = ['keystone', 'glance-api', 'nova-api', 'neutron-server', 'octavia-api', 'magnum-api', 'placement-api'];

function packageVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of PACKAGES) {
    try {
      const v = execFileSync('dpkg-query', ['-W', '-f', '${Version}', p], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      if (v) out[p] = v;
    } catch {
      // not installed
    }
  }
  return out;
}

export function loadResults(): Results {
  if (!existsSync(RESULTS_FILE)) return { packages: {}, files: {} };
  return JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Results;
}

export function mergeResults(file: string, versions: Record<string, string>, cases: CaseResult[]): void {
  const old = loadResults();
  const name = basename(file).replace(/\.js$/, '.ts');
  const next: Results = {
    packages: { ...old.packages, ...packageVersions() },
    files: { ...old.files, [name]: { date: new Date().toISOString(), versions, cases: [...cases].sort((a, b) => (a.case < b.case ? -1 : 1)) } },
  };
  const sorted = Object.fromEntries(Object.entries(next.files).sort(([a], [b]) => (a < b ? -1 : 1)));
  writeFileSync(RESULTS_FILE, `${JSON.stringify({ ...next, files: sorted }, null, 2)}\n`);
}
