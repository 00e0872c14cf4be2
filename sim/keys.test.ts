// The simulator's RSA keys (sim/keys.ts): one leaf key per process; CA keys distinct within a
// process, drawn from the on-disk pool that processes fill and reuse.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const KEYS = join(dirname(fileURLToPath(import.meta.url)), 'keys.js');

/** In a fresh process: the SPKI (base64) of `n` CA keys and of the leaf key asked twice. */
function keysOf(pool: string, n: number): { cas: string[]; leaves: string[] } {
  const script = `
    import { caKeyPair, leafKeyPair } from ${JSON.stringify(KEYS)};
    const { webcrypto } = await import('node:crypto');
    const spki = async (k) => Buffer.from(await webcrypto.subtle.exportKey('spki', k)).toString('base64');
    const cas = [];
    for (let i = 0; i < ${n}; i++) cas.push(await spki((await caKeyPair()).publicKey));
    const leaves = [await spki((await leafKeyPair()).publicKey), await spki((await leafKeyPair()).publicKey)];
    process.stdout.write(JSON.stringify({ cas, leaves }));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, CAPI_GATE_SIM_KEY_POOL: pool } })) as { cas: string[]; leaves: string[] };
}

test('sim keys: CA keys distinct within a process and kept in the pool for the next; one leaf key per process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-keys-'));
  try {
    const pool = join(dir, 'cache', 'sim-ca-keys.json');
    const a = keysOf(pool, 3);
    assert.equal(new Set(a.cas).size, 3, 'every CA its own key');
    assert.equal(a.leaves[0], a.leaves[1], 'one leaf key per process');
    assert.ok(!a.cas.includes(a.leaves[0]!), 'the leaf key is no CA key');
    assert.equal((JSON.parse(readFileSync(pool, 'utf8')) as string[]).length, 3);
    assert.equal(statSync(pool).mode & 0o777, 0o600);
    // The next process draws the same keys, in order, and adds one for a fourth CA.
    const b = keysOf(pool, 4);
    assert.deepEqual(b.cas.slice(0, 3), a.cas);
    assert.equal(new Set(b.cas).size, 4);
    assert.equal((JSON.parse(readFileSync(pool, 'utf8')) as string[]).length, 4);
    // A damaged pool is no pool: fresh keys, still distinct.
    writeFileSync(pool, '{not json');
    const c = keysOf(pool, 2);
    assert.equal(new Set(c.cas).size, 2);
    assert.ok(!c.cas.some((k) => a.cas.includes(k)));
    // "off": every key fresh, nothing written.
    const off = keysOf('off', 2);
    assert.ok(!off.cas.some((k) => b.cas.includes(k)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
