// Makes sure dist/ holds a build of the working tree before it is packed (npm pack's prepack, the
// single executable, the release): builds (tsc, then scripts/bundle.mjs) unless the bundle's stamp
// is newer than every source it is made from and records the commit checked out now.
// As a script (`node scripts/build-fresh.mjs`): the same, then checks that what the package ships
// is there.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

function headCommit() {
  try {
    return execFileSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Why dist/ is not a build of the working tree, or undefined when it is. */
export function staleness() {
  const stamp = join(ROOT, 'dist', 'bundle', 'cli', 'BUILT');
  const info = join(ROOT, 'dist', 'build-info.json');
  if (!existsSync(stamp) || !existsSync(info)) return 'no build yet';
  const built = statSync(stamp).mtimeMs;
  const inputs = ['src', 'sim', 'package.json', 'package-lock.json', 'tsconfig.json', 'scripts/bundle.mjs', 'scripts/notices.mjs', 'scripts/undici-lite.mjs'];
  const newer = inputs.filter((p) => newestMtime(join(ROOT, p)) > built);
  if (newer.length) return `changed since the last build: ${newer.join(', ')}`;
  const commit = headCommit();
  const recorded = JSON.parse(readFileSync(info, 'utf8')).commit;
  if (commit && recorded !== commit) return `built from commit ${recorded ?? 'unknown'}, HEAD is ${commit}`;
  return undefined;
}

export function ensureBuilt(log = (s) => process.stderr.write(`${s}\n`)) {
  const why = staleness();
  if (!why) return;
  if (!existsSync(join(ROOT, 'node_modules', 'typescript'))) throw new Error(`dist/ is not a build of this tree (${why}) and node_modules has no TypeScript: run \`npm ci\` first`);
  log(`build: ${why}; building (tsc, then scripts/bundle.mjs)`);
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
}

/** What `npm pack` must find in dist/ (package.json "files" names the rest). */
export const PACKAGED_BUILD = ['dist/bundle/cli/main.cjs', 'dist/bundle/cli/BUILT', 'dist/bundle/native/sshcrypto.node', 'dist/build-info.json', 'dist/THIRD-PARTY-NOTICES.txt'];

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    ensureBuilt();
  } catch (e) {
    process.stderr.write(`build-fresh: ${e instanceof Error && !('status' in e) ? e.message : 'the build failed (above)'}; nothing packed\n`);
    process.exit(1);
  }
  const missing = PACKAGED_BUILD.filter((p) => !existsSync(join(ROOT, p)));
  if (missing.length) {
    process.stderr.write(`build-fresh: the build did not make ${missing.join(', ')}\n`);
    process.exit(1);
  }
}
