// Writes a site file for the host simulator alone (no simulated OpenStack): a base site (the
// runbook's values) with the host sim's overlay merged over it. The integrated simulator merges
// the same overlay into its own site.yaml.

import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import type { SiteInput } from '../../src/site/schema.js';
import type { HostSimHandle } from './index.js';

export function mergeOverlay(base: SiteInput, overlay: HostSimHandle['siteOverlay']): SiteInput {
  return { ...base, ...overlay };
}

export function writeHostSimSite(baseSiteYaml: string, overlay: HostSimHandle['siteOverlay'], file: string): string {
  const base = parse(readFileSync(baseSiteYaml, 'utf8')) as SiteInput;
  writeFileSync(file, `# capi-gate host simulator site (addresses mapped into 127.0.0.0/8)\n${stringify(mergeOverlay(base, overlay))}`);
  return file;
}
