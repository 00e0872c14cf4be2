#!/usr/bin/env node
// Writes the generated docs (docs/runbook.md, docs/errors.md, docs/site-file.md) from the built
// code, or with --check fails when a committed one is stale. Needs `npm run build` first.
// docs/fidelity.md comes from the parity suite's data (test/parity: inventory, results,
// allow-list, divergences), rendered by dist/test/parity/fidelity-doc.js.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const { GENERATED_DOCS } = await import(join(root, 'dist/src/cli/docs.js'));
const { renderFidelity } = await import(join(root, 'dist/test/parity/fidelity-doc.js'));
const check = process.argv.includes('--check');
const stale = [];
for (const [rel, render] of [...Object.entries(GENERATED_DOCS), ['docs/fidelity.md', renderFidelity]]) {
  const path = join(root, rel);
  const text = render();
  const old = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (old === text) continue;
  if (check) stale.push(rel);
  else {
    writeFileSync(path, text);
    console.log(`wrote ${rel}`);
  }
}
if (stale.length) {
  console.error(`stale generated docs: ${stale.join(', ')}\nRun: npm run build && npm run docs`);
  process.exit(1);
}
if (check) console.log('generated docs are up to date');
