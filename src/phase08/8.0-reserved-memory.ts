// 8.0.reserved-memory (D-040): `juju ssh nova-compute/0 'sudo grep -i reserved_host_memory
// /etc/nova/nova.conf'` expects 8192. The runbook reads unit /0 only; D-040 says every compute
// host, so every unit of the compute application is read and reported.

import { defineStep } from '../engine/index.js';
import type { ReservedMemory } from '../hosts/index.js';
import type { Phase08Services } from './services.js';
import { STEP_8_0_CHECKS } from './runbook-text.js';

export interface ReservedMemoryObserved {
  readonly application: string;
  readonly minimumMb: number;
  readonly units: readonly ReservedMemory[];
}

export const D040_HINT =
  'D-040: set it to 8192 on every compute host (juju config nova-compute reserved-host-memory=8192; it is baked into the hardened bundle). ' +
  "The default 512 over-commits the hyperconverged hosts and the kernel OOM-kills guests (the as-built run lost the mgmt VM this way, D-041).";

export const step = defineStep<Phase08Services, ReservedMemoryObserved>({
  id: '8.0.reserved-memory',
  title: 'reserved-host-memory >= 8192 on every nova-compute unit',
  kind: 'read',
  needs: [],
  decisions: ['D-040'],
  runbook: STEP_8_0_CHECKS,
  precondition: true,
  body: async (ctx) => {
    const r = await ctx.services.hosts.juju.reservedHostMemory(ctx.signal);
    ctx.evidence.write('reserved-host-memory.txt', r.units.map((u) => `=== ${u.unit} (${u.source}) ===\n${u.raw || u.error || '(no output)'}\n`).join(''));
    return { application: r.application, minimumMb: ctx.site.site.reservedHostMemoryMb, units: r.units };
  },
  gate: (o) => {
    const each = o.units.map((u) => `${u.unit}=${u.valueMb ?? '?'}${u.source === 'nova default' ? ' (not set; nova default)' : ''}`);
    const details = { application: o.application, minimumMb: o.minimumMb, units: o.units.map((u) => ({ unit: u.unit, valueMb: u.valueMb ?? null, source: u.source, ...(u.error ? { error: u.error } : {}) })) };
    const low = o.units.filter((u) => u.valueMb !== undefined && u.valueMb < o.minimumMb);
    const unread = o.units.filter((u) => u.valueMb === undefined);
    if (low.length > 0) {
      return {
        status: 'FAIL',
        summary: `reserved_host_memory_mb below ${o.minimumMb} on ${low.length} of ${o.units.length} ${o.application} units: ${low.map((u) => `${u.unit}=${u.valueMb}`).join(', ')} (all: ${each.join(', ')})`,
        hint: D040_HINT,
        playbook: 'reserved-host-memory',
        details,
      };
    }
    if (unread.length > 0) {
      return {
        status: 'ERROR',
        summary: `could not read reserved_host_memory_mb on ${unread.map((u) => u.unit).join(', ')}: ${unread[0]?.error ?? ''}`,
        hint: 'Check `juju ssh` to those units works from the jumphost (and sudo without a password).',
        details,
      };
    }
    return { status: 'PASS', summary: `reserved_host_memory_mb >= ${o.minimumMb} on all ${o.units.length} ${o.application} units: ${each.join(', ')}`, details };
  },
});
