// appendix-A OOM/manual-start (D-041): host OOM SHUTOFF the non-HA mgmt VM; it needs a manual
// `openstack server start`. Until the management API returns, workers hold the CAPI
// uninitialized taint and add-ons do not schedule. Root remediation: D-040 reserved memory.

import { runWaiter } from '../engine/waiter.js';
import type { Server } from '../openstack/index.js';
import type { Diagnosis, Playbook, PlaybookContext, RemediationAction } from './playbook.js';

/**
 * The mgmt VM normally lives in the capi-mgmt project (the tenant sees it). Nova shows an admin
 * only the admin project's servers unless the list asks for all_tenants, so the admin fallback
 * asks for it: first narrowed to the capi-mgmt project (a tenant credential that may not list
 * servers), then across every project (a mgmt VM kept in another one).
 */
async function findMgmtVm(ctx: PlaybookContext): Promise<{ vm: Server | undefined; scope: 'tenant' | 'admin' }> {
  const os = await ctx.services.openstack(ctx.signal);
  const name = ctx.site.site.mgmtVm.name;
  const inProject = await os.nova.findServerByName(os.tenant, name, ctx.signal);
  if (inProject) return { vm: inProject, scope: 'tenant' };
  const inCapiProject = await os.nova.findServerByName(os.admin, name, ctx.signal, { allTenants: true, projectId: os.projectId });
  if (inCapiProject) return { vm: inCapiProject, scope: 'admin' };
  return { vm: await os.nova.findServerByName(os.admin, name, ctx.signal, { allTenants: true }), scope: 'admin' };
}

export const mgmtOom: Playbook = {
  id: 'mgmt-oom',
  rerunsStep: true,
  title: 'Management VM SHUTOFF after a host OOM (D-041 manual start)',
  decisions: ['D-041', 'D-040', 'appendix-A OOM/manual-start', 'appendix-A uninitialized-taint'],
  source: 'host OOM SHUTOFF the mgmt VM (D-041 manual `openstack server start capi-mgmt-v2`); workers held the CAPI uninitialized taint until the mgmt API returned.',
  async detect(ctx): Promise<Diagnosis> {
    const name = ctx.site.site.mgmtVm.name;
    const { vm } = await findMgmtVm(ctx);
    if (!vm) return { playbook: this.id, found: false, evidence: `server ${name} not found (capi-mgmt project, nor any project with the admin's all_tenants list)` };
    if (vm.status !== 'SHUTOFF') return { playbook: this.id, found: false, evidence: `server ${name} is ${vm.status}` };
    return {
      playbook: this.id,
      found: true,
      evidence: `server ${name} ${vm.id} is SHUTOFF${vm.host ? ` on ${vm.host}` : ''} (power state ${vm.powerState ?? '?'})`,
      remedy: 'D-041: the mgmt VM is not HA and does not restart itself: start it by hand. Then check D-040 (reserved-host-memory 8192) on its hypervisor so the OOM does not repeat.',
      plan: [`openstack server start ${vm.id}`, `wait until ${name} is ACTIVE`],
    };
  },
  async remediate(ctx): Promise<RemediationAction[]> {
    const os = await ctx.services.openstack(ctx.signal);
    const name = ctx.site.site.mgmtVm.name;
    const { vm, scope } = await findMgmtVm(ctx);
    if (!vm) return [{ action: `server ${name} not found`, ok: false }];
    const session = scope === 'tenant' ? os.tenant : os.admin;
    const actions: RemediationAction[] = [];
    if (vm.status === 'SHUTOFF') {
      ctx.say(`starting ${name} ${vm.id}`);
      await os.nova.startServer(session, vm.id, ctx.signal);
      actions.push({ action: `server start ${vm.id}`, ok: true });
    }
    const r = await runWaiter<Server>({
      name: 'mgmt-vm-start', what: `server ${name} to ACTIVE`, deadlineMs: 10 * 60_000,
      poll: (signal) => os.nova.getServer(session, vm.id, signal),
      state: (s) => s.status,
      acceptors: [{ state: 'success', matcher: (s) => s.status === 'ACTIVE' }, { state: 'failure', matcher: (s) => s.status === 'ERROR', message: 'the server went to ERROR' }],
    }, { clock: ctx.clock, onProgress: (p) => ctx.say(`${p.what}: ${p.state}`) }, ctx.signal);
    actions.push({ action: `waited for ${name} ACTIVE (${Math.round((r.endedAt - r.startedAt) / 1000)} s)`, ok: true });
    return actions;
  },
};
