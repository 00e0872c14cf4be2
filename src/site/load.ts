// Loads and validates a site file. Every error names the file, the path and the value, and is
// raised before any network call (exit 2).

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument, isNode, isPair, isScalar, isSeq, visit } from 'yaml';
import type { Document } from 'yaml';
import type { z } from 'zod';
import { CapiGateError } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import { siteSchema } from './schema.js';
import type { Site, DeadlineName } from './schema.js';

export interface LoadedSite {
  readonly path: string;
  readonly site: Site;
  /** Deadlines in milliseconds. */
  readonly deadlinesMs: Readonly<Record<DeadlineName, number>>;
}

export interface SiteIssue {
  readonly path: string;
  readonly message: string;
  readonly value: string;
  readonly line: number | undefined;
}

function showValue(v: unknown): string {
  if (v === undefined) return '(missing)';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function pathString(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('') || '(root)';
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

function zodIssues(error: z.ZodError, raw: unknown, lineOf: (path: readonly PropertyKey[]) => number | undefined): SiteIssue[] {
  const out: SiteIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const p = [...issue.path, key];
        out.push({ path: pathString(p), message: 'unknown key (a typo? see docs/site-file.md)', value: showValue(valueAt(raw, p)), line: lineOf(p) });
      }
      continue;
    }
    const value = valueAt(raw, issue.path);
    const message = value === undefined && issue.code === 'invalid_type' ? 'required key is missing' : issue.message;
    out.push({ path: pathString(issue.path), message, value: showValue(value), line: lineOf(issue.path) });
  }
  return out;
}

export interface SiteTodo {
  readonly path: string;
  readonly line: number | undefined;
  readonly text: string;
}

/** A value `capi-gate init` could not discover: a string that starts with TODO. */
export const TODO_PATTERN = /^TODO\b/;

/** Every scalar value of the document that is still a TODO, with its line. */
export function findTodos(doc: Document, lc: LineCounter): SiteTodo[] {
  const out: SiteTodo[] = [];
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !TODO_PATTERN.test(node.value)) return;
      let path = '';
      const chain = [...ancestors, node];
      chain.forEach((a, i) => {
        if (isPair(a) && isScalar(a.key)) path += `${path ? '.' : ''}${String(a.key.value)}`;
        else if (isSeq(a)) path += `[${a.items.indexOf(chain[i + 1] as never)}]`;
      });
      out.push({ path, line: node.range ? lc.linePos(node.range[0]).line : undefined, text: node.value });
    },
  });
  return out;
}

export function expandPath(p: string, relativeTo: string): string {
  const home = p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p;
  return isAbsolute(home) ? home : resolve(relativeTo, home);
}

export function parseSite(text: string, file: string): LoadedSite {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const line = first.linePos?.[0]?.line;
    throw new CapiGateError('CAPI_GATE_SITE_UNREADABLE', `${file}${line ? `:${line}` : ''}: not valid YAML: ${first.message.split('\n')[0]}`, {
      hint: 'Fix the YAML syntax; docs/site.example.yaml is a complete example.',
    });
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new CapiGateError('CAPI_GATE_SITE_UNREADABLE', `${file}: cannot be read as YAML data: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`, {
      hint: 'A site file needs no YAML aliases or exotic tags; docs/site.example.yaml is a complete example.',
    });
  }
  const todos = findTodos(doc, lc);
  if (todos.length > 0) {
    const list = todos.map((t) => `${file}${t.line ? `:${t.line}` : ''}: ${t.path}: ${t.text}`);
    throw new CapiGateError('CAPI_GATE_SITE_TODO', `${file}: ${todos.length} TODO${todos.length === 1 ? '' : 's'} left in the site file\n${list.join('\n')}`, {
      hint: 'capi-gate init could not discover these values: fill each in (the runbook section is named in it), then run again; docs/site-file.md describes every key.',
    });
  }
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const parsed = siteSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const all = zodIssues(parsed.error, raw, (p) => (parsed.error.issues.length > 200 ? undefined : lineOf(p)));
    const issues = all.slice(0, 50);
    const list = issues.map((i) => `${file}${i.line ? `:${i.line}` : ''}: ${i.path}: ${i.message} (value: ${i.value})`);
    if (all.length > issues.length) list.push(`... and ${all.length - issues.length} more`);
    throw new CapiGateError('CAPI_GATE_SITE_INVALID', `${file}: ${all.length} problem${all.length === 1 ? '' : 's'} in the site file\n${list.join('\n')}`, {
      hint: 'Compare with docs/site.example.yaml; every key is described in docs/site-file.md.',
    });
  }
  const base = dirname(resolve(file));
  const site = parsed.data;
  const fix = (p: string): string => expandPath(p, base);
  const resolved: Site = {
    ...site,
    openstack: { ...site.openstack, ...(site.openstack.cloudsFile ? { cloudsFile: fix(site.openstack.cloudsFile) } : {}) },
    tls: { ...site.tls, ...(site.tls.caBundle ? { caBundle: fix(site.tls.caBundle) } : {}) },
    mgmtVm: { ...site.mgmtVm, fipEnvFile: fix(site.mgmtVm.fipEnvFile), sshKey: fix(site.mgmtVm.sshKey), knownHosts: fix(site.mgmtVm.knownHosts) },
    image: { ...site.image, stageDir: fix(site.image.stageDir) },
    ...(site.managementCluster ? { managementCluster: { kubeconfig: fix(site.managementCluster.kubeconfig) } } : {}),
  };
  const deadlinesMs = Object.fromEntries(
    Object.entries(site.deadlines).map(([k, v]) => [k, parseDuration(v) ?? 0]),
  ) as Record<DeadlineName, number>;
  return { path: resolve(file), site: resolved, deadlinesMs };
}

export function loadSite(file: string): LoadedSite {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CapiGateError('CAPI_GATE_SITE_UNREADABLE', `${file}: cannot read the site file (${code ?? 'error'})`, {
      hint: code === 'ENOENT' ? 'Check the --site path; docs/site.example.yaml is a complete example.' : 'Check the file permissions.',
    });
  }
  return parseSite(text, file);
}
