// appendix-A stuck-delete: a delete wedged in DELETE_IN_PROGRESS with the CAPI objects stuck
// Deleting (an Octavia 403 from a frozen pre-D-039 app-cred). Remedy, in the runbook's order:
// clear the OpenStackCluster finalizers in magnum-<project id> (the Cluster follows), wait for
// the Magnum row to go, then the manual Neutron cleanup in dependency order.

import { existsSync } from 'node:fs';
import { runWaiter } from '../engine/waiter.js';
import { ManagementClient, capiNamespace } from '../kube/index.js';
import type { CapiObjectSummary, MachineSummary } from '../kube/index.js';
import type { Cluster, OpenStack } from '../openstack/index.js';
import { CAPTURED } from '../report/captured-keys.js';
import { deleteLoadBalancers, deleteNeutronLeftovers, describeLeftovers, leftoverCount, listLeftovers } from './leftovers.js';
import type { Diagnosis, Playbook, PlaybookContext, RemediationAction } from './playbook.js';

/** What the playbook needs of the management cluster; ManagementClient (src/kube) is one. */
export interface CapiManagement {
  clusters(projectId: string, signal: AbortSignal): Promise<CapiObjectSummary[]>;
  openStackCluster(projectId: string, stackId: string, signal: AbortSignal): Promise<CapiObjectSummary | undefined>;
  clearOpenStackClusterFinalizers(projectId: string, stackId: string, signal: AbortSignal): Promise<void>;
  /** The cluster's Machines (their phase: Deleting while CAPO is wedged). */
  machines?(projectId: string, signal: AbortSignal, stackId?: string): Promise<MachineSummary[]>;
}

/** The management cluster from the context (tests), else site.managementCluster.kubeconfig. */
export function managementOf(ctx: PlaybookContext): CapiManagement | undefined {
  if (ctx.management) return ctx.management;
  const path = ctx.services.kube.managementKubeconfig;
  if (!path || !existsSync(path)) return undefined;
  return ManagementClient.fromFile(path);
}

/** Capture key: the delete was observed to make no progress within its deadline. */
export const DELETE_WEDGED = 'delete_wedged';

const WEDGED = /\b403\b|Forbidden|Policy does not allow|stuck|failed/i;

async function findCluster(ctx: PlaybookContext, os: OpenStack): Promise<Cluster | undefined> {
  const ref = ctx.captured(CAPTURED.clusterUuid) ?? ctx.site.site.cluster.name;
  return os.magnum.findCluster(os.tenant, ref, ctx.signal);
}

function patchCommand(projectId: string, stackId: string): string {
  return `KUBECONFIG=~/capi-mgmt.kubeconfig kubectl -n ${capiNamespace(projectId)} patch openstackcluster ${stackId} --type=merge -p '{"metadata":{"finalizers":[]}}'`;
}

export const stuckDelete: Playbook = {
  id: 'stuck-delete',
  rerunsStep: false,
  title: 'Cluster delete wedged in DELETE_IN_PROGRESS (CAPI objects stuck Deleting)',
  decisions: ['appendix-A stuck-delete', 'D-039'],
  source: 'If a delete WEDGES (DELETE_IN_PROGRESS, CRs stuck Deleting on an Octavia 403 from a frozen app-cred): clear the OpenStackCluster finalizer (the Cluster auto-follows), then manual neutron cleanup in dependency order.',
  async detect(ctx): Promise<Diagnosis> {
    const os = await ctx.services.openstack(ctx.signal);
    const c = await findCluster(ctx, os);
    if (!c) return { playbook: this.id, found: false, evidence: `cluster ${ctx.site.site.cluster.name} not present` };
    if (c.status !== 'DELETE_IN_PROGRESS' && c.status !== 'DELETE_FAILED') return { playbook: this.id, found: false, evidence: `cluster ${c.name} is ${c.status}` };
    const reason = `${c.statusReason ?? ''} ${JSON.stringify(c.healthStatusReason ?? {})}`.trim();
    const mgmt = managementOf(ctx);
    let capi = 'management cluster not configured (site managementCluster.kubeconfig)';
    let stuckObjects = false;
    if (mgmt && c.stackId) {
      try {
        const osc = await mgmt.openStackCluster(os.projectId, c.stackId, ctx.signal);
        const clusters = (await mgmt.clusters(os.projectId, ctx.signal)).filter((x) => x.name === c.stackId);
        const all = [...(osc ? [{ kind: 'OpenStackCluster', o: osc }] : []), ...clusters.map((o) => ({ kind: 'Cluster', o }))];
        stuckObjects = all.some((x) => x.o.deleting && x.o.finalizers.length > 0);
        const machines = (await mgmt.machines?.(os.projectId, ctx.signal, c.stackId)) ?? [];
        capi = all.length ? all.map((x) => `${x.kind} ${x.o.name}${x.o.deleting ? ' Deleting' : ''} finalizers [${x.o.finalizers.join(', ')}]`).join('; ') : `no CAPI objects for ${c.stackId} in ${capiNamespace(os.projectId)}`;
        const stuckMachines = machines.filter((m) => m.deleting);
        if (stuckMachines.length) capi += `; Machines stuck Deleting: ${stuckMachines.map((m) => `${m.name} (${m.phase ?? '?'})`).join(', ')}`;
      } catch (e) {
        capi = `management cluster not readable: ${(e as Error).message.split('\n')[0] ?? ''}`;
      }
    }
    // `cleanup` (and a run whose 8.5 timed out) tell us the delete made no progress in time.
    const noProgress = ctx.captured(DELETE_WEDGED) === 'true';
    const found = c.status === 'DELETE_FAILED' || stuckObjects || WEDGED.test(reason) || noProgress;
    const ns = capiNamespace(os.projectId);
    return {
      playbook: this.id,
      found,
      evidence: `cluster ${c.name} ${c.uuid} ${c.status}${reason ? `: ${reason}` : ''}${noProgress ? ' (no progress within the delete deadline)' : ''}; ${capi}`,
      ...(found
        ? {
            remedy: `Clear the OpenStackCluster ${c.stackId ?? '<stack id>'} finalizers in ${ns} (the Cluster follows), then clean up Neutron in dependency order: router remove subnet, router unset --external-gateway, router delete, subnet delete, network delete, security group delete. By hand: ${patchCommand(os.projectId, c.stackId ?? '<stack id>')}`,
            plan: [
              `clear the finalizers of OpenStackCluster ${c.stackId ?? '?'} in ${ns}`,
              `wait until cluster ${c.name} is gone`,
              'delete the load balancers left for it (API LB, CCM Service LBs)',
              'Neutron cleanup in dependency order (floating IPs, ports, router remove subnet, unset gateway, router delete, subnet, network, security groups)',
            ],
          }
        : {}),
    };
  },
  async remediate(ctx): Promise<RemediationAction[]> {
    const os = await ctx.services.openstack(ctx.signal);
    const c = await findCluster(ctx, os);
    const actions: RemediationAction[] = [];
    const stackId = c?.stackId ?? ctx.captured(CAPTURED.capiSuffix);
    if (c) {
      const mgmt = managementOf(ctx);
      if (!mgmt || !c.stackId) {
        return [{ action: `cannot reach the management cluster to clear the finalizers; run by hand: ${patchCommand(os.projectId, c.stackId ?? '<stack id>')}`, ok: false }];
      }
      ctx.say(`clearing the finalizers of OpenStackCluster ${c.stackId} in ${capiNamespace(os.projectId)}`);
      await mgmt.clearOpenStackClusterFinalizers(os.projectId, c.stackId, ctx.signal);
      actions.push({ action: `cleared the OpenStackCluster ${c.stackId} finalizers in ${capiNamespace(os.projectId)}`, ok: true });
      const r = await runWaiter<Cluster | null>({
        name: 'stuck-delete-gone', what: `cluster ${c.name} to be gone`, deadlineMs: ctx.site.deadlinesMs.clusterDelete,
        poll: (signal) => os.magnum.findCluster(os.tenant, c.uuid, signal).then((x) => x ?? null),
        state: (x) => (x ? x.status : 'gone'),
        acceptors: [{ state: 'success', matcher: (x) => x === null || x.status === 'DELETE_COMPLETE' }],
      }, { clock: ctx.clock, onProgress: (p) => ctx.say(`${p.what}: ${p.state}`) }, ctx.signal);
      actions.push({ action: `cluster ${c.name} gone (${Math.round((r.endedAt - r.startedAt) / 1000)} s)`, ok: true });
    }
    const left = await listLeftovers(os, { ...(stackId ? { stackId } : {}), clusterName: ctx.site.site.cluster.name }, ctx.signal);
    if (leftoverCount(left) === 0) {
      actions.push({ action: 'nothing left in Neutron or Octavia for the cluster', ok: true });
      return actions;
    }
    ctx.say(`left behind: ${describeLeftovers(left).join(', ')}`);
    actions.push(...(await deleteLoadBalancers(os, left.loadBalancers, ctx.say, ctx.signal)));
    // LB deletes are asynchronous: their VIP ports hold the subnet until Octavia finishes.
    await runWaiter<number>({
      name: 'leftover-lbs-gone', what: 'the cluster\'s load balancers to be gone', deadlineMs: ctx.site.deadlinesMs.failover,
      poll: async (signal) => (await listLeftovers(os, { ...(stackId ? { stackId } : {}), clusterName: ctx.site.site.cluster.name }, signal)).loadBalancers.length,
      state: (n) => `${n} left`,
      acceptors: [{ state: 'success', matcher: (n) => n === 0 }],
    }, { clock: ctx.clock }, ctx.signal).catch(() => undefined);
    const again = await listLeftovers(os, { ...(stackId ? { stackId } : {}), clusterName: ctx.site.site.cluster.name }, ctx.signal);
    actions.push(...(await deleteNeutronLeftovers(os, again, ctx.say, ctx.signal)));
    return actions;
  },
};
