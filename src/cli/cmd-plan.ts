// `capi-gate plan`: the resolved plan; what would mutate; nothing is changed, nothing is called.

import { formatDuration } from '../core/duration.js';
import { CapiGateError } from '../core/errors.js';
import { CATALOG } from '../phase08/index.js';
import { loadSite } from '../site/load.js';
import type { LoadedSite } from '../site/load.js';
import { parseList, resolveSelection } from './cmd-run.js';
import type { Out } from './output.js';
import { paint } from './output.js';

export interface PlanOptions {
  readonly site?: string;
  readonly only?: string;
  readonly skip?: string;
}

/** `capi-gate plan`: usage errors carry a code and a hint, and a selection is validated as run's is. */
export function planCommand(out: Out, o: PlanOptions): void {
  if (!o.site) throw new CapiGateError('CAPI_GATE_USAGE', 'plan needs --site FILE', { hint: 'docs/site.example.yaml is a complete example: capi-gate plan --site docs/site.example.yaml' });
  const selected = resolveSelection(parseList(o.only, '--only'), parseList(o.skip, '--skip'));
  renderPlan(out, loadSite(o.site), selected);
}

export function renderPlan(out: Out, loaded: LoadedSite, selected: ReadonlySet<string>): void {
  const s = loaded.site;
  out.line(`Plan for site ${s.site} (${loaded.path}): nothing is changed by plan.`);
  out.line(`Cluster ${s.cluster.name} from template ${s.template.name} (image ${s.image.name}, ${s.image.kubeVersion}), ${s.cluster.masterCount} control-plane + ${s.cluster.nodeCount} workers, project ${s.project.name} in domain ${s.project.domain}.`);
  out.line('');
  out.line(`${'STEP'.padEnd(22)} ${'KIND'.padEnd(9)} ${'NEEDS'.padEnd(34)} DECISIONS / DEADLINES`);
  for (const step of CATALOG) {
    const on = selected.has(step.id);
    const kind = step.kind === 'mutation' ? paint(out, 'yellow', 'MUTATION ') : 'read     ';
    const deps = [...step.needs, ...(step.after ?? []).map((a) => `~${a}`)];
    const full = deps.join(',') || '-';
    const depText = full.length > 34 ? `(${deps.length} below)` : full;
    const deadlines = (step.deadlines ?? []).map((d) => `${d}=${formatDuration(loaded.deadlinesMs[d])}`).join(' ');
    const line = `${step.id.padEnd(22)} ${kind} ${depText.padEnd(34)} ${step.decisions.join(',')}${deadlines ? ` | ${deadlines}` : ''}`;
    out.line(on ? line : paint(out, 'dim', `${line}  (not selected)`));
    out.line(paint(out, 'dim', `${''.padEnd(22)} ${step.title}`));
    if (full.length > 34) out.line(paint(out, 'dim', `${''.padEnd(22)} needs/after: ${full}`));
  }
  const mutations = CATALOG.filter((st) => st.kind === 'mutation' && selected.has(st.id)).map((st) => st.id);
  out.line('');
  out.line(`${selected.size} steps selected; ${mutations.length} would mutate the cloud: ${mutations.join(', ') || 'none'}.`);
  out.line('NEEDS: must PASS first; ~X: runs after X whatever its result. Read-only steps run concurrently; mutations one at a time.');
}
