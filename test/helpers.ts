// Test helpers shared by the tiers: temp dirs, a loaded example site, a fake step factory.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSite } from '../src/site/load.js';
import type { LoadedSite } from '../src/site/load.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EXAMPLE_SITE = join(REPO_ROOT, 'docs', 'site.example.yaml');
export const BIN = join(REPO_ROOT, 'bin', 'capi-gate');

export function tempDir(prefix = 'capi-gate-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function exampleSite(): LoadedSite {
  return loadSite(EXAMPLE_SITE);
}

/** Blocks this thread without spinning, as a descheduled process (a starved jumphost) would be. */
export function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
