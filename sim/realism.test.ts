// What makes the simulated site behave like a rebuilt real one by default: fresh ids at every start
// (a seed reproduces them), token lifetimes in real time whatever the time scale, Nova's policy on
// --all-projects, Glance's qcow2 -> raw conversion, and kube-proxy's random pick per request.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startSim } from './index.js';
import { qcow2Blob, QCOW2_VIRTUAL_SIZE } from './hosts/cdn.js';
import { rawConversion } from './image-format.js';
import { ServiceEndpoint } from './kube/lb.js';
import { Rng } from './rand.js';
import { login } from './testing.js';

test('fresh ids at every start; the same seed starts the same ids', async () => {
  const ids = async (seed?: number) => {
    const h = await startSim(seed === undefined ? {} : { seed });
    try {
      return { seed: h.seed, project: h.credentials.tenant.projectId, image: [...h.world.images.keys()][0] };
    } finally {
      await h.close();
    }
  };
  const a = await ids();
  const b = await ids();
  assert.notEqual(a.project, b.project, 'two starts without a seed share no project id');
  assert.notEqual(a.image, b.image);
  const again = await ids(a.seed);
  assert.deepEqual(again, a, '--seed with the printed seed reproduces the ids');
});

test('a token lives its hour of real time at time scale 0.05 (expires_at 20 simulated hours on)', async () => {
  const h = await startSim({ timeScale: 0.05 });
  try {
    const api = await login(h, 'tenant');
    const t = [...h.world.tokens.values()].find((x) => x.value === api.token)!;
    assert.ok(Math.abs(t.expiresAt - t.issuedAt - 3_600_000 / 0.05) < 1_000, `expires after ${(t.expiresAt - t.issuedAt) / 3_600_000} simulated hours`);
    h.clock.advance(2 * 3_600_000); // two simulated hours: six real minutes
    assert.equal((await api.call('compute', 'GET', '/servers')).status, 200, 'still valid');
  } finally {
    await h.close();
  }
});

test('server list --all-projects: 403 for a member (Zed policy), allowed for the admin', async () => {
  const h = await startSim({});
  try {
    const tenant = await login(h, 'tenant');
    const denied = await tenant.call('compute', 'GET', '/servers/detail?all_tenants=True');
    assert.equal(denied.status, 403);
    assert.deepEqual(denied.json, { forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be performed." } });
    assert.equal((await tenant.call('compute', 'GET', '/servers/detail?all_tenants=0')).status, 200);
    const admin = await login(h, 'admin');
    const all = (await admin.call('compute', 'GET', '/servers/detail?all_tenants=1')).json as { servers: { name: string }[] };
    assert.ok(all.servers.some((s) => s.name === 'capi-mgmt-v2'));
  } finally {
    await h.close();
  }
});

test('qcow2 -> raw conversion: the raw size is the virtual size, the hashes are the raw disk\'s', () => {
  const q = qcow2Blob(256 * 1024, 'x');
  const raw = rawConversion(q)!;
  assert.equal(raw.size, QCOW2_VIRTUAL_SIZE);
  assert.notEqual(raw.sha512, createHash('sha512').update(q).digest('hex'));
  const expected = createHash('sha512').update(Buffer.concat([q, Buffer.alloc(QCOW2_VIRTUAL_SIZE - q.length)])).digest('hex');
  assert.equal(raw.sha512, expected);
  assert.equal(rawConversion(Buffer.from('not a qcow2')), undefined);
});

test('the Service endpoint picks a ready pod at random per request (kube-proxy), not in strict turns', () => {
  const rng = new Rng(5);
  const ep = new ServiceEndpoint('127.0.0.1', 0, () => ['rr-a', 'rr-b'], () => rng.next());
  const picks: string[] = [];
  const res = { writeHead: () => res, end: () => undefined };
  for (let i = 0; i < 40; i++) {
    (ep as unknown as { handle(req: unknown, r: unknown): void }).handle({ url: '/hostname', socket: {} }, res);
  }
  for (const [k, v] of ep.served) for (let i = 0; i < v; i++) picks.push(k);
  assert.equal(picks.length, 40);
  assert.ok((ep.served.get('rr-a') ?? 0) > 5 && (ep.served.get('rr-b') ?? 0) > 5, 'both pods answer');
  assert.notEqual(ep.served.get('rr-a'), 20, 'an irregular mix, not an exact alternation');
});
