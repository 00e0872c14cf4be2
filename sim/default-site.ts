// The runbook's values, used when startSim gets no site: docs/site.example.yaml, the one copy
// (found from the package root, in src or dist).

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Site } from '../src/site/schema.js';
import { loadSite } from '../src/site/load.js';

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above sim/');
    dir = up;
  }
}

let cached: Site | undefined;

export function defaultSite(): Site {
  cached ??= loadSite(join(packageRoot(), 'docs', 'site.example.yaml')).site;
  // A copy: a caller may shape its own world from it.
  return structuredClone(cached);
}
