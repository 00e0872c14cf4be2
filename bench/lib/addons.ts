// When the simulated workload cluster's nodes and add-ons became Ready, by the simulator's own
// record: the Ready conditions' lastTransitionTime of every node and of every add-on pod (every
// namespace but `default`, where D-011.4's rr pods run), as the simulated kube-apiserver serves
// them. The kube simulator writes no timeline entries, so the benchmark reads these once the
// add-ons are up (through the kubeconfig the run wrote) and before the cluster is deleted.
// Kubernetes timestamps have whole-second resolution (of simulated time). That kubeconfig keeps
// no client key (evidence keeps none): the benchmark signs a client certificate of its own with
// the cluster's CA key, which it finds in the simulator's CA key pool (no request to the sim).

import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { parse } from 'yaml';
import { signCsrWithCa } from '../../sim/kube/tls.js';
import { caKeyPoolFile } from '../../sim/keys.js';
import { CLIENT_KEY_MARKER } from '../../src/kube/kubeconfig-evidence.js';
import { generateClientKey } from '../../src/kube/kubeconfig.js';

interface Condition { type: string; status: string; lastTransitionTime?: string }
interface Item { metadata: { name: string; namespace?: string }; status?: { conditions?: Condition[] } }

export interface AddonsReady {
  /** Simulated epoch ms: the last node Ready. */
  readonly nodesAt: number;
  /** Simulated epoch ms: the last add-on pod Ready (nodes included). */
  readonly readyAt: number;
  readonly pods: number;
  readonly nodes: number;
}

interface Access { server: string; ca: string; cert: string; key: string }

/** The simulator's CA key (PEM) behind a CA certificate, from its key pool; undefined when it is not there. */
function poolCaKey(caPem: string): string | undefined {
  const file = caKeyPoolFile();
  if (!file || !existsSync(file)) return undefined;
  const want = new X509Certificate(caPem).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  for (const k of JSON.parse(readFileSync(file, 'utf8')) as string[]) {
    const key = createPrivateKey({ key: Buffer.from(k, 'base64'), format: 'der', type: 'pkcs8' });
    if (createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64') === want) return key.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
  return undefined;
}

const signed = new Map<string, Promise<Access | undefined>>();

async function access(path: string): Promise<Access | undefined> {
  try {
    const k = parse(readFileSync(path, 'utf8')) as { clusters: { cluster: Record<string, string> }[]; users: { user: Record<string, string> }[] };
    const c = k.clusters[0]?.cluster;
    const u = k.users[0]?.user;
    const b = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');
    if (!c?.server || !u) return undefined;
    const server = c.server;
    const ca = b(c['certificate-authority-data']);
    if (u['client-key-data'] !== CLIENT_KEY_MARKER) return { server, ca, cert: b(u['client-certificate-data']), key: b(u['client-key-data']) };
    let mine = signed.get(ca);
    if (!mine) {
      mine = (async () => {
        const caKey = poolCaKey(ca);
        if (!caKey) return undefined;
        const client = await generateClientKey(new AbortController().signal);
        return { server, ca, cert: await signCsrWithCa(ca, caKey, client.csrPem), key: client.keyPem };
      })().catch(() => undefined).then((r) => {
        if (!r) signed.delete(ca); // tried again at the next poll
        return r;
      });
      signed.set(ca, mine);
    }
    return await mine;
  } catch {
    return undefined;
  }
}

function get(a: Access, path: string): Promise<Item[]> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, a.server), { ca: a.ca, cert: a.cert, key: a.key, timeout: 5_000, headers: { accept: 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => {
        if ((res.statusCode ?? 0) !== 200) return reject(new Error(`GET ${path}: HTTP ${String(res.statusCode)}`));
        try {
          resolve((JSON.parse(body) as { items: Item[] }).items);
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function readyAt(i: Item): number | undefined {
  const c = (i.status?.conditions ?? []).find((x) => x.type === 'Ready');
  return c?.status === 'True' && c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : undefined;
}

/** Nodes and add-ons as the simulated apiserver reports them; undefined while any is not Ready. */
export async function addonsReady(kubeconfig: string): Promise<AddonsReady | undefined> {
  const a = await access(kubeconfig);
  if (!a) return undefined;
  const [nodes, pods] = await Promise.all([get(a, '/api/v1/nodes'), get(a, '/api/v1/pods')]);
  const addons = pods.filter((p) => p.metadata.namespace !== 'default');
  const n = nodes.map(readyAt);
  const p = addons.map(readyAt);
  if (!nodes.length || !addons.length || [...n, ...p].some((t) => t === undefined)) return undefined;
  const nodesAt = Math.max(...(n as number[]));
  return { nodesAt, readyAt: Math.max(nodesAt, ...(p as number[])), pods: addons.length, nodes: nodes.length };
}

/** The kubeconfig a run wrote (evidence/8.3/kubeconfig under its run directory), once it exists. */
export function runKubeconfig(runsDir: string): string | undefined {
  if (!existsSync(runsDir)) return undefined;
  for (const id of readdirSync(runsDir)) {
    const p = join(runsDir, id, 'evidence', '8.3', 'kubeconfig');
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Watches a run (until stopped) for its kubeconfig, then asks the simulated apiserver until the
 * nodes and add-ons are Ready; resolves with the simulator's readiness times, or undefined if the
 * run never got that far.
 */
export async function watchAddons(runsDir: string, stop: AbortSignal, everyMs = 250): Promise<AddonsReady | undefined> {
  while (!stop.aborted) {
    const k = runKubeconfig(runsDir);
    if (k) {
      const r = await addonsReady(k).catch(() => undefined);
      if (r) return r;
    }
    await new Promise((res) => setTimeout(res, everyMs));
  }
  return undefined;
}
