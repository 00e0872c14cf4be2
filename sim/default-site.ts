// The runbook's values, used when startSim gets no site: docs/site.example.yaml, the one copy
// (found from the package root, in src or dist).

import { join } from 'node:path';
import type { Site } from '../src/site/schema.js';
import { loadSite } from '../src/site/load.js';
import { packageRoot } from './scenarios.js';


let cached: Site | undefined;

export function defaultSite(): Site {
  cached ??= loadSite(join(packageRoot(), 'docs', 'site.example.yaml')).site;
  // A copy: a caller may shape its own world from it.
  return structuredClone(cached);
}
