// D-011.3: API reachability from a tenant VM (Option B) -- `source ~/capi-mgmt-net.env; ssh
// ubuntu@"$MGMT_FIP" "timeout 6 bash -c 'exec 3<>/dev/tcp/10.12.4.50/5000' && echo VIP-OK || echo
// VIP-FAIL"`. Runbook section D_011_3; decisions D-011, DOCFIX-038 (FIP from the env file).

import { defineStep } from '../engine/index.js';
import type { VipFromVmResult } from '../hosts/index.js';
import type { Phase08Services } from './services.js';
import { D_011_3 } from './runbook-text.js';
import { WHILE_CONVERGING } from './ordering.js';

export const step = defineStep<Phase08Services, VipFromVmResult>({
  id: 'D-011.3',
  title: 'API reachability from a tenant VM (Option B)',
  kind: 'read',
  needs: [],
  after: WHILE_CONVERGING,
  decisions: ['D-011', 'DOCFIX-038'],
  runbook: D_011_3,
  item: 'D-011.3',
  deadlines: ['probe'],
  body: async (ctx) => {
    const r = await ctx.services.hosts.mgmtVm.probeVip(ctx.signal);
    ctx.capture('mgmt.fip', r.fip);
    ctx.evidence.write('tenant-vip.txt', [
      `ssh ${r.user}@${r.fip} -p ${r.sshPort} (host key ${r.hostKeyFingerprint}, from known_hosts)`,
      `server: ${r.server ?? 'unknown'}`,
      r.method === 'exec' ? `$ ${r.command ?? ''}` : `direct-tcpip channel to ${r.target} (no bash/timeout on the VM)`,
      r.stdout.trim(),
      r.stderr.trim() ? `stderr: ${r.stderr.trim()}` : '',
      `=> ${r.outcome}${r.error ? ` (${r.error})` : ''}`,
    ].filter((l) => l !== '').join('\n') + '\n');
    return r;
  },
  gate: (r) => {
    const details = { fip: r.fip, sshPort: r.sshPort, user: r.user, target: r.target, method: r.method, outcome: r.outcome, error: r.error ?? null, hostKey: r.hostKeyFingerprint, server: r.server ?? null };
    if (r.outcome === 'VIP-OK') {
      return { status: 'PASS', summary: `VIP-OK: the mgmt VM (${r.fip}) reaches ${r.target} (shared-L2 Option B path)`, details };
    }
    return {
      status: 'FAIL',
      summary: `VIP-FAIL: the mgmt VM (${r.fip}) cannot reach ${r.target}: ${r.error ?? 'connect failed'}`,
      hint: 'The tenant -> provider VIP path (phase-06 GATE 1, Option B): check the provider-ext router/gateway of the tenant network, the security group egress of the mgmt VM, and that the VIP answers from the jumphost (D-011.2).',
      details,
    };
  },
});
