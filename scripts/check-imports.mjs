#!/usr/bin/env node
// Enforces the import rules between folders (DESIGN "Architecture", STYLE 2):
//   engine/ never imports a client (openstack, kube, hosts, http);
//   sim/ imports core only (never a client, never the engine);
//   only cli/ prints or exits (no console.*, process.exit, process.stdout/stderr elsewhere in src/);
//   no `export *`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const CLIENTS = ['src/openstack', 'src/kube', 'src/hosts', 'src/http'];
const RULES = [
  { from: 'src/engine', deny: [...CLIENTS, 'src/phase08', 'src/playbooks', 'src/cli', 'sim'], why: 'engine never imports a client (steps get clients from their context)' },
  { from: 'src/core', deny: ['src/', 'sim'], allowSelf: true, why: 'core is the bottom layer' },
  { from: 'sim', deny: ['src/'], allow: ['src/core', 'src/site'], why: 'sim imports core (and the site schema) only: a simulator that shares the client code shares its bugs' },
  { from: 'src/site', deny: [...CLIENTS, 'src/engine', 'src/phase08', 'src/cli', 'sim'], why: 'site is below the engine' },
  { from: 'src/report', deny: [...CLIENTS, 'src/cli', 'sim'], why: 'reporters read results, they do not call APIs' },
];

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.ts$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const problems = [];
const files = [...walk(join(root, 'src')), ...walk(join(root, 'sim'))];
for (const file of files) {
  const rel = relative(root, file);
  const isTest = /\.test\.ts$/.test(rel);
  const text = readFileSync(file, 'utf8');
  if (/^\s*export\s+\*\s+from/m.test(text)) problems.push(`${rel}: uses \`export *\`; name the exports`);
  if (!isTest && rel.startsWith('src/') && !rel.startsWith('src/cli/')) {
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (/^\s*(\/\/|\*)/.test(line)) return;
      if (/\bconsole\.(log|error|warn|info|debug)\b|\bprocess\.exit\b|\bprocess\.(stdout|stderr)\b|\bprocess\.argv\b/.test(line)) {
        problems.push(`${rel}:${i + 1}: only src/cli prints, exits or reads argv`);
      }
    });
  }
  if (isTest) continue;
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)) {
    const spec = m[1];
    if (!spec.startsWith('.')) continue;
    const target = relative(root, resolve(dirname(file), spec));
    for (const rule of RULES) {
      if (!(rel === rule.from || rel.startsWith(rule.from + '/'))) continue;
      if (rule.allowSelf && target.startsWith(rule.from + '/')) continue;
      if (rule.allow?.some((a) => target === a || target.startsWith(a + '/'))) continue;
      if (rule.deny.some((d) => target === d || target.startsWith(d.endsWith('/') ? d : d + '/'))) {
        problems.push(`${rel}: imports ${spec} -> ${target}: ${rule.why}`);
      }
    }
  }
}
if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`\n${problems.length} import-rule problem(s)`);
  process.exit(1);
}
console.log(`import rules: ${files.length} files checked, no problems`);
