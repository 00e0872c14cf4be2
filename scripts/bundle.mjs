#!/usr/bin/env node
// Bundles the built CLI (dist/src/cli/main.js, from tsc) into dist/bundle/cli/main.cjs with
// esbuild: one file instead of ~1,400. A `run` loads @kubernetes/client-node (954 files on its
// own), undici, zod, yaml and commander; from separate files that cost ~1.4 CPU-s and ~1 s of wall
// time per process, from the bundle ~0.4 s (bench: a full run's client CPU 8.0 -> 5.3 s, --version
// 0.8 -> 0.5 CPU-s).
// CommonJS, one file, so that bin/capi-gate can run it through vm.Script with V8's code cache
// (Node 20 has no code cache for ES modules): what is left of a start-up is mostly compiling.
// The lazy imports (playbooks, doctor, sim, demo, the management client, client-node) stay lazy:
// esbuild turns each into a module initialised on first use, and V8 compiles a function only
// when it first runs.
// ssh2 is bundled too, its native crypto binding kept in node_modules (sshNative below). The
// output sits at the same depth as dist/src/cli/, so paths resolved from import.meta.url (the
// package root) are the same.
// bin/capi-gate runs the bundle unless tsc has rebuilt dist/src since (then dist/src, unbundled).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative, sep } from 'node:path';
import { createRequire } from 'node:module';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outdir = join(root, 'dist', 'bundle', 'cli');
rmSync(outdir, { recursive: true, force: true });

// `undici` -> scripts/undici-lite.mjs (see there). It exports only LITE_UNDICI: a module of the
// CLI that imports another name from undici at run time stops the build here, before it can
// become an undefined in the bundle.
const LITE_UNDICI = ['Agent'];
const undiciLite = {
  name: 'undici-lite',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, () => ({ path: join(root, 'scripts', 'undici-lite.mjs') }));
    b.onLoad({ filter: /[\\/]dist[\\/]src[\\/].*\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      for (const m of text.matchAll(/^import\s+(?:(\w+)\s*,?\s*)?(?:\{([^}]*)\})?(?:\*\s+as\s+\w+)?\s*from\s*'undici';/gm)) {
        const names = (m[2] ?? '').split(',').map((x) => x.trim().split(/\s+as\s+/)[0]).filter(Boolean);
        const bad = [...(m[1] ? ['default'] : []), ...(/\*\s+as/.test(m[0]) ? ['*'] : []), ...names.filter((n) => !LITE_UNDICI.includes(n))];
        if (bad.length) return { errors: [{ text: `imports ${bad.join(', ')} from undici; scripts/undici-lite.mjs exports only ${LITE_UNDICI.join(', ')} (add it there and to LITE_UNDICI)` }] };
      }
      return { contents: text, loader: 'js' };
    });
  },
};

// ssh2's native crypto binding is loaded by a path relative to ssh2's own file; bundled, that
// path would not exist and ssh2 would quietly use its slower JS ciphers. The binding is copied
// to dist/bundle/native/ (it travels in the npm package) and the require points there. ssh2
// loads it in a try/catch: where it cannot load (another Node.js major, another architecture,
// the single executable, whose require knows only Node's built-in modules) ssh2 takes its
// pure-JS ciphers (docs/install.md says what that costs).
const require = createRequire(import.meta.url);
const sshBinding = require.resolve('ssh2/lib/protocol/crypto/build/Release/sshcrypto.node');
const nativeDir = join(root, 'dist', 'bundle', 'native');
rmSync(nativeDir, { recursive: true, force: true });
mkdirSync(nativeDir, { recursive: true });
copyFileSync(sshBinding, join(nativeDir, 'sshcrypto.node'));
const sshNative = {
  name: 'ssh2-native',
  setup(b) {
    b.onResolve({ filter: /sshcrypto\.node$/ }, () => ({ path: relative(outdir, join(nativeDir, 'sshcrypto.node')).split(sep).join('/'), external: true }));
  },
};

// undici's HTTP/2 client requires node:http2 when client.js loads (~17 ms of every start, Node
// compiling its http2 modules). capi-gate never sets allowH2, so undici never offers h2 in ALPN and
// never calls it; the stub says so if that ever changes.
const undiciNoH2 = {
  name: 'undici-no-h2',
  setup(b) {
    b.onResolve({ filter: /^\.\/client-h2\.js$/ }, (args) => (/[\\/]undici[\\/]lib[\\/]dispatcher$/.test(args.resolveDir) ? { path: 'undici-client-h2', namespace: 'undici-no-h2' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'undici-no-h2' }, () => ({
      contents: "module.exports = function connectH2 () { throw new Error('capi-gate bundles undici without HTTP/2 (allowH2 is never set)') }",
      loader: 'js',
    }));
  },
};
let metafile;
try {
  ({ metafile } = await build({
    entryPoints: [join(root, 'dist', 'src', 'cli', 'main.js')],
    outfile: join(outdir, 'main.cjs'),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: ['cpu-features'],
    // import() becomes require(): a vm.Script has no module loader of its own for import().
    supported: { 'dynamic-import': false },
    // import.meta does not exist in CommonJS: the bundle's own URL stands in for it.
    define: { 'import.meta.url': '__capiGateImportMetaUrl' },
    banner: { js: "var __capiGateImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    plugins: [undiciLite, undiciNoH2, sshNative],
    // Whitespace and comments only (names stay, so stacks name functions; licences go to the end):
    // 9.6 -> 5.4 MB, which every start reads and V8 keeps (--version 0.144 -> 0.127 CPU-s). For
    // line numbers that mean something, run dist/src (bin/capi-gate does after a bare tsc).
    minifyWhitespace: true,
    legalComments: 'eof',
    logLevel: 'warning',
    // What went into the bundle: scripts/notices.mjs and the release's SBOM list its packages.
    metafile: true,
  }));
} catch {
  // esbuild has printed what failed; leave no half-written bundle for bin/capi-gate to pick up.
  rmSync(outdir, { recursive: true, force: true });
  process.stderr.write('bundle: esbuild failed (above); bin/capi-gate runs dist/src unbundled until it succeeds\n');
  process.exit(1);
}
// esbuild escapes non-ASCII characters in strings, templates, regular expressions and
// identifiers; what is left is in comments (a dependency's curly quotes). Those become '?' so
// the bundle is pure ASCII and bin/capi-gate can read it as latin1 (no UTF-8 decoding of 10 MB).
const file = join(outdir, 'main.cjs');
const text = readFileSync(file, 'utf8');
if (/[\u0080-\uffff]/.test(text)) writeFileSync(file, text.replace(/[\u0080-\uffff]/g, "?"));
writeFileSync(join(root, 'dist', 'bundle', 'meta.json'), JSON.stringify(metafile));

// `capi-gate --version` names the commit the build was made from (src/cli/context.ts).
const git = (...args) => {
  try {
    return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
};
const commit = git('rev-parse', 'HEAD');
const dirty = commit !== undefined && git('status', '--porcelain', '--untracked-files=no') !== '';
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
writeFileSync(join(root, 'dist', 'build-info.json'), `${JSON.stringify({ version, ...(commit ? { commit, dirty } : {}), builtAt: new Date().toISOString().slice(0, 16) + 'Z' })}\n`);

// The licence notices of every package the bundle holds, next to it (they travel with the package
// and the executable).
const { writeNotices } = await import('./notices.mjs');
writeNotices(root, metafile, join(root, 'dist', 'THIRD-PARTY-NOTICES.txt'));

// Written last: bin/capi-gate takes the bundle only when this stamp is newer than dist/src/cli/main.js.
writeFileSync(join(outdir, 'BUILT'), `${new Date().toISOString()}\n`);
