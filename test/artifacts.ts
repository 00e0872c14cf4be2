// Where tests keep artifacts worth looking at after CI (screenshots, reports): test-artifacts/ at
// the repository root, or $CAPI_GATE_ARTIFACTS.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers.js';

export function artifactsDir(...parts: string[]): string {
  const dir = join(process.env.CAPI_GATE_ARTIFACTS ?? join(REPO_ROOT, 'test-artifacts'), ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Missing real tools fail under CI (which installs them) and skip locally with the reason. */
export function requireTool(t: { skip: (msg: string) => void }, present: boolean, what: string): boolean {
  if (present) return true;
  if (process.env.CI) throw new Error(`${what} is missing; CI installs it (scripts/setup.sh)`);
  t.skip(`${what} is not installed here (scripts/setup.sh installs it)`);
  return false;
}
