// Faults made IN the real services for `capi-gate sim --openstack real --scenario NAME` (issue 16,
// item 4), each the real counterpart of the pure simulator's scenario of the same name:
//   api-lb-error  the workload API LB is forced to provisioning_status ERROR in the real Octavia's
//                 database as the cluster becomes ready (so 8.2 finds it so on its first look);
//                 an admin failover through the real Octavia API brings it back.
//   mgmt-vm-oom   the mgmt VM is stopped through the real Nova before the run (the D-041 host
//                 OOM SHUTOFF); `openstack server start` brings it and the management API back.
//   stale-appcred the cluster is created by a tenant user WITHOUT load-balancer_member (the
//                 seeded capi-plain, member + reader, given the site's keypair for the run): the
//                 application credential Magnum mints inherits its roles, so the real Octavia's
//                 default policy (load-balancer:read/write need load-balancer_observer/_member)
//                 answers 403 to CAPO and to the tenant alike (D-039). The site's
//                 clusterCreatorRoles are the pre-D-039 list (member, reader), so 8.0 lets the
//                 create go, as it went on the incident's site.
//   appcred-deleted the cluster's application credential is deleted in the real Keystone (as
//                 the cloud admin) once Magnum has minted it and before CAPO first uses it:
//                 every call CAPO makes for the cluster gets the real Keystone 401.
//   stuck-delete  the simulated CAPO holds the OpenStackCluster finalizer after it has deleted
//                 the servers (its API LB delete does not go through), so the real Magnum cluster
//                 stays DELETE_IN_PROGRESS until the finalizer is cleared (appendix-A).

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { CloudPort } from '../cloud/port.js';
import { isLoopback } from '../loopback.js';

export const REAL_FAULTS = ['api-lb-error', 'mgmt-vm-oom', 'stale-appcred', 'appcred-deleted', 'stuck-delete'] as const;
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

/** A cloud of the real clouds.yaml (password auth). */
export interface PasswordCloud {
  readonly auth_url?: string;
  readonly username?: string;
  readonly password?: string;
  readonly user_domain_name?: string;
  readonly project_name?: string;
  readonly project_domain_name?: string;
}

interface Session {
  readonly token: string;
  readonly userId: string;
  endpoint(type: string): string;
}

async function passwordSession(a: PasswordCloud): Promise<Session> {
  const authUrl = (a.auth_url ?? '').replace(/\/+$/, '');
  if (!isLoopback(new URL(authUrl).hostname)) throw new Error(`the real faults talk to loopback only, not ${authUrl}`);
  const res = await fetch(`${authUrl}/auth/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: {
      identity: { methods: ['password'], password: { user: { name: a.username, domain: { name: a.user_domain_name ?? 'Default' }, password: a.password } } },
      scope: { project: { name: a.project_name, domain: { name: a.project_domain_name ?? 'Default' } } },
    } }),
  });
  const body = (await res.json().catch(() => ({}))) as { token?: { user?: { id?: string }; catalog?: { type: string; endpoints: { interface: string; url: string }[] }[] } };
  const token = res.headers.get('x-subject-token');
  if (res.status !== 201 || !token) throw new Error(`the real Keystone refused ${a.username ?? '?'}: HTTP ${res.status}`);
  return {
    token, userId: body.token?.user?.id ?? '',
    endpoint: (type) => {
      const url = type === 'identity' ? authUrl : body.token?.catalog?.find((c) => c.type === type)?.endpoints.find((e) => e.interface === 'public')?.url.replace(/\/+$/, '');
      if (!url || !isLoopback(new URL(url).hostname)) throw new Error(`no loopback ${type} endpoint in the real catalog`);
      return url;
    },
  };
}

/** The tenant user the stale-appcred fault creates the cluster as (seeded without load-balancer_member). */
export const PLAIN_CLOUD = 'real-plain';
/** The roles a pre-D-039 site asked of the cluster creator. */
export const PRE_D039_CREATOR_ROLES = ['member', 'reader'];

/**
 * stale-appcred: gives the plain tenant user the site's keypair (Nova keypairs are per user), so
 * the create goes as far as it did on the incident's site; the returned function removes it.
 */
export async function lendKeypair(plain: PasswordCloud, keyName: string, publicKeyFile: string): Promise<() => Promise<void>> {
  const s = await passwordSession(plain);
  const nova = s.endpoint('compute');
  const headers = { 'x-auth-token': s.token, 'content-type': 'application/json' };
  const have = await fetch(`${nova}/os-keypairs/${encodeURIComponent(keyName)}`, { headers });
  await have.arrayBuffer();
  if (have.status === 404) {
    const res = await fetch(`${nova}/os-keypairs`, { method: 'POST', headers, body: JSON.stringify({ keypair: { name: keyName, public_key: readFileSync(publicKeyFile, 'utf8').trim() } }) });
    await res.arrayBuffer();
    if (res.status !== 200 && res.status !== 201) throw new Error(`the real Nova refused the keypair ${keyName} for ${plain.username ?? '?'}: HTTP ${res.status}`);
  }
  return async () => {
    const t = await passwordSession(plain);
    const res = await fetch(`${t.endpoint('compute')}/os-keypairs/${encodeURIComponent(keyName)}`, { method: 'DELETE', headers: { 'x-auth-token': t.token } });
    await res.arrayBuffer();
  };
}

/** The application credential of a cluster's clouds.yaml (the <stack>-cloud-credentials secret). */
function appCredOf(cloudsYaml: string): { authUrl: string; id: string; secret: string } {
  const a = (parseYaml(cloudsYaml) as { clouds?: Record<string, { auth?: Record<string, string> }> }).clouds?.['openstack']?.auth ?? {};
  return { authUrl: (a['auth_url'] ?? '').replace(/\/+$/, ''), id: a['application_credential_id'] ?? '', secret: a['application_credential_secret'] ?? '' };
}

/**
 * appcred-deleted: deletes the cluster's application credential in the real Keystone as the cloud
 * admin (the owner is read from a token of the credential itself, as Keystone's delete needs it).
 */
export async function deleteApplicationCredential(admin: PasswordCloud, cloudsYaml: string): Promise<string> {
  const ac = appCredOf(cloudsYaml);
  if (!ac.id || !isLoopback(new URL(ac.authUrl).hostname)) throw new Error('the cluster clouds.yaml has no loopback application credential');
  const own = await fetch(`${ac.authUrl}/auth/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['application_credential'], application_credential: { id: ac.id, secret: ac.secret } } } }),
  });
  const userId = ((await own.json().catch(() => ({}))) as { token?: { user?: { id?: string } } }).token?.user?.id;
  if (own.status !== 201 || !userId) throw new Error(`the cluster's application credential does not authenticate (HTTP ${own.status})`);
  const s = await passwordSession(admin);
  const res = await fetch(`${s.endpoint('identity')}/users/${userId}/application_credentials/${ac.id}`, { method: 'DELETE', headers: { 'x-auth-token': s.token } });
  await res.arrayBuffer();
  if (res.status !== 204) throw new Error(`the real Keystone refused to delete application credential ${ac.id}: HTTP ${res.status}`);
  return ac.id;
}

/** A cloud port whose every call waits for `first` (the fault made before CAPO's first call). */
export function after(first: Promise<unknown>, cloud: CloudPort): CloudPort {
  return new Proxy(cloud, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      const fn = v as (...a: unknown[]) => unknown;
      return async (...args: unknown[]) => {
        await first.catch(() => undefined);
        return fn.apply(target, args);
      };
    },
  });
}
