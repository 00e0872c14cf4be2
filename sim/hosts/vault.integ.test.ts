// Vault as an HA cluster: one active node (sys/health 200, sys/leader is_self), standbys answer
// 429 and name the active node, a sealed unit 503; sealing the active node moves the leadership.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { createSimPki } from './tls.js';
import { VaultCluster, startVaultUnit } from './vault.js';

function get(url: string, ca: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString('utf8'); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('Vault HA: one active unit, standbys 429 naming the active node, a sealed standby 503; the leadership moves when the active seals', async () => {
  const pki = await createSimPki(['127.0.0.1'], ['localhost']);
  const cluster = new VaultCluster();
  const units = [];
  for (let i = 0; i < 3; i++) units.push(await startVaultUnit('127.0.0.1', 0, pki, { sealed: i === 2, progress: 0, initialized: true }, cluster));
  try {
    const health = await Promise.all(units.map((u) => get(`${u.url}/v1/sys/health`, pki.caPem)));
    assert.deepEqual(health.map((h) => [h.status, h.body['standby'], h.body['sealed']]), [[200, false, false], [429, true, false], [503, true, true]]);
    assert.equal((await get(`${units[1]!.url}/v1/sys/health?standbyok=true`, pki.caPem)).status, 200);
    const leader = await get(`${units[1]!.url}/v1/sys/leader`, pki.caPem);
    assert.equal(leader.body['is_self'], false);
    assert.equal(leader.body['leader_address'], units[0]!.url);
    assert.equal((await get(`${units[0]!.url}/v1/sys/leader`, pki.caPem)).body['is_self'], true);
    assert.equal((await get(`${units[2]!.url}/v1/sys/leader`, pki.caPem)).status, 503);
    const seal = await get(`${units[1]!.url}/v1/sys/seal-status`, pki.caPem);
    assert.equal(seal.status, 200);
    assert.equal(seal.body['cluster_name'], (await get(`${units[0]!.url}/v1/sys/seal-status`, pki.caPem)).body['cluster_name']);
    units[0]!.state.sealed = true;
    assert.equal((await get(`${units[1]!.url}/v1/sys/health`, pki.caPem)).status, 200, 'vault/1 took over');
    assert.equal(cluster.view(1).active, true);
    assert.equal(cluster.view(2).leaderAddress, units[1]!.url);
  } finally {
    await Promise.all(units.map((u) => u.close()));
  }
});
