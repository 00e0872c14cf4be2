// 8.2 watch to CREATE_COMPLETE or CREATE_FAILED with progress; capture api_address, the API LB id,
// VIP and FIP; gate on the API LB ACTIVE/ONLINE and health_status HEALTHY (UNHEALTHY is the D-042
// cosmetic case). The magnum-capi-helm driver has no create timeout (a wedged create stays
// IN_PROGRESS forever), so there is a deadline AND a stall check (on what Magnum and Octavia show
// until the API endpoint exists). When the direct evidence (API LB
// ACTIVE/ONLINE) says the cluster works while Magnum disagrees, that is its own finding.

import { CapiGateError } from '../core/errors.js';
import { WaitError, defineStep } from '../engine/index.js';
import type { StepOutcome, WaitResult } from '../engine/index.js';
import type { Cluster, LoadBalancer } from '../openstack/index.js';
import { EXPECT, healthShape, shapeFor } from './expectations.js';
import { CAPTURED } from '../report/captured-keys.js';
import { apiFloatingIp, findApiLoadBalancer } from './api-lb.js';
import { prefetchWorkloadAccess } from './kube-access.js';
import type { Phase08Services } from './services.js';
import { STEP_8_2 } from './runbook-text.js';

interface Poll {
  readonly cluster: Cluster;
  readonly lb: LoadBalancer | undefined;
}

interface Observed {
  readonly wait: WaitResult<Poll>;
  readonly final: Poll;
  readonly fip: string | undefined;
  /** How long 8.2 waited for Magnum's health sync after CREATE_COMPLETE (undefined: no wait). */
  readonly healthWaitMs: number | undefined;
}

const FORBIDDEN = /\b403\b|Forbidden|Policy does not allow|not authorized/i;
const D039 = 'D-039: the cluster\'s application credential lacks load-balancer_member, so Octavia answers 403 and the create wedges. Grant the role to the creator, then DELETE and recreate the cluster (the app-cred is frozen at create time).';

/**
 * The backoff of a create is replaced by a poll shaped by its expected end (expectations.ts:
 * every 60 s until shortly before the earliest create the runbook knows, or this site's own
 * median, then 2 % of the elapsed wait); kept for the waiter's defaults.
 */
const CREATE_POLL = { initialMs: 10_000, maxMs: 30_000, factor: 1.5, jitter: 0.2 } as const;
/**
 * When 8.2 makes 8.3's Kubernetes client and RSA key ready (prefetchWorkloadAccess): this far into a create
 * (x polling.intervalScale), half the shortest create the runbook knows (10 minutes), so it is
 * done long before CREATE_COMPLETE yet after the start of the run, the 8.0 checks and the
 * read-only D-011 items, which need the CPU first (in a fleet of 50 runs started together this
 * work, done on the second poll, landed among the other runs' starts).
 */
const PREFETCH_AFTER_MS = 5 * 60_000;
/** How long ago (ms) 8.1 of this run sent the create: 0 when it did not run here. */
function createdInThisRun(ctx: { result(id: string): { endedAt: number; reused: boolean } | undefined; clock: { now(): number } }): number {
  const r = ctx.result('8.1');
  return r && !r.reused ? Math.max(0, ctx.clock.now() - r.endedAt) : 0;
}

/** Octavia is asked on one cluster poll in this many (see the poll). */
const OCTAVIA_EVERY = 6;

function lbState(lb: LoadBalancer | undefined): string {
  return lb ? `${lb.provisioningStatus}/${lb.operatingStatus}` : 'none';
}

/**
 * What counts as progress for the stall check, from what a real cloud shows of a CAPI Helm create:
 * Magnum's status, status_reason, updated_at (any save of the row), coe_version and api_address,
 * and the API LB's state. Health is synced only for COMPLETE states and the driver never fills
 * master/node addresses, so neither moves during a create. Once api_address is set, the
 * control plane and the workers boot and the add-ons deploy with nothing more in Magnum until
 * CREATE_COMPLETE: from there the key changes on every poll, so only the deadline governs. The
 * stall check thus catches a create that never gets its API endpoint (the D-039 wedge).
 */
export function createProgressKey(p: { readonly cluster: Cluster; readonly lb: LoadBalancer | undefined }, poll: number): string {
  const c = p.cluster;
  if (c.apiAddress) return `api address known; poll ${poll}`;
  return [c.status, c.statusReason, c.updatedAt, c.coeVersion, c.healthStatus, JSON.stringify(c.healthStatusReason), lbState(p.lb)].join('|');
}

export const step = defineStep<Phase08Services, Observed>({
  id: '8.2',
  title: 'Wait to CREATE_COMPLETE; capture API LB, VIP, FIP, api_address; API LB ACTIVE/ONLINE; health HEALTHY',
  kind: 'read',
  needs: ['8.1'],
  decisions: ['D-042', 'D-039', 'appendix-A'],
  runbook: STEP_8_2,
  deadlines: ['clusterCreate', 'clusterStall', 'healthSettle'],
  body: async (ctx) => {
    const os = await ctx.services.openstack(ctx.signal);
    const name = ctx.captured(CAPTURED.clusterUuid) ?? ctx.site.site.cluster.name;
    // Octavia is asked on the first poll, every OCTAVIA_EVERY-th poll after it, on the poll that
    // sees CREATE_COMPLETE (the gate needs the LB as it is then) and, after a 403, on every poll
    // until it stops: the waiter fails fast on consecutive 403s (the D-039 wedge). Once the API LB
    // is found it is read by id, not listed.
    let polls = 0;
    let seen = 0;
    let requests = 0;
    const waitStarted = ctx.clock.now();
    let lb: LoadBalancer | undefined;
    let octaviaRefused = false;
    const wait = await ctx.wait<Poll>({
      name: 'cluster',
      what: `cluster ${ctx.site.site.cluster.name} to CREATE_COMPLETE`,
      deadlineMs: ctx.deadlineMs('clusterCreate'),
      stallMs: ctx.deadlineMs('clusterStall'),
      stallHint: 'The magnum-capi-helm driver has no create timeout: a create that never gets its API endpoint stays IN_PROGRESS forever. Check the CAPI objects on the management cluster, the mgmt VM and the app-cred roles (D-039) (capi-gate doctor).',
      backoff: CREATE_POLL,
      // The create's expected end counts from 8.1's create request (when 8.1 ran in this run).
      shape: shapeFor(ctx, 'cluster', EXPECT.cluster, 1, createdInThisRun(ctx)),
      requests: () => requests,
      poll: async (signal) => {
        requests++;
        const cluster = await os.magnum.getCluster(os.tenant, name, signal);
        seen++;
        // Once a create under way has run PREFETCH_AFTER_MS (not a cluster found complete), 8.3's
        // Kubernetes client and key are made ready in the idle wait (prefetchWorkloadAccess runs once).
        if (cluster.status === 'CREATE_IN_PROGRESS' && ctx.clock.now() - waitStarted >= PREFETCH_AFTER_MS * ctx.site.site.polling.intervalScale && !ctx.services.kube.workloadKubeconfig) prefetchWorkloadAccess();
        const ask = cluster.stackId !== undefined && (polls++ % OCTAVIA_EVERY === 0 || octaviaRefused || cluster.status === 'CREATE_COMPLETE');
        if (ask) {
          requests++;
          try {
            lb = (lb ? await os.octavia.findLoadBalancer(os.tenant, lb.id, signal) : undefined) ?? await findApiLoadBalancer(os, cluster, signal);
            octaviaRefused = false;
          } catch (e) {
            octaviaRefused = (e as { status?: unknown }).status === 403;
            throw e;
          }
        }
        return { cluster, lb };
      },
      state: (p) => p.cluster.status,
      progressKey: (p) => createProgressKey(p, seen),
      acceptors: [
        { state: 'success', matcher: (p) => p.cluster.status === 'CREATE_COMPLETE' },
        { state: 'failure', matcher: (p) => FORBIDDEN.test(`${p.cluster.statusReason ?? ''} ${JSON.stringify(p.cluster.healthStatusReason)}`), message: (p) => `Octavia refuses the cluster's credential: ${p.cluster.statusReason ?? JSON.stringify(p.cluster.healthStatusReason)}`, hint: D039, playbook: 'app-cred-roles' },
        { state: 'failure', matcher: (p) => p.cluster.status === 'CREATE_FAILED', message: (p) => `CREATE_FAILED: ${p.cluster.statusReason ?? 'no status_reason'}${Object.keys(p.cluster.faults).length ? ` (faults: ${JSON.stringify(p.cluster.faults)})` : ''}`, hint: 'See appendix-A: stuck-delete / app-cred 403 / host OOM; `capi-gate doctor` diagnoses.', playbook: 'stuck-delete' },
        { state: 'failure', matcher: (p) => p.cluster.status.startsWith('DELETE_'), message: (p) => `the cluster is being deleted (${p.cluster.status})` },
      ],
      timeoutHint: 'The driver never times out on its own. Compare with the CAPI objects (capi-gate doctor); if the API LB is ACTIVE/ONLINE Magnum may simply lag.',
    }).catch((e: unknown) => {
      const last = e instanceof WaitError ? (e.result.value as Poll | undefined) : undefined;
      if (e instanceof WaitError && (e.code === 'CAPI_GATE_TIMEOUT' || e.code === 'CAPI_GATE_STALLED') && last?.lb?.provisioningStatus === 'ACTIVE' && last.lb.operatingStatus === 'ONLINE') {
        throw new CapiGateError(e.code, `FINDING: Magnum still says ${last.cluster.status} while the API LB ${last.lb.id} is ACTIVE/ONLINE (api_address ${last.cluster.apiAddress ?? 'unset'}): the cluster may work while Magnum lags. ${e.message}`, {
          hint: 'Check the CAPI objects and add-ons on the management cluster (capi-gate doctor); the magnum-capi-helm driver marks CREATE_COMPLETE only when every addon is Deployed.',
          blocks: e.blocks,
          cause: e,
        });
      }
      if (e instanceof CapiGateError && e.code === 'CAPI_GATE_FORBIDDEN') {
        throw new CapiGateError('CAPI_GATE_FORBIDDEN', `Octavia answered 403 repeatedly while the cluster was created: ${e.message}`, { hint: D039, playbook: 'app-cred-roles', blocks: e.blocks, cause: e });
      }
      throw e;
    });
    let final = wait.value!;
    const c = final.cluster;
    if (c.apiAddress) ctx.capture(CAPTURED.apiAddress, c.apiAddress);
    if (c.stackId) ctx.capture(CAPTURED.capiSuffix, c.stackId);
    ctx.capture(CAPTURED.nodes, `${c.masterCount ?? '?'} control-plane + ${c.nodeCount ?? '?'} workers (masters ${c.masterAddresses.join(', ') || '-'}; workers ${c.nodeAddresses.join(', ') || '-'})`);
    if (c.coeVersion) ctx.capture(CAPTURED.kubeVersion, c.coeVersion);
    // The API LB settles to ACTIVE/ONLINE with the cluster; give it a short grace period. Octavia
    // shows a fresh (or rebuilt) LB ACTIVE/OFFLINE until its amphora's first heartbeat reaches the
    // health manager (real Zed, the parity tier): OFFLINE right after ACTIVE is not yet a failure.
    // Still ACTIVE/OFFLINE at the deadline: the gate below FAILs it as it is.
    if (final.lb && (final.lb.provisioningStatus !== 'ACTIVE' || final.lb.operatingStatus !== 'ONLINE')) {
      let seen: LoadBalancer | undefined = final.lb;
      const lbWait = await ctx.wait<LoadBalancer | undefined>({
        name: 'api-lb', what: `API LB ${final.lb.id} to ACTIVE/ONLINE`, deadlineMs: ctx.deadlineMs('failover'),
        poll: async (signal) => (seen = await os.octavia.findLoadBalancer(os.tenant, final.lb!.id, signal)),
        state: (lb) => lbState(lb),
        acceptors: [
          { state: 'success', matcher: (lb) => lb?.provisioningStatus === 'ACTIVE' && lb.operatingStatus === 'ONLINE' },
          { state: 'failure', matcher: (lb) => lb === undefined || lb.provisioningStatus === 'ERROR', message: (lb) => `API LB is ${lbState(lb)}`, hint: 'appendix-A LB-failover: an admin-scope `loadbalancer failover` rebuilds the amphora.', playbook: 'api-lb-error' },
        ],
      }).catch((e: unknown) => {
        if (e instanceof WaitError && e.result.outcome === 'timeout' && seen?.provisioningStatus === 'ACTIVE') return { value: seen };
        throw e;
      });
      final = { ...final, lb: lbWait.value };
    }
    // Magnum's health sync is periodic (about a minute), so health_status read on the poll that saw
    // CREATE_COMPLETE, or right after an LB failover, can be a sync behind the cluster: with the
    // direct evidence good, wait up to deadlines.healthSettle for it before the D-042 finding.
    let healthWaitMs: number | undefined;
    if (final.lb?.provisioningStatus === 'ACTIVE' && final.lb.operatingStatus === 'ONLINE' && final.cluster.healthStatus !== 'HEALTHY') {
      const settled = await ctx.wait<Cluster>({
        name: 'health', what: `Magnum health_status of ${ctx.site.site.cluster.name} to HEALTHY`, deadlineMs: ctx.deadlineMs('healthSettle'),
        shape: healthShape(ctx),
        poll: (signal) => os.magnum.getCluster(os.tenant, name, signal),
        state: (c) => c.healthStatus ?? 'null',
        acceptors: [
          { state: 'success', matcher: (c) => c.healthStatus === 'HEALTHY' },
          { state: 'failure', matcher: (c) => c.status !== 'CREATE_COMPLETE', message: (c) => `the cluster left CREATE_COMPLETE (${c.status}) while its health settled` },
        ],
      }).then(
        (r) => ({ cluster: r.value, ms: r.endedAt - r.startedAt }),
        (e: unknown) => {
          // Still not HEALTHY at the deadline is the finding the gate reports, not an error.
          if (e instanceof WaitError && e.code === 'CAPI_GATE_TIMEOUT' && e.result.value) return { cluster: e.result.value as Cluster, ms: e.result.endedAt - e.result.startedAt };
          throw e;
        },
      );
      if (settled.cluster) final = { ...final, cluster: settled.cluster };
      healthWaitMs = settled.ms;
    }
    ctx.capture(CAPTURED.healthStatus, final.cluster.healthStatus ?? 'null (not synced yet)');
    const reasons = Object.entries(final.cluster.healthStatusReason).map(([k, v]) => `${k}=${v}`).join(', ');
    if (reasons) ctx.capture(CAPTURED.healthStatusReason, reasons);
    let fip: string | undefined;
    if (final.lb) {
      ctx.capture(CAPTURED.apiLbId, final.lb.id);
      if (final.lb.vipAddress) ctx.capture(CAPTURED.apiLbVip, final.lb.vipAddress);
      fip = await apiFloatingIp(os, final.lb, ctx.signal);
      if (fip) ctx.capture(CAPTURED.apiFip, fip);
    }
    ctx.evidence.write('cluster.json', final.cluster);
    if (final.lb) ctx.evidence.write('api-lb.json', final.lb);
    return { wait, final, fip, healthWaitMs };
  },
  gate: ({ final, wait, fip, healthWaitMs }): StepOutcome => {
    const c = final.cluster;
    const lb = final.lb;
    const took = wait.endedAt - wait.startedAt;
    const details = { uuid: c.uuid, stackId: c.stackId, apiAddress: c.apiAddress, apiLb: lb?.id, vip: lb?.vipAddress, fip, healthStatus: c.healthStatus, healthStatusReason: c.healthStatusReason, createMs: took, ...(healthWaitMs !== undefined ? { healthWaitMs } : {}) };
    if (!lb) {
      return { status: 'FAIL', summary: `CREATE_COMPLETE, but no API load balancer was found for ${c.stackId ?? c.name}`, hint: 'The CAPI Helm driver always builds an Octavia LB for the API (k8s-clusterapi-cluster-<ns>-<stack_id>-kubeapi). Check Octavia in the project.', details };
    }
    if (lb.provisioningStatus !== 'ACTIVE' || lb.operatingStatus !== 'ONLINE') {
      return { status: 'FAIL', summary: `API LB ${lb.id} is ${lbState(lb)}, not ACTIVE/ONLINE`, hint: 'appendix-A LB-failover: admin-scope `loadbalancer failover` (capi-gate doctor --remediate).', playbook: 'api-lb-error', details };
    }
    if (!c.apiAddress) return { status: 'FAIL', summary: 'CREATE_COMPLETE without an api_address', hint: 'Magnum copies it from the CAPI Cluster controlPlaneEndpoint; check the management cluster.', details };
    const base = `CREATE_COMPLETE; api_address ${c.apiAddress}; API LB ${lb.id} ACTIVE/ONLINE, VIP ${lb.vipAddress ?? '?'}, FIP ${fip ?? '?'}`;
    if (c.healthStatus !== 'HEALTHY') {
      const why = Object.entries(c.healthStatusReason).filter(([, v]) => v !== 'Ready').map(([k, v]) => `${k}: ${v}`).join('; ');
      return {
        status: 'FAIL',
        summary: `FINDING (D-042): Magnum health_status is ${c.healthStatus ?? 'null'}${healthWaitMs !== undefined ? ` after ${Math.round(healthWaitMs / 1000)} s of Magnum's health sync` : ''} while the API LB is ACTIVE/ONLINE: the cluster works, but this is not an acceptance pass. ${base}${why ? `. health_status_reason: ${why}` : ''}`,
        hint: 'D-042: the cosmetic UNHEALTHY clears with the phase-07 contract-coherent driver (1.4.0). Upgrade the driver, then re-run.',
        details: { ...details, finding: 'D-042-cosmetic-unhealthy' },
      };
    }
    return { status: 'PASS', summary: `${base}; health HEALTHY`, details };
  },
});
