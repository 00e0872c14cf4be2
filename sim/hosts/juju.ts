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
import type { VaultView } from './vault.js';

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
  /** application -> charm options that are set (`juju config APP [KEY]`): the API services' `vip`. */
  config?: Record<string, Record<string, string>>;
  /** vault unit -> what `vault status` shows on it (the host simulator keeps it current). */
  vault?: Record<string, VaultView>;
}

/** The runbook's core VIP names (D-011.2) -> the charm application that holds the VIP. */
export const VIP_APPLICATIONS: Readonly<Record<string, string>> = {
  keystone: 'keystone', barbican: 'barbican', cinder: 'cinder', glance: 'glance', magnum: 'magnum', neutron: 'neutron-api',
  nova: 'nova-cloud-controller', octavia: 'octavia', horizon: 'openstack-dashboard', 'horizon-2': 'openstack-dashboard', placement: 'placement',
};

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

/**
 * A charmed-OpenStack model for the site: API services in LXD, hyperconverged compute + ceph.
 * `map` turns a site address into the one a client dials (the simulator's loopback): the Vault
 * units' addresses, the VIPs in `juju config APP vip` and the gss unit are the ones a site file
 * names, so they are what the client reaches.
 */
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
  api('ovn-central', 'ovn-central', 3, 46, ['6641/tcp', '6642/tcp'], 'Unit is ready');
  // One ovn-central unit holds the OVSDB raft leadership (and runs northd); the charm says so on that unit only.
  const ovnLeader = apps['ovn-central']?.units?.['ovn-central/0'];
  if (ovnLeader) ovnLeader['workload-status'] = st('active', 'Unit is ready (leader: ovnnb_db, ovnsb_db northd: active)');
  api('ceph-mon', 'ceph-mon', 3, 50, [], 'Unit is ready and clustered');
  app('vault', 'vault', '1.8/stable', site.vault.units.map((url, i) => ({
    machine: container(`juju-vault-${i}`, map(hostOf(url))), address: map(hostOf(url)), ports: [`${new URL(url).port || '8200'}/tcp`],
    // HA on raft: the first unsealed unit is the active node, the others standbys (the host simulator keeps this current).
    message: sealed.has(i) ? 'Unit is sealed' : `Unit is ready (active: ${[...site.vault.units.keys()].find((k) => !sealed.has(k)) === i}, mlock: disabled)`,
  })));
  for (const i of sealed) {
    const u = apps['vault']?.units?.[`vault/${i}`];
    if (u) u['workload-status'] = st('blocked', 'Unit is sealed');
  }
  app('ceph-osd', 'ceph-osd', 'reef/stable', physical.map((m, i) => ({ machine: m, address: map(`10.12.4.${11 + i}`), message: 'Unit is ready (2 OSD)' })));
  const compute = site.juju.computeApplication;
  app(compute, 'nova-compute', '2024.1/stable', physical.map((m, i) => ({ machine: m, address: map(`10.12.4.${11 + i}`), message: 'Unit is ready', sub: { name: 'ovn-chassis', message: 'Unit is ready' } })));
  sub('ovn-chassis', 'ovn-chassis', compute);
  // DOCFIX-039: glance-simplestreams-sync answers on its unit IP only (out of scope for D-011.2).
  for (const e of site.outOfScopeEndpoints.filter((x) => x.name === 'gss')) {
    const address = map(hostOf(e.url));
    app('glance-simplestreams-sync', 'glance-simplestreams-sync', '2024.1/stable', [{ machine: container('juju-gss-0', address), address, ports: [`${new URL(e.url).port || '80'}/tcp`], message: 'Unit is ready' }]);
  }
  // The VIPs hacluster holds for each API service (`juju config APP vip`, space-separated).
  const config: Record<string, Record<string, string>> = {};
  for (const v of site.coreVips) {
    const appName = VIP_APPLICATIONS[v.name] ?? v.name;
    if (!apps[appName]) continue;
    const c = (config[appName] ??= {});
    c['vip'] = [c['vip'], map(hostOf(v.url))].filter(Boolean).join(' ');
  }

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
    config,
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
 * the answers rendered in advance (writeJujuStandIn) are one code. Juju 3.x's shapes: `status`
 * with filters (application, unit or machine names, globs, workload status words) in the tabular
 * (juju's tab writer: two spaces between columns, leader `*`, subordinates indented), json, short
 * and oneline formats; `ssh` and `exec` run a few commands on a unit (grep, cat, hostname, echo,
 * `vault status` on a vault unit) with the unit's files and the ubuntu user's permissions.
 */
export function jujuAnswer(state: JujuState, argv: readonly string[]): JujuAnswer {
  let stdout = '';
  let stderr = '';
  const out = (s: string): void => { stdout += s; };
  const err = (s: string): void => { stderr += s; };
  const done = (code = 0): JujuAnswer => ({ code, stdout, stderr });
  const die = (msg: string, code = 1): JujuAnswer => ({ code, stdout, stderr: stderr + msg + '\n' });
  const nat = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });
  type St = { current: string; message?: string };
  type U = { 'workload-status': St; 'juju-status': St; leader?: boolean; machine?: string; 'public-address': string; 'open-ports'?: string[]; subordinates?: Record<string, U> };
  type A = { charm: string; 'charm-name'?: string; 'charm-rev'?: number; 'charm-channel'?: string; exposed?: boolean; version?: string; 'application-status': St; units?: Record<string, U>; 'subordinate-to'?: string[] };
  type M = { 'juju-status': St; 'dns-name'?: string; 'instance-id'?: string; base?: { name: string; channel: string }; 'machine-status'?: St; containers?: Record<string, M> };
  const args = [...argv];
  const cmd = args.shift();
  let model: string | undefined;
  let format = 'tabular';
  const rest: string[] = [];
  const opts: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    // `juju ssh UNIT cmd -m x`: after the target, everything is the remote command.
    const remote = (cmd === 'ssh' && rest.length > 0) || ((cmd === 'exec' || cmd === 'run') && args.slice(0, i).includes('--'));
    if (!remote) {
      if (a === '-m' || a === '--model') { model = args[++i]; continue; }
      if (a.startsWith('-m=') || a.startsWith('--model=')) { model = a.slice(a.indexOf('=') + 1); continue; }
      if (a === '--format' || a === '-o') { format = args[++i] ?? ''; continue; }
      if (a.startsWith('--format=')) { format = a.slice(9); continue; }
      if (a === '--') continue;
      const long = /^--(unit|application|app|machine|timeout)(?:=(.*))?$/.exec(a);
      if (long && cmd !== 'ssh') { opts[long[1] === 'app' ? 'application' : long[1] ?? ''] = long[2] ?? args[++i] ?? ''; continue; }
      if ((a === '-u' || a === '-a') && cmd === 'exec') { opts[a === '-u' ? 'unit' : 'application'] = args[++i] ?? ''; continue; }
      if (/^--(color|no-color|relations|storage|utc|all|quiet|pty=.*|no-host-key-checks|proxy)$/.test(a)) continue;
    }
    rest.push(a);
  }
  const m = state.model as { name: string; version?: string; controller?: string; cloud?: string; region?: string };
  if (cmd === 'version' || cmd === '--version') { out(String(m.version) + '-ubuntu-amd64\n'); return done(); }
  if (model !== undefined) {
    const bare = model.includes(':') ? model.split(':')[1] ?? '' : model;
    const name = bare.includes('/') ? bare.split('/')[1] ?? '' : bare;
    if (name !== m.name) return die('ERROR model ' + String(m.controller) + ':admin/' + name + ' not found');
  }
  const apps = state.applications as unknown as Record<string, A>;
  const machines = state.machines as Record<string, M>;
  const units: [string, U, string][] = [];
  for (const [app, a] of Object.entries(apps)) for (const [u, x] of Object.entries(a.units ?? {})) units.push([u, x, app]);
  const glob = (pat: string, s: string): boolean => new RegExp('^' + pat.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$').test(s);

  if (cmd === 'status') {
    // Filters: an application, a unit, a machine (globs allowed), or a workload status.
    const keepApp = new Set<string>();
    const keepUnit = new Set<string>();
    if (rest.length === 0) for (const [u, , app] of units) { keepUnit.add(u); keepApp.add(app); }
    for (const f of rest) {
      for (const app of Object.keys(apps)) if (glob(f, app)) { keepApp.add(app); for (const u of Object.keys(apps[app]?.units ?? {})) keepUnit.add(u); }
      for (const [u, x, app] of units) {
        const machineHit = x.machine !== undefined && (glob(f, x.machine) || x.machine.startsWith(f + '/'));
        if (glob(f, u) || machineHit || x['workload-status'].current === f || x['juju-status'].current === f) { keepUnit.add(u); keepApp.add(app); }
      }
    }
    // Subordinate applications follow their principals.
    for (const [app, a] of Object.entries(apps)) if ((a['subordinate-to'] ?? []).some((p) => keepApp.has(p))) keepApp.add(app);
    const appNames = Object.keys(apps).filter((a) => keepApp.has(a)).sort(nat);
    const unitsOf = (app: string): [string, U][] => Object.entries(apps[app]?.units ?? {}).filter(([u]) => keepUnit.has(u)).sort((x, y) => nat(x[0], y[0]));
    const hostMachines = new Set<string>();
    for (const app of appNames) for (const [, u] of unitsOf(app)) if (u.machine) hostMachines.add(u.machine);
    const machineShown = (id: string): boolean => rest.length === 0 || hostMachines.has(id) || [...hostMachines].some((h) => h.startsWith(id + '/'));
    if (format === 'json') {
      const fApps: Record<string, unknown> = {};
      for (const app of appNames) {
        const a = apps[app] as A;
        const us = unitsOf(app);
        fApps[app] = a.units ? { ...a, units: Object.fromEntries(us) } : a;
      }
      const fMachines: Record<string, unknown> = {};
      for (const [id, mm] of Object.entries(machines)) if (machineShown(id)) fMachines[id] = mm;
      out(JSON.stringify({ model: state.model, machines: fMachines, applications: fApps, 'application-endpoints': {}, controller: { timestamp: '10:14:02Z' } }) + '\n');
      return done();
    }
    if (format === 'short' || format === 'line' || format === 'oneline') {
      const lines: string[] = [];
      const line = (name: string, u: U, depth: number): void => {
        const ports = (u['open-ports'] ?? []).join(', ');
        lines.push('  '.repeat(depth) + '- ' + name + ': ' + (u['public-address'] || '') + ' (agent:' + u['juju-status'].current + ', workload:' + u['workload-status'].current + ')' + (ports ? ' ' + ports : ''));
        for (const s of Object.keys(u.subordinates ?? {}).sort(nat)) line(s, (u.subordinates ?? {})[s] as U, depth + 1);
      };
      for (const app of appNames) for (const [u, x] of unitsOf(app)) line(u, x, 0);
      out(lines.length ? lines.join('\n') + '\n' : '\n');
      return done();
    }
    if (format === 'tabular') {
      // juju's tab writer: cells padded to the column width plus two spaces; some columns right-aligned.
      const table = (rows: string[][], right: number[] = []): string => {
        const widths: number[] = [];
        for (const r of rows) r.forEach((c, i) => { if (i < r.length - 1) widths[i] = Math.max(widths[i] ?? 0, c.length); });
        return rows.map((r) => r.map((c, i) => {
          if (i === r.length - 1) return c;
          const w = widths[i] ?? 0;
          return (right.includes(i) ? c.padStart(w) : c.padEnd(w)) + '  ';
        }).join('').replace(/\s+$/, '')).join('\n') + '\n';
      };
      const trunc = (s: string | undefined): string => (s && s.length > 120 ? s.slice(0, 117) + '...' : s ?? '');
      const ports = (ps: string[] | undefined): string => {
        const byProto = new Map<string, number[]>();
        for (const p of ps ?? []) { const [n, proto = ''] = p.split('/'); byProto.set(proto, [...(byProto.get(proto) ?? []), Number(n)]); }
        return [...byProto.keys()].sort().map((proto) => {
          const ns = [...new Set(byProto.get(proto))].sort((x, y) => x - y);
          const parts: string[] = [];
          for (let i = 0; i < ns.length; i++) {
            let j = i;
            while (j + 1 < ns.length && ns[j + 1] === (ns[j] ?? 0) + 1) j++;
            parts.push(j > i ? ns[i] + '-' + ns[j] : String(ns[i]));
            i = j;
          }
          return parts.join(',') + (proto ? '/' + proto : '');
        }).join(' ');
      };
      out(table([['Model', 'Controller', 'Cloud/Region', 'Version', 'Timestamp'], [m.name, String(m.controller), String(m.cloud ?? 'maas') + '/' + String(m.region ?? 'default'), String(m.version), '10:14:02Z']]));
      if (appNames.length) {
        const rows = [['App', 'Version', 'Status', 'Scale', 'Charm', 'Channel', 'Rev', 'Exposed', 'Message']];
        for (const app of appNames) {
          const a = apps[app] as A;
          // A subordinate's scale is the number of its units, which live under their principals.
          const subUnits = units.reduce((n, [, x]) => n + Object.keys(x.subordinates ?? {}).filter((k) => k.startsWith(app + '/')).length, 0);
          rows.push([app, a.version ?? '', a['application-status'].current, String(a['subordinate-to'] ? subUnits : Object.keys(a.units ?? {}).length), a['charm-name'] ?? a.charm, a['charm-channel'] ?? '', String(a['charm-rev'] ?? ''), a.exposed ? 'yes' : 'no', trunc(a['application-status'].message)]);
        }
        out('\n' + table(rows, [3, 6]));
        const urows = [['Unit', 'Workload', 'Agent', 'Machine', 'Public address', 'Ports', 'Message']];
        const addUnit = (name: string, u: U, level: number): void => {
          urows.push(['  '.repeat(level) + name + (u.leader ? '*' : ''), u['workload-status'].current, u['juju-status'].current, u.machine ?? '', u['public-address'], ports(u['open-ports']), trunc(u['workload-status'].message)]);
          for (const s of Object.keys(u.subordinates ?? {}).sort(nat)) addUnit(s, (u.subordinates ?? {})[s] as U, level + 1);
        };
        const all: [string, U][] = [];
        for (const app of appNames) all.push(...unitsOf(app));
        all.sort((x, y) => nat(x[0], y[0]));
        for (const [n, u] of all) addUnit(n, u, 0);
        if (urows.length > 1) out('\n' + table(urows));
        const mrows = [['Machine', 'State', 'Address', 'Inst id', 'Base', 'AZ', 'Message']];
        const addMachine = (id: string, mm: M): void => {
          if (!machineShown(id)) return;
          mrows.push([id, mm['juju-status'].current, mm['dns-name'] ?? '', mm['instance-id'] ?? '', mm.base ? mm.base.name + '@' + mm.base.channel : '', '', mm['machine-status']?.message ?? '']);
          for (const c of Object.keys(mm.containers ?? {}).sort(nat)) addMachine(c, (mm.containers ?? {})[c] as M);
        };
        for (const id of Object.keys(machines).sort(nat)) addMachine(id, machines[id] as M);
        if (mrows.length > 1) out('\n' + table(mrows));
      }
      return done();
    }
    return die('ERROR invalid value "' + format + '" for option --format: unknown format "' + format + '"', 2);
  }

  // A command on a unit, as the ubuntu user (sudo for root): a few commands, with the unit's files.
  const onUnit = (unit: string, line: string): { code: number; out: string; err: string } => {
    const words: string[] = [];
    const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
    let w: RegExpExecArray | null;
    while ((w = re.exec(line)) !== null) words.push(w[1] ?? (w[2] !== undefined ? w[2].replace(/\\(.)/g, '$1') : w[3] ?? ''));
    let root = false;
    while (words[0] === 'sudo') { root = true; words.shift(); }
    const prog = words.shift() ?? '';
    const app = unit.split('/')[0] ?? '';
    const files: Record<string, { text: string; root: boolean }> = { '/etc/hostname': { text: 'juju-' + unit.replace('/', '-') + '\n', root: false } };
    const conf = state.novaConf[unit];
    if (conf !== undefined) files['/etc/nova/nova.conf'] = { text: conf, root: true };
    const read = (path: string): { text?: string; error?: string } => {
      const f = files[path];
      if (!f) return { error: path + ': No such file or directory' };
      if (f.root && !root) return { error: path + ': Permission denied' };
      return { text: f.text };
    };
    if (prog === '' || prog === 'true') return { code: 0, out: '', err: '' };
    if (prog === 'hostname') return { code: 0, out: 'juju-' + unit.replace('/', '-') + '\n', err: '' };
    if (prog === 'echo') return { code: 0, out: words.join(' ') + '\n', err: '' };
    if (prog === 'cat') {
      let o = '';
      let e = '';
      for (const p of words) { const r = read(p); if (r.text !== undefined) o += r.text; else e += 'cat: ' + r.error + '\n'; }
      return { code: e ? 1 : 0, out: o, err: e };
    }
    if (prog === 'grep') {
      let ci = false;
      let ext = false;
      let invert = false;
      let count = false;
      let numbers = false;
      const pos: string[] = [];
      for (const x of words) {
        if (/^-[a-zA-Z]+$/.test(x)) { for (const f of x.slice(1)) { if (f === 'i') ci = true; else if (f === 'E') ext = true; else if (f === 'v') invert = true; else if (f === 'c') count = true; else if (f === 'n') numbers = true; else return { code: 2, out: '', err: 'grep: invalid option -- \'' + f + '\'\n' }; } continue; }
        pos.push(x);
      }
      const pat = pos.shift();
      if (pat === undefined) return { code: 2, out: '', err: 'Usage: grep [OPTION]... PATTERNS [FILE]...\n' };
      let rx: RegExp;
      try { rx = new RegExp(ext ? pat : pat.replace(/[+?(){}|]/g, '\\$&'), ci ? 'i' : ''); } catch { return { code: 2, out: '', err: 'grep: Unmatched ( or \\(\n' }; }
      let o = '';
      let e = '';
      let any = false;
      for (const p of pos) {
        const r = read(p);
        if (r.text === undefined) { e += 'grep: ' + r.error + '\n'; continue; }
        const lines = r.text.split('\n');
        if (lines[lines.length - 1] === '') lines.pop();
        const hits = lines.map((l, i) => [l, i + 1] as const).filter(([l]) => rx.test(l) !== invert);
        if (hits.length) any = true;
        const prefix = pos.length > 1 ? p + ':' : '';
        if (count) o += prefix + hits.length + '\n';
        else for (const [l, n] of hits) o += prefix + (numbers ? n + ':' : '') + l + '\n';
      }
      return { code: e ? 2 : any ? 0 : 1, out: o, err: e };
    }
    if (prog === 'vault' && words[0] === 'status') {
      const v = (state.vault ?? {})[unit];
      if (!v) return { code: 127, out: '', err: 'bash: line 1: vault: command not found\n' };
      const rows: [string, string][] = [['Seal Type', 'shamir'], ['Initialized', String(v.initialized)], ['Sealed', String(v.sealed)], ['Total Shares', String(v.n)], ['Threshold', String(v.t)]];
      if (v.sealed) rows.push(['Unseal Progress', v.progress + '/' + v.t], ['Unseal Nonce', v.progress > 0 ? v.nonce : 'n/a']);
      rows.push(['Version', v.version], ['Build Date', v.buildDate], ['Storage Type', 'raft']);
      if (!v.sealed) rows.push(['Cluster Name', v.clusterName], ['Cluster ID', v.clusterId]);
      rows.push(['HA Enabled', 'true']);
      if (!v.sealed) {
        rows.push(['HA Cluster', v.leaderClusterAddress], ['HA Mode', v.active ? 'active' : 'standby']);
        if (v.active) rows.push(['Active Since', v.activeSince]);
        else rows.push(['Active Node Address', v.leaderAddress]);
        rows.push(['Raft Committed Index', '1200'], ['Raft Applied Index', '1200']);
      }
      const width = Math.max(...rows.map((r) => r[0].length));
      const text = ['Key'.padEnd(width) + '    Value', '---'.padEnd(width) + '    -----', ...rows.map(([k, val]) => k.padEnd(width) + '    ' + val)].join('\n') + '\n';
      return { code: v.sealed ? 2 : 0, out: text, err: '' };
    }
    if (app && prog) return { code: 127, out: '', err: 'bash: line 1: ' + prog + ': command not found (the capi-gate juju stand-in runs grep, cat, hostname, echo, true and vault status)\n' };
    return { code: 127, out: '', err: '' };
  };

  if (cmd === 'ssh') {
    const target = rest.shift();
    if (!target) return die('ERROR no target name specified', 2);
    const hit = units.find(([u]) => u === target) ?? (/^\d+$/.test(target) && machines[target] ? [target, undefined, ''] : undefined);
    if (!hit) return die('ERROR unit "' + target + '" not found');
    const r = onUnit(target, rest.join(' ').trim());
    out(r.out);
    err(r.err);
    if (rest.length > 0 && r.code !== 0) err('ERROR subprocess encountered error code ' + r.code + '\n');
    return done(r.code);
  }
  if (cmd === 'config') {
    // `juju config APP [KEY]`: a key prints its value (an unset one prints an empty line); no key
    // prints the settings (yaml by default, json with --format=json).
    const app = rest[0];
    if (!app) return die('ERROR no application name specified', 2);
    if (!(app in state.applications)) return die('ERROR application "' + app + '" not found (not found)');
    const set = (state.config ?? {})[app] ?? {};
    const key = rest[1];
    if (key !== undefined && !key.includes('=')) { out((set[key] ?? '') + '\n'); return done(); }
    if (key !== undefined) return die('ERROR the capi-gate juju stand-in is read only: it does not set ' + key, 2);
    const settings: Record<string, { source: string; type: string; value: string }> = {};
    for (const k of Object.keys(set).sort()) settings[k] = { source: 'user', type: 'string', value: set[k] ?? '' };
    const charm = (state.applications[app] as unknown as { charm: string }).charm;
    if (format === 'json') { out(JSON.stringify({ application: app, charm, settings }) + '\n'); return done(); }
    out('application: ' + app + '\ncharm: ' + charm + '\nsettings:\n' + Object.keys(settings).map((k) => '  ' + k + ':\n    source: user\n    type: string\n    value: ' + (settings[k]?.value ?? '') + '\n').join(''));
    return done();
  }
  if (cmd === 'exec') {
    const targets: string[] = [];
    for (const u of (opts['unit'] ?? '').split(',').filter(Boolean)) {
      const leader = /^([^/]+)\/leader$/.exec(u);
      const name = leader ? Object.entries(apps[leader[1] ?? '']?.units ?? {}).find(([, x]) => x.leader)?.[0] ?? u : u;
      if (!units.some(([n]) => n === name)) return die('ERROR unit "' + u + '" not found');
      targets.push(name);
    }
    for (const a of (opts['application'] ?? '').split(',').filter(Boolean)) {
      if (!apps[a]) return die('ERROR application "' + a + '" not found');
      targets.push(...Object.keys(apps[a]?.units ?? {}).sort(nat));
    }
    if (targets.length === 0) return die('ERROR You must specify a target, either through --all, --machine, --application or --unit', 2);
    const line = rest.join(' ').trim();
    if (!line) return die('ERROR no commands specified', 2);
    if (targets.length === 1) {
      const r = onUnit(targets[0] ?? '', line);
      out(r.out);
      err(r.err);
      return done(r.code);
    }
    // Several units: the YAML juju prints (id, output, status per unit, keys sorted).
    let id = 10;
    const block = (s: string): string => (s === '' ? '""' : s.includes('\n') ? '|\n' + s.replace(/\n$/, '').split('\n').map((l) => '    ' + l).join('\n') : JSON.stringify(s));
    for (const t of [...targets].sort(nat)) {
      const r = onUnit(t, line);
      out(t + ':\n  id: "' + String(id++) + '"\n  output: ' + block(r.out + r.err) + '\n  status: completed\n');
    }
    return done();
  }
  if (cmd === 'run') {
    const target = rest.shift();
    const action = rest.shift();
    if (!target || !action) return die('ERROR no unit specified', 2);
    if (!units.some(([u]) => u === target)) return die('ERROR unit "' + target + '" not found');
    return die('ERROR action "' + action + '" not defined on unit "' + target + '"');
  }
  if (cmd === 'models') { out(table2([['Model', 'Cloud/Region', 'Type', 'Status', 'Machines', 'Units', 'Access', 'Last connection'], [m.name + '*', String(m.cloud ?? 'maas') + '/' + String(m.region ?? 'default'), 'iaas', 'available', String(Object.keys(machines).length), String(units.length), 'admin', 'just now']])); return done(); }
  if (cmd === 'whoami') { out('Controller:  ' + String(m.controller) + '\nModel:       ' + String(m.controller) + ':admin/' + m.name + '\nUser:        admin\n'); return done(); }
  return die('ERROR unrecognized command: juju ' + (cmd || ''), 2);

  function table2(rows: string[][]): string {
    const widths: number[] = [];
    for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
    return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0) + '  ')).join('').replace(/\s+$/, '')).join('\n') + '\n';
  }
}

/** The command lines capi-gate and the runbook's bash send; their answers are rendered whenever the state is written. */
export function commonCalls(state: JujuState, computeApplication: string): string[][] {
  const model = state.model.name;
  const calls: string[][] = [];
  for (const format of ['json', 'short']) calls.push(['status', `--format=${format}`, '-m', model], ['status', `--format=${format}`]);
  for (const unit of Object.keys(state.applications[computeApplication]?.units ?? {})) {
    calls.push(['ssh', '-m', model, unit, RESERVED_MEMORY_COMMAND], ['ssh', unit, RESERVED_MEMORY_COMMAND]);
  }
  // What `capi-gate init` asks for each API service.
  for (const app of Object.keys(state.config ?? {})) calls.push(['config', '-m', model, app, '--format=json']);
  return calls;
}

/** The answer file's name for a command line: what `printf '%s\0' "$@" | sha256sum` prints first. */
export function answerKey(argv: readonly string[]): string {
  return createHash('sha256').update(argv.map((a) => `${a}\0`).join('')).digest('hex');
}

const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * How to run a CommonJS script with the node that runs capi-gate: `node FILE`, or in the single
 * executable (which has no `node`) `capi-gate-linux-x64 --capi-gate-script FILE`
 * (scripts/sea-entry.cjs).
 */
function nodeCommand(): string[] {
  return (globalThis as { __capiGateSea?: boolean }).__capiGateSea ? [process.execPath, '--capi-gate-script'] : [process.execPath];
}

export interface JujuStandIn {
  readonly binary: string;
  readonly stateFile: string;
  read(): JujuState;
  write(state: JujuState): void;
}

/**
 * Writes OUT/bin/juju and the state. The program that answers is node (juju-standin.cjs, built
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
  const module = join(bin, 'juju-standin.cjs');
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
    "const { readFileSync } = require('node:fs');",
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
    `exec ${[...nodeCommand(), module].map(shq).join(' ')} "$@"`,
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
