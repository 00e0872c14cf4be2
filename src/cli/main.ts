// capi-gate's command line: the only place that reads argv, prints and exits.

// First: before any module defines a zod schema (see zod-jitless.ts).
import '../core/zod-jitless.js';
import { Command, CommanderError, Option } from 'commander';
import { realClock } from '../core/clock.js';
import { CapiGateError, formatError, toCapiGateError } from '../core/errors.js';
import { historyCommand, reportCommand, signoffCommand } from './cmd-report.js';
import { planCommand } from './cmd-plan.js';
import { parseSeed, parseTimeScale } from './time-scale.js';
import { renderRunbook } from './cmd-runbook.js';
import { parseList, runCommand } from './cmd-run.js';
import { DEFAULT_NICE_AFTER_CREATE, parseNice } from './priority.js';
import { runsDir, versionLine } from './context.js';
import { makeOut } from './output.js';
import type { Out } from './output.js';

const out = makeOut();
/** --plain: what a pipe gets (timestamped lines, no colour), even on a terminal. */
const plainOut = (o: Out): Out => ({ ...o, isTTY: false, color: false });
const PLAIN_HELP = 'plain timestamped lines instead of the live view, even on a terminal';
// `capi-gate runbook | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
let exitCode = 0;
// The last resort for a bug that escapes every step (an 'error' event nobody listens to, a
// rejection nobody awaits): one redacted line with the hint, exit 4, not a stack trace (that is
// for CAPI_GATE_DEBUG). The run's journal stays as it was: `capi-gate run --resume` picks it up.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (e: unknown) => process.exit(printError(e)));
}

/** Prints an error as the CLI does (one redacted line and its hint; the stack of a bug with CAPI_GATE_DEBUG); returns its exit code. */
function printError(e: unknown): number {
  const err = toCapiGateError(e);
  out.err(formatError(err));
  if (process.env.CAPI_GATE_DEBUG && err.code === 'CAPI_GATE_INTERNAL' && e instanceof Error) out.err(e.stack ?? '');
  return err.exitCode;
}

const EXIT_CODES_HELP = `
Exit codes:
  0    accepted (ACCEPTED or FUNCTIONALLY ACCEPTED), or the command succeeded
  1    a gate failed: a verdict on the cloud
  2    usage error, invalid site file or unusable credentials (nothing was run)
  3    a precondition is not met, e.g. the cloud cannot be reached (nothing was changed)
  4    could not evaluate (API, transport, or a check not implemented)
  5    partial run: the selected steps passed; no acceptance verdict (--only/--skip)
  130  interrupted (the run is resumable with --resume)`;

function graceful(): AbortController {
  const ac = new AbortController();
  let count = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      out.err(`\n${sig}: stopping; teardown is running (press Ctrl+C again to exit at once)`);
      ac.abort(new CapiGateError('CAPI_GATE_ABORTED', `interrupted by ${sig}`));
    } else {
      out.err('exiting now; the run is resumable with --resume');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return ac;
}

const program = new Command()
  .name('capi-gate')
  .description('Executable phase-08 workload-cluster acceptance for OpenStack Magnum (CAPI Helm), Octavia and Vault.')
  .version(versionLine())
  .addOption(new Option('--runs-dir <dir>', 'where run journals and reports live (default: $CAPI_GATE_RUNS_DIR or ./runs)'))
  .showHelpAfterError('(add --help for usage)')
  .addHelpText('after', EXIT_CODES_HELP)
  .exitOverride()
  .configureOutput({ writeOut: (s) => out.raw(s), writeErr: (s) => process.stderr.write(s) });

program
  .command('init')
  .description('write a site file from what the live cloud shows (read only): every value with where it came from, a TODO for what cannot be discovered; --check compares an existing one (exit 1 on drift)')
  .option('--out <file>', 'the site file to write')
  .option('--admin-cloud <name>', 'clouds.yaml entry scoped to the admin project (site openstack.clouds.admin)')
  .option('--tenant-cloud <name>', 'clouds.yaml entry of the cluster creator (site openstack.clouds.tenant)')
  .option('--juju-model <model>', 'the juju model of the cloud (default: juju\'s current model)')
  .option('--force', 'overwrite --out when it exists')
  .option('--check', 'compare --site with the cloud and list each difference; writes nothing')
  .option('--site <file>', 'the site file to compare (--check)')
  .addHelpText('after', `
Exit codes of init:
  0  the file is written and complete (--check: no drift)
  1  the file is written, but it holds TODOs or a gate will fail, each listed (--check: drift, one line each)
  2  usage, credentials, or --out exists (pass --force); nothing written
  4  Keystone or another API cannot be reached; nothing written`)
  .action(async (o: { out?: string; adminCloud?: string; tenantCloud?: string; jujuModel?: string; force?: boolean; check?: boolean; site?: string }) => {
    const ac = graceful();
    const { initCommand } = await import('./cmd-init.js');
    exitCode = await initCommand(out, {
      ...(o.out ? { out: o.out } : {}), ...(o.site ? { site: o.site } : {}), ...(o.adminCloud ? { adminCloud: o.adminCloud } : {}),
      ...(o.tenantCloud ? { tenantCloud: o.tenantCloud } : {}), ...(o.jujuModel ? { jujuModel: o.jujuModel } : {}),
      check: o.check === true, force: o.force === true, signal: ac.signal,
    });
  });

program
  .command('plan')
  .description('show the resolved plan: every step, its kind, dependencies and deadlines; changes nothing')
  .option('--site <file>', 'site file (see docs/site.example.yaml)')
  .option('--only <ids>', 'comma-separated step ids or groups (8.0, D-011)')
  .option('--skip <ids>', 'comma-separated step ids or groups to leave out')
  .action((o: { site?: string; only?: string; skip?: string }) => {
    planCommand(out, o);
  });

program
  .command('run')
  .description('run the acceptance: 8.0 -> 8.5 with gates, a verdict and reports')
  .option('--site <file>', 'site file')
  .option('--only <ids>', 'comma-separated step ids or groups (8.0, D-011)')
  .option('--skip <ids>', 'comma-separated step ids or groups to leave out')
  .option('--resume [runId]', 'continue the latest unfinished run of the site, or the given run')
  .option('--remediate', 'when a step fails and an appendix-A playbook finds its pattern, carry out the remedy (announced first, journaled) and run the step again')
  .option('--keep-on-failure', 'after a failure, leave what the run created in place for debugging (no teardown, no 8.5 delete)')
  .option('--nice-after-create <n>', 'once 8.1 has sent the create, lower this process\'s CPU priority to nice N (0 keeps it): the rest is waiting on the cloud, and runs still starting on the same host go first', String(DEFAULT_NICE_AFTER_CREATE))
  .option('--plain', PLAIN_HELP)
  .option('--metrics-file <path>', 'write the run\'s Prometheus metrics to this file, atomically (for node_exporter\'s textfile collector; see docs/metrics.md)')
  .option('--pushgateway <url>', 'push the run\'s Prometheus metrics to this Pushgateway (job capi-gate, grouped by site)')
  .action(async (o: { site?: string; only?: string; skip?: string; resume?: string | true; remediate?: boolean; keepOnFailure?: boolean; niceAfterCreate: string; plain?: boolean; metricsFile?: string; pushgateway?: string }) => {
    const niceAfterCreate = parseNice(o.niceAfterCreate);
    const ac = graceful();
    const r = await runCommand(o.plain ? plainOut(out) : out, {
      ...(o.site ? { site: o.site } : {}),
      only: parseList(o.only, '--only'),
      skip: parseList(o.skip, '--skip'),
      ...(o.resume !== undefined ? { resume: o.resume } : {}),
      remediate: o.remediate === true,
      keepOnFailure: o.keepOnFailure === true,
      niceAfterCreate,
      runsDir: runsDir(program.opts<{ runsDir?: string }>().runsDir),
      signal: ac.signal,
      ...(o.metricsFile !== undefined ? { metricsFile: o.metricsFile } : {}),
      ...(o.pushgateway !== undefined ? { pushgateway: o.pushgateway } : {}),
    });
    exitCode = r.exitCode;
  });

program
  .command('report')
  .description('render the report of a run (from its journal)')
  .argument('<runId>', 'run id (see `capi-gate history`)')
  .option('--format <format>', 'md, json, junit or html', 'md')
  .action((runId: string, o: { format: string }) => {
    exitCode = reportCommand(out, runsDir(program.opts<{ runsDir?: string }>().runsDir), runId, o.format);
  });

program
  .command('signoff')
  .description('record an operator sign-off for an item only an operator can attest (D-011.6 re-unseal drill, D-011.7 Snapshot 2)')
  .argument('<runId>', 'run id')
  .argument('<item>', 'D-011.6 or D-011.7')
  .requiredOption('--by <name>', 'who signs')
  .requiredOption('--note <text>', 'what was checked')
  .option('--amend', 'sign off an item already signed off: recorded as an amendment')
  .action((runId: string, item: string, o: { by: string; note: string; amend?: boolean }) => {
    exitCode = signoffCommand(out, runsDir(program.opts<{ runsDir?: string }>().runsDir), runId, item, o, realClock);
  });

program
  .command('history')
  .description('past runs: verdict, duration, per-item trend')
  .option('--site <name>', 'only runs of this site name')
  .action((o: { site?: string }) => {
    exitCode = historyCommand(out, runsDir(program.opts<{ runsDir?: string }>().runsDir), o.site);
  });

program
  .command('doctor')
  .description('appendix-A diagnosis: every playbook detects its pattern (read-only unless --remediate)')
  .requiredOption('--site <file>', 'site file')
  .option('--remediate', 'carry out the remedy of each pattern found (says what it will do first; journaled)')
  .option('--run <runId>', 'journal remediations into this run (and use what it captured)')
  .action(async (o: { site: string; remediate?: boolean; run?: string }) => {
    const ac = graceful();
    const { doctorCommand } = await import('./cmd-doctor.js');
    exitCode = await doctorCommand(out, { site: o.site, remediate: o.remediate === true, ...(o.run ? { runId: o.run } : {}), runsDir: runsDir(program.opts<{ runsDir?: string }>().runsDir), clock: realClock, signal: ac.signal });
  });

program
  .command('cleanup')
  .description('8.5 delete with the stuck-delete playbook at hand: shows what it will delete and asks (--yes off a terminal, --dry-run to only look); Service LBs first, the cluster, then a leak sweep (exit 1 if anything is left)')
  .option('--site <file>', 'site file')
  .option('--remediate', 'when the delete wedges: clear the OpenStackCluster finalizers and clean Neutron up in dependency order (says what it will do first; journaled); a delete already wedged is remedied at once')
  .option('--dry-run', 'show what would be deleted and change nothing')
  .option('--yes', 'delete without asking (needed off a terminal)')
  .action(async (o: { site?: string; remediate?: boolean; dryRun?: boolean; yes?: boolean }) => {
    const ac = graceful();
    const { cleanupCommand, terminalConfirm } = await import('./cmd-cleanup.js');
    const { appendFileSync } = await import('node:fs');
    const { ensureDir } = await import('../engine/index.js');
    const { join } = await import('node:path');
    const { redactor } = await import('../core/redact.js');
    const logDir = join(runsDir(program.opts<{ runsDir?: string }>().runsDir), 'doctor');
    exitCode = await cleanupCommand(out, {
      site: o.site ?? '', remediate: o.remediate === true, clock: realClock, signal: ac.signal,
      dryRun: o.dryRun === true, yes: o.yes === true, confirm: terminalConfirm(ac.signal),
      onAction: (playbook, a) => {
        ensureDir(logDir);
        appendFileSync(join(logDir, 'cleanup.jsonl'), redactor.redact(JSON.stringify({ t: 'remediation', playbook, action: a.action, ok: a.ok, at: Date.now() })) + '\n');
      },
    });
  });

program
  .command('canary')
  .description('run the acceptance on a schedule and serve the results on /metrics (Prometheus) and /healthz; one cluster name per run, leftovers of crashed runs deleted first, one canary per site at a time (a lease)')
  .requiredOption('--site <file>', 'site file')
  .requiredOption('--every <duration>', 'time between two scheduled runs, e.g. 6h')
  .option('--jitter <duration>', 'add up to this much random delay to each start, e.g. 10m', '0s')
  .option('--listen <host:port>', 'where /metrics and /healthz are served', '127.0.0.1:9464')
  .option('--keep-runs <n>', 'run directories of the site kept (the newest)', '20')
  .option('--lease-ttl <duration>', 'the site lease\'s lifetime, renewed while the canary runs; a crashed canary\'s lease expires after it', '2m')
  .option('--stop-timeout <duration>', 'after SIGTERM: how long the interrupted run\'s teardown and cluster delete may take before the canary exits', '10m')
  .option('--max-runs <n>', 'exit after this many runs (default: run until stopped)')
  .action(async (o: { site: string; every: string; jitter: string; listen: string; keepRuns: string; leaseTtl: string; stopTimeout: string; maxRuns?: string }) => {
    const { canaryCommand, parseInterval, parseListen } = await import('./cmd-canary.js');
    const count = (v: string, flag: string, min: number): number => {
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < min) throw new CapiGateError('CAPI_GATE_USAGE', `${flag} ${JSON.stringify(v)}: a whole number of at least ${min}`, { hint: `e.g. ${flag} 20` });
      return n;
    };
    const opts = {
      site: o.site,
      everyMs: parseInterval(o.every, '--every', 1000),
      jitterMs: o.jitter === '0' ? 0 : parseInterval(o.jitter, '--jitter', 0),
      listen: parseListen(o.listen),
      keepRuns: count(o.keepRuns, '--keep-runs', 1),
      leaseTtlMs: parseInterval(o.leaseTtl, '--lease-ttl', 1000),
      stopTimeoutMs: parseInterval(o.stopTimeout, '--stop-timeout', 1000),
      ...(o.maxRuns !== undefined ? { maxRuns: count(o.maxRuns, '--max-runs', 1) } : {}),
      runsDir: runsDir(program.opts<{ runsDir?: string }>().runsDir),
      clock: realClock,
    };
    const ac = graceful();
    exitCode = await canaryCommand(plainOut(out), { ...opts, signal: ac.signal });
  });

program
  .command('sim')
  .description('run the simulated site on loopback until SIGINT/SIGTERM; prints `ready` once it serves')
  .requiredOption('--out <dir>', 'write site.yaml, clouds.yaml, openrc-admin, openrc-tenant here')
  .option('--site <file>', 'build the simulated site from this site file (default: the runbook values)')
  .option('--time-scale <factor>', 'multiply every simulated duration', '1')
  .option('--scenario <name>', 'a named fault scenario (sim/scenarios) or a scenario file')
  .option('--seed <n>', 'seed for ids and names (default: fresh ids at every start; the seed used is printed)')
  .option('--snapshot2', 'the hypervisor holds Snapshot 2 too (D-011.7 can PASS, the verdict can reach ACCEPTED)')
  .option('--keystone <url>', 'hybrid mode: a real Keystone on loopback (the simulated services register in its catalog)')
  .option('--glance <url>', 'hybrid mode: a real Glance on loopback (images live there)')
  .option('--real-clouds <file>', 'hybrid or --openstack real: clouds.yaml with real-admin and real-tenant (default: what scripts/real-openstack.sh writes)')
  .option('--openstack <where>', 'sim: the simulated OpenStack services (default); real: the real ones of scripts/real-openstack.sh --profile full, the simulator serves only the data plane')
  .action(async (o: { out: string; site?: string; timeScale: string; scenario?: string; seed?: string; snapshot2?: boolean; keystone?: string; glance?: string; realClouds?: string; openstack?: string }, cmd: Command) => {
    if (o.openstack !== undefined && o.openstack !== 'sim' && o.openstack !== 'real') {
      throw new CapiGateError('CAPI_GATE_USAGE', `--openstack must be sim or real, not ${JSON.stringify(o.openstack)}`);
    }
    if (o.openstack === 'real') {
      if (o.keystone || o.glance) throw new CapiGateError('CAPI_GATE_USAGE', '--openstack real does not combine with --keystone/--glance (every OpenStack service is real already)');
      if (o.site) throw new CapiGateError('CAPI_GATE_USAGE', '--openstack real builds its site from the real control plane; --site does not apply', { hint: 'Drop --site; pass --real-clouds FILE to point at another real control plane.' });
      if (o.seed) throw new CapiGateError('CAPI_GATE_USAGE', '--seed does not apply to --openstack real (the real services pick their ids)');
      const { simRealCommand } = await import('./cmd-sim-real.js');
      exitCode = await simRealCommand(out, { out: o.out, ...(o.realClouds ? { realClouds: o.realClouds } : {}), timeScale: parseTimeScale(cmd.getOptionValueSource('timeScale') === 'default' ? '0.05' : o.timeScale), ...(o.snapshot2 ? { snapshot2: true } : {}), ...(o.scenario ? { scenario: o.scenario } : {}) });
      return;
    }
    if (o.keystone || o.glance) {
      if (!o.keystone || !o.glance) throw new CapiGateError('CAPI_GATE_USAGE', 'hybrid mode needs both --keystone URL and --glance URL');
      const { hybridCommand } = await import('./cmd-hybrid.js');
      exitCode = await hybridCommand(out, { out: o.out, keystone: o.keystone, glance: o.glance, ...(o.realClouds ? { realClouds: o.realClouds } : {}), timeScale: parseTimeScale(o.timeScale) });
      return;
    }
    const { simCommand } = await import('./cmd-sim.js');
    exitCode = await simCommand(out, { out: o.out, ...(o.site ? { site: o.site } : {}), timeScale: parseTimeScale(o.timeScale), ...(o.scenario ? { scenario: o.scenario } : {}), ...(o.seed !== undefined ? { seed: parseSeed(o.seed) } : {}), ...(o.snapshot2 ? { snapshot2: true } : {}) });
  });

program
  .command('demo')
  .description('the whole acceptance against the built-in simulated site, in about a minute')
  .option('--time-scale <factor>', 'multiply every simulated duration', '0.05')
  .option('--scenario <name>', 'a named fault scenario')
  .option('--snapshot2', 'the hypervisor holds Snapshot 2 too (the verdict can reach ACCEPTED)')
  .option('--remediate', 'let the appendix-A playbooks remedy what a failed step runs into (see `run --remediate`)')
  .option('--plain', PLAIN_HELP)
  .action(async (o: { timeScale: string; scenario?: string; snapshot2?: boolean; remediate?: boolean; plain?: boolean }) => {
    const ac = graceful();
    const { demoCommand } = await import('./cmd-demo.js');
    exitCode = await demoCommand(o.plain ? plainOut(out) : out, { runsDir: runsDir(program.opts<{ runsDir?: string }>().runsDir), timeScale: parseTimeScale(o.timeScale), ...(o.scenario ? { scenario: o.scenario } : {}), ...(o.snapshot2 ? { snapshot2: true } : {}), remediate: o.remediate === true, signal: ac.signal, clock: realClock });
  });

program
  .command('runbook')
  .description('print the runbook as markdown, rendered from the step definitions')
  .action(() => {
    out.raw(renderRunbook());
  });

program
  .command('completion')
  .description('print a shell completion script: commands, options, step ids for --only/--skip, run ids for report, signoff and --resume (source <(capi-gate completion bash))')
  .argument('<shell>', 'bash or zsh')
  .action(async (shell: string) => {
    const { completionScript } = await import('./cmd-completion.js');
    out.raw(completionScript(program, shell));
  });

// No top-level await: the bundle (scripts/bundle.mjs) is CommonJS, for V8's code cache.
async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      exitCode = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0 ? 0 : 2;
    } else {
      exitCode = printError(e);
    }
  }
  process.exitCode = exitCode;
}

void main();
