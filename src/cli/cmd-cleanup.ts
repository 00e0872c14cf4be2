// `capi-gate cleanup --site FILE [--remediate]`: 8.5 with the stuck-delete playbook at hand.
// Before the cluster is deleted, the load balancers the OpenStack CCM created for its Services
// (kube_service_<cluster>_<ns>_<svc>) are deleted: a cluster delete leaves them orphaned (a known
// upstream gap). Then the delete, and when it wedges, the stuck-delete diagnosis (remediated with
// --remediate). Last, a leak sweep lists anything of the cluster's still present (LBs, floating
// IPs, ports, networks, routers, security groups) and fails if there is any.
// Exit: 0 clean, 1 something is left or the delete wedged, 2 usage, 4 could not evaluate.

import type { Clock } from '../core/clock.js';
import { toCapiGateError } from '../core/errors.js';
import { runWaiter } from '../engine/waiter.js';
import type { Cluster } from '../openstack/index.js';
import { DELETE_WEDGED, deleteLoadBalancers, describeLeftovers, leftoverCount, listLeftovers, serviceLbPrefix, stuckDelete } from '../playbooks/index.js';
import type { CapiManagement, PlaybookContext, RemediationAction } from '../playbooks/index.js';
import { loadSite } from '../site/load.js';
import type { BuiltServices } from './context.js';
import { buildServices } from './context.js';
import type { Out } from './output.js';
import { paint } from './output.js';

export interface CleanupOptions {
  readonly site: string;
  readonly remediate: boolean;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly env?: NodeJS.ProcessEnv;
  readonly services?: BuiltServices;
  /** Tests: management-cluster access instead of site.managementCluster.kubeconfig. */
  readonly management?: CapiManagement;
  /** Journal sink for remediation actions (doctor's log, or a run's journal). */
  readonly onAction?: (playbook: string, a: RemediationAction) => void;
}

export async function cleanupCommand(out: Out, o: CleanupOptions): Promise<number> {
  const loaded = loadSite(o.site);
  const built = o.services ?? buildServices(loaded, o.env ?? process.env, o.clock);
  const name = loaded.site.cluster.name;
  const record = (playbook: string, a: RemediationAction) => {
    o.onAction?.(playbook, a);
    out.line(`  ${a.ok ? 'done' : paint(out, 'red', 'FAILED')}: ${a.action}`);
  };
  try {
    const os = await built.services.openstack(o.signal);
    const captured = new Map<string, string>();
    const ctx: PlaybookContext = {
      site: loaded, services: built.services, clock: o.clock, signal: o.signal,
      captured: (k) => captured.get(k),
      say: (m) => out.line(`  ${m}`),
      ...(o.management ? { management: o.management } : {}),
    };
    out.line(`cleanup: site ${loaded.site.site}, cluster ${name}${o.remediate ? ' (stuck-delete remediation allowed)' : ''}`);
    let cluster = await os.magnum.findCluster(os.tenant, name, o.signal);
    const stackId = cluster?.stackId ?? undefined;

    // 1. The CCM's Service LBs first: the cluster delete would orphan them.
    const before = await listLeftovers(os, { ...(stackId ? { stackId } : {}), clusterName: name }, o.signal);
    const serviceLbs = before.loadBalancers.filter((lb) => lb.name.startsWith(serviceLbPrefix(name)));
    if (serviceLbs.length) {
      out.line(`  ${serviceLbs.length} Service load balancer(s) the cloud controller created: deleting them before the cluster`);
      for (const a of await deleteLoadBalancers(os, serviceLbs, ctx.say, o.signal)) record('cleanup', a);
    }

    // 2. 8.5: delete and wait until gone; a wedge is the stuck-delete pattern.
    let wedged = false;
    if (cluster) {
      if (!cluster.status.startsWith('DELETE_')) {
        await os.magnum.deleteCluster(os.tenant, cluster.uuid, o.signal);
        out.line(`  delete of ${cluster.name} ${cluster.uuid} accepted`);
      }
      const uuid = cluster.uuid;
      try {
        await runWaiter<Cluster | null>({
          name: 'cleanup-delete', what: `cluster ${name} to be gone`, deadlineMs: loaded.deadlinesMs.clusterDelete, stallMs: loaded.deadlinesMs.clusterStall,
          poll: (signal) => os.magnum.findCluster(os.tenant, uuid, signal).then((c) => c ?? null),
          state: (c) => (c ? c.status : 'gone'),
          progressKey: (c) => (c ? `${c.status}|${c.statusReason ?? ''}` : 'gone'),
          acceptors: [
            { state: 'success', matcher: (c) => c === null || c.status === 'DELETE_COMPLETE' },
            { state: 'failure', matcher: (c) => c?.status === 'DELETE_FAILED', message: (c) => `DELETE_FAILED: ${c?.statusReason ?? ''}`, playbook: 'stuck-delete' },
          ],
        }, { clock: o.clock, onProgress: (p) => out.line(`  waiting for ${p.what}: ${p.state}`) }, o.signal);
        out.line(`  cluster ${name} is gone`);
      } catch (e) {
        const err = toCapiGateError(e);
        if (err.code === 'CAPI_GATE_ABORTED') throw err;
        wedged = true;
        captured.set(DELETE_WEDGED, 'true');
        out.line(`  the delete did not finish: ${err.message.split('\n')[0] ?? ''}`);
      }
      cluster = wedged ? await os.magnum.findCluster(os.tenant, uuid, o.signal) : undefined;
    } else {
      out.line(`  cluster ${name} is not present`);
    }

    // 3. A wedged delete: the stuck-delete diagnosis; its remedy only with --remediate.
    if (wedged) {
      const d = await stuckDelete.detect(ctx);
      out.line(`${d.found ? paint(out, 'yellow', 'FOUND ') : 'clear '} stuck-delete: ${d.evidence}`);
      if (d.remedy) out.line(`       Remedy: ${d.remedy}`);
      if (d.found && o.remediate && stuckDelete.remediate) {
        out.line(`  stuck-delete: will ${(d.plan ?? []).join(', then ')}`);
        for (const a of await stuckDelete.remediate(ctx, d)) record('stuck-delete', a);
      } else if (d.found) {
        out.line('       capi-gate cleanup --remediate would carry this out.');
      }
    }

    // 4. The leak sweep.
    const after = await os.magnum.findCluster(os.tenant, name, o.signal);
    const left = await listLeftovers(os, { ...(stackId ? { stackId } : {}), clusterName: name }, o.signal);
    const lines = [...(after ? [`cluster ${after.name} ${after.uuid} ${after.status}`] : []), ...describeLeftovers(left)];
    out.line('');
    if (lines.length) {
      out.line(paint(out, 'red', `Leak sweep: ${lines.length} resource(s) of ${name} still present:`));
      for (const l of lines) out.line(`  - ${l}`);
      for (const u of left.unchecked) out.line(`  (not checked: ${u})`);
      out.line(`  Hint: ${after ? 'the delete is wedged: capi-gate cleanup --remediate (appendix-A stuck-delete)' : 'delete them in dependency order (capi-gate cleanup --remediate does), or see the list above'}`);
      return 1;
    }
    out.line(paint(out, 'green', `Leak sweep: nothing of ${name} is left (load balancers, floating IPs, ports, networks, routers, security groups)`));
    for (const u of left.unchecked) out.line(`  (not checked: ${u})`);
    return leftoverCount(left) === 0 && !after ? 0 : 1;
  } finally {
    await built.close().catch(() => undefined);
  }
}
