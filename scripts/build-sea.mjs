#!/usr/bin/env node
// `npm run build:sea`: the single executable dist/capi-gate-linux-x64, with Node.js's single
// executable applications (Node 20: --experimental-sea-config, then postject from npm injects the
// blob into a copy of this node). It needs no Node.js where it runs (docs/install.md).
//
//   main     scripts/sea-entry.cjs, then the CLI bundle (dist/bundle/cli/main.cjs) in a function
//   assets   the files the CLI reads at run time (listed in the blob's manifest.json)
//   binary   this node, its symbol and debug sections stripped (`strip`, binutils) when strip is
//            there: 99 -> ~90 MB for Debian's node, whose binary carries its debug info
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { ROOT, ensureBuilt } from './build-fresh.mjs';

if (process.platform !== 'linux' || process.arch !== 'x64') {
  process.stderr.write(`build:sea makes the linux-x64 executable from the node that runs it; this is ${process.platform}-${process.arch}\n`);
  process.exit(2);
}
const major = Number(process.versions.node.split('.')[0]);
const [, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 12)) {
  process.stderr.write(`build:sea needs Node.js >= 20.12 (SEA assets); this is ${process.version}\n`);
  process.exit(2);
}

const t0 = performance.now();
try {
  ensureBuilt();
} catch (e) {
  process.stderr.write(`build:sea: ${e instanceof Error && !('status' in e) ? e.message : 'the build failed (above)'}\n`);
  process.exit(1);
}
const out = join(ROOT, 'dist', 'sea');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// The files the CLI reads at run time, by their path in the package.
const walk = (dir) => readdirSync(join(ROOT, dir)).flatMap((n) => (statSync(join(ROOT, dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
const files = [
  'package.json',
  'dist/build-info.json',
  'dist/THIRD-PARTY-NOTICES.txt',
  'docs/site.example.yaml',
  ...walk('sim/scenarios'),
  ...walk('sim/hosts/scenarios'),
  ...walk('sim/kube/scenarios'),
];
const bundle = readFileSync(join(ROOT, 'dist', 'bundle', 'cli', 'main.cjs'), 'latin1');
const build = createHash('sha256').update(bundle).update(files.map((f) => `${f}\0${readFileSync(join(ROOT, f), 'latin1')}`).join('\0')).digest('hex').slice(0, 16);
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
writeFileSync(join(out, 'manifest.json'), JSON.stringify({ build: `${version}-${build}`, files }));

const entry = readFileSync(join(ROOT, 'scripts', 'sea-entry.cjs'), 'utf8');
writeFileSync(join(out, 'main.cjs'), `${entry}\nfunction __capiGateMain() {\n${bundle}\n}\n`);
const config = {
  main: join(out, 'main.cjs'),
  output: join(out, 'sea-prep.blob'),
  disableExperimentalSEAWarning: true,
  // V8's code cache of the main script, made now: the start skips compiling the bundle.
  useCodeCache: true,
  assets: Object.fromEntries([['manifest.json', join(out, 'manifest.json')], ...files.map((f) => [f, join(ROOT, f)])]),
};
writeFileSync(join(out, 'sea-config.json'), JSON.stringify(config, null, 1));
execFileSync(process.execPath, ['--experimental-sea-config', join(out, 'sea-config.json')], { stdio: ['ignore', 'ignore', 'inherit'] });

const exe = join(ROOT, 'dist', 'capi-gate-linux-x64');
rmSync(exe, { force: true });
copyFileSync(process.execPath, exe);
chmodSync(exe, 0o755);
let stripped = false;
try {
  execFileSync('strip', ['--strip-all', exe], { stdio: ['ignore', 'ignore', 'pipe'] });
  stripped = true;
} catch {
  process.stderr.write('build:sea: `strip` (binutils) not found or failed: the executable keeps node\'s symbols\n');
}
// postject's CLI, in a child: its ELF library warns about the note sections strip leaves unnamed
// ("Can't find string offset for section name '.note...'"); those lines are dropped, the rest shown.
const require = createRequire(import.meta.url);
const postject = join(dirname(require.resolve('postject/package.json')), 'dist', 'cli.js');
const pj = spawnSync(process.execPath, [postject, exe, 'NODE_SEA_BLOB', config.output, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], { encoding: 'utf8' });
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const noise = /^warning: Can't find string offset for section name '\.note[^']*'$/;
const said = `${pj.stdout}${pj.stderr}`.replace(ANSI_COLOUR, '').split('\n').filter((l) => l && !noise.test(l) && !/^(Start injection|Injection done|💉)/u.test(l));
if (said.length) process.stderr.write(`${said.join('\n')}\n`);
if (pj.status !== 0 || !existsSync(exe)) {
  process.stderr.write(`build:sea: postject failed (exit ${pj.status})\n`);
  process.exit(1);
}
const mb = (statSync(exe).size / 1e6).toFixed(1);
process.stderr.write(`build:sea: ${relative(ROOT, exe)} (${mb} MB, node ${process.version}${stripped ? ', stripped' : ''}, ${files.length} files embedded) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
