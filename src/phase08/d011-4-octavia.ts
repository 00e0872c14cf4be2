// D-011.4: Octavia LB pattern re-passes. Round-robin through a throwaway Service
// type=LoadBalancer that the OpenStack CCM builds (DOCFIX-040: never a hand-built LB), torn
// down until its Octavia LB is gone; then the admin-scope failover of the workload API LB
// (PENDING_UPDATE -> ACTIVE, operating_status ONLINE, ~100 s) while the workload API is probed
// for its blackout. Runbook section D_011_4; decisions D-011, DOCFIX-040, appendix-A.

import { WaitError, defineStep } from '../engine/index.js';
import type { StepContext } from '../engine/index.js';
import { CapiGateError, isAbortError } from '../core/errors.js';
import { formatDuration } from '../core/duration.js';
import { openStallWindow } from '../core/stall.js';
import { obtainWorkloadKubeconfig } from './kube-access.js';
import { kubeWaitBackoff } from './kube-poll.js';
import { RUNBOOK_POLL_MS, shapeFor } from './expectations.js';
import { watchedWait } from '../kube/watch-wait.js';
import { probeUntil, summarizeProbes } from '../kube/failover.js';
import { RR, distributionText, rrDeployment, rrService, tallyHostnames } from '../kube/roundrobin.js';
import { DEFAULT_KUBE_TUNING } from '../kube/services.js';
import { openKubeClient } from '../kube/open.js';
import type { KubeClient } from '../kube/client.js';
import type { BlackoutReport, HostnameTally, LoadBalancerState, PoolState, ProbeResult } from '../kube/index.js';
import { CAPTURED } from '../report/captured-keys.js';
import type { Phase08Services } from './services.js';
import { D_011_4 } from './runbook-text.js';

type Ctx = StepContext<Phase08Services>;

export interface RoundRobinObserved {
  readonly externalIp?: string;
  readonly pods: readonly string[];
  readonly tally?: HostnameTally;
  /** The Octavia LB the CCM built for the Service, with its pools (algorithm, members): what spread the requests. */
  readonly lb?: { readonly id: string; readonly name: string; readonly pools: readonly PoolState[] | null; readonly poolsError?: string };
  readonly error?: string;
  readonly cleanup: { readonly ok: boolean; readonly ms: number; readonly error?: string; readonly hint?: string };
}

export interface FailoverObserved {
  readonly lbId?: string;
  readonly outcome: 'active' | 'error' | 'timeout' | 'not-run';
  readonly durationMs?: number;
  readonly states: readonly string[];
  readonly operatingStatuses: readonly string[];
  readonly final?: LoadBalancerState;
  readonly startedAt?: number;
  readonly blackout?: BlackoutReport;
  readonly error?: string;
  /**
   * How long this process could not run between the failover call and the wait's end (its event
   * loop late: a starved jumphost). The measured duration may be late by this much.
   */
  readonly stalledMs?: number;
}

export interface OctaviaObserved {
  readonly rr: RoundRobinObserved;
  readonly failover: FailoverObserved;
  readonly expectedMs: number;
  readonly deadlineMs: number;
}

/**
 * The runbook's "~100s" is approximate and the measured time includes up to one poll interval;
 * slower than SLOW_FACTOR x failoverExpected is the slow failover of a cloud without N+1
 * amphora headroom (the replacement amphora waits for placement).
 */
export const SLOW_FACTOR = 1.5;

const N_PLUS_ONE = 'STANDALONE failover builds the replacement amphora BEFORE reaping the old one: it needs N+1 amphora placement headroom. A cloud at its scheduler ceiling cannot self-heal its LBs (Roosevelt sizing); check nova capacity for the amphora flavor and the Octavia worker log (appendix-A LB-failover).';

function message(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0] ?? '' : String(e);
}

async function workloadClient(ctx: Ctx): Promise<KubeClient> {
  const access = await obtainWorkloadKubeconfig({
    services: ctx.services.kube,
    clusterName: ctx.site.site.cluster.name,
    ...(ctx.captured(CAPTURED.clusterUuid) ? { clusterUuid: ctx.captured(CAPTURED.clusterUuid)! } : {}),
    ...(ctx.captured(CAPTURED.apiAddress) ? { apiAddress: ctx.captured(CAPTURED.apiAddress)! } : {}),
    ...(ctx.captured(CAPTURED.kubeconfig) ? { writtenPath: ctx.captured(CAPTURED.kubeconfig)! } : {}),
    writeSensitive: (name, text) => ctx.evidence.writeSensitive(name, text),
    signal: ctx.signal,
  });
  if (access.source === 'magnum') ctx.capture(CAPTURED.kubeconfig, access.path);
  return await openKubeClient(access.path);
}

/** How often the teardown asks Octavia while the rr Service is still there (real-site ms). */
const OCTAVIA_EVERY_MS = 25_000;

const tuningOf = (ctx: Ctx) => ({ ...DEFAULT_KUBE_TUNING, ...ctx.services.kube.tuning });

/**
 * Idempotent: delete the rr Service and Deployment if present, then wait until the Service is
 * gone; `lbGone` settles once Octavia confirms its LB gone too (rejects on an LB in ERROR or the
 * teardown deadline). The CCM drops the Service's finalizer only once it has deleted the LB, so
 * the Service's DELETED event is when the LB is known gone; the Octavia read that confirms it
 * overlaps the caller's next read (the failover's look at the API LB) instead of following it.
 */
async function teardownRoundRobin(ctx: Ctx, client: KubeClient): Promise<{ lbGone: Promise<void> }> {
  const svc = await client.deleteService(RR.namespace, RR.name, ctx.signal);
  const dep = await client.deleteDeployment(RR.namespace, RR.name, ctx.signal);
  if (svc || dep) ctx.log(`deleted${svc ? ' service/rr' : ''}${dep ? ' deployment.apps/rr' : ''}; waiting for the Octavia LB to go`);
  const t = tuningOf(ctx);
  const startedAt = ctx.clock.now();
  // The Service by watch; Octavia (no watch) while it is there at most every OCTAVIA_EVERY_MS
  // (x polling.intervalScale), enough to see an LB gone to ERROR.
  const octaviaEvery = OCTAVIA_EVERY_MS * ctx.site.site.polling.intervalScale;
  const svcWatch = client.reflectService(RR.namespace, RR.name, { clock: ctx.clock });
  const watch = watchedWait([svcWatch]);
  const serviceLbs = (signal: AbortSignal) => ctx.services.kube.octavia.serviceLoadBalancers({ namespace: RR.namespace, name: RR.name, ...(ctx.captured(CAPTURED.capiSuffix) ? { capiCluster: ctx.captured(CAPTURED.capiSuffix)! } : {}) }, signal);
  const lbError = { state: 'failure' as const, matcher: (v: { lbs: readonly LoadBalancerState[] }) => v.lbs.some((l) => l.provisioningStatus === 'ERROR'), message: (v: { lbs: readonly LoadBalancerState[] }) => `the rr Service's Octavia LB went to ERROR while deleting (${v.lbs.map((l) => l.id).join(', ')})`, hint: 'Delete it by hand (openstack loadbalancer delete --cascade ID, admin scope) and check the CCM log.' };
  const timeoutHint = 'The CCM did not delete the Service LB: delete it by hand (openstack loadbalancer delete --cascade ID) so nothing leaks.';
  let octaviaCalls = 0;
  let askedAt = -Infinity;
  let lastLbs: readonly LoadBalancerState[] = [];
  let seenGone = false;
  try {
    await ctx.wait<{ service: boolean; lbs: readonly LoadBalancerState[] }>({
    name: 'rr-teardown',
    what: 'the rr Service gone (the CCM removes it once its Octavia LB is deleted)',
    wake: watch.wake,
    requests: () => watch.requests() + octaviaCalls,
    mode: () => `${watch.mode()}; Octavia polled ${octaviaCalls}x${seenGone ? '' : ', confirmed gone after'}`,
    poll: async (signal) => {
      const service = (await svcWatch.items(signal)).some((o) => o.metadata?.name === RR.name);
      if (!service || ctx.clock.now() - askedAt < octaviaEvery) return { service, lbs: lastLbs };
      askedAt = ctx.clock.now();
      octaviaCalls++;
      lastLbs = await serviceLbs(signal);
      if (!lastLbs.length) seenGone = true;
      return { service, lbs: lastLbs };
    },
    state: (v) => (v.service ? `Service present${v.lbs.length ? `, LB ${v.lbs.map((l) => l.provisioningStatus).join(',')}` : ''}` : 'Service gone'),
    acceptors: [{ state: 'success', matcher: (v) => !v.service }, lbError],
    deadlineMs: ctx.deadlineMs('teardown'),
    backoff: kubeWaitBackoff(t),
    timeoutHint,
    });
  } finally {
    watch.close();
  }
  const lbGone = (async () => {
    // An LB seen gone while the Service was there does not come back.
    if (seenGone) return;
    const lbs = await serviceLbs(ctx.signal);
    if (!lbs.length) return;
    // Gone from Kubernetes but not from Octavia (a finalizer removed by hand, a CCM that gave up):
    // wait for Octavia within what is left of the teardown deadline.
    await ctx.wait<{ lbs: readonly LoadBalancerState[] }>({
      name: 'rr-teardown-lb',
      what: "the rr Service's Octavia LB gone",
      poll: async (signal) => ({ lbs: await serviceLbs(signal) }),
      state: (v) => (v.lbs.length ? `LB ${v.lbs.map((l) => l.provisioningStatus).join(',')}` : 'gone'),
      acceptors: [{ state: 'success', matcher: (v) => v.lbs.length === 0 }, lbError],
      deadlineMs: Math.max(1, ctx.deadlineMs('teardown') - (ctx.clock.now() - startedAt)),
      backoff: kubeWaitBackoff(t),
      timeoutHint,
    });
  })();
  lbGone.catch(() => undefined); // observed by the caller; never an unhandled rejection meanwhile
  return { lbGone };
}

async function roundRobin(ctx: Ctx, client: KubeClient): Promise<Omit<RoundRobinObserved, 'cleanup'>> {
  const t = tuningOf(ctx);
  if (!(await client.getDeployment(RR.namespace, RR.name, ctx.signal))) await client.createDeployment(RR.namespace, rrDeployment(), ctx.signal);
  if (!(await client.getService(RR.namespace, RR.name, ctx.signal))) await client.createService(RR.namespace, rrService(), ctx.signal);
  ctx.log('deployment.apps/rr created; service/rr exposed (type=LoadBalancer); waiting for EXTERNAL-IP');
  let ip: string | undefined;
  let ready = 0;
  const services = client.reflectService(RR.namespace, RR.name, { clock: ctx.clock });
  const deployments = client.reflectDeployment(RR.namespace, RR.name, { clock: ctx.clock });
  const watch = watchedWait([services, deployments]);
  try {
    await ctx.wait<{ ip?: string; ready: number }>({
      name: 'rr-external-ip',
      what: 'service/rr EXTERNAL-IP (the CCM builds the Octavia LB + FIP) and 2/2 rr pods Ready',
      wake: watch.wake,
      requests: watch.requests,
      mode: watch.mode,
      poll: async (signal) => {
        const [svcs, deps] = await Promise.all([services.items(signal), deployments.items(signal)]);
        const svc = svcs.find((o) => o.metadata?.name === RR.name);
        const dep = deps.find((o) => o.metadata?.name === RR.name);
        const ing = svc?.status?.loadBalancer?.ingress?.[0];
        ip = ing?.ip ?? ing?.hostname;
        ready = dep?.status?.readyReplicas ?? 0;
        return { ...(ip ? { ip } : {}), ready };
      },
      state: (v) => `${v.ip ? 'EXTERNAL-IP assigned' : 'EXTERNAL-IP <pending>'}, ${v.ready}/${RR.replicas} ready`,
      acceptors: [{ state: 'success', matcher: (v) => !!v.ip && v.ready >= RR.replicas }],
      deadlineMs: ctx.deadlineMs('loadBalancerIp'),
      backoff: kubeWaitBackoff(t),
      timeoutHint: 'The CCM did not get an Octavia LB + FIP for the Service: check the CCM log and the app-cred roles (D-039 load-balancer_member).',
    });
  } catch (e) {
    if (e instanceof WaitError && e.result.outcome === 'timeout') {
      return { ...(ip ? { externalIp: ip } : {}), pods: [], error: `${ip ? `EXTERNAL-IP ${ip} but only ${ready}/${RR.replicas} rr pods Ready` : 'no EXTERNAL-IP'} within ${formatDuration(ctx.deadlineMs('loadBalancerIp'))}` };
    }
    throw e;
  } finally {
    watch.close();
  }
  const pods = (await client.listPods(ctx.signal, { namespace: RR.namespace, labelSelector: `app=${RR.name}` }))
    .filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.name ?? '?').sort();
  const tally = await tallyHostnames(ip!, RR.port, t.rrRequests, ctx.signal, t.requestTimeoutMs);
  ctx.log(`round-robin over ${t.rrRequests} requests: ${distributionText(tally)}`);
  const lb = await serviceLbPools(ctx);
  if (lb?.pools) ctx.log(`service LB ${lb.name}: ${poolsText(lb.pools)}`);
  return { externalIp: ip!, pods, tally, ...(lb ? { lb } : {}) };
}

/** "pool_0_x ROUND_ROBIN TCP ONLINE: node-a 127.20.16.12:31080 ONLINE, node-b ..." */
export function poolsText(pools: readonly PoolState[]): string {
  if (pools.length === 0) return 'no pools';
  return pools.map((p) => `${p.name || p.id} ${p.lbAlgorithm} ${p.protocol} ${p.operatingStatus}: ${p.members.map((m) => `${m.name} ${m.address}:${m.protocolPort} ${m.operatingStatus}`).join(', ') || 'no members'}`).join('; ');
}

/** The rr Service's Octavia LB and its pools; what could not be read is said, never fatal to the round-robin. */
async function serviceLbPools(ctx: Ctx): Promise<RoundRobinObserved['lb']> {
  const octavia = ctx.services.kube.octavia;
  try {
    const lbs = await octavia.serviceLoadBalancers({ namespace: RR.namespace, name: RR.name, ...(ctx.captured(CAPTURED.capiSuffix) ? { capiCluster: ctx.captured(CAPTURED.capiSuffix)! } : {}) }, ctx.signal);
    const lb = lbs[0];
    if (!lb) return undefined;
    if (!octavia.pools) return { id: lb.id, name: lb.name, pools: null, poolsError: 'pools not read (no Octavia pool access configured)' };
    try {
      return { id: lb.id, name: lb.name, pools: await octavia.pools(lb.id, ctx.signal) };
    } catch (e) {
      if (isAbortError(e)) throw e;
      return { id: lb.id, name: lb.name, pools: null, poolsError: message(e) };
    }
  } catch (e) {
    if (isAbortError(e)) throw e;
    return undefined;
  }
}

/**
 * Polls of the failover: at most a tenth of the expected duration apart (100 s: every 10 s), so
 * the measured duration, judged against SLOW_FACTOR x the expectation, is off by a tenth at most.
 * The site's deadlines already follow the time scale and ctx.wait scales poll intervals again,
 * hence the division.
 */
function failoverPoll(ctx: Ctx): { initialMs: number; maxMs: number; factor: number; jitter: number } {
  const t = tuningOf(ctx);
  const tenth = ctx.deadlineMs('failoverExpected') / 10 / ctx.site.site.polling.intervalScale;
  const maxMs = Math.max(t.pollMinMs, Math.min(t.pollMaxMs, tenth));
  // No ramp: the first poll (at once) sees PENDING_UPDATE, and a failover is not over within a tenth.
  return { initialMs: maxMs, maxMs, factor: 1, jitter: 0.1 };
}

/** `ready`: awaited after the look at the API LB and before the failover call (the rr LB gone, DOCFIX-040). */
async function failover(ctx: Ctx, client: KubeClient, ready: () => Promise<void> = async () => undefined): Promise<FailoverObserved> {
  const lbId = ctx.captured(CAPTURED.apiLbId);
  if (!lbId) return { outcome: 'not-run', states: [], operatingStatuses: [], error: 'the workload API LB id was not captured (8.2 captures it from OpenStackCluster / the cluster show)' };
  const octavia = ctx.services.kube.octavia;
  const t = tuningOf(ctx);
  const before = await octavia.getLoadBalancer(lbId, ctx.signal);
  if (!before) return { lbId, outcome: 'not-run', states: [], operatingStatuses: [], error: `the workload API LB ${lbId} does not exist` };
  if (before.provisioningStatus !== 'ACTIVE' && before.provisioningStatus !== 'ERROR') {
    return { lbId, outcome: 'not-run', states: [before.provisioningStatus], operatingStatuses: [before.operatingStatus], final: before, error: `the workload API LB is ${before.provisioningStatus}; failover is only allowed from ACTIVE or ERROR` };
  }
  await ready();
  const stop = new AbortController();
  const results: ProbeResult[] = [];
  // The probe pause follows the time scale like every poll (a 1 s pause cannot see an 0.4 s
  // blackout), floored at 200 ms unless configured below that: every probe is a fresh TLS
  // connection (no keep-alive, so it sees the LB drop connections), which costs CPU on both ends.
  const probeMs = Math.max(Math.min(200, t.probeIntervalMs), t.probeIntervalMs * ctx.site.site.polling.intervalScale);
  const prober = probeUntil((signal, ms) => client.probeVersion(signal, ms), { clock: ctx.clock, intervalMs: probeMs, timeoutMs: ctx.deadlineMs('probe'), stop: stop.signal, signal: ctx.signal, results });
  const states: string[] = [];
  const operating = new Set<string>();
  let final: LoadBalancerState | undefined;
  const startedAt = ctx.clock.now();
  let outcome: FailoverObserved['outcome'] = 'active';
  let error: string | undefined;
  let endedAt = startedAt;
  const stall = openStallWindow();
  try {
    await octavia.failover(lbId, ctx.signal);
    ctx.log(`loadbalancer failover ${lbId} accepted (admin scope); watching PENDING_UPDATE -> ACTIVE`);
    try {
      await ctx.wait<LoadBalancerState | undefined>({
        name: 'api-lb-failover',
        what: `workload API LB ${lbId} failover back to ACTIVE`,
        poll: async (signal) => {
          const lb = await octavia.getLoadBalancer(lbId, signal);
          if (lb) {
            final = lb;
            const s = `${lb.provisioningStatus}/${lb.operatingStatus}`;
            if (states.at(-1) !== s) states.push(s);
            operating.add(lb.operatingStatus);
          }
          return lb ?? { id: lbId, name: '', provisioningStatus: 'DELETED', operatingStatus: 'OFFLINE' };
        },
        state: (lb) => `${lb?.provisioningStatus ?? '?'}/${lb?.operatingStatus ?? '?'}`,
        acceptors: [
          { state: 'success', matcher: (lb) => lb?.provisioningStatus === 'ACTIVE' },
          { state: 'failure', matcher: (lb) => lb?.provisioningStatus === 'ERROR' || lb?.provisioningStatus === 'DELETED', message: (lb) => `the workload API LB failover ended ${lb?.provisioningStatus ?? '?'}`, hint: N_PLUS_ONE, playbook: 'api-lb-error' },
        ],
        deadlineMs: ctx.deadlineMs('failover'),
        backoff: failoverPoll(ctx),
        shape: shapeFor(ctx, 'api-lb-failover', { ms: ctx.deadlineMs('failoverExpected'), siteScaled: true, from: 'runbook: ACTIVE ~100s (site deadline failoverExpected)', floorMs: 1_000, sparseMs: 30_000, fixedEveryMs: RUNBOOK_POLL_MS.other, runbookMs: 100_000 }),
        timeoutHint: N_PLUS_ONE,
      });
    } catch (e) {
      if (!(e instanceof WaitError) || (e.result.outcome !== 'timeout' && e.result.outcome !== 'failure')) throw e;
      outcome = e.result.outcome === 'timeout' ? 'timeout' : 'error';
      error = e.message;
    }
    endedAt = ctx.clock.now();
    stall.close();
    // Unless the API already answers again, keep probing until it does (or a few more probes), so
    // the blackout has an end.
    const mark = results.length;
    for (let i = 0; i < 10 && !ctx.signal.aborted; i++) {
      const after = results.slice(mark);
      if (results.at(-1)?.ok || after.some((r) => r.ok) || after.length >= 3) break;
      await ctx.clock.sleep(probeMs, ctx.signal);
    }
  } catch (e) {
    if (isAbortError(e) || ctx.signal.aborted) throw e;
    if (outcome === 'active' && !error) {
      // the failover call itself failed (403 under member scope, 409 while PENDING_*)
      stop.abort();
      await prober;
      return { lbId, outcome: 'not-run', states, operatingStatuses: [...operating], startedAt, blackout: summarizeProbes(results, ctx.clock.now()), error: message(e), ...(final ? { final } : {}) };
    }
    throw e;
  } finally {
    stall.close();
    stop.abort();
    await prober;
  }
  const blackout = summarizeProbes(results, ctx.clock.now());
  const stalledMs = stall.stalledMs();
  ctx.evidence.write('failover.json', { lbId, outcome, durationMs: endedAt - startedAt, stalledMs, states, operatingStatuses: [...operating], blackout, probes: results.map((r) => ({ ...r, offsetMs: r.at - startedAt })) });
  return { lbId, outcome, durationMs: endedAt - startedAt, states, operatingStatuses: [...operating], startedAt, blackout, stalledMs, ...(final ? { final } : {}), ...(error ? { error } : {}) };
}

function blackoutText(f: FailoverObserved): string {
  const b = f.blackout;
  if (!b) return '';
  if (b.failed === 0) return `workload API answered all ${b.probes} probes (no blackout)`;
  const off = (at: number | undefined) => (at === undefined || f.startedAt === undefined ? '?' : `+${formatDuration(Math.max(0, at - f.startedAt))}`);
  return `workload API blackout ${formatDuration(b.blackoutMs)} (${b.failed}/${b.probes} probes failed; first ${off(b.firstFailedAt)}, last ${off(b.lastFailedAt)} after the failover call)`;
}

export const step = defineStep<Phase08Services, OctaviaObserved>({
  id: 'D-011.4',
  title: 'Octavia LB pattern: round-robin via Service type=LoadBalancer, admin-scope failover',
  kind: 'mutation',
  needs: ['8.3'],
  decisions: ['D-011', 'DOCFIX-040', 'appendix-A'],
  runbook: D_011_4,
  item: 'D-011.4',
  deadlines: ['loadBalancerIp', 'failover', 'failoverExpected', 'teardown'],
  body: async (ctx) => {
    const client = await workloadClient(ctx);
    let rr: Omit<RoundRobinObserved, 'cleanup'>;
    try {
      rr = await roundRobin(ctx, client);
    } catch (e) {
      if (isAbortError(e) || ctx.signal.aborted) throw e;
      rr = { pods: [], error: message(e) };
    }
    // DOCFIX-040: the throwaway Service goes before the failover, and its LB must be gone.
    // Its Octavia confirmation runs alongside the failover's first read; the failover call waits for it.
    const cleanStart = ctx.clock.now();
    let lbGone: Promise<void>;
    try {
      lbGone = (await teardownRoundRobin(ctx, client)).lbGone;
    } catch (e) {
      lbGone = Promise.reject(e);
    }
    const cleaned = lbGone.then(
      (): RoundRobinObserved['cleanup'] => ({ ok: true, ms: ctx.clock.now() - cleanStart }),
      (e: unknown): RoundRobinObserved['cleanup'] => {
        if (isAbortError(e) || ctx.signal.aborted) throw e;
        return { ok: false, ms: ctx.clock.now() - cleanStart, error: message(e), ...(e instanceof CapiGateError && e.hint ? { hint: e.hint } : {}) };
      },
    );
    cleaned.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
    const fo = await failover(ctx, client, async () => { await cleaned; });
    const cleanup = await cleaned;
    ctx.evidence.write('round-robin.json', { ...rr, cleanup });
    if (fo.durationMs !== undefined && fo.outcome === 'active') ctx.capture(CAPTURED.failoverDuration, formatDuration(fo.durationMs));
    return { rr: { ...rr, cleanup }, failover: fo, expectedMs: ctx.deadlineMs('failoverExpected'), deadlineMs: ctx.deadlineMs('failover') };
  },
  gate: (o) => {
    const fails: string[] = [];
    const notes: string[] = [];
    const hints: string[] = [];
    /** What could not be measured (this machine stalled): ERROR, never the cloud's FAIL. */
    const inconclusive: string[] = [];
    let playbook: string | undefined;
    const slowAfterMs = Math.round(o.expectedMs * SLOW_FACTOR);
    const { rr, failover: f } = o;
    // round-robin
    if (rr.error) fails.push(`round-robin: ${rr.error}`);
    else if (rr.tally) {
      const answered = Object.keys(rr.tally.counts).sort();
      const dist = distributionText(rr.tally);
      if (answered.length < 2) {
        const silent = rr.pods.filter((p) => !answered.includes(p));
        fails.push(answered.length === 1
          ? `round-robin: only ${answered[0]} answered (${rr.tally.counts[answered[0]!]} of ${rr.tally.requests} requests)${silent.length ? `; ${silent.join(', ')} never did` : ''}`
          : `round-robin: no pod answered on http://${rr.externalIp ?? '?'}/hostname (${rr.tally.failures[0] ?? 'no answers'})`);
        hints.push('The Service LB does not spread across both members: check the pool members (openstack loadbalancer member list POOL) and their operating_status, and the security group for the NodePort.');
      } else notes.push(`round-robin ${dist}`);
      if (rr.lb?.pools) notes.push(`Service LB pool ${poolsText(rr.lb.pools)}`);
      if (rr.tally.failures.length && answered.length >= 2) notes.push(`${rr.tally.failures.length} requests failed`);
    }
    if (!rr.cleanup.ok) {
      fails.push(`teardown: ${rr.cleanup.error ?? 'the rr Service LB was not deleted'}`);
      if (rr.cleanup.hint) hints.push(rr.cleanup.hint);
    }
    else notes.push(`rr torn down, LB gone in ${formatDuration(rr.cleanup.ms)}`);
    // failover
    const bt = blackoutText(f);
    if (f.outcome === 'not-run') {
      fails.push(`failover: not run: ${f.error ?? 'unknown reason'}`);
      if (f.error?.includes('403')) hints.push('Failover is admin-only (load-balancer:admin): the admin scope must be used, not the capi-mgmt member token.');
    } else if (f.outcome === 'timeout') {
      fails.push(`failover: workload API LB ${f.lbId} not ACTIVE after ${formatDuration(f.durationMs ?? o.deadlineMs)} (${f.states.join(' -> ') || 'no state seen'}; expected ~${formatDuration(o.expectedMs)})`);
      hints.push(N_PLUS_ONE);
      playbook = 'api-lb-error';
    } else if (f.outcome === 'error') {
      fails.push(`failover: workload API LB ${f.lbId} went ${f.final?.provisioningStatus ?? 'ERROR'} after ${formatDuration(f.durationMs ?? 0)} (${f.states.join(' -> ')})`);
      hints.push(N_PLUS_ONE);
      playbook = 'api-lb-error';
    } else {
      const d = f.durationMs ?? 0;
      const path = f.states.join(' -> ');
      const stalled = f.stalledMs ?? 0;
      if (d > slowAfterMs && d - stalled <= slowAfterMs) {
        // Seen late, but this process could not run for long enough to explain the overrun: the
        // failover may have been on time. Not the cloud's failure; not a pass either.
        inconclusive.push(`failover: inconclusive: ACTIVE seen after ${formatDuration(d)}, but this machine stalled ${formatDuration(stalled)} of it (slow beyond ${formatDuration(slowAfterMs)}, expected ~${formatDuration(o.expectedMs)}; ${path})`);
      } else if (d > slowAfterMs) {
        fails.push(`failover: slow-failover: ACTIVE after ${formatDuration(d)}, expected ~${formatDuration(o.expectedMs)} (slow beyond ${formatDuration(slowAfterMs)}; ${path})`);
        hints.push(N_PLUS_ONE);
        playbook = 'api-lb-error';
      } else notes.push(`failover ACTIVE in ${formatDuration(d)} (expected ~${formatDuration(o.expectedMs)}; ${path})`);
      const offline = f.operatingStatuses.filter((s) => s !== 'ONLINE');
      if (f.final && f.final.operatingStatus !== 'ONLINE') fails.push(`failover: operating_status ${f.final.operatingStatus} after the failover (expected ONLINE)`);
      else if (offline.length) notes.push(`operating_status was ${offline.join(', ')} during the failover`);
      else notes.push('operating_status ONLINE throughout');
    }
    if (bt) notes.push(bt);
    const details = {
      distribution: rr.tally?.counts ?? {},
      requests: rr.tally?.requests ?? 0,
      externalIp: rr.externalIp ?? null,
      pods: rr.pods,
      serviceLb: rr.lb ?? null,
      failoverDurationMs: f.durationMs ?? null,
      failoverExpectedMs: o.expectedMs,
      failoverSlowAfterMs: slowAfterMs,
      failoverStates: f.states,
      failoverStalledMs: f.stalledMs ?? null,
      blackout: f.blackout ?? null,
    };
    if (fails.length) {
      return { status: 'FAIL', summary: [...fails, ...inconclusive, ...notes].join('; '), ...(hints.length ? { hint: hints.join(' ') } : {}), ...(playbook ? { playbook } : {}), details };
    }
    if (inconclusive.length) {
      return {
        status: 'ERROR',
        summary: [...inconclusive, ...notes].join('; '),
        hint: 'The jumphost was too busy to time the failover (capi-gate could not run for much of it). Rerun D-011.4 when it is quieter (capi-gate run --only D-011.4), or with fewer acceptances at once.',
        details,
      };
    }
    return { status: 'PASS', summary: notes.join('; '), details };
  },
  teardown: async (ctx) => {
    let client: KubeClient;
    try {
      client = await workloadClient(ctx);
    } catch (e) {
      if (e instanceof CapiGateError && e.code === 'CAPI_GATE_PRECONDITION') return; // never reached the cluster: nothing to tear down
      throw e;
    }
    await (await teardownRoundRobin(ctx, client)).lbGone;
  },
});
