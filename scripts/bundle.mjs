#!/usr/bin/env node
// Bundles the built CLI (dist/src/cli/main.js, from tsc) into dist/bundle/cli/ with esbuild: one
// module graph of a few large files instead of ~1,400 small ones. A `run` loads
// @kubernetes/client-node (954 files on its own), undici, zod, yaml and commander; from separate
// files that cost ~1.4 CPU-s and ~1 s of wall time per process, from the bundle ~0.4 s
// (bench: a full run's client CPU 8.0 -> 5.3 s, --version 0.8 -> 0.5 CPU-s).
// The lazy imports (playbooks, doctor, sim, demo, the management client) stay lazy: --splitting
// keeps each one a chunk that loads on first use.
// ssh2 stays in node_modules: it loads its native crypto binding by a relative path (bundled, it
// would silently fall back to the slower JS ciphers). The output sits at the same depth as
// dist/src/cli/, so paths resolved from import.meta.url (the package root) are the same.
// bin/capi-gate runs the bundle unless tsc has rebuilt dist/src since (then dist/src, unbundled).
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outdir = join(root, 'dist', 'bundle', 'cli');
rmSync(outdir, { recursive: true, force: true });
try {
  await build({
    entryPoints: [join(root, 'dist', 'src', 'cli', 'main.js')],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['ssh2', 'cpu-features'],
    // The CommonJS dependencies call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __capiGateRequire } from 'node:module'; const require = __capiGateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
} catch {
  // esbuild has printed what failed; leave no half-written bundle for bin/capi-gate to pick up.
  rmSync(outdir, { recursive: true, force: true });
  process.stderr.write('bundle: esbuild failed (above); bin/capi-gate runs dist/src unbundled until it succeeds\n');
  process.exit(1);
}
// Written last: bin/capi-gate takes the bundle only when this stamp is newer than dist/src/cli/main.js.
writeFileSync(join(outdir, 'BUILT'), `${new Date().toISOString()}\n`);
