// `capi-gate canary --site FILE --every 6h [--jitter 10m] [--listen 127.0.0.1:9464]`: the
// acceptance on a schedule, with its results on /metrics (Prometheus) and /healthz. Each run gets
// a cluster name of its own (the site's name, "-canary-", a short run id), so a leftover of an
// earlier run never collides with a new one. Before each run it takes the site's lease (a file
// in the runs directory that expires, so a crashed canary does not hold the site for ever), then
// deletes the clusters earlier canary runs of the site left (killed or crashed: found by the name
// prefix, created before the lease was taken) with the cleanup command's delete, Service LBs and
// leak sweep. Operator-only items (D-011.7 Snapshot 2) end OUTSTANDING, as in every run: the
// verdict FUNCTIONALLY ACCEPTED is a pass. Run directories are pruned to the newest --keep-runs.
// SIGTERM (or Ctrl+C) stops a running run, lets its teardown finish and deletes its cluster within
// --stop-timeout, then exits; a second signal exits at once. The same rules hold on a jumphost
// (systemd) and in a pod (a Deployment of one replica).

import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import { formatDuration, parseDuration } from '../core/duration.js';
import { CapiGateError, formatError, isAbortError, toCapiGateError } from '../core/errors.js';
import { Journal, SiteLease, ensureDir, pruneRuns } from '../engine/index.js';
import type { LeaseHolder } from '../engine/index.js';
import { CanaryMetrics } from '../report/metrics.js';
import { loadSite } from '../site/load.js';
import type { LoadedSite } from '../site/load.js';
import { buildServices } from './context.js';
import { cleanupCommand } from './cmd-cleanup.js';
import { runCommand } from './cmd-run.js';
import type { RunCommandResult } from './cmd-run.js';
import { registryOf } from './metrics-push.js';
import type { Out } from './output.js';

export interface CanaryOptions {
  readonly site: string;
  readonly everyMs: number;
  readonly jitterMs: number;
  readonly listen: { readonly host: string; readonly port: number };
  readonly runsDir: string;
  /** Run directories of the site kept (the newest). */
  readonly keepRuns: number;
  readonly leaseTtlMs: number;
  /** After SIGTERM: how long the interrupted run's teardown and cluster delete may take. */
  readonly stopTimeoutMs: number;
  /** Stop after this many runs (tests, one-off checks); absent: run until stopped. */
  readonly maxRuns?: number;
  readonly clock: Clock;
  /** Aborted on SIGTERM/SIGINT. */
  readonly signal: AbortSignal;
  readonly env?: NodeJS.ProcessEnv;
  readonly random?: () => number;
}

/** `--listen HOST:PORT` (IPv6 in brackets). */
export function parseListen(v: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(v);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CapiGateError('CAPI_GATE_USAGE', `--listen ${JSON.stringify(v)} is not HOST:PORT`, { hint: 'e.g. --listen 127.0.0.1:9464 (0.0.0.0:9464 in a pod, for the ServiceMonitor)' });
  }
  return { host: m[1] ?? m[2] ?? '', port };
}

/** A --every/--jitter/--lease-ttl value in milliseconds. */
export function parseInterval(v: string, flag: string, min: number): number {
  const ms = parseDuration(v);
  if (ms === undefined || ms < min) {
    throw new CapiGateError('CAPI_GATE_USAGE', `${flag} ${JSON.stringify(v)}: ${ms === undefined ? 'not a duration' : `at least ${formatDuration(min)}`}`, { hint: `A duration such as 6h, 90m, 30s (${flag} at least ${formatDuration(min)}).` });
  }
  return ms;
}

/** The name prefix of the site's canary clusters: Magnum's rule (a letter first) and the CAPI Helm driver's 30 characters, the run id included. */
export function canaryPrefix(site: string): string {
  const base = /^[a-z]/.test(site) ? site : `c${site}`;
  const tail = '-canary-';
  return `${base.slice(0, 30 - tail.length - RUN_ID_CHARS)}${tail}`;
}

const RUN_ID_CHARS = 6;

/** True when name is one of the site's canary clusters. */
export function isCanaryCluster(site: string, name: string): boolean {
  const p = canaryPrefix(site);
  return name.startsWith(p) && /^[0-9a-f]+$/.test(name.slice(p.length)) && name.length === p.length + RUN_ID_CHARS;
}

/** The next scheduled start: the first slot after now (slots every everyMs from the first), plus jitter. */
export function nextStart(firstSlot: number, everyMs: number, now: number, jitterMs: number, random: () => number): { slot: number; at: number } {
  const n = Math.max(1, Math.ceil((now - firstSlot) / everyMs));
  const slot = firstSlot + n * everyMs;
  return { slot, at: slot + Math.floor(random() * jitterMs) };
}

type State = 'starting' | 'waiting' | 'waiting-lease' | 'cleaning' | 'running' | 'stopping';

export async function canaryCommand(out: Out, o: CanaryOptions): Promise<number> {
  const loaded = loadSite(o.site);
  const site = loaded.site.site;
  Journal.checkRunsDir(o.runsDir);
  const random = o.random ?? Math.random;
  const say = (m: string) => out.line(`${new Date(o.clock.now()).toISOString()} canary ${site}: ${m}`);
  const metrics = new CanaryMetrics(site, o.everyMs);
  collectDefaultMetrics({ register: metrics.registry });
  let lastRun: Registry | undefined;
  let state: State = 'starting';
  let lastRunInfo: { runId: string; verdict: string; endedAt: number; clusterName: string } | undefined;
  let nextAt: number | undefined;

  const server = await serve(o.listen, async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'GET only\n');
    if (path === '/metrics') {
      const reg = lastRun ? Registry.merge([metrics.registry, lastRun]) : metrics.registry;
      return send(res, 200, reg.contentType, await reg.metrics());
    }
    if (path === '/healthz') {
      const body = { status: state === 'stopping' ? 'stopping' : 'ok', site, state, every: formatDuration(o.everyMs), ...(nextAt ? { nextRunAt: new Date(nextAt).toISOString() } : {}), ...(lastRunInfo ? { lastRun: { ...lastRunInfo, endedAt: new Date(lastRunInfo.endedAt).toISOString() } } : {}) };
      return send(res, state === 'stopping' ? 503 : 200, 'application/json', JSON.stringify(body) + '\n');
    }
    return send(res, 404, 'text/plain', 'not found: /metrics and /healthz are served\n');
  });
  ensureDir(o.runsDir);
  const addr = server.address();
  say(`serving /metrics and /healthz on http://${typeof addr === 'object' && addr ? (addr.family === 'IPv6' ? `[${addr.address}]` : addr.address) : o.listen.host}:${typeof addr === 'object' && addr ? addr.port : o.listen.port}; every ${formatDuration(o.everyMs)}${o.jitterMs ? ` (+ up to ${formatDuration(o.jitterMs)} jitter)` : ''}; runs under ${o.runsDir}, the newest ${o.keepRuns} kept`);

  const lease = new SiteLease(o.runsDir, site, o.leaseTtlMs);
  let runs = 0;
  let exitCode = 0;
  const firstSlot = o.clock.now();
  let at = firstSlot + Math.floor(random() * o.jitterMs);
  try {
    while (!o.signal.aborted && (o.maxRuns === undefined || runs < o.maxRuns)) {
      nextAt = at;
      metrics.gauge('capi_gate_canary_next_run_timestamp_seconds').set({ site }, at / 1000);
      state = 'waiting';
      if (runs > 0) say(`next run at ${new Date(at).toISOString()}`);
      await o.clock.sleep(at - o.clock.now(), o.signal);
      state = 'waiting-lease';
      if (!(await takeLease(lease, o, say, metrics))) break;
      try {
        state = 'cleaning';
        await cleanLeftovers(out, loaded, o, say, metrics);
        state = 'running';
        const ran = await oneRun(out, o, say, metrics, lease);
        runs++;
        const r = typeof ran === 'number' ? undefined : ran;
        if (typeof ran === 'number' && o.maxRuns !== undefined) exitCode = ran;
        if (r) {
          lastRun = registryOf(r.report, o.runsDir, r.requests);
          lastRunInfo = { runId: r.report.runId, verdict: r.report.finished ? r.report.verdict : 'UNFINISHED', endedAt: o.clock.now(), clusterName: r.clusterName };
          if (!r.report.finished) exitCode = await stopTeardown(out, o, say, r.clusterName);
          // With --max-runs (a one-off check) the exit code is the last run's verdict's.
          else if (o.maxRuns !== undefined) exitCode = r.report.exitCode;
        }
        const pruned = pruneRuns(o.runsDir, site, o.keepRuns, new Set(r ? [r.report.runId] : []));
        if (pruned.length) {
          metrics.counter('capi_gate_canary_runs_pruned_total').inc({ site }, pruned.length);
          say(`pruned ${pruned.length} run director${pruned.length === 1 ? 'y' : 'ies'} (keeping the newest ${o.keepRuns})`);
        }
      } finally {
        lease.release();
        metrics.gauge('capi_gate_canary_lease_held').set({ site }, 0);
      }
      const n = nextStart(firstSlot, o.everyMs, o.clock.now(), o.jitterMs, random);
      at = n.at;
    }
  } catch (e) {
    // Stopped (SIGTERM, Ctrl+C) wherever it was: waiting, taking the lease, cleaning up, starting a run.
    if (!o.signal.aborted && !isAbortError(e) && !(e instanceof CapiGateError && e.code === 'CAPI_GATE_ABORTED')) throw e;
  } finally {
    state = 'stopping';
    nextAt = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
  }
  say(o.signal.aborted ? 'stopped' : `done: ${runs} run(s)`);
  return exitCode;
}

async function takeLease(lease: SiteLease, o: CanaryOptions, say: (m: string) => void, metrics: CanaryMetrics): Promise<boolean> {
  const site = lease.site;
  let waited: LeaseHolder | undefined;
  for (;;) {
    const a = lease.tryAcquire(o.clock.now());
    if (a.ok) {
      if (a.tookOver) say(`took the site's lease over from canary ${a.tookOver.id} (pid ${a.tookOver.pid} on ${a.tookOver.host}): ${lease.staleReason(a.tookOver, o.clock.now()) ?? 'stale'}`);
      if (waited) say('the site\'s lease is free: this canary runs now');
      metrics.gauge('capi_gate_canary_lease_held').set({ site }, 1);
      return true;
    }
    if (!waited || waited.id !== a.holder.id) {
      waited = a.holder;
      metrics.counter('capi_gate_canary_lease_waits_total').inc({ site });
      say(`waiting: another canary holds the site's lease (${a.holder.id}, pid ${a.holder.pid} on ${a.holder.host}, until ${new Date(a.holder.expiresAt).toISOString()} unless renewed); two canaries never run against one site at once`);
    }
    try {
      await o.clock.sleep(Math.min(Math.max(250, o.leaseTtlMs / 6), 10_000), o.signal);
    } catch {
      return false;
    }
  }
}

/** Deletes the clusters earlier canary runs of the site left behind (through the cleanup command). */
async function cleanLeftovers(out: Out, loaded: LoadedSite, o: CanaryOptions, say: (m: string) => void, metrics: CanaryMetrics): Promise<void> {
  const site = loaded.site.site;
  const started = o.clock.now();
  const built = buildServices(loaded, o.env ?? process.env, o.clock);
  let names: string[];
  try {
    const os = await built.services.openstack(o.signal);
    const clusters = await os.magnum.listClusters(os.tenant, o.signal);
    // Every cluster of the prefix made before this canary took the lease belongs to a run that is
    // over: the lease is held by one canary at a time.
    names = clusters.filter((c) => isCanaryCluster(site, c.name) && (!c.createdAt || Date.parse(c.createdAt) <= started)).map((c) => c.name);
  } catch (e) {
    if (o.signal.aborted) throw e;
    say(`could not list the site's clusters for leftovers: ${formatError(toCapiGateError(e)).split('\n')[0] ?? ''}`);
    return;
  } finally {
    await built.close().catch(() => undefined);
  }
  metrics.gauge('capi_gate_canary_leftovers_found').set({ site }, names.length);
  if (!names.length) {
    say('no leftover canary clusters');
    return;
  }
  metrics.counter('capi_gate_canary_leftovers_found_total').inc({ site }, names.length);
  say(`${names.length} leftover canary cluster(s) of earlier runs: ${names.join(', ')}; deleting them first`);
  for (const name of names) {
    const code = await cleanupCommand(out, { site: o.site, clusterName: name, remediate: true, yes: true, clock: o.clock, signal: o.signal, ...(o.env ? { env: o.env } : {}) })
      .catch((e: unknown) => {
        if (o.signal.aborted) throw e;
        out.err(formatError(toCapiGateError(e)));
        return 4;
      });
    if (code === 0) metrics.counter('capi_gate_canary_leftovers_cleaned_total').inc({ site });
    say(code === 0 ? `leftover ${name}: deleted, nothing left` : `leftover ${name}: the cleanup did not finish (exit ${code}); tried again before the next run`);
  }
}

/** The run's result, or the exit code of the error that kept it from starting. */
async function oneRun(out: Out, o: CanaryOptions, say: (m: string) => void, metrics: CanaryMetrics, lease: SiteLease): Promise<RunCommandResult | number> {
  const site = lease.site;
  const clusterName = `${canaryPrefix(site)}${randomBytes(RUN_ID_CHARS / 2).toString('hex')}`;
  // The run stops when the canary stops, or when the lease is lost (it expired and another canary took it).
  const ac = new AbortController();
  const onStop = () => ac.abort(o.signal.reason);
  o.signal.addEventListener('abort', onStop, { once: true });
  const renew = setInterval(() => {
    let held: boolean;
    try {
      held = lease.renew(o.clock.now());
    } catch (e) {
      // The runs directory failed us for a moment (full, remounted): the lease still runs until
      // its expiry, and the next renewal tries again.
      say(`could not renew the site's lease: ${(e as Error).message}`);
      return;
    }
    if (!held) {
      say('lost the site\'s lease (it expired and another canary took it): stopping this run');
      ac.abort(new CapiGateError('CAPI_GATE_ABORTED', 'the site\'s lease was lost'));
    }
  }, Math.max(100, Math.floor(o.leaseTtlMs / 3)));
  metrics.gauge('capi_gate_canary_running').set({ site }, 1);
  say(`run with cluster ${clusterName}`);
  try {
    const r = await runCommand(out, { site: o.site, only: [], skip: [], runsDir: o.runsDir, clock: o.clock, signal: ac.signal, clusterName, niceAfterCreate: 0, ...(o.env ? { env: o.env } : {}) });
    const verdict = r.report.finished ? r.report.verdict : 'UNFINISHED';
    metrics.counter('capi_gate_canary_runs_total').inc({ site, verdict });
    const outstanding = r.report.items.filter((i) => i.status === 'OUTSTANDING').map((i) => i.id);
    say(`run ${r.report.runId}: ${r.report.verdictText} (exit ${r.report.exitCode})${outstanding.length ? `; operator-only, not failures: ${outstanding.join(', ')} OUTSTANDING (capi-gate signoff ${r.report.runId} ITEM)` : ''}`);
    return r;
  } catch (e) {
    metrics.counter('capi_gate_canary_runs_total').inc({ site, verdict: 'UNFINISHED' });
    if (o.signal.aborted) throw e;
    const err = toCapiGateError(e);
    say(`the run could not start: ${formatError(err).split('\n')[0] ?? ''}`);
    return err.exitCode;
  } finally {
    clearInterval(renew);
    o.signal.removeEventListener('abort', onStop);
    metrics.gauge('capi_gate_canary_running').set({ site }, 0);
  }
}

/** After an interrupted run: its teardown has run; its cluster is deleted within --stop-timeout. */
async function stopTeardown(out: Out, o: CanaryOptions, say: (m: string) => void, clusterName: string): Promise<number> {
  say(`the run was interrupted: deleting its cluster ${clusterName} (at most ${formatDuration(o.stopTimeoutMs)})`);
  const budget = AbortSignal.timeout(o.stopTimeoutMs);
  const code = await cleanupCommand(out, { site: o.site, clusterName, remediate: true, yes: true, clock: o.clock, signal: budget, ...(o.env ? { env: o.env } : {}) })
    .catch((e: unknown) => {
      out.err(formatError(toCapiGateError(e)));
      return 4;
    });
  say(code === 0 ? `cluster ${clusterName} deleted, nothing left` : `cluster ${clusterName} not (fully) deleted within ${formatDuration(o.stopTimeoutMs)}: the next canary start deletes it`);
  return code === 0 ? 0 : 1;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

function serve(listen: { host: string; port: number }, handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void): Promise<Server> {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch(() => {
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      else res.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(new CapiGateError('CAPI_GATE_USAGE', `--listen ${listen.host}:${listen.port}: ${e.code === 'EADDRINUSE' ? 'the address is in use' : e.code === 'EADDRNOTAVAIL' ? 'no such address on this host' : e.message}`, {
        hint: 'Pick a free HOST:PORT (the default is 127.0.0.1:9464); another canary may already serve there.',
      }));
    });
    server.listen(listen.port, listen.host, () => resolve(server));
  });
}
