// The tenant project's quotas for a fleet on the real control plane. Nova's and Neutron's
// defaults (10 instances, 20 cores, 50 GB RAM, 10 routers, 10 security groups) stop the third
// cluster (each takes 3 servers, 6 vCPU, 16 GB, a router and 2 security groups beside the mgmt
// VM's 8 GB): that is the quota, not the control plane. The bench raises them as the admin for
// the fleet and sets the values it found back afterwards (explicit per-project values equal to
// the defaults: the same limits; OSC 6.0 has no `quota delete`). Octavia's are unlimited (-1)
// in the full profile; they are raised too if they are not.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** `openstack quota set` flag -> the key of `openstack quota show -f json`. */
const COMPUTE_NETWORK: Record<string, string> = {
  '--instances': 'instances', '--cores': 'cores', '--ram': 'ram',
  '--networks': 'networks', '--subnets': 'subnets', '--routers': 'routers', '--ports': 'ports',
  '--floating-ips': 'floating-ips', '--secgroups': 'secgroups', '--secgroup-rules': 'secgroup-rules',
};
const OCTAVIA: Record<string, string> = { '--loadbalancer': 'load_balancer', '--listener': 'listener', '--pool': 'pool', '--member': 'member', '--healthmonitor': 'health_monitor' };

/** Enough for `n` clusters of 3 servers (2 + 2 + 2 vCPU, 8 + 4 + 4 GB) and the mgmt VM, with room. */
export function fleetQuotas(n: number): { computeNetwork: Record<string, number>; octavia: Record<string, number> } {
  const c = Math.max(n, 1) + 2;
  return {
    computeNetwork: { '--instances': 3 * c + 5, '--cores': 6 * c + 10, '--ram': 16_384 * c + 16_384, '--networks': 2 * c + 10, '--subnets': 2 * c + 10, '--routers': c + 10, '--ports': 20 * c + 100, '--floating-ips': 3 * c + 10, '--secgroups': 3 * c + 10, '--secgroup-rules': 30 * c + 100 },
    octavia: { '--loadbalancer': 3 * c, '--listener': 6 * c, '--pool': 6 * c, '--member': 20 * c, '--healthmonitor': 6 * c },
  };
}

export interface QuotaHandle {
  readonly project: string;
  readonly before: Record<string, number>;
  readonly set: Record<string, number>;
  restore(): string;
}

function osc(realDir: string, args: string[]): { ok: boolean; out: string; err: string } {
  const env = { ...process.env, OS_CLIENT_CONFIG_FILE: join(realDir, 'clouds.yaml'), no_proxy: '127.0.0.1', NO_PROXY: '127.0.0.1' };
  const r = spawnSync('openstack', ['--os-cloud', 'real-admin', ...args], { env, encoding: 'utf8', timeout: 120_000 });
  return { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr ?? '').trim().split('\n').slice(-2).join(' ') };
}

/** Raises the quotas of `project` (name, in `domain`) for a fleet of `n`; `restore()` sets the found values back. */
export function raiseQuotas(realDir: string, project: string, domain: string, n: number): QuotaHandle {
  const id = osc(realDir, ['project', 'show', project, '--domain', domain, '-f', 'value', '-c', 'id']);
  if (!id.ok) throw new Error(`project ${project} (domain ${domain}) not found: ${id.err}`);
  const pid = id.out.trim();
  const shown = osc(realDir, ['quota', 'show', pid, '-f', 'json']);
  const lb = osc(realDir, ['loadbalancer', 'quota', 'show', pid, '-f', 'json']);
  if (!shown.ok || !lb.ok) throw new Error(`quota show failed: ${shown.err || lb.err}`);
  const q = JSON.parse(shown.out) as Record<string, unknown>;
  const l = JSON.parse(lb.out) as Record<string, unknown>;
  const want = fleetQuotas(n);
  const before: Record<string, number> = {};
  const setCn: string[] = [];
  for (const [flag, key] of Object.entries(COMPUTE_NETWORK)) {
    const v = Number(q[key]);
    before[flag] = v;
    if (v !== -1 && v < want.computeNetwork[flag]!) setCn.push(flag, String(want.computeNetwork[flag]));
  }
  const setLb: string[] = [];
  for (const [flag, key] of Object.entries(OCTAVIA)) {
    const v = l[key] === null || l[key] === undefined ? -1 : Number(l[key]);
    before[`lb${flag}`] = v;
    if (v !== -1 && v < want.octavia[flag]!) setLb.push(flag, String(want.octavia[flag]));
  }
  const set: Record<string, number> = {};
  for (let i = 0; i < setCn.length; i += 2) set[setCn[i]!] = Number(setCn[i + 1]);
  for (let i = 0; i < setLb.length; i += 2) set[`lb${setLb[i]!}`] = Number(setLb[i + 1]);
  if (setCn.length) {
    const r = osc(realDir, ['quota', 'set', ...setCn, pid]);
    if (!r.ok) throw new Error(`quota set failed: ${r.err}`);
  }
  if (setLb.length) {
    const r = osc(realDir, ['loadbalancer', 'quota', 'set', ...setLb, pid]);
    if (!r.ok) throw new Error(`loadbalancer quota set failed: ${r.err}`);
  }
  return {
    project: pid, before, set,
    restore() {
      const back = Object.keys(set).filter((k) => !k.startsWith('lb')).flatMap((k) => [k, String(before[k])]);
      const backLb = Object.keys(set).filter((k) => k.startsWith('lb')).flatMap((k) => [k.slice(2), String(before[k])]);
      const msgs: string[] = [];
      if (back.length) msgs.push(`quota set ${back.join(' ')}: ${osc(realDir, ['quota', 'set', ...back, pid]).ok ? 'ok' : 'FAILED'}`);
      if (backLb.length) msgs.push(`loadbalancer quota set ${backLb.join(' ')}: ${osc(realDir, ['loadbalancer', 'quota', 'set', ...backLb, pid]).ok ? 'ok' : 'FAILED'}`);
      return msgs.join('; ') || 'nothing to restore';
    },
  };
}
