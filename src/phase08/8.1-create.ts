// 8.1 create the workload cluster (MUTATION), idempotent: looked up by name first, created once,
// the uuid journaled; a second run or a resume never creates a second cluster. The driver
// auto-mints the app-cred (D-039) and always provisions an Octavia LB (+FIP) for the API.

import { WaitError, defineStep } from '../engine/index.js';
import type { Cluster } from '../openstack/index.js';
import { CAPTURED } from '../report/captured-keys.js';
import type { Phase08Services } from './services.js';
import { STEP_8_1 } from './runbook-text.js';
import { magnumRowGoing } from './8.5-delete.js';

/**
 * How long Magnum may take to show a cluster after answering its create (202): its conductor
 * writes the row afterwards. The create waits this long for the row, and a resume after an attempt
 * that sent the create but never journaled the answer looks for it this long before creating.
 */
const CLUSTER_ROW_MS = 60_000;

/** A cluster this run just created whose counts are not (yet) the ones asked for, while its create is only starting. */
export function nodegroupsPending(c: Cluster, asked: { masterCount: number; nodeCount: number }): boolean {
  return c.status === 'CREATE_IN_PROGRESS' && ((c.masterCount !== undefined && c.masterCount !== asked.masterCount) || (c.nodeCount !== undefined && c.nodeCount !== asked.nodeCount));
}

/**
 * One look for the new cluster's row: null while it is not there yet. Real Magnum (Zed) writes the
 * cluster row before its node groups; a GET in between answers 400 "Invalid input for
 * field/attribute master_count" (the same answer as mid-delete, see magnumRowGoing). Seen on the
 * real control plane with two creates at once: the row is still being written, not an error.
 */
export function clusterRow(find: () => Promise<Cluster | undefined>): Promise<Cluster | null> {
  return find().then((c) => c ?? null, (e: unknown) => {
    if (magnumRowGoing(e)) return null;
    throw e;
  });
}

interface Observed {
  readonly cluster: Cluster;
  readonly created: boolean;
  readonly expected: { masterCount: number; nodeCount: number; templateUuid: string | undefined };
}

export const step = defineStep<Phase08Services, Observed>({
  id: '8.1',
  title: 'Create the workload cluster (idempotent)',
  kind: 'mutation',
  // D-040: creating on hosts that still reserve 512 MB invites the OOM of appendix-A.
  needs: ['8.0.prereqs', '8.0.reserved-memory', '8.0.image', '8.0.template'],
  decisions: ['D-039', 'DOCFIX-034'],
  runbook: STEP_8_1,
  body: async (ctx) => {
    const os = await ctx.services.openstack(ctx.signal);
    const s = ctx.site.site;
    // Magnum's conductor writes the row, then the master nodegroup, then the workers', one commit
    // each, and master_count / node_count are sums over the nodegroups: a GET in between reads
    // node_count 0 on a cluster asked for with 2 (or a 400 on master_count before the first).
    // Wait for the counts asked for (or for the create to move on); after the deadline the gate
    // compares what is there.
    // `goneIsAnswer`: a lookup takes a cluster that is no longer there as absent (a delete ended);
    // after this run's own create, a 404 is the row not written yet.
    const untilNodegroups = async (name: string, what: string, find: (signal: AbortSignal) => Promise<Cluster | undefined>, goneIsAnswer = false): Promise<Cluster | null> => {
      let last: Cluster | null = null;
      let gone = false;
      try {
        await ctx.wait({
          name, what, deadlineMs: CLUSTER_ROW_MS,
          backoff: { initialMs: 500, maxMs: 5_000, factor: 2, jitter: 0.2 },
          poll: async (sg) => {
            // clusterRow answers null for both; only an answer without the cluster is "gone".
            let read: Cluster | undefined | 'no answer' = 'no answer';
            last = await clusterRow(async () => (read = await find(sg)));
            gone = read === undefined;
            return last;
          },
          state: (c) => (c ? `${c.status}${nodegroupsPending(c, s.cluster) ? ' (nodegroups not written yet)' : ''}` : gone ? 'absent' : 'row being written'),
          acceptors: [{ state: 'success', matcher: (c) => (c !== null && !nodegroupsPending(c, s.cluster)) || (goneIsAnswer && gone) }],
        });
      } catch (e) {
        if (!(e instanceof WaitError) || e.result.outcome !== 'timeout' || last === null) throw e;
      }
      return last;
    };
    const { value, created } = await ctx.mutate({
      key: 'cluster',
      // A cluster found while its nodegroups are still being written (a resume right after an
      // earlier attempt's create, or another run's) is read again until they are, so the gate
      // compares its shape, not a half-written row.
      lookup: async (signal) => {
        let found: Cluster | undefined;
        let writing = false;
        try {
          found = await os.magnum.findCluster(os.tenant, s.cluster.name, signal);
        } catch (e) {
          if (!magnumRowGoing(e)) throw e;
          writing = true;
        }
        if (!writing && (!found || !nodegroupsPending(found, s.cluster))) return found;
        const ref = found?.uuid ?? s.cluster.name;
        return (await untilNodegroups('cluster-nodegroups', `cluster ${ref}'s nodegroups to be written`, (sg) => os.magnum.findCluster(os.tenant, ref, sg), true)) ?? undefined;
      },
      settleMs: CLUSTER_ROW_MS,
      create: async (signal) => {
        const { uuid } = await os.magnum.createCluster(os.tenant, {
          name: s.cluster.name,
          // The uuid 8.0.template settled on: the name alone is ambiguous (409) once a concurrent run made a duplicate.
          template: ctx.captured(CAPTURED.templateUuid) ?? s.template.name,
          keypair: s.keypair,
          masterCount: s.cluster.masterCount,
          nodeCount: s.cluster.nodeCount,
        }, signal);
        // Real Magnum creates the row asynchronously; a GET right after the 202 can 404 briefly.
        const row = await untilNodegroups('cluster-row', `cluster ${uuid} and its nodegroups to appear`, (sg) => os.magnum.findCluster(os.tenant, uuid, sg));
        if (row === null) throw new Error(`Magnum answered the create of ${s.cluster.name} (${uuid}) but never showed the cluster`);
        return row;
      },
      record: (c) => ({ uuid: c.uuid, name: c.name }),
    });
    ctx.capture(CAPTURED.clusterUuid, value.uuid);
    if (value.stackId) ctx.capture(CAPTURED.capiSuffix, value.stackId);
    ctx.evidence.write('cluster.json', value);
    return { cluster: value, created, expected: { masterCount: s.cluster.masterCount, nodeCount: s.cluster.nodeCount, templateUuid: ctx.captured(CAPTURED.templateUuid) } };
  },
  gate: ({ cluster: c, created, expected }) => {
    const how = created ? 'created' : 'already present; not created again';
    if (c.status.startsWith('DELETE_')) {
      return { status: 'FAIL', summary: `${c.name} ${c.uuid} is ${c.status}`, hint: 'A delete is under way or wedged: finish it first (capi-gate cleanup; appendix-A stuck-delete).', playbook: 'stuck-delete' };
    }
    if (c.status.endsWith('_FAILED')) {
      return { status: 'FAIL', summary: `${c.name} ${c.uuid} is ${c.status}: ${c.statusReason ?? 'no reason given'}`, hint: 'Delete the failed cluster and create it again after fixing the cause (appendix-A).', playbook: 'stuck-delete' };
    }
    const mismatch: string[] = [];
    if (c.masterCount !== undefined && c.masterCount !== expected.masterCount) mismatch.push(`master_count ${c.masterCount} (site ${expected.masterCount})`);
    if (c.nodeCount !== undefined && c.nodeCount !== expected.nodeCount) mismatch.push(`node_count ${c.nodeCount} (site ${expected.nodeCount})`);
    if (expected.templateUuid && c.clusterTemplateId && c.clusterTemplateId !== expected.templateUuid) mismatch.push(`template ${c.clusterTemplateId} (site template ${expected.templateUuid})`);
    if (mismatch.length) {
      return { status: 'FAIL', summary: `${c.name} exists with a different shape: ${mismatch.join(', ')}`, hint: 'A cluster of that name predates this run. Delete it (capi-gate cleanup) or rename the cluster in the site file.' };
    }
    return { status: 'PASS', summary: `${c.name} ${c.uuid} ${how} (${c.status})`, details: { uuid: c.uuid, stackId: c.stackId, created } };
  },
});
