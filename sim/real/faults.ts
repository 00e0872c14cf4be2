// Faults made IN the real services for `capi-gate sim --openstack real --scenario NAME` (issue 16,
// item 4), each the real counterpart of the pure simulator's scenario of the same name:
//   api-lb-error  the workload API LB is forced to provisioning_status ERROR in the real Octavia's
//                 database as the cluster becomes ready (so 8.2 finds it so on its first look);
//                 an admin failover through the real Octavia API brings it back.
//   mgmt-vm-oom   the mgmt VM is stopped through the real Nova before the run (the D-041 host
//                 OOM SHUTOFF); `openstack server start` brings it and the management API back.

import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const REAL_FAULTS = ['api-lb-error', 'mgmt-vm-oom'] as const;
export type RealFault = (typeof REAL_FAULTS)[number];

export function isRealFault(name: string): name is RealFault {
  return (REAL_FAULTS as readonly string[]).includes(name);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Sets an LB's provisioning_status in the full profile's Octavia database (MariaDB over its socket). */
export function setLoadBalancerStatus(realDir: string, lbId: string, status: 'ERROR'): Promise<void> {
  if (!UUID.test(lbId)) return Promise.reject(new Error(`not a load balancer id: ${lbId}`));
  const sock = join(realDir, 'full', 'mysql', 'mysqld.sock');
  const sql = `UPDATE octavia.load_balancer SET provisioning_status='${status}' WHERE id='${lbId}'`;
  return new Promise((resolve, reject) => {
    const child = spawn('mysql', ['--no-defaults', '-S', sock, '-uroot', '-e', sql], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`mysql exited ${code}: ${err.trim()}`))));
  });
}
