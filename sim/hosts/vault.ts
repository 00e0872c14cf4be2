// Vault units: GET /v1/sys/seal-status (always 200, sealed or not), /v1/sys/health (200 active,
// 503 sealed) and /v1/sys/leader, as api-notes §9 records them, over HTTPS with the sim CA.

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

const VERSION = '1.15.6';

export function sealStatusBody(s: VaultUnitState, clusterName: string): Record<string, unknown> {
  const common = { type: 'shamir', initialized: s.initialized, sealed: s.sealed, t: 3, n: 5, progress: s.sealed ? s.progress : 0, nonce: s.sealed && s.progress > 0 ? '5b2a8f7e-0c4c-4e7f-9e0e-6d3b1f2a9c11' : '', version: VERSION, build_date: '2024-02-28T17:07:34Z', migration: false };
  return s.sealed
    ? { ...common, recovery_seal: false, storage_type: 'raft' }
    : { ...common, cluster_name: clusterName, cluster_id: 'f94053ad-d80e-4270-2006-2efd67d0910a', recovery_seal: false, storage_type: 'raft' };
}

export async function startVaultUnit(host: string, port: number, pki: SimPki, state: VaultUnitState): Promise<SimVaultUnit> {
  const requests: { path: string; method: string }[] = [];
  const server: Server = createServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    requests.push({ path, method: req.method ?? 'GET' });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body) + '\n');
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { errors: [] });
    if (path === '/v1/sys/seal-status') return json(200, sealStatusBody(state, 'vault-cluster-336172e1'));
    if (path === '/v1/sys/health') {
      const status = !state.initialized ? 501 : state.sealed ? 503 : 200;
      return json(status, { initialized: state.initialized, sealed: state.sealed, standby: false, performance_standby: false, replication_performance_mode: 'disabled', replication_dr_mode: 'disabled', server_time_utc: Math.floor(Date.now() / 1000), version: VERSION });
    }
    if (path === '/v1/sys/leader') {
      if (state.sealed) return json(503, { errors: ['Vault is sealed'] });
      return json(200, { ha_enabled: true, is_self: true, active_time: '2026-06-09T10:14:02Z', leader_address: `https://${host}:${port}`, leader_cluster_address: `https://${host}:${port + 1}`, performance_standby: false, performance_standby_last_remote_wal: 0, raft_committed_index: 1200, raft_applied_index: 1200 });
    }
    return json(404, { errors: [] });
  });
  const bound = await listen(server, host, port);
  return { url: `https://${host}:${bound}`, state, requests, close: () => closeServer(server) };
}
