#!/usr/bin/env node
// `npm run release`: everything a jumphost needs, in release/ (docs/install.md):
//   capi-gate-VERSION.tgz          the npm package (npm pack): `npm install -g` it, no network needed
//   capi-gate-linux-x64            the single executable (npm run build:sea): no Node.js needed
//   capi-gate-VERSION.cdx.json     CycloneDX SBOM (@cyclonedx/cyclonedx-npm) of what both ship
//   THIRD-PARTY-NOTICES.txt        the licence notices of the bundled packages (also inside both)
//   SHA256SUMS                     `sha256sum -c SHA256SUMS` verifies the four files above
// It checks what it made: the package holds no sources or tests and what runs, the SBOM lists every
// bundled package with its version and licence, SHA256SUMS verifies.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ROOT, ensureBuilt, PACKAGED_BUILD } from './build-fresh.mjs';
import { bundledPackages } from './notices.mjs';

const t0 = performance.now();
const log = (s) => process.stderr.write(`release: ${s}\n`);
const fail = (s) => {
  process.stderr.write(`release: FAILED: ${s}\n`);
  process.exit(1);
};
const rel = join(ROOT, 'release');
rmSync(rel, { recursive: true, force: true });
mkdirSync(rel);
try {
  ensureBuilt(log);
} catch (e) {
  fail(e instanceof Error && !('status' in e) ? e.message : 'the build failed (above)');
}
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

// 1. The npm package.
const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', rel], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }))[0];
const paths = packed.files.map((f) => f.path);
const stray = paths.filter((p) => /^(src|test|bench|scripts)\//.test(p) || /\.test\.|\.ts$/.test(p));
if (stray.length) fail(`the package holds sources or tests: ${stray.slice(0, 5).join(', ')}`);
const needed = [...PACKAGED_BUILD, 'bin/capi-gate', 'package.json', 'README.md', 'docs/site.example.yaml'].filter((p) => !paths.includes(p));
if (needed.length) fail(`the package lacks ${needed.join(', ')}`);
const pkgJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
if (Object.keys(pkgJson.dependencies ?? {}).length) fail(`package.json has dependencies (${Object.keys(pkgJson.dependencies).join(', ')}): an install would fetch them; the bundle holds them, make them devDependencies`);
log(`${packed.filename}: ${packed.entryCount} files, ${(packed.size / 1e6).toFixed(1)} MB (${(packed.unpackedSize / 1e6).toFixed(1)} MB unpacked)`);

// 2. The single executable.
execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-sea.mjs')], { stdio: 'inherit' });
copyFileSync(join(ROOT, 'dist', 'capi-gate-linux-x64'), join(rel, 'capi-gate-linux-x64'));
execFileSync('chmod', ['755', join(rel, 'capi-gate-linux-x64')]);

// 3. Licence notices.
copyFileSync(join(ROOT, 'dist', 'THIRD-PARTY-NOTICES.txt'), join(rel, 'THIRD-PARTY-NOTICES.txt'));

// 4. The SBOM: cyclonedx-npm describes the project's whole installed tree (build tools too); what
// ships is the packages the bundle holds (esbuild's metafile), so the SBOM is narrowed to them.
const shipped = bundledPackages(ROOT, JSON.parse(readFileSync(join(ROOT, 'dist', 'bundle', 'meta.json'), 'utf8')));
const full = join(rel, '.sbom-full.json');
execFileSync(process.execPath, [join(ROOT, 'node_modules', '@cyclonedx', 'cyclonedx-npm', 'bin', 'cyclonedx-npm-cli.js'), '--flatten-components', '--output-reproducible', '--ignore-npm-errors', '--output-format', 'JSON', '--output-file', full], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
const bom = JSON.parse(readFileSync(full, 'utf8'));
rmSync(full);
const pathOf = (c) => c.properties?.find((p) => p.name === 'cdx:npm:package:path')?.value;
const wanted = new Set(shipped.map((p) => p.dir.slice(ROOT.replace(/\/$/, '').length + 1)));
bom.components = bom.components.filter((c) => wanted.has(pathOf(c))).map((c) => ({
  ...c,
  scope: 'required',
  // In the repository they are build inputs (devDependencies); in the artifacts they run.
  properties: (c.properties ?? []).filter((p) => p.name !== 'cdx:npm:package:development'),
}));
const refs = new Set([bom.metadata.component['bom-ref'], ...bom.components.map((c) => c['bom-ref'])]);
bom.dependencies = (bom.dependencies ?? []).filter((d) => refs.has(d.ref)).map((d) => ({ ...d, dependsOn: (d.dependsOn ?? []).filter((r) => refs.has(r)) }));
const build = JSON.parse(readFileSync(join(ROOT, 'dist', 'build-info.json'), 'utf8'));
bom.metadata.properties = [...(bom.metadata.properties ?? []), { name: 'capi-gate:commit', value: build.commit ?? 'unknown' }, { name: 'capi-gate:scope', value: 'the packages bundled into dist/bundle/cli/main.cjs (esbuild metafile) and ssh2\'s native binding; the same in the npm package and the single executable' }];
const problems = [];
for (const p of shipped) {
  const c = bom.components.find((x) => pathOf(x) === p.dir.slice(ROOT.replace(/\/$/, '').length + 1));
  if (!c) problems.push(`${p.name}@${p.version} missing`);
  else if (c.name !== p.name.replace(/^@[^/]+\//, '') && `${c.group}/${c.name}` !== p.name) problems.push(`${p.name}: listed as ${c.group ?? ''}/${c.name}`);
  else if (c.version !== p.version) problems.push(`${p.name}: version ${c.version}, shipped ${p.version}`);
  else if (!c.licenses?.some((l) => l.license?.id || l.license?.name || l.expression)) problems.push(`${p.name}@${p.version}: no licence`);
}
if (problems.length) fail(`the SBOM does not list every shipped package with its version and licence: ${problems.join('; ')}`);
const sbomName = `capi-gate-${version}.cdx.json`;
writeFileSync(join(rel, sbomName), `${JSON.stringify(bom, null, 2)}\n`);
log(`${sbomName}: ${bom.components.length} components (CycloneDX ${bom.specVersion}), each with its version and licence`);

// 5. Checksums, in sha256sum's format; then verified by sha256sum itself.
const files = readdirSync(rel).filter((f) => f !== 'SHA256SUMS').sort();
writeFileSync(join(rel, 'SHA256SUMS'), files.map((f) => `${createHash('sha256').update(readFileSync(join(rel, f))).digest('hex')}  ${f}\n`).join(''));
try {
  execFileSync('sha256sum', ['-c', '--strict', 'SHA256SUMS'], { cwd: rel, stdio: ['ignore', 'ignore', 'inherit'] });
} catch {
  fail('sha256sum -c SHA256SUMS does not verify');
}
for (const f of [...files, 'SHA256SUMS']) log(`  release/${f}  ${(statSync(join(rel, f)).size / 1e6).toFixed(1)} MB`);
log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s; verify with: cd release && sha256sum -c SHA256SUMS`);
