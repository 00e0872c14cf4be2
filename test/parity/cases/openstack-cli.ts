// The runbook's own openstack CLI commands (python-openstackclient with the magnum and octavia
// plugins) against both sides: exit code and the JSON they print, compared as any answer is.
// The operation key of such a step is "openstack <subcommand>", outside the inventory of what
// capi-gate itself sends.

import { spawn } from 'node:child_process';
import type { Backend, Call, Service } from '../backend.js';
import type { ParityCase } from '../case.js';

function openstack(b: Backend, who: 'admin' | 'tenant', args: readonly string[]): Promise<Call> {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', OS_CLIENT_CONFIG_FILE: b.cli.cloudsFile, OS_CLOUD: b.cli[who] };
  const words = args.filter((a) => !a.startsWith('-') && !/[0-9.]/.test(a) && !a.includes(b.site.image.name));
  return new Promise((resolve) => {
    const child = spawn('openstack', [...args, '-f', 'json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const done = (code: number | null) => {
      let body: unknown;
      try {
        body = JSON.parse(out) as unknown;
      } catch {
        body = err.trim().split('\n').pop() ?? '';
      }
      resolve({ op: `openstack ${words.slice(0, 3).join(' ')}`, status: code ?? -1, body, headers: {} });
    };
    child.on('error', () => done(127));
    child.on('close', done);
  });
}

export const CASES: ParityCase[] = [
  {
    name: 'openstack CLI: the runbook show and list commands',
    clientOps: [],
    ops: [],
    timeoutMs: 300_000,
    async run(b, rec) {
      const s = b.site;
      rec.step('project show', await openstack(b, 'admin', ['project', 'show', s.project.name, '--domain', s.project.domain]));
      rec.step('image show', await openstack(b, 'admin', ['image', 'show', s.image.name]));
      rec.step('flavor show', await openstack(b, 'tenant', ['flavor', 'show', s.flavors.worker.name]));
      rec.step('network show', await openstack(b, 'tenant', ['network', 'show', s.externalNetwork]));
      rec.step('keypair show', await openstack(b, 'tenant', ['keypair', 'show', s.keypair]));
      rec.step('server show', await openstack(b, 'tenant', ['server', 'show', s.mgmtVm.name]));
      rec.step('loadbalancer list', await openstack(b, 'tenant', ['loadbalancer', 'list']));
      rec.step('coe cluster template list', await openstack(b, 'tenant', ['coe', 'cluster', 'template', 'list']));
      rec.step('coe cluster list', await openstack(b, 'tenant', ['coe', 'cluster', 'list']));
    },
  },
];

export const SERVICES: readonly Service[] = ['keystone', 'glance', 'nova', 'neutron', 'octavia', 'magnum'];
