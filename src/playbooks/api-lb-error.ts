// appendix-A LB-failover: the workload API LB in provisioning_status ERROR -> admin-scope
// `loadbalancer failover`, wait to ACTIVE (~100 s for a STANDALONE amphora; needs N+1 headroom).

import { runWaiter } from '../engine/waiter.js';
import type { LoadBalancer } from '../openstack/index.js';
import { findApiLoadBalancer } from '../phase08/api-lb.js';
import { CAPTURED } from '../report/captured-keys.js';
import type { Diagnosis, Playbook, PlaybookContext, RemediationAction } from './playbook.js';

async function apiLb(ctx: PlaybookContext): Promise<LoadBalancer | undefined> {
  const os = await ctx.services.openstack(ctx.signal);
  const id = ctx.captured(CAPTURED.apiLbId);
  if (id) return os.octavia.findLoadBalancer(os.admin, id, ctx.signal);
  const cluster = await os.magnum.findCluster(os.tenant, ctx.site.site.cluster.name, ctx.signal);
  return cluster ? findApiLoadBalancer(os, cluster, ctx.signal) : undefined;
}

export const apiLbError: Playbook = {
  id: 'api-lb-error',
  rerunsStep: true,
  title: 'Workload API load balancer in provisioning_status ERROR',
  decisions: ['appendix-A LB-failover', 'D-011.4'],
  source: 'API LB went provisioning_status ERROR -> admin-scope `loadbalancer failover` (ACTIVE ~100s).',
  async detect(ctx): Promise<Diagnosis> {
    const lb = await apiLb(ctx);
    if (!lb) return { playbook: this.id, found: false, evidence: 'no API load balancer found for the cluster' };
    const state = `${lb.id} ${lb.provisioningStatus}/${lb.operatingStatus}`;
    if (lb.provisioningStatus !== 'ERROR') return { playbook: this.id, found: false, evidence: `API LB ${state}` };
    return {
      playbook: this.id,
      found: true,
      evidence: `API LB ${state}`,
      remedy: 'Admin-scope failover rebuilds the amphora (STANDALONE: the replacement is built before the old one is reaped, so the cloud needs N+1 amphora headroom).',
      plan: [`openstack loadbalancer failover ${lb.id} (admin scope)`, `wait until ${lb.id} is ACTIVE (deadline ${ctx.site.site.deadlines.failover})`],
    };
  },
  async remediate(ctx): Promise<RemediationAction[]> {
    const os = await ctx.services.openstack(ctx.signal);
    const lb = await apiLb(ctx);
    if (!lb) return [{ action: 'API LB not found; nothing to fail over', ok: false }];
    const actions: RemediationAction[] = [];
    if (lb.provisioningStatus === 'ERROR') {
      ctx.say(`failing over ${lb.id} (admin scope)`);
      await os.octavia.failoverLoadBalancer(os.admin, lb.id, ctx.signal);
      actions.push({ action: `loadbalancer failover ${lb.id}`, ok: true });
    }
    const r = await runWaiter<LoadBalancer | undefined>({
      name: 'api-lb-failover', what: `API LB ${lb.id} to ACTIVE`, deadlineMs: ctx.site.deadlinesMs.failover,
      poll: (signal) => os.octavia.findLoadBalancer(os.admin, lb.id, signal),
      state: (x) => (x ? `${x.provisioningStatus}/${x.operatingStatus}` : 'gone'),
      acceptors: [{ state: 'success', matcher: (x) => x?.provisioningStatus === 'ACTIVE' }, { state: 'failure', matcher: (x) => x === undefined, message: 'the LB disappeared' }],
    }, { clock: ctx.clock, onProgress: (p) => ctx.say(`${p.what}: ${p.state}`) }, ctx.signal);
    actions.push({ action: `waited for ${lb.id} ACTIVE (${Math.round((r.endedAt - r.startedAt) / 1000)} s)`, ok: true });
    return actions;
  },
};
