import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { SiteLease } from './lease.js';

function dir(): { d: string; done: () => void } {
  const d = mkdtempSync(join(tmpdir(), 'capi-gate-lease-'));
  return { d, done: () => rmSync(d, { recursive: true, force: true }) };
}

test('one holder at a time: a second contender is told who holds the lease; release frees it', () => {
  const { d, done } = dir();
  try {
    const a = new SiteLease(d, 'roosevelt', 60_000);
    const b = new SiteLease(d, 'roosevelt', 60_000);
    assert.deepEqual(a.tryAcquire(1000), { ok: true });
    const r = b.tryAcquire(2000);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.holder.id, a.id);
    assert.equal(!r.ok && r.holder.expiresAt, 61_000);
    // Another site is another lease.
    assert.equal(new SiteLease(d, 'other', 60_000).tryAcquire(2000).ok, true);
    a.release();
    assert.equal(b.tryAcquire(3000).ok, true);
    b.release();
  } finally {
    done();
  }
});

test('a lease survives its holder\'s crash only until it expires; renewing keeps it; a renew after a takeover says it is lost', () => {
  const { d, done } = dir();
  try {
    const a = new SiteLease(d, 'roosevelt', 10_000);
    const b = new SiteLease(d, 'roosevelt', 10_000);
    assert.equal(a.tryAcquire(0).ok, true);
    assert.equal(a.renew(8_000), true);
    assert.equal(b.tryAcquire(12_000).ok, false, 'renewed at 8 s: held until 18 s');
    const r = b.tryAcquire(18_000);
    assert.equal(r.ok, true);
    assert.equal(r.ok && r.tookOver?.id, a.id);
    assert.equal(a.renew(18_500), false, 'a knows it lost the lease');
    a.release();
    assert.equal(JSON.parse(readFileSync(b.path, 'utf8')).id, b.id, 'releasing a lost lease leaves the new holder\'s');
  } finally {
    done();
  }
});

test('a holder on this host whose process is gone is taken over at once', () => {
  const { d, done } = dir();
  try {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(gone.stdout);
    const b = new SiteLease(d, 'roosevelt', 60_000);
    writeFileSync(b.path, JSON.stringify({ id: 'dead', site: 'roosevelt', pid, host: hostname(), acquiredAt: 0, renewedAt: 0, expiresAt: 10 ** 13 }));
    const r = b.tryAcquire(1000);
    assert.equal(r.ok, true);
    assert.match(r.ok && r.tookOver ? b.staleReason(r.tookOver, 1000) ?? '' : '', new RegExp(`process ${pid} on .* is gone`));
    // A live pid that is another process now (a restarted container's pid 1): gone too.
    writeFileSync(b.path, JSON.stringify({ id: 'reused', site: 'roosevelt', pid: process.pid, procStart: '1', host: hostname(), acquiredAt: 0, renewedAt: 0, expiresAt: 10 ** 13 }));
    const reused = new SiteLease(d, 'roosevelt', 60_000).tryAcquire(2000);
    assert.equal(reused.ok && reused.tookOver?.id, 'reused');
    // A live holder on another host is waited for.
    writeFileSync(b.path, JSON.stringify({ id: 'far', site: 'roosevelt', pid: 1, host: 'elsewhere', acquiredAt: 0, renewedAt: 0, expiresAt: 10 ** 13 }));
    assert.equal(new SiteLease(d, 'roosevelt', 60_000).tryAcquire(2000).ok, false);
  } finally {
    done();
  }
});
