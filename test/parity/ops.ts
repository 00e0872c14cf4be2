// What the cases need from the inventory and the site: the headers capi-gate sends with an
// operation (as recorded from its runs, so a client that changes them changes the cases), and
// the request bodies capi-gate sends, built the same way.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Site } from '../../src/site/schema.js';
import type { Backend, Call, Caller } from './backend.js';
import { loadInventory } from './inventory.js';

let headersByOp: Map<string, Record<string, string>> | undefined;

/** The version headers capi-gate sends with this operation (content-type and token left out). */
export function clientHeaders(op: string): Record<string, string> {
  headersByOp ??= new Map(loadInventory().operations.map((o) => [o.key, o.headers]));
  const h = headersByOp.get(op);
  if (!h) throw new Error(`operation ${op} is not in test/parity/operations.json`);
  return Object.fromEntries(Object.entries(h).filter(([k]) => k !== 'content-type'));
}

/**
 * CAPI_GATE_PARITY_MAGNUM_VERSION replaces the client's Magnum microversion, to explore what lies
 * behind a version the real Magnum refuses; such a run is never written to results.json.
 */
export const MAGNUM_OVERRIDE = process.env['CAPI_GATE_PARITY_MAGNUM_VERSION'];
export const MAGNUM = (): Record<string, string> =>
  MAGNUM_OVERRIDE ? { 'openstack-api-version': `container-infra ${MAGNUM_OVERRIDE}` } : clientHeaders('magnum GET /v1/clusters/{id}');
export const NOVA = (): Record<string, string> => clientHeaders('nova GET /v2.1/flavors/detail');

/** createTemplate's body (src/openstack/magnum.ts) for the site, under another name. */
export function templateBody(site: Site, name: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    image_id: site.image.name,
    keypair_id: null,
    external_network_id: site.externalNetwork,
    coe: 'kubernetes',
    fixed_network: null,
    fixed_subnet: null,
    network_driver: site.template.networkDriver,
    volume_driver: null,
    dns_nameserver: site.template.dnsNameserver,
    flavor_id: site.flavors.worker.name,
    master_flavor_id: site.flavors.master.name,
    docker_volume_size: null,
    docker_storage_driver: site.template.dockerStorageDriver,
    http_proxy: null,
    https_proxy: null,
    no_proxy: null,
    labels: { ...site.template.labels },
    tls_disabled: false,
    public: false,
    registry_enabled: false,
    server_type: 'vm',
    master_lb_enabled: site.template.masterLbEnabled,
    floating_ip_enabled: site.template.floatingIpEnabled,
    ...over,
  };
}

/** createCluster's body. */
export function clusterBody(site: Site, name: string, template: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, cluster_template_id: template, keypair: site.keypair, master_count: site.cluster.masterCount, node_count: site.cluster.nodeCount, create_timeout: 60, discovery_url: null, ...over };
}

/** A throwaway CSR (openssl), as 8.3 makes for the cluster's admin client certificate. */
export function csrPem(cn: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-parity-csr-'));
  try {
    execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}/O=system:masters`, '-keyout', join(dir, 'k'), '-out', join(dir, 'c')], { stdio: 'ignore' });
    return readFileSync(join(dir, 'c'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The id of a network by name (the site's external network). */
export async function networkId(c: Caller, name: string): Promise<{ id: string; subnetId: string }> {
  const r = await c.call('neutron', 'GET', `/networks?name=${encodeURIComponent(name)}`);
  const n = (r.body as { networks?: { id: string; subnets: string[] }[] }).networks?.[0];
  if (!n) throw new Error(`no network ${name}: HTTP ${r.status}`);
  return { id: n.id, subnetId: n.subnets[0] ?? '' };
}

/** Best-effort removal of what a case created (a failed cleanup must not hide the case's result). */
export async function quietly(f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch {
    // cleanup only
  }
}

export function field(c: Call, ...path: string[]): unknown {
  let v: unknown = c.body;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

export type { Backend };
