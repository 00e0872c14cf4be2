// Shared CLI plumbing: version, runs directory, site loading, services.

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Phase08Services } from '../phase08/index.js';
import type { LoadedSite } from '../site/load.js';

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function version(): string {
  try {
    return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export function runsDir(opt: string | undefined): string {
  return resolve(opt ?? process.env.CAPI_GATE_RUNS_DIR ?? 'runs');
}

export function buildServices(_site: LoadedSite, env: NodeJS.ProcessEnv): Phase08Services {
  return { env };
}
