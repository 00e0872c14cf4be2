import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster, LoadBalancer } from '../openstack/index.js';
import { createProgressKey } from './8.2-converge.js';

// A cluster as real Magnum shows a CAPI Helm create: health null, reason {}, no addresses.
const base: Cluster = {
  uuid: 'u', name: 'capi-test-1', status: 'CREATE_IN_PROGRESS', statusReason: undefined, healthStatus: undefined, healthStatusReason: {},
  apiAddress: undefined, clusterTemplateId: 't', keypair: 'k', masterCount: 1, nodeCount: 2, masterAddresses: [], nodeAddresses: [],
  stackId: 'capi-test-1-kgwwe7c4qj6a', coeVersion: undefined, labels: {}, faults: {}, projectId: 'p', createdAt: '2026-12-06T10:00:00+00:00', updatedAt: undefined,
};
const lb = (prov: string, oper: string) => ({ id: 'lb', name: 'n', provisioningStatus: prov, operatingStatus: oper, provider: 'amphora', listenerIds: [], poolIds: [] }) as unknown as LoadBalancer;

test('progress before the API endpoint: the row\'s saves (updated_at, coe_version) and the API LB\'s state are progress', () => {
  const k0 = createProgressKey({ cluster: base, lb: undefined }, 1);
  assert.equal(createProgressKey({ cluster: base, lb: undefined }, 2), k0, 'nothing changed: the same key, so a wedge stalls');
  assert.notEqual(createProgressKey({ cluster: { ...base, updatedAt: '2026-12-06T10:00:12+00:00' }, lb: undefined }, 2), k0);
  assert.notEqual(createProgressKey({ cluster: { ...base, coeVersion: 'v1.34.8' }, lb: undefined }, 2), k0);
  assert.notEqual(createProgressKey({ cluster: base, lb: lb('PENDING_CREATE', 'OFFLINE') }, 2), k0);
});

test('master/node addresses are no progress signal (the CAPI Helm driver never sets them)', () => {
  const k0 = createProgressKey({ cluster: base, lb: undefined }, 1);
  assert.equal(createProgressKey({ cluster: { ...base, masterAddresses: ['10.0.0.5'], nodeAddresses: ['10.0.0.6'] }, lb: undefined }, 2), k0);
});

test('once api_address is set, Magnum shows nothing until CREATE_COMPLETE: no stall, the deadline governs', () => {
  const c = { ...base, apiAddress: 'https://10.12.7.180:6443', coeVersion: 'v1.34.8', updatedAt: '2026-12-06T10:03:00+00:00' };
  const keys = [1, 2, 3].map((n) => createProgressKey({ cluster: c, lb: lb('ACTIVE', 'ONLINE') }, n));
  assert.equal(new Set(keys).size, 3);
});
