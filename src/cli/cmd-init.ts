// `capi-gate init`: writes a site file from what the live cloud shows (src/init), or with
// --check compares an existing one with it. Read only against the cloud; the file is validated
// before it is written, written whole (temp file + rename), and never over an existing one
// without --force. Exit: 0 written and complete / no drift; 1 written but with TODOs or a gate
// that will fail / drift found; 2 usage, credentials, an existing file; 4 Keystone unreachable.

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { CapiGateError } from '../core/errors.js';
import { runCommand } from '../hosts/exec.js';
import type { CommandRunner } from '../hosts/exec.js';
import { discover } from '../init/discover.js';
import type { Facts } from '../init/discover.js';
import { drift } from '../init/drift.js';
import { renderSite, validateEntries } from '../init/render.js';
import { draftSite } from '../init/rules.js';
import type { RunbookDefaults } from '../init/rules.js';
import { expandPath, findTodos, loadSite } from '../site/load.js';
import { PACKAGE_ROOT } from './context.js';
import type { Out } from './output.js';
import { paint } from './output.js';

export interface InitCommandOptions {
  readonly out?: string;
  readonly site?: string;
  readonly check: boolean;
  readonly adminCloud?: string;
  readonly tenantCloud?: string;
  readonly jujuModel?: string;
  readonly force: boolean;
  readonly signal: AbortSignal;
  readonly env?: NodeJS.ProcessEnv;
  readonly run?: CommandRunner;
}

function runbookExample(): { raw: unknown; defaults: RunbookDefaults } {
  const file = join(PACKAGE_ROOT, 'docs', 'site.example.yaml');
  const site = loadSite(file).site;
  return { raw: parseDocument(readFileSync(file, 'utf8')).toJS(), defaults: { site } };
}

/** A terminal sees each source as it is read (a transient line) and then its time; a pipe gets one plain line per source. */
export function progress(out: Out): { onStart: (source: string) => void; onSource: (source: string, ms: number, summary: string, ok: boolean) => void } {
  return {
    onStart: (source) => {
      if (out.isTTY) out.raw(`  ${paint(out, 'dim', '…')} reading ${source}`);
    },
    onSource: (source, ms, summary, ok) => {
      const t = ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${ms}ms`;
      if (out.isTTY) out.line(`\r\u001b[K  ${ok ? paint(out, 'green', '✓') : paint(out, 'yellow', '!')} ${source.padEnd(9)} ${paint(out, 'dim', t.padStart(7))}  ${summary}`);
      else out.line(`init: ${source} read in ${t}: ${summary}`);
    },
  };
}

async function read(out: Out, o: InitCommandOptions, admin: string, tenant: string, extra: { jujuModel?: string; cloudsFile?: string }): Promise<Facts> {
  if (out.isTTY) out.line(paint(out, 'bold', `reading the cloud (admin ${admin}, tenant ${tenant}); nothing is changed`));
  const env = o.env ?? process.env;
  return discover({
    adminCloud: admin, tenantCloud: tenant, env, run: o.run ?? runCommand, signal: o.signal, ...progress(out),
    ...(extra.jujuModel ? { jujuModel: extra.jujuModel } : {}), ...(extra.cloudsFile ? { cloudsFile: extra.cloudsFile } : {}),
  });
}

export async function initCommand(out: Out, o: InitCommandOptions): Promise<number> {
  if (o.check) return checkCommand(out, o);
  const missing = [!o.out && '--out FILE', !o.adminCloud && '--admin-cloud NAME', !o.tenantCloud && '--tenant-cloud NAME'].filter(Boolean);
  if (missing.length) {
    throw new CapiGateError('CAPI_GATE_USAGE', `capi-gate init needs ${missing.join(', ')}`, {
      hint: 'capi-gate init --out site.yaml --admin-cloud ADMIN --tenant-cloud TENANT (the two clouds.yaml entries); --check --site FILE compares an existing file.',
    });
  }
  const target = resolve(o.out ?? '');
  if (existsSync(target) && !o.force) {
    throw new CapiGateError('CAPI_GATE_USAGE', `${target} exists; capi-gate init does not overwrite it`, {
      hint: 'Pass --force to replace it, --out another path, or compare it with the cloud: capi-gate init --check --site FILE.',
    });
  }
  if (!existsSync(dirname(target))) {
    throw new CapiGateError('CAPI_GATE_USAGE', `the folder of ${target} does not exist`, { hint: 'Create it first, or pass --out a path in an existing folder.' });
  }
  const example = runbookExample();
  const facts = await read(out, o, o.adminCloud ?? '', o.tenantCloud ?? '', { ...(o.jujuModel ? { jujuModel: o.jujuModel } : {}) });
  const draft = draftSite(facts, example.defaults, { admin: o.adminCloud ?? '', tenant: o.tenantCloud ?? '' });
  const entries = validateEntries(draft.entries, example.raw);
  const header = [
    `capi-gate site file written by \`capi-gate init\` on ${new Date().toISOString().slice(0, 10)} from clouds ${o.adminCloud ?? ''} (admin) and ${o.tenantCloud ?? ''} (tenant).`,
    'Review every value: "from:" says where it came from; "choice:" marks the runbook\'s value for a choice, not a fact.',
    'A TODO value could not be discovered: fill it in (its runbook section is named); plan and run refuse the file until then.',
    'Nothing secret is in this file: credentials stay in clouds.yaml. Compare it with the cloud later: capi-gate init --check --site FILE.',
    ...draft.warnings.map((w) => `WARNING: ${w}`),
  ];
  const text = renderSite({ entries, warnings: draft.warnings }, header);
  const tmp = `${target}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, target);
  const lc = new LineCounter();
  const todos = findTodos(parseDocument(text, { lineCounter: lc }), lc);
  const facts_ = entries.filter((e) => e.kind === 'fact').length;
  const choices = entries.filter((e) => e.kind === 'choice').length;
  out.line(`wrote ${target}: ${facts_} values from the cloud, ${choices} runbook choices, ${todos.length} TODO${todos.length === 1 ? '' : 's'}`);
  for (const w of draft.warnings) out.line(`${paint(out, 'yellow', 'warning')}: ${w}`);
  for (const t of todos) out.line(`${target}:${t.line ?? '?'}: ${t.path}: ${t.text}`);
  if (todos.length) out.line('fill in each TODO, then: capi-gate plan --site FILE');
  else out.line(`next: review ${target}, then capi-gate plan --site ${o.out ?? ''} and capi-gate run --site ${o.out ?? ''}`);
  return todos.length > 0 || draft.warnings.some((w) => /will fail/.test(w)) ? 1 : 0;
}

async function checkCommand(out: Out, o: InitCommandOptions): Promise<number> {
  if (!o.site) throw new CapiGateError('CAPI_GATE_USAGE', 'capi-gate init --check needs --site FILE', { hint: 'capi-gate init --check --site site.yaml [--admin-cloud NAME --tenant-cloud NAME]' });
  if (o.out) throw new CapiGateError('CAPI_GATE_USAGE', 'capi-gate init --check writes nothing: drop --out', { hint: 'capi-gate init --check --site site.yaml' });
  let text: string;
  try {
    text = readFileSync(o.site, 'utf8');
  } catch (e) {
    throw new CapiGateError('CAPI_GATE_SITE_UNREADABLE', `${o.site}: cannot read the site file (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { hint: 'Check the --site path.' });
  }
  const doc = parseDocument(text);
  if (doc.errors.length) throw new CapiGateError('CAPI_GATE_SITE_UNREADABLE', `${o.site}: not valid YAML: ${doc.errors[0]?.message.split('\n')[0] ?? ''}`, { hint: 'Fix the YAML syntax.' });
  const site = doc.toJS() as { openstack?: { clouds?: { admin?: string; tenant?: string }; cloudsFile?: string }; juju?: { model?: string } } | null;
  const admin = o.adminCloud ?? site?.openstack?.clouds?.admin;
  const tenant = o.tenantCloud ?? site?.openstack?.clouds?.tenant;
  if (!admin || !tenant) throw new CapiGateError('CAPI_GATE_USAGE', `${o.site} names no openstack.clouds.admin/tenant`, { hint: 'Pass --admin-cloud and --tenant-cloud.' });
  const cloudsFile = site?.openstack?.cloudsFile ? expandPath(site.openstack.cloudsFile, dirname(resolve(o.site))) : undefined;
  const model = o.jujuModel ?? site?.juju?.model;
  const example = runbookExample();
  const facts = await read(out, o, admin, tenant, { ...(model && !/^TODO\b/.test(model) ? { jujuModel: model } : {}), ...(cloudsFile ? { cloudsFile } : {}) });
  // The site's own names are the defaults: only what the cloud contradicts is drift.
  const defaults: RunbookDefaults = { site: { ...example.defaults.site, ...(site as object) } as RunbookDefaults['site'] };
  const draft = draftSite(facts, defaults, { admin, tenant });
  const r = drift(site, draft);
  for (const d of r.drifts) out.line(`drift: ${d.path}: ${d.message}`);
  out.line(r.drifts.length ? `${r.drifts.length} difference${r.drifts.length === 1 ? '' : 's'} between ${o.site} and the cloud (${r.compared} values compared)` : `no drift: ${r.compared} values of ${o.site} match the cloud`);
  return r.drifts.length ? 1 : 0;
}
