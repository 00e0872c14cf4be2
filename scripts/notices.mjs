// The third-party packages the CLI bundle holds, read from esbuild's metafile
// (dist/bundle/meta.json): their names, versions, licences and licence texts.
// scripts/bundle.mjs writes dist/THIRD-PARTY-NOTICES.txt with them; scripts/release.mjs narrows
// the CycloneDX SBOM to them and checks that every one is listed with its version and licence.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';

/** Every package directory under node_modules that at least one bundled input comes from. */
export function bundledPackages(root, metafile) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const parts = input.split(/[\\/]/);
    const i = parts.lastIndexOf('node_modules');
    if (i < 0) continue;
    const name = parts[i + 1]?.startsWith('@') ? parts.slice(i + 1, i + 3) : parts.slice(i + 1, i + 2);
    dirs.add(join(root, ...parts.slice(0, i + 1), ...name));
  }
  // The native binding travels outside the bundle: its package is shipped too.
  if (existsSync(join(root, 'node_modules', 'ssh2'))) dirs.add(join(root, 'node_modules', 'ssh2'));
  const out = [];
  for (const dir of [...dirs].sort()) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const license = typeof pkg.license === 'string' ? pkg.license : pkg.license?.type ?? (Array.isArray(pkg.licenses) ? pkg.licenses.map((l) => l.type).join(' OR ') : undefined);
    const files = readdirSync(dir).filter((f) => /^(licen[cs]e|copying|notice)(\b|[._-])/i.test(f)).sort();
    out.push({ name: pkg.name, version: pkg.version, license, dir: dir.split(sep).join('/'), files: files.map((f) => join(dir, f)) });
  }
  return out;
}

/** Writes the notices file; returns the packages. A package without a declared licence stops the build. */
export function writeNotices(root, metafile, file) {
  const pkgs = bundledPackages(root, metafile);
  const missing = pkgs.filter((p) => !p.license);
  if (missing.length) throw new Error(`no licence declared by ${missing.map((p) => `${p.name}@${p.version}`).join(', ')}`);
  const seen = new Map();
  const parts = [
    'capi-gate: third-party notices',
    '',
    `The capi-gate CLI bundle (dist/bundle/cli/main.cjs, and the single executable built from it) holds`,
    `code of the ${pkgs.length} packages below, each under its own licence. Their licence texts follow.`,
    '',
    ...pkgs.map((p) => `  ${p.name}@${p.version}  ${p.license}`),
    '',
  ];
  for (const p of pkgs) {
    parts.push('='.repeat(78), `${p.name}@${p.version} (${p.license})`, '='.repeat(78));
    if (!p.files.length) parts.push(`(the package ships no licence file; its package.json declares ${p.license})`, '');
    for (const f of p.files) {
      const text = readFileSync(f, 'utf8').trim();
      // Identical texts (the many @kubernetes, @peculiar, @smithy packages) are printed once.
      const prior = seen.get(text);
      if (prior) parts.push(`${f.slice(p.dir.length + 1)}: the same text as ${prior}`, '');
      else {
        seen.set(text, `${p.name}@${p.version}`);
        parts.push(`--- ${f.slice(p.dir.length + 1)} ---`, text, '');
      }
    }
  }
  writeFileSync(file, parts.join('\n') + '\n');
  return pkgs;
}
