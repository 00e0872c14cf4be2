// D-011.7: KVM snapshot baseline taken (D-012) -- Snapshot 1 (post-deploy, pre-tenant) on every
// domain, Snapshot 2 after tenant setup. Read with `virsh -c URI snapshot-list DOMAIN --name`.
// Runbook section D_011_7. Snapshot 1 missing anywhere is FAIL; Snapshot 1 everywhere with
// Snapshot 2 missing somewhere is OUTSTANDING (operator action; `capi-gate signoff` closes it);
// both everywhere is PASS.

import { defineStep } from '../engine/index.js';
import type { DomainSnapshots } from '../hosts/index.js';
import { hasSnapshot } from '../hosts/index.js';
import type { Phase08Services } from './services.js';
import { D_011_7 } from './runbook-text.js';
import { WHILE_CONVERGING } from './ordering.js';

export interface SnapshotsObserved {
  readonly uri: string;
  readonly snapshot1: string;
  readonly snapshot2: string;
  readonly domains: readonly DomainSnapshots[];
}

export const step = defineStep<Phase08Services, SnapshotsObserved>({
  id: 'D-011.7',
  title: 'KVM snapshot baseline taken (Snapshot 1; Snapshot 2 after tenant setup)',
  kind: 'read',
  needs: [],
  after: WHILE_CONVERGING,
  decisions: ['D-011', 'D-012'],
  runbook: D_011_7,
  item: 'D-011.7',
  body: async (ctx) => {
    const h = ctx.site.site.hypervisor;
    const domains = await ctx.services.hosts.libvirt.snapshots(h.domains, ctx.signal);
    ctx.evidence.write('snapshot-list.txt', domains.map((d) => `=== virsh -c ${h.libvirtUri} snapshot-list ${d.domain} --name\n${d.ok ? d.snapshots.join('\n') || '(none)' : `ERROR ${d.error}`}\n`).join(''));
    return { uri: h.libvirtUri, snapshot1: h.snapshot1, snapshot2: h.snapshot2, domains };
  },
  gate: (o, ctx) => {
    const rows = o.domains.map((d): { domain: string; snapshot1: string | null; snapshot2: string | null; snapshots?: readonly string[]; error?: string } => ({
      domain: d.domain,
      snapshot1: d.ok ? hasSnapshot(d.snapshots, o.snapshot1) ?? null : null,
      snapshot2: d.ok ? hasSnapshot(d.snapshots, o.snapshot2) ?? null : null,
      ...(d.ok ? { snapshots: d.snapshots } : { error: d.error }),
    }));
    const details = { uri: o.uri, snapshot1: o.snapshot1, snapshot2: o.snapshot2, domains: rows };
    const failed = o.domains.filter((d) => !d.ok);
    const no1 = rows.filter((r) => r.error === undefined && r.snapshot1 === null).map((r) => r.domain);
    const no2 = rows.filter((r) => r.error === undefined && r.snapshot2 === null).map((r) => r.domain);
    if (no1.length > 0) {
      return {
        status: 'FAIL',
        summary: `Snapshot 1 (${o.snapshot1}) missing on ${no1.length} of ${o.domains.length} domains: ${no1.join(', ')}`,
        hint: `D-012: take Snapshot 1 (post-deploy, post-validation, pre-tenant-resources) per VM on the hypervisor: virsh -c ${o.uri} snapshot-create-as DOMAIN ${o.snapshot1}. It cannot be taken after tenant setup, since that is what it must precede.`,
        details,
      };
    }
    if (failed.length > 0) {
      return {
        status: 'ERROR',
        summary: `could not list snapshots on ${failed.map((d) => `${d.domain} (${d.ok ? '' : d.error})`).join(', ')}`,
        hint: `Check hypervisor.domains in the site file against virsh -c ${o.uri} list --all, and that the user may connect to ${o.uri}.`,
        details,
      };
    }
    if (no2.length > 0) {
      return {
        status: 'OUTSTANDING',
        summary: `Snapshot 1 present on all ${o.domains.length} domains; Snapshot 2 (${o.snapshot2}, post-tenant-setup) outstanding on ${no2.join(', ')}`,
        hint: `Operator action (D-012): after tenant setup take Snapshot 2 per VM (virsh -c ${o.uri} snapshot-create-as DOMAIN ${o.snapshot2}), then record it: capi-gate signoff ${ctx.runId} D-011.7 --by NAME --note "Snapshot 2 taken". Until then v1 is FUNCTIONALLY ACCEPTED.`,
        details,
      };
    }
    return { status: 'PASS', summary: `Snapshot 1 and Snapshot 2 present on all ${o.domains.length} domains`, details };
  },
});
