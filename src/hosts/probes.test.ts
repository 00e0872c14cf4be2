// The core VIP probes on a stalled jumphost: a probe that timed out while this process itself could
// not run for much of its deadline is retried, and when that happens twice it is inconclusive
// (never the VIP's failure); a VIP that is silent while the process runs is still a failure.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { blockFor } from '../../test/helpers.js';
import { createVipProber } from './probes.js';
import { createVaultClient } from './vault.js';

/** A TCP server on loopback; `onConnection(n, socket)` decides what the n-th connection gets. */
async function server(onConnection: (n: number, s: Socket) => void): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let n = 0;
  const sockets = new Set<Socket>();
  const srv = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onConnection(++n, s);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    connections: () => n,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); srv.close(() => r()); }),
  };
}

const answer = (s: Socket, body = 'ok') => s.end(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
const trust = () => ({ ca: undefined, insecure: false });
const signal = new AbortController().signal;

test('a probe that times out while this process stalls is retried; stalled twice, it is inconclusive, not a failure', async () => {
  const srv = await server(() => setTimeout(() => blockFor(1500), 20)); // never answers, and the process stalls each time
  try {
    const r = await createVipProber({ vips: [{ name: 'keystone', url: srv.url }], outOfScope: [], trust, timeoutMs: 2000 }).probeAll(signal);
    const p = r.probes[0]!;
    assert.equal(p.ok, false);
    assert.equal(p.inconclusive, true);
    assert.ok((p.stalledMs ?? 0) >= 1000, `stall recorded (${p.stalledMs})`);
    assert.match(p.retriedAfter ?? '', /no answer within 2000ms while this machine stalled \d+ms/);
    assert.equal(srv.connections(), 2, 'one retry');
  } finally {
    await srv.close();
  }
});

test('a silent VIP on a machine that runs is a failure, tried once', async () => {
  const srv = await server(() => undefined);
  try {
    const r = await createVipProber({ vips: [{ name: 'keystone', url: srv.url }], outOfScope: [], trust, timeoutMs: 1200 }).probeAll(signal);
    const p = r.probes[0]!;
    assert.equal(p.ok, false);
    assert.equal(p.inconclusive, undefined);
    assert.equal(p.retriedAfter, undefined);
    assert.match(p.error ?? '', /ETIMEDOUT/);
    assert.equal(srv.connections(), 1);
  } finally {
    await srv.close();
  }
});

test('stalled on the first try, answered on the retry: it passes and says it was retried', async () => {
  const srv = await server((n, s) => (n === 1 ? setTimeout(() => blockFor(1500), 20) : answer(s)));
  try {
    const r = await createVipProber({ vips: [{ name: 'keystone', url: srv.url }], outOfScope: [], trust, timeoutMs: 2000 }).probeAll(signal);
    const p = r.probes[0]!;
    assert.equal(p.ok, true);
    assert.equal(p.status, 200);
    assert.match(p.retriedAfter ?? '', /stalled/);
  } finally {
    await srv.close();
  }
});

test('Vault seal status: stalled twice is inconclusive; a refused unit is not retried', async () => {
  const srv = await server(() => setTimeout(() => blockFor(1500), 20));
  try {
    const [u] = await createVaultClient({ units: [srv.url], trust, timeoutMs: 2000 }).sealStatus(signal);
    assert.ok(u && !u.ok);
    assert.equal(u.inconclusive, true);
    assert.equal(srv.connections(), 2);
  } finally {
    await srv.close();
  }
  const [refused] = await createVaultClient({ units: ['http://127.0.0.1:1/'], trust, timeoutMs: 2000 }).sealStatus(signal);
  assert.ok(refused && !refused.ok);
  assert.equal(refused.inconclusive, undefined);
});
