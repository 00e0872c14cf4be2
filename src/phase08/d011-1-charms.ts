// D-011.1: all charms active/idle -- `juju status --format=short | grep -vE 'active|idle'`.
// Runbook section D_011_1; decisions D-011. Read from `juju status --format=json` instead (the
// short format's grep lets `agent:idle, workload:blocked` through); see charmProblems.

import { defineStep } from '../engine/index.js';
import type { CharmProblem, JujuStatus } from '../hosts/index.js';
import { charmProblems, shortFormat } from '../hosts/index.js';
import type { Phase08Services } from './services.js';
import { D_011_1 } from './runbook-text.js';
import { WHILE_CONVERGING } from './ordering.js';

export interface CharmsObserved {
  readonly model: string;
  readonly applications: number;
  readonly units: number;
  readonly problems: readonly CharmProblem[];
}

export function describeProblem(p: CharmProblem): string {
  const state = p.kind === 'application' ? `application ${p.workload}` : `workload:${p.workload}, agent:${p.agent}`;
  return `${p.name} (${state})${p.message ? `: "${p.message}"` : ''}`;
}

export function observeCharms(status: JujuStatus): CharmsObserved {
  return {
    model: status.model,
    applications: status.applications.length,
    units: status.applications.reduce((n, a) => n + a.units.length, 0),
    problems: charmProblems(status),
  };
}

export const step = defineStep<Phase08Services, CharmsObserved>({
  id: 'D-011.1',
  title: 'All charms active/idle',
  kind: 'read',
  needs: [],
  after: WHILE_CONVERGING,
  decisions: ['D-011'],
  runbook: D_011_1,
  item: 'D-011.1',
  body: async (ctx) => {
    const status = await ctx.services.hosts.juju.status(ctx.signal);
    ctx.evidence.write('juju-status-short.txt', shortFormat(status));
    ctx.evidence.write('juju-status.json', status);
    return observeCharms(status);
  },
  gate: (o) => {
    const details = { model: o.model, applications: o.applications, units: o.units, problems: o.problems };
    if (o.problems.length === 0) {
      return { status: 'PASS', summary: `all active/idle: ${o.applications} applications, ${o.units} units in model ${o.model}`, details };
    }
    const list = o.problems.map(describeProblem);
    return {
      status: 'FAIL',
      summary: `${o.problems.length} not active/idle in model ${o.model}: ${list.join('; ')}`,
      hint: `Fix each charm from its status message (juju status -m ${o.model} ${o.problems[0]?.name.split('/')[0] ?? ''}; juju debug-log --include ${o.problems[0]?.name ?? ''}); the phase-03 bar is every application active and every agent idle.`,
      details,
    };
  },
});
