// Vault units as an HA cluster on raft (api-notes §9), over HTTPS with the sim CA: the first
// unsealed unit is the active node, the others are standbys. GET /v1/sys/seal-status (always
// 200, sealed or not), /v1/sys/health (200 active, 429 standby, 503 sealed, 501 uninitialized,
// with the standbyok / activecode / standbycode / sealedcode / uninitcode overrides) and
// /v1/sys/leader (is_self, the active node's address; 503 when sealed), as Vault answers them.

import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { SimPki } from './tls.js';
import { closeServer, listen } from './net.js';

export interface VaultUnitState {
  sealed: boolean;
  progress: number;
  initialized: boolean;
}

export interface SimVaultUnit {
  readonly url: string;
  readonly state: VaultUnitState;
  readonly requests: { path: string; method: string }[];
  close(): Promise<void>;
}

export const VAULT_VERSION = '1.15.6';
const BUILD_DATE = '2024-02-28T17:07:34Z';
const CLUSTER_NAME = 'vault-cluster-336172e1';
const CLUSTER_ID = 'f94053ad-d80e-4270-2006-2efd67d0910a';
const NONCE = '5b2a8f7e-0c4c-4e7f-9e0e-6d3b1f2a9c11';
const ACTIVE_SINCE = '2026-06-09T10:14:02.118204913Z';

/** The units of one Vault cluster: which one is active is derived from their seal state. */
export class VaultCluster {
  readonly members: { url: string; state: VaultUnitState }[] = [];

  /** The active node: the first initialized, unsealed unit (raft elects one leader). */
  activeIndex(): number | undefined {
    const i = this.members.findIndex((m) => m.state.initialized && !m.state.sealed);
    return i < 0 ? undefined : i;
  }

  clusterAddress(url: string): string {
    const u = new URL(url);
    return `https://${u.hostname}:${Number(u.port || 8200) + 1}`;
  }

  /** What `vault status` on unit i shows (the juju stand-in renders it). */
  view(i: number): VaultView {
    const m = this.members[i];
    if (!m) throw new Error(`no vault unit ${i}`);
    const active = this.activeIndex();
    const leader = active === undefined ? undefined : this.members[active];
    return {
      sealed: m.state.sealed, initialized: m.state.initialized, progress: m.state.progress, t: 3, n: 5, nonce: NONCE, version: VAULT_VERSION, buildDate: BUILD_DATE,
      clusterName: CLUSTER_NAME, clusterId: CLUSTER_ID, active: active === i, activeSince: ACTIVE_SINCE,
      leaderAddress: leader ? leader.url : '', leaderClusterAddress: leader ? this.clusterAddress(leader.url) : '',
    };
  }
}

export interface VaultView {
  sealed: boolean; initialized: boolean; progress: number; t: number; n: number; nonce: string; version: string; buildDate: string;
  clusterName: string; clusterId: string; active: boolean; activeSince: string; leaderAddress: string; leaderClusterAddress: string;
}

export function sealStatusBody(s: VaultUnitState, clusterName = CLUSTER_NAME): Record<string, unknown> {
  const common = { type: 'shamir', initialized: s.initialized, sealed: s.sealed, t: 3, n: 5, progress: s.sealed ? s.progress : 0, nonce: s.sealed && s.progress > 0 ? NONCE : '', version: VAULT_VERSION, build_date: BUILD_DATE, migration: false };
  return s.sealed
    ? { ...common, recovery_seal: false, storage_type: 'raft' }
    : { ...common, cluster_name: clusterName, cluster_id: CLUSTER_ID, recovery_seal: false, storage_type: 'raft' };
}

export async function startVaultUnit(host: string, port: number, pki: SimPki, state: VaultUnitState, cluster: VaultCluster = new VaultCluster()): Promise<SimVaultUnit> {
  const requests: { path: string; method: string }[] = [];
  const self = cluster.members.length;
  cluster.members.push({ url: `https://${host}:${port}`, state });
  const server: Server = createServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://vault');
    const path = url.pathname;
    requests.push({ path, method: req.method ?? 'GET' });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body) + '\n');
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { errors: [] });
    const active = cluster.activeIndex() === self;
    if (path === '/v1/sys/seal-status') return json(200, sealStatusBody(state));
    if (path === '/v1/sys/health') {
      const q = (k: string, d: number) => (url.searchParams.has(k) ? Number(url.searchParams.get(k)) || d : d);
      const standbyOk = ['true', '1', ''].includes(url.searchParams.get('standbyok') ?? 'no');
      const status = !state.initialized ? q('uninitcode', 501) : state.sealed ? q('sealedcode', 503) : active ? q('activecode', 200) : standbyOk ? q('activecode', 200) : q('standbycode', 429);
      const body: Record<string, unknown> = { initialized: state.initialized, sealed: state.sealed, standby: !active, performance_standby: false, replication_performance_mode: 'disabled', replication_dr_mode: 'disabled', server_time_utc: Math.floor(Date.now() / 1000), version: VAULT_VERSION };
      if (!state.sealed && state.initialized) Object.assign(body, { cluster_name: CLUSTER_NAME, cluster_id: CLUSTER_ID });
      return json(status, body);
    }
    if (path === '/v1/sys/leader') {
      if (state.sealed) return json(503, { errors: ['Vault is sealed'] });
      const v = cluster.view(self);
      return json(200, {
        ha_enabled: true, is_self: active, active_time: active ? ACTIVE_SINCE : '0001-01-01T00:00:00Z', leader_address: v.leaderAddress, leader_cluster_address: v.leaderClusterAddress,
        performance_standby: false, performance_standby_last_remote_wal: 0, raft_committed_index: 1200, raft_applied_index: 1200,
      });
    }
    return json(404, { errors: [] });
  });
  const bound = await listen(server, host, port);
  cluster.members[self] = { url: `https://${host}:${bound}`, state };
  return { url: `https://${host}:${bound}`, state, requests, close: () => closeServer(server) };
}
