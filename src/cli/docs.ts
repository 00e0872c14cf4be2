// Generated docs (STYLE 24): docs/runbook.md, docs/errors.md, docs/site-file.md and docs/metrics.md
// come from the code, and so do README.md's marked parts; `npm run check` fails when they are stale
// (scripts/gen-docs.mjs --check).

import { ERROR_CODES } from '../core/errors.js';
import { EXIT_CODES } from '../core/results.js';
import { siteSchema } from '../site/schema.js';
import { SITE_KEY_DESCRIPTIONS } from '../site/descriptions.js';
import { SITE_KEY_INIT_SOURCES } from '../site/init-sources.js';
import { renderRunbook } from './cmd-runbook.js';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { renderMetricsDoc } from '../report/metrics.js';
import { PACKAGE_ROOT } from './context.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function renderErrorsDoc(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, v]) => `| \`${code}\` | ${v.exit} | ${v.summary} |`);
  return [
    '<!-- Generated from src/core/errors.ts by scripts/gen-docs.mjs. Do not edit. -->',
    '# Error codes',
    '',
    'Every error capi-gate reports carries a stable code (match on it, not on the text), a one-line',
    'hint, and where one applies the appendix-A playbook. The exit code follows from the code when the',
    'command itself fails; a finished run exits with its verdict (0, 1, 3, 4 or 5).',
    '',
    '| code | exit | meaning |',
    '|---|---|---|',
    ...rows,
    '',
    '## Exit codes',
    '',
    'Generated from src/core/results.ts; `capi-gate --help` and the README say the same.',
    '',
    exitCodesTable(),
    '',
  ].join('\n');
}

interface ZodLike {
  readonly _zod: { readonly def: Record<string, unknown> & { readonly type: string } };
  readonly description?: string;
}

interface Row { path: string; type: string; required: boolean; def: string; description: string }

function describeType(s: ZodLike): string {
  const d = s._zod.def;
  switch (d.type) {
    case 'literal': return `\`${JSON.stringify((d['values'] as unknown[])[0])}\``;
    case 'enum': return Object.values(d['entries'] as Record<string, string>).map((v) => `\`${v}\``).join(' | ');
    case 'array': return `list of ${describeType(d['element'] as ZodLike)}`;
    case 'record': return 'map of string to string';
    case 'object': return 'mapping';
    case 'pipe': return describeType(d['in'] as ZodLike);
    default: return d.type;
  }
}

function walk(s: ZodLike, path: string, rows: Row[], required = true, def = '', description = ''): void {
  const d = s._zod.def;
  const desc = description || s.description || '';
  if (d.type === 'default') return walk(d['innerType'] as ZodLike, path, rows, false, JSON.stringify(typeof d['defaultValue'] === 'function' ? (d['defaultValue'] as () => unknown)() : d['defaultValue']), desc);
  if (d.type === 'optional') return walk(d['innerType'] as ZodLike, path, rows, false, def, desc);
  if (path) rows.push({ path, type: describeType(s), required, def, description: SITE_KEY_DESCRIPTIONS[path] ?? desc });
  if (d.type === 'object') {
    for (const [k, v] of Object.entries(d['shape'] as Record<string, ZodLike>)) walk(v, path ? `${path}.${k}` : k, rows);
  } else if (d.type === 'array') {
    const el = d['element'] as ZodLike;
    if (el._zod.def.type === 'object') for (const [k, v] of Object.entries(el._zod.def['shape'] as Record<string, ZodLike>)) walk(v, `${path}[].${k}`, rows);
  }
}

export function renderSiteFileDoc(): string {
  const rows: Row[] = [];
  walk(siteSchema as unknown as ZodLike, '', rows);
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    '<!-- Generated from src/site/schema.ts by scripts/gen-docs.mjs. Do not edit. -->',
    '# The site file',
    '',
    'One YAML file per site: the runbook\'s `ENV(...)` literals and other site facts, nothing secret.',
    '`docs/site.example.yaml` holds the runbook\'s values. Unknown keys are errors (a typo must not be',
    'silently ignored). Relative paths are relative to the site file; `~` is `$HOME`. Durations are',
    'written like `90s`, `20m`, `1h30m`. Ids that regenerate per rebuild are never stored: they are',
    'resolved by name at run time (DOCFIX-034).',
    '',
    '`capi-gate init --out site.yaml --admin-cloud NAME --tenant-cloud NAME` writes one from the live',
    'cloud, read only; the last column says where it takes each key from (every value it writes carries',
    'a `# from: ...` comment saying the same, "choice:" marks the runbook\'s value for a choice). What it',
    'cannot discover is written as a `TODO(section): ...` value; `plan` and `run` refuse a file that',
    'still holds one (CAPI_GATE_SITE_TODO, exit 2, each with its line). Keys without an entry keep their',
    'default. `capi-gate init --check --site site.yaml` compares a file with the cloud (exit 1 on drift).',
    '',
    '| key | type | required | default | meaning | `capi-gate init` fills it from |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| \`${r.path}\` | ${cell(r.type)} | ${r.required ? 'yes' : 'no'} | ${r.def ? `\`${cell(r.def)}\`` : ''} | ${cell(r.description)} | ${cell(SITE_KEY_INIT_SOURCES[r.path] ?? '')} |`),
    '',
  ].join('\n');
}

function exitCodesTable(): string {
  return ['| exit | meaning |', '|---|---|', ...EXIT_CODES.map((e) => `| ${e.code} | ${e.meaning} |`)].join('\n');
}

/** README.md's generated parts, each between `<!-- generated:NAME ... -->` and `<!-- /generated:NAME -->`. */
export const README_SECTIONS: Readonly<Record<string, () => string>> = {
  'exit-codes': exitCodesTable,
};

/** README.md (the text given) with its generated parts rendered; a part whose markers are missing is an error. */
export function renderReadme(text: string): string {
  let out = text;
  for (const [name, render] of Object.entries(README_SECTIONS)) {
    const re = new RegExp(`(<!-- generated:${name}\\b[^>]*-->\\n)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!re.test(out)) throw new Error(`README.md has no <!-- generated:${name} --> ... <!-- /generated:${name} --> part`);
    out = out.replace(re, (_m, open: string, close: string) => `${open}${render()}\n${close}`);
  }
  return out;
}

/** The alerts of deploy/prometheusrule.yaml: name, expression and summary. */
export function deployAlerts(): { name: string; expr: string; summary: string }[] {
  const rule = parseYaml(readFileSync(join(PACKAGE_ROOT, 'deploy', 'prometheusrule.yaml'), 'utf8')) as { spec: { groups: { rules: { alert?: string; expr: string; annotations?: { summary?: string } }[] }[] } };
  return rule.spec.groups.flatMap((g) => g.rules).filter((r) => r.alert).map((r) => ({ name: r.alert ?? '', expr: String(r.expr), summary: (r.annotations?.summary ?? '').replace(/\{\{[^}]*\}\}/g, '…') }));
}

export const GENERATED_DOCS: Readonly<Record<string, () => string>> = {
  'docs/runbook.md': renderRunbook,
  'docs/errors.md': renderErrorsDoc,
  'docs/site-file.md': renderSiteFileDoc,
  'README.md': () => renderReadme(readFileSync(join(ROOT, 'README.md'), 'utf8')),
  'docs/metrics.md': () => renderMetricsDoc(deployAlerts()),
};

/** Keys the schema has but the descriptions lack (a test keeps them in step). */
export function undocumentedSiteKeys(): string[] {
  const rows: Row[] = [];
  walk(siteSchema as unknown as ZodLike, '', rows);
  return rows.map((r) => r.path).filter((p) => !SITE_KEY_DESCRIPTIONS[p]);
}
