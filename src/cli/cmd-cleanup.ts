// `capi-gate cleanup --site FILE [--remediate] [--dry-run | --yes]`: 8.5 with the stuck-delete
// playbook at hand. It first shows what it will delete (the cluster, the load balancers the
// OpenStack CCM created for its Services, anything of the cluster the leak sweep finds) and asks
// on a terminal; off a terminal it needs --yes; --dry-run shows the plan and changes nothing.
// The CCM's Service LBs (kube_service_<cluster>_<ns>_<svc>) go first: a cluster delete leaves
// them orphaned (a known upstream gap). Then the delete, and when it wedges, the stuck-delete
// diagnosis (remediated with --remediate). A delete already known to be wedged (DELETE_FAILED,
// or DELETE_IN_PROGRESS with the stuck-delete pattern present) is not waited for again: with
// --remediate the remedy starts at once. Last, a leak sweep lists anything of the cluster's still
// present (LBs, floating IPs, ports, networks, routers, security groups) and fails if there is any.
// Exit: 0 clean (or a dry run), 1 something is left or the delete wedged, 2 usage (--yes missing
// off a terminal), 3 not confirmed (nothing was changed), 4 could not evaluate.

import { createInterface } from 'node:readline/promises';
import type { Clock } from '../core/clock.js';
import { CapiGateError, toCapiGateError } from '../core/errors.js';
import { runWaiter } from '../engine/waiter.js';
import type { Cluster } from '../openstack/index.js';
import { DELETE_WEDGED, deleteLoadBalancers, describeLeftovers, leftoverCount, listLeftovers, serviceLbPrefix, stuckDelete } from '../playbooks/index.js';
import type { CapiManagement, Diagnosis, Leftovers, PlaybookContext, RemediationAction } from '../playbooks/index.js';
import { loadSite } from '../site/load.js';
import type { BuiltServices } from './context.js';
import { buildServices, withClusterName } from './context.js';
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
  /** Delete without asking (what a script or CI job passes). */
  readonly yes?: boolean;
  /** Show what would be deleted and change nothing. */
  readonly dryRun?: boolean;
  /** Clean up this cluster instead of the site file's (the canary's leftovers, one name per run). */
  readonly clusterName?: string;
  /** Asks the operator a yes/no question; absent off a terminal (then --yes is needed). */
  readonly confirm?: (question: string) => Promise<boolean>;
}

/** A y/N question on the terminal; undefined when stdin is not a terminal. */
export function terminalConfirm(signal: AbortSignal): ((question: string) => Promise<boolean>) | undefined {
  if (!process.stdin.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      const answer = await rl.question(question, { signal });
      return /^\s*y(es)?\s*$/i.test(answer);
    } catch (e) {
      if (signal.aborted) throw new CapiGateError('CAPI_GATE_ABORTED', 'interrupted at the cleanup confirmation', { cause: e });
      throw e;
    } finally {
      rl.close();
    }
  };
}

function withoutServiceLbs(l: Leftovers, clusterName: string): Leftovers {
  return { ...l, loadBalancers: l.loadBalancers.filter((lb) => !lb.name.startsWith(serviceLbPrefix(clusterName))) };
}

export async function cleanupCommand(out: Out, o: CleanupOptions): Promise<number> {
  if (!o.site) throw new CapiGateError('CAPI_GATE_USAGE', 'cleanup needs --site FILE', { hint: 'The site file of the run whose cluster is to go: capi-gate cleanup --site FILE --dry-run shows what it would delete.' });
  if (!o.dryRun && !o.yes && !o.confirm) {
    throw new CapiGateError('CAPI_GATE_USAGE', 'cleanup deletes the cluster and what it left behind; off a terminal it needs --yes', {
      hint: `See what it would delete first: capi-gate cleanup --site ${o.site} --dry-run; then run it again with --yes.`,
    });
  }
  const loaded = o.clusterName ? withClusterName(loadSite(o.site), o.clusterName) : loadSite(o.site);
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
    out.line(`cleanup: site ${loaded.site.site}, cluster ${name}${o.remediate ? ' (stuck-delete remediation allowed)' : ''}${o.dryRun ? ' (dry run: nothing is changed)' : ''}`);
    let cluster = await os.magnum.findCluster(os.tenant, name, o.signal);
    const stackId = cluster?.stackId ?? undefined;
    const before = await listLeftovers(os, { ...(stackId ? { stackId } : {}), clusterName: name }, o.signal);
    const serviceLbs = before.loadBalancers.filter((lb) => lb.name.startsWith(serviceLbPrefix(name)));
    const others = withoutServiceLbs(before, name);
    const absentAtStart = !cluster;
    // A delete already known to be wedged is not waited for again.
    let knownWedge: Diagnosis | undefined;
    if (cluster && (cluster.status === 'DELETE_FAILED' || cluster.status === 'DELETE_IN_PROGRESS')) {
      const d = await stuckDelete.detect(ctx);
      if (d.found) knownWedge = d;
    }
    const skipWait = Boolean(knownWedge && (o.remediate || cluster?.status === 'DELETE_FAILED'));

    // 0. The plan, then the operator's go-ahead.
    const todo = showPlan(out, { name, cluster, serviceLbs, others, knownWedge, skipWait, remediate: o.remediate });
    if (o.dryRun) {
      out.line('');
      out.line(`Dry run: nothing was changed. To carry it out: capi-gate cleanup --site ${o.site}${o.remediate ? ' --remediate' : ''} (add --yes off a terminal).`);
      return 0;
    }
    if (todo && !o.yes) {
      const go = await o.confirm!('Go ahead with the deletes above? [y/N] ');
      if (!go) {
        out.line('Not confirmed: nothing was changed.');
        return 3;
      }
    }

    // 1. The CCM's Service LBs first: the cluster delete would orphan them.
    if (serviceLbs.length) {
      out.line(`  ${serviceLbs.length} Service load balancer(s) the cloud controller created: deleting them before the cluster`);
      for (const a of await deleteLoadBalancers(os, serviceLbs, ctx.say, o.signal)) record('cleanup', a);
    }

    // 2. 8.5: delete and wait until gone; a wedge is the stuck-delete pattern.
    let wedged = false;
    if (cluster && skipWait) {
      wedged = true;
      captured.set(DELETE_WEDGED, 'true');
      out.line(`  the delete of ${cluster.name} is already wedged (${cluster.status}): not waiting for it again`);
    } else if (cluster) {
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

    // What an earlier delete left without its cluster: with --remediate, deleted in dependency order.
    if (absentAtStart && o.remediate && leftoverCount(others) > 0 && stuckDelete.remediate) {
      out.line(`  ${leftoverCount(others)} resource(s) of ${name} left without their cluster: deleting them in dependency order`);
      for (const a of await stuckDelete.remediate(ctx, { playbook: stuckDelete.id, found: true, evidence: `cluster ${name} not present` })) record('cleanup', a);
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
      out.line(`  Hint: ${after ? `the delete is wedged: capi-gate cleanup --site ${o.site} --remediate (appendix-A stuck-delete)` : `capi-gate cleanup --site ${o.site} --remediate deletes them in dependency order`}`);
      return 1;
    }
    out.line(paint(out, 'green', `Leak sweep: nothing of ${name} is left (load balancers, floating IPs, ports, networks, routers, security groups)`));
    for (const u of left.unchecked) out.line(`  (not checked: ${u})`);
    return leftoverCount(left) === 0 && !after ? 0 : 1;
  } finally {
    await built.close().catch(() => undefined);
  }
}

interface PlanInput {
  readonly name: string;
  readonly cluster: Cluster | undefined;
  readonly serviceLbs: Leftovers['loadBalancers'];
  readonly others: Leftovers;
  readonly knownWedge: Diagnosis | undefined;
  readonly skipWait: boolean;
  readonly remediate: boolean;
}

/** Prints what cleanup will delete; returns how many things it would delete (0: nothing to ask about). */
function showPlan(out: Out, p: PlanInput): number {
  const found = describeLeftovers(p.others);
  let n = 0;
  out.line('');
  out.line(paint(out, 'bold', 'Will delete:'));
  if (p.serviceLbs.length) {
    n += p.serviceLbs.length;
    out.line(`  - ${p.serviceLbs.length} Service load balancer(s) the cloud controller created (first: a cluster delete would orphan them):`);
    for (const lb of p.serviceLbs) out.line(`      load balancer ${lb.name} ${lb.id}, with the floating IPs on its VIP`);
  }
  if (p.cluster) {
    n++;
    const state = p.cluster.status.startsWith('DELETE_') ? `already ${p.cluster.status}` : p.cluster.status;
    out.line(`  - cluster ${p.cluster.name} ${p.cluster.uuid} (${state})${found.length ? `, and with it what it owns (${found.length}, found by the sweep):` : ''}`);
    for (const f of found) out.line(`      ${f}`);
  } else if (found.length) {
    out.line(`  - cluster ${p.name}: not present; the sweep found ${found.length} resource(s) of it left behind:`);
    for (const f of found) out.line(`      ${f}`);
    if (p.remediate) n += found.length;
    out.line(p.remediate ? '    deleted in dependency order (--remediate)' : '    listed only: --remediate deletes them in dependency order');
  } else if (!p.serviceLbs.length) {
    out.line(`  nothing: cluster ${p.name} is not present and the sweep finds nothing of it`);
  }
  if (p.knownWedge) {
    out.line(`  The delete is already wedged (stuck-delete): ${p.knownWedge.evidence}`);
    if (p.skipWait && p.remediate) {
      out.line('  Without waiting for it again, the remedy:');
      for (const step of p.knownWedge.plan ?? []) out.line(`    then ${step}`);
    } else if (!p.remediate) {
      out.line('  capi-gate cleanup --remediate would clear it without waiting again.');
    }
  } else if (p.cluster && p.remediate) {
    out.line('  If the delete wedges (stuck-delete): clear the OpenStackCluster finalizers, then clean Neutron up in dependency order.');
  }
  return n;
}
