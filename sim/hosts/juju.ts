// The `juju` stand-in: a small program written to OUT/bin/juju that reads OUT/juju-state.json on
// every call (the common calls: files rendered from it) and answers what capi-gate and the runbook
// ask: `juju status --format=json|short` (api-notes §10 shapes: applications -> units ->
// workload-status / juju-status, subordinates nested) and
// `juju ssh [-m MODEL] UNIT 'sudo grep -i reserved_host_memory /etc/nova/nova.conf'`.
// The state is a file so a test (or a scenario hook) can change it between calls.

import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Site } from '../../src/site/schema.js';
import type { HostScenario } from './scenario.js';

type Status = { current: string; message?: string; since: string; version?: string };
interface Unit {
  'workload-status': Status;
  'juju-status': Status;
  leader?: boolean;
  machine: string;
  'open-ports'?: string[];
  'public-address': string;
  subordinates?: Record<string, Omit<Unit, 'machine' | 'subordinates'>>;
}
interface App {
  charm: string;
  base: { name: string; channel: string };
  'charm-origin': string;
  'charm-name': string;
  'charm-rev': number;
  'charm-channel': string;
  exposed: boolean;
  'application-status': Status;
  units?: Record<string, Unit>;
  'subordinate-to'?: string[];
  version?: string;
  'endpoint-bindings': Record<string, string>;
}

export interface JujuState {
  model: Record<string, unknown> & { name: string };
  machines: Record<string, unknown>;
  applications: Record<string, App>;
  /** unit -> /etc/nova/nova.conf text (compute units only). */
  novaConf: Record<string, string>;
}

const SINCE = '09 Jun 2026 10:14:02Z';
/** The runbook's D-040 check (phase 08, 8.0), as capi-gate and the runbook's bash send it over `juju ssh`. */
const RESERVED_MEMORY_COMMAND = 'sudo grep -i reserved_host_memory /etc/nova/nova.conf';
const JUJU_VERSION = '3.6.4';
const st = (current: string, message?: string): Status => ({ current, ...(message ? { message } : {}), since: SINCE });
const SEVERITY = ['error', 'blocked', 'maintenance', 'waiting', 'unknown', 'terminated', 'active'];

export function novaConf(reservedMb: number | null): string {
  return [
    '###############################################################################',
    '# [ WARNING ]',
    '# Configuration file maintained by Juju. Local changes may be overwritten.',
    '###############################################################################',
    '[DEFAULT]',
    'verbose=False',
    'debug=False',
    'dhcpbridge_flagfile=/etc/nova/nova.conf',
    'state_path=/var/lib/nova',
    'compute_driver = libvirt.LibvirtDriver',
    '# reserved_host_memory_mb = 512  (nova default; D-040 raises it to 8192)',
    ...(reservedMb === null ? [] : [`reserved_host_memory_mb = ${reservedMb}`]),
    'cpu_allocation_ratio = 2.0',
    'ram_allocation_ratio = 1.0',
    '',
    '[libvirt]',
    'virt_type = kvm',
    '',
  ].join('\n');
}

function hostOf(url: string): string {
  return new URL(url).hostname;
}

/** A charmed-OpenStack model for the site: API services in LXD, hyperconverged compute + ceph. */
export function buildJujuState(site: Site, scenario: HostScenario, map: (ip: string) => string = (ip) => ip): JujuState {
  const apps: Record<string, App> = {};
  const machines: Record<string, unknown> = {};
  const physical = ['0', '1', '2'];
  physical.forEach((m, i) => {
    machines[m] = {
      'juju-status': { current: 'started', since: SINCE, version: JUJU_VERSION },
      hostname: `node-${i + 1}`, 'dns-name': map(`10.12.4.${11 + i}`), 'ip-addresses': [map(`10.12.4.${11 + i}`)], 'instance-id': `maas-${i + 1}`,
      'machine-status': { current: 'running', message: 'Deployed', since: SINCE },
      'modification-status': { current: 'idle', since: SINCE },
      base: { name: 'ubuntu', channel: '22.04' }, hardware: 'arch=amd64 cores=32 mem=262144M', containers: {},
    };
  });
  let lxd = 0;
  const container = (host: string, address: string): string => {
    const m = physical[lxd % physical.length] ?? '0';
    const id = `${m}/lxd/${Math.floor(lxd / physical.length)}`;
    lxd++;
    ((machines[m] as { containers: Record<string, unknown> }).containers)[id] = {
      'juju-status': { current: 'started', since: SINCE, version: JUJU_VERSION }, hostname: host, 'dns-name': address, 'ip-addresses': [address],
      'instance-id': `juju-${id.replace(/\//g, '-')}`, 'machine-status': { current: 'running', message: 'Container started', since: SINCE },
      'modification-status': { current: 'idle', since: SINCE }, base: { name: 'ubuntu', channel: '22.04' },
    };
    return id;
  };
  const sealed = new Set(scenario.vault.sealed);
  const app = (name: string, charm: string, channel: string, units: { machine: string; address: string; ports?: string[]; message: string; sub?: { name: string; message: string } }[]): void => {
    const u: Record<string, Unit> = {};
    units.forEach((x, i) => {
      const unitName = `${name}/${i}`;
      u[unitName] = {
        'workload-status': st('active', x.message),
        'juju-status': { current: 'idle', since: SINCE, version: JUJU_VERSION },
        ...(i === 0 ? { leader: true } : {}),
        machine: x.machine,
        ...(x.ports ? { 'open-ports': x.ports } : {}),
        'public-address': x.address,
        ...(x.sub ? { subordinates: { [`${x.sub.name}/${i}`]: { 'workload-status': st('active', x.sub.message), 'juju-status': { current: 'idle', since: SINCE, version: JUJU_VERSION }, 'public-address': x.address } } } : {}),
      };
    });
    apps[name] = {
      charm, base: { name: 'ubuntu', channel: '22.04' }, 'charm-origin': 'charmhub', 'charm-name': charm, 'charm-rev': 100 + Object.keys(apps).length, 'charm-channel': channel,
      exposed: false, 'application-status': st('active', units[0]?.message), units: u, 'endpoint-bindings': { '': 'oam' },
    };
  };
  const sub = (name: string, charm: string, to: string): void => {
    apps[name] = {
      charm, base: { name: 'ubuntu', channel: '22.04' }, 'charm-origin': 'charmhub', 'charm-name': charm, 'charm-rev': 90, 'charm-channel': '2.4/stable',
      exposed: false, 'application-status': st('active', 'Unit is ready'), 'subordinate-to': [to], 'endpoint-bindings': { '': 'oam' },
    };
  };
  const api = (name: string, charm: string, count: number, base: number, ports: string[], message = 'Unit is ready', hacluster = false) => {
    app(name, charm, '2024.1/stable', Array.from({ length: count }, (_, i) => {
      const address = map(`10.12.5.${base + i}`);
      return { machine: container(`juju-${name}-${i}`, address), address, ports, message, ...(hacluster ? { sub: { name: `${name}-hacluster`, message: 'Unit is ready and clustered' } } : {}) };
    }));
    if (hacluster) sub(`${name}-hacluster`, 'hacluster', name);
  };
  api('keystone', 'keystone', 3, 10, ['5000/tcp'], 'Unit is ready', true);
  api('barbican', 'barbican', 1, 20, ['9311/tcp']);
  api('cinder', 'cinder', 1, 22, ['8776/tcp']);
  api('glance', 'glance', 1, 24, ['9292/tcp']);
  api('magnum', 'magnum', 1, 26, ['9511/tcp']);
  api('neutron-api', 'neutron-api', 1, 28, ['9696/tcp']);
  api('nova-cloud-controller', 'nova-cloud-controller', 1, 30, ['8774/tcp', '8775/tcp']);
  api('octavia', 'octavia', 1, 32, ['9876/tcp']);
  api('openstack-dashboard', 'openstack-dashboard', 1, 34, ['80/tcp', '443/tcp']);
  api('placement', 'placement', 1, 36, ['8778/tcp']);
  api('mysql-innodb-cluster', 'mysql-innodb-cluster', 3, 40, [], 'Unit is ready: Mode: R/W, Cluster is ONLINE and can tolerate up to ONE failure.');
  api('rabbitmq-server', 'rabbitmq-server', 1, 44, ['5672/tcp'], 'Unit is ready');
  api('ovn-central', 'ovn-central', 3, 46, ['6641/tcp', '6642/tcp'], 'Unit is ready (leader: ovnnb_db, ovnsb_db)');
  api('ceph-mon', 'ceph-mon', 3, 50, [], 'Unit is ready and clustered');
  app('vault', 'vault', '1.8/stable', site.vault.units.map((url, i) => ({
    machine: container(`juju-vault-${i}`, map(hostOf(url))), address: map(hostOf(url)), ports: ['8200/tcp'],
    message: sealed.has(i) ? 'Unit is sealed' : 'Unit is ready (active: true, mlock: disabled)',
  })));
  for (const i of sealed) {
    const u = apps['vault']?.units?.[`vault/${i}`];
    if (u) u['workload-status'] = st('blocked', 'Unit is sealed');
  }
  app('ceph-osd', 'ceph-osd', 'reef/stable', physical.map((m, i) => ({ machine: m, address: map(`10.12.4.${11 + i}`), message: 'Unit is ready (2 OSD)' })));
  const compute = site.juju.computeApplication;
  app(compute, 'nova-compute', '2024.1/stable', physical.map((m, i) => ({ machine: m, address: map(`10.12.4.${11 + i}`), message: 'Unit is ready', sub: { name: 'ovn-chassis', message: 'Unit is ready' } })));
  sub('ovn-chassis', 'ovn-chassis', compute);

  for (const [unitName, o] of Object.entries(scenario.juju.units)) {
    const appName = unitName.split('/')[0] ?? '';
    const u = apps[appName]?.units?.[unitName];
    if (!u) throw new Error(`host scenario ${scenario.name}: juju unit ${unitName} is not in the simulated model`);
    if (o.workload) u['workload-status'] = st(o.workload, o.message ?? u['workload-status'].message);
    else if (o.message) u['workload-status'] = st(u['workload-status'].current, o.message);
    if (o.agent) u['juju-status'] = { current: o.agent, since: SINCE, version: JUJU_VERSION };
  }
  // Application status follows its most severe unit, as juju derives it.
  for (const a of Object.values(apps)) {
    const worst = Object.values(a.units ?? {}).map((u) => u['workload-status']).sort((x, y) => SEVERITY.indexOf(x.current) - SEVERITY.indexOf(y.current))[0];
    if (worst) a['application-status'] = st(worst.current, worst.message);
  }

  const novaConfs: Record<string, string> = {};
  for (const unitName of Object.keys(apps[compute]?.units ?? {})) {
    const r = scenario.juju.reservedMemoryMb;
    const v = unitName in r ? r[unitName] : '*' in r ? r['*'] : site.reservedHostMemoryMb;
    novaConfs[unitName] = novaConf(v === undefined ? site.reservedHostMemoryMb : v);
  }
  return {
    model: {
      name: site.juju.model, type: 'iaas', controller: 'maas-controller', cloud: 'maas', region: 'default', version: JUJU_VERSION,
      'model-status': { current: 'available', since: SINCE }, sla: 'unsupported',
    },
    machines,
    applications: apps,
    novaConf: novaConfs,
  };
}

export interface JujuAnswer {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * What `juju ARGV` prints and exits with against this state. Self-contained (no reference outside
 * its own body): its source is written into the stand-in program as it is, so the program and
 * the answers rendered in advance (writeJujuStandIn) are one code.
 */
export function jujuAnswer(state: JujuState, argv: readonly string[]): JujuAnswer {
  let stdout = '';
  const out = (s: string): void => { stdout += s; };
  const done = (code = 0): JujuAnswer => ({ code, stdout, stderr: '' });
  const die = (msg: string, code = 1): JujuAnswer => ({ code, stdout, stderr: msg + '\n' });
  const nat = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });
  type U = { 'workload-status': { current: string; message?: string }; 'juju-status': { current: string }; 'public-address': string; 'open-ports'?: string[]; subordinates?: Record<string, U> };
  const args = [...argv];
  const cmd = args.shift();
  let model: string | undefined;
  let format = 'tabular';
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (rest.length === 0 || cmd !== 'ssh') {
      if (a === '-m' || a === '--model') { model = args[++i]; continue; }
      if (a.startsWith('-m=') || a.startsWith('--model=')) { model = a.slice(a.indexOf('=') + 1); continue; }
      if (a === '--format' || a === '-o') { format = args[++i] ?? ''; continue; }
      if (a.startsWith('--format=')) { format = a.slice(9); continue; }
      if (a === '--') { if (cmd === 'ssh' && rest.length === 0) continue; }
    }
    rest.push(a);
  }
  const m = state.model as { name: string; version?: string; controller?: string };
  if (cmd === 'version' || cmd === '--version') { out(String(m.version) + '-ubuntu-amd64\n'); return done(); }
  if (model !== undefined) {
    const bare = model.includes(':') ? model.split(':')[1] ?? '' : model;
    const name = bare.includes('/') ? bare.split('/')[1] ?? '' : bare;
    if (name !== m.name) return die('ERROR model ' + String(m.controller) + ':admin/' + name + ' not found');
  }
  const apps = state.applications as unknown as Record<string, { units?: Record<string, U> }>;
  const units: [string, U, string][] = [];
  for (const [app, a] of Object.entries(apps)) for (const [u, x] of Object.entries(a.units ?? {})) units.push([u, x, app]);
  if (cmd === 'status') {
    if (format === 'json') { out(JSON.stringify({ model: state.model, machines: state.machines, applications: state.applications, 'controller': { timestamp: '10:14:02Z' } }) + '\n'); return done(); }
    if (format === 'short' || format === 'line' || format === 'oneline') {
      const lines: string[] = [];
      const line = (name: string, u: U, depth: number): void => {
        const ports = (u['open-ports'] ?? []).join(', ');
        lines.push('  '.repeat(depth) + '- ' + name + ': ' + (u['public-address'] || '') + ' (agent:' + u['juju-status'].current + ', workload:' + u['workload-status'].current + ')' + (ports ? ' ' + ports : ''));
        for (const s of Object.keys(u.subordinates ?? {}).sort(nat)) line(s, (u.subordinates ?? {})[s] as U, depth + 1);
      };
      for (const app of Object.keys(apps).sort(nat)) {
        const us = apps[app]?.units ?? {};
        for (const u of Object.keys(us).sort(nat)) line(u, us[u] as U, 0);
      }
      out(lines.join('\n') + '\n');
      return done();
    }
    if (format === 'tabular') {
      out('Model    Controller       Cloud/Region  Version  SLA          Timestamp\n' + m.name + '  ' + String(m.controller) + '  maas/default  ' + String(m.version) + '    unsupported  10:14:02Z\n\n');
      out('Unit  Workload  Agent  Public address  Message\n');
      for (const [u, x] of units.sort((a, b) => nat(a[0], b[0]))) out(u + '  ' + x['workload-status'].current + '  ' + x['juju-status'].current + '  ' + x['public-address'] + '  ' + (x['workload-status'].message || '') + '\n');
      return done();
    }
    return die('ERROR invalid value "' + format + '" for option --format: unknown format "' + format + '"', 2);
  }
  if (cmd === 'ssh') {
    const target = rest.shift();
    if (!target) return die('ERROR no target name specified', 2);
    const hit = units.find(([u]) => u === target);
    if (!hit) return die('ERROR unit "' + target + '" not found');
    const remote = rest.join(' ').trim();
    const conf = state.novaConf[target];
    const g = /^(?:sudo\s+)?grep\s+-i\s+['"]?([A-Za-z0-9_.-]+)['"]?\s+\/etc\/nova\/nova\.conf$/.exec(remote);
    if (g) {
      if (conf === undefined) return die('grep: /etc/nova/nova.conf: No such file or directory', 2);
      const word = (g[1] ?? '').toLowerCase();
      const hits = conf.split('\n').filter((l) => l.toLowerCase().includes(word));
      if (hits.length) out(hits.join('\n') + '\n');
      return done(hits.length ? 0 : 1);
    }
    if (/^(sudo\s+)?cat\s+\/etc\/nova\/nova\.conf$/.test(remote) && conf !== undefined) { out(conf); return done(); }
    if (remote === 'hostname') { out(target.replace('/', '-') + '\n'); return done(); }
    return die('bash: line 1: ' + (remote.split(' ')[0] || '') + ': command not supported by the capi-gate juju stand-in', 127);
  }
  if (cmd === 'models') { out('Model  Cloud/Region  Type  Status\n' + m.name + '*  maas/default  iaas  available\n'); return done(); }
  if (cmd === 'whoami') { out('Controller:  ' + String(m.controller) + '\nModel:       admin/' + m.name + '\nUser:        admin\n'); return done(); }
  return die('ERROR unrecognized command: juju ' + (cmd || ''), 2);
}

/** The command lines capi-gate and the runbook's bash send; their answers are rendered whenever the state is written. */
export function commonCalls(state: JujuState, computeApplication: string): string[][] {
  const model = state.model.name;
  const calls: string[][] = [];
  for (const format of ['json', 'short']) calls.push(['status', `--format=${format}`, '-m', model], ['status', `--format=${format}`]);
  for (const unit of Object.keys(state.applications[computeApplication]?.units ?? {})) {
    calls.push(['ssh', '-m', model, unit, RESERVED_MEMORY_COMMAND], ['ssh', unit, RESERVED_MEMORY_COMMAND]);
  }
  return calls;
}

/** The answer file's name for a command line: what `printf '%s\0' "$@" | sha256sum` prints first. */
export function answerKey(argv: readonly string[]): string {
  return createHash('sha256').update(argv.map((a) => `${a}\0`).join('')).digest('hex');
}

const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export interface JujuStandIn {
  readonly binary: string;
  readonly stateFile: string;
  read(): JujuState;
  write(state: JujuState): void;
}

/**
 * Writes OUT/bin/juju and the state. The program that answers is node (juju-standin.mjs, built
 * around jujuAnswer); bin/juju is a POSIX shell script in front of it that answers the common
 * calls (commonCalls) from files rendered, by the same jujuAnswer, each time the state is written
 * -- a node start per call cost ~0.08 CPU-s, the simulator's cost rather than the client's, and
 * a run makes four. The files count only while they are newer than the state file (a state
 * written some other way sends every call to node), and CAPI_GATE_SIM_JUJU_STATE (another state
 * file) bypasses them.
 */
export function writeJujuStandIn(outDir: string, state: JujuState, opts: { computeApplication?: string } = {}): JujuStandIn {
  const bin = join(outDir, 'bin');
  mkdirSync(bin, { recursive: true });
  const stateFile = join(outDir, 'juju-state.json');
  const answers = join(outDir, 'juju-answers');
  const module = join(bin, 'juju-standin.mjs');
  const binary = join(bin, 'juju');
  const computeApplication = opts.computeApplication ?? 'nova-compute';
  const write = (s: JujuState): void => {
    rmSync(answers, { recursive: true, force: true });
    writeFileSync(stateFile, JSON.stringify(s, null, 1));
    mkdirSync(answers, { recursive: true });
    for (const argv of commonCalls(s, computeApplication)) {
      const r = jujuAnswer(s, argv);
      const key = answerKey(argv);
      writeFileSync(join(answers, `${key}.out`), r.stdout);
      writeFileSync(join(answers, `${key}.err`), r.stderr);
      writeFileSync(join(answers, `${key}.code`), `${r.code}\n`);
    }
    // Last, and so newer than the state: the answers above are this state's.
    writeFileSync(join(answers, 'stamp'), `${new Date().toISOString()}\n`);
  };
  write(state);
  writeFileSync(module, [
    '// capi-gate simulated juju CLI (sim/hosts/juju.ts): reads the state file on every call.',
    "import { readFileSync } from 'node:fs';",
    `const STATE = process.env.CAPI_GATE_SIM_JUJU_STATE || ${JSON.stringify(stateFile)};`,
    `const jujuAnswer = ${jujuAnswer.toString()};`,
    "const r = jujuAnswer(JSON.parse(readFileSync(STATE, 'utf8')), process.argv.slice(2));",
    'process.stdout.write(r.stdout);',
    'process.stderr.write(r.stderr);',
    'process.exitCode = r.code;',
    '',
  ].join('\n'));
  writeFileSync(binary, [
    '#!/bin/sh',
    '# capi-gate simulated juju CLI (sim/hosts/juju.ts). Common calls are answered from files the',
    '# simulator rendered from the current state; anything else runs the full stand-in in node.',
    `answers=${shq(answers)}`,
    `if [ -z "$CAPI_GATE_SIM_JUJU_STATE" ] && [ "$answers/stamp" -nt ${shq(stateFile)} ]; then`,
    `  key=$(printf '%s\\0' "$@" | sha256sum) && key=\${key%% *}`,
    '  if [ -f "$answers/$key.code" ]; then',
    '    read -r code < "$answers/$key.code"',
    '    cat "$answers/$key.out" && cat "$answers/$key.err" >&2',
    '    exit "$code"',
    '  fi',
    'fi',
    `exec ${shq(process.execPath)} ${shq(module)} "$@"`,
    '',
  ].join('\n'));
  chmodSync(binary, 0o755);
  return {
    binary,
    stateFile,
    read: () => JSON.parse(readFileSync(stateFile, 'utf8')) as JujuState,
    write,
  };
}
