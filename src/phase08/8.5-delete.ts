// 8.5 (optional) clean delete verification: delete the cluster and wait until it is gone, then
// check its API LB went with it. A wedged delete (DELETE_IN_PROGRESS with CAPI objects stuck on an
// Octavia 403 from a frozen app-cred) names the appendix-A stuck-delete playbook.

import { ApiError } from '../http/errors.js';
import { EXPECT, shapeFor } from './expectations.js';
import { defineStep } from '../engine/index.js';
import type { WaitResult } from '../engine/index.js';
import type { Cluster } from '../openstack/index.js';
import { CAPTURED } from '../report/captured-keys.js';
import type { Phase08Services } from './services.js';
import { STEP_8_5 } from './runbook-text.js';

interface Observed {
  readonly existed: boolean;
  readonly wait?: WaitResult<Cluster | null>;
  readonly lbLeft?: string;
}

/**
 * Real Magnum (Zed) removes a deleted cluster's node groups just before its row; a GET in between
 * answers 400 "Invalid input for field/attribute master_count" (the count of no master node group
 * fails its own validation). Seen on the real control plane under load: the row is going, so the
 * wait goes on rather than ending in ERROR.
 */
export function magnumRowGoing(e: unknown): boolean {
  return e instanceof ApiError && e.status === 400 && /Invalid input for field\/attribute (master|node)_count/.test(e.serverMessage ?? '');
}

const STUCK = 'appendix-A stuck-delete: clear the OpenStackCluster finalizers in magnum-<project id> (the Cluster follows), then clean up Neutron in dependency order (capi-gate cleanup --remediate).';

export const step = defineStep<Phase08Services, Observed>({
  id: '8.5',
  title: 'Clean delete verification',
  kind: 'mutation',
  needs: [],
  after: ['8.1', '8.2', '8.3', 'D-011.4', 'D-011.5'],
  cleanup: true,
  decisions: ['appendix-A'],
  runbook: STEP_8_5,
  deadlines: ['clusterDelete'],
  body: async (ctx) => {
    const os = await ctx.services.openstack(ctx.signal);
    const ref = ctx.captured(CAPTURED.clusterUuid) ?? ctx.site.site.cluster.name;
    const found = await os.magnum.findCluster(os.tenant, ref, ctx.signal);
    if (!found) return { existed: false };
    if (!found.status.startsWith('DELETE_')) {
      await os.magnum.deleteCluster(os.tenant, found.uuid, ctx.signal);
      ctx.log(`delete of ${found.name} ${found.uuid} accepted`);
    }
    const wait = await ctx.wait<Cluster | null>({
      name: 'cluster-delete',
      what: `cluster ${found.name} to be gone`,
      deadlineMs: ctx.deadlineMs('clusterDelete'),
      stallMs: ctx.deadlineMs('clusterStall'),
      // A delete takes minutes: polls shaped by its expected end (this site's history, else ~3 min).
      shape: shapeFor(ctx, 'cluster-delete', EXPECT['cluster-delete']),
      poll: (signal) => os.magnum.findCluster(os.tenant, found.uuid, signal).then((c) => c ?? null, (e: unknown) => {
        if (magnumRowGoing(e)) return { ...found, status: 'DELETE_IN_PROGRESS', statusReason: 'node groups removed, the row is going (Magnum 400 on master_count)' };
        throw e;
      }),
      state: (c) => (c ? c.status : 'gone'),
      progressKey: (c) => (c ? `${c.status}|${c.statusReason ?? ''}` : 'gone'),
      acceptors: [
        { state: 'success', matcher: (c) => c === null || c.status === 'DELETE_COMPLETE' },
        { state: 'failure', matcher: (c) => c?.status === 'DELETE_FAILED', message: (c) => `DELETE_FAILED: ${c?.statusReason ?? 'no reason'}`, hint: STUCK, playbook: 'stuck-delete' },
      ],
      timeoutHint: STUCK,
      timeoutPlaybook: 'stuck-delete',
    });
    const lbId = ctx.captured(CAPTURED.apiLbId);
    const lb = lbId ? await os.octavia.findLoadBalancer(os.tenant, lbId, ctx.signal) : undefined;
    return { existed: true, wait, ...(lb && lb.provisioningStatus !== 'DELETED' ? { lbLeft: `${lb.id} ${lb.provisioningStatus}` } : {}) };
  },
  gate: (o) => {
    if (!o.existed) return { status: 'PASS', summary: 'the cluster is not present (nothing to delete)' };
    const took = o.wait ? o.wait.endedAt - o.wait.startedAt : 0;
    if (o.lbLeft) return { status: 'FAIL', summary: `the cluster is gone but its API LB remains: ${o.lbLeft}`, hint: 'Delete the orphaned LB (openstack loadbalancer delete --cascade) and check the leak sweep (capi-gate cleanup).', details: { deleteMs: took } };
    return { status: 'PASS', summary: `deleted and gone in ${Math.round(took / 1000)} s; its API LB is gone too`, details: { deleteMs: took } };
  },
});
