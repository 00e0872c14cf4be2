// The README is the operator's document: short, its two quick-start commands real, and every link
// in it (and in the docs it sends an operator to first) resolving inside the repository, which is
// also what the npm package carries: a jumphost has no web.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from './helpers.js';


const CHECKED = ['README.md', 'docs/install.md', 'docs/development.md', 'docs/benchmarks.md', 'docs/reference.md'];

/** Markdown links and images outside code (fenced blocks and inline code spans are left out). */
export function markdownLinks(text: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  let fenced = false;
  text.split('\n').forEach((line, i) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return;
    }
    if (fenced) return;
    const prose = line.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) out.push({ target: m[1]!, line: i + 1 });
  });
  return out;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
export function headingSlugs(text: string): Set<string> {
  const slugs = new Set<string>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*?)\s*#*$/.exec(line);
    if (!m) continue;
    const base = m[1]!.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
    let slug = base;
    for (let n = 1; slugs.has(slug); n++) slug = `${base}-${n}`;
    slugs.add(slug);
  }
  return slugs;
}

test('markdown links and slugs are read as GitHub reads them', () => {
  assert.deepEqual(markdownLinks('a [x](docs/a.md) `[no](b.md)` ![i](img.png "t")\n```\n[no](c.md)\n```\n[y](#z)').map((l) => l.target), ['docs/a.md', 'img.png', '#z']);
  assert.deepEqual([...headingSlugs('# Exit codes\n## ssh2 in the executable\n## The npm package, and more!\n## Exit codes')], ['exit-codes', 'ssh2-in-the-executable', 'the-npm-package-and-more', 'exit-codes-1']);
});

test('every link in the README and the docs it leads to resolves in the repository (files, folders, headings)', () => {
  const problems: string[] = [];
  let checked = 0;
  for (const rel of CHECKED) {
    const file = join(REPO_ROOT, rel);
    const text = readFileSync(file, 'utf8');
    for (const { target, line } of markdownLinks(text)) {
      const where = `${rel}:${line}: ${target}`;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
        problems.push(`${where}: links outside the repository (the docs must hold what an operator needs)`);
        continue;
      }
      const [path, anchor] = target.split('#', 2) as [string, string | undefined];
      const abs = path ? resolve(dirname(file), path) : file;
      const inRepo = relative(REPO_ROOT, abs).replace(/\/$/, '');
      checked++;
      if (!existsSync(abs)) {
        problems.push(`${where}: no such file or folder (${inRepo})`);
        continue;
      }
      if (anchor !== undefined) {
        if (statSync(abs).isDirectory() || !abs.endsWith('.md')) problems.push(`${where}: an anchor into something that is not a markdown file`);
        else if (!headingSlugs(readFileSync(abs, 'utf8')).has(anchor)) problems.push(`${where}: ${inRepo} has no heading #${anchor}`);
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(checked >= 15, `only ${checked} links checked`);
});

test('the README is short, for operators: at most 200 lines, two quick-start commands that exist, the real-site path without reading docs/', () => {
  const text = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const lines = text.split('\n').length;
  assert.ok(lines <= 200, `README.md has ${lines} lines`);
  const quick = /## Quick start\n\n```bash\n([\s\S]*?)```/.exec(text);
  assert.ok(quick, 'a Quick start section with one bash block');
  const commands = quick[1]!.trim().split('\n');
  assert.equal(commands.length, 2, 'exactly two quick-start commands');
  for (const c of commands) {
    const script = /^bash (scripts\/\S+\.sh)\b/.exec(c)?.[1];
    assert.ok(script && existsSync(join(REPO_ROOT, script)), `${c}: a script in the repository`);
  }
  // The real-site path, in order, in the README itself.
  const site = /## A real site\n([\s\S]*?)\n## /.exec(text)?.[1] ?? '';
  const order = ['clouds.yaml', 'capi-gate init', 'capi-gate plan', 'capi-gate run', 'verdict', 'capi-gate signoff', 'capi-gate cleanup'].map((w) => site.indexOf(w));
  assert.ok(order.every((i, n) => i >= 0 && (n === 0 || i > order[n - 1]!)), `the real-site path in order: ${order.join(', ')}`);
  for (const heading of ['## Install on a jumphost', '## Commands', '## Results and exit codes', '## In CI', '## Continuous acceptance']) assert.ok(text.includes(`\n${heading}\n`), heading);
  assert.match(text, /GitLab CI[\s\S]*reports:\n\s+junit:/, 'a GitLab CI job with its JUnit report');
  assert.match(text, /Zuul[\s\S]*- job:/, 'a Zuul job');
});

test('the package has no dependencies: every library is in the bundle, so an install fetches nothing', () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; files?: string[]; scripts?: Record<string, string> };
  assert.deepEqual(Object.keys(pkg.dependencies ?? {}), [], 'move them to devDependencies: esbuild bundles them into dist/bundle/cli/main.cjs');
  for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) assert.equal(pkg.scripts?.[hook], undefined, `no ${hook} script: nothing runs at install time`);
  assert.ok(pkg.files?.includes('dist/bundle/cli/main.cjs') && pkg.files.includes('bin/'), 'files lists what runs');
  assert.ok(!(pkg.files ?? []).some((f) => /^(src|test|bench)\b/.test(f)), 'no sources or tests in the package');
});
