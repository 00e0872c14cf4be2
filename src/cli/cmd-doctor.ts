// `capi-gate doctor --site FILE [--remediate] [--run RUN_ID]`: appendix-A diagnosis, read-only
// unless --remediate; every remediation action is journaled (into the named run, or a doctor log).

import { appendFileSync } from 'node:fs';
import { ensureDir } from '../engine/index.js';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { Journal } from '../engine/index.js';
import { PLAYBOOKS, runDoctor } from '../playbooks/index.js';
import { redactor } from '../core/redact.js';
import { loadSite } from '../site/load.js';
import type { BuiltServices } from './context.js';
import { buildServices } from './context.js';
import type { Out } from './output.js';
import { paint } from './output.js';

export interface DoctorOptions {
  readonly site: string;
  readonly remediate: boolean;
  readonly runId?: string;
  readonly runsDir: string;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly env?: NodeJS.ProcessEnv;
  readonly services?: BuiltServices;
}

export async function doctorCommand(out: Out, o: DoctorOptions): Promise<number> {
  const loaded = loadSite(o.site);
  const built = o.services ?? buildServices(loaded, o.env ?? process.env, o.clock);
  const journal = o.runId ? Journal.open(o.runsDir, o.runId) : undefined;
  const captures = journal?.captures() ?? new Map<string, string>();
  const logDir = join(o.runsDir, 'doctor');
  const record = (playbook: string, action: string, ok: boolean) => {
    if (journal) journal.append({ t: 'remediation', playbook, action, ok, at: o.clock.now() });
    else {
      ensureDir(logDir);
      appendFileSync(join(logDir, `${loaded.site.site}.jsonl`), redactor.redact(JSON.stringify({ t: 'remediation', playbook, action, ok, at: o.clock.now() })) + '\n');
    }
  };
  try {
    out.line(`doctor: site ${loaded.site.site}${o.remediate ? ' (remediating what is found)' : ' (read-only)'}`);
    const result = await runDoctor(PLAYBOOKS, {
      site: loaded, services: built.services, clock: o.clock, signal: o.signal,
      captured: (k) => captures.get(k),
      say: (m) => out.line(`  ${m}`),
    }, o.remediate, (p, a) => {
      record(p, a.action, a.ok);
      out.line(`  ${a.ok ? 'done' : 'FAILED'}: ${a.action}`);
    });
    let found = 0;
    let errors = 0;
    for (const d of result.diagnoses) {
      const p = PLAYBOOKS.find((x) => x.id === d.playbook)!;
      const tag = d.error ? paint(out, 'red', 'ERROR ') : d.found ? paint(out, 'yellow', 'FOUND ') : paint(out, 'green', 'clear ');
      out.line(`${tag} ${p.id}: ${p.title}`);
      out.line(`       ${d.error ?? d.evidence}`);
      if (d.found) {
        found++;
        if (d.remedy) out.line(`       Remedy: ${d.remedy}`);
        out.line(`       Decisions: ${p.decisions.join(', ')}`);
        if (!o.remediate && d.plan) out.line(`       capi-gate doctor --remediate would: ${d.plan.join('; then ')}`);
      }
      if (d.error) errors++;
    }
    const fixed = result.remediations.filter((r) => r.actions.every((a) => a.ok)).length;
    out.line('');
    out.line(`${found} pattern(s) found${o.remediate ? `, ${fixed} remediated` : ''}, ${errors} could not be checked.`);
    if (errors) return 4;
    if (found > fixed) return 1;
    return 0;
  } finally {
    journal?.close();
    await built.close().catch(() => undefined);
  }
}
