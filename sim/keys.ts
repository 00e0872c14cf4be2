// The simulator's RSA-2048 keys. Generating one costs ~0.1-0.2 CPU-s, and a simulated site makes
// them by the dozen: a cluster CA per cluster (Magnum's, sim/certs.ts), a serving certificate per
// Kubernetes API, the management cluster's CA at every start. Under a fleet of 50 clusters that
// was about a third of the simulator's CPU, spent in the very seconds the runs' creates arrive.
//
// - Leaf keys (serving and client certificates): one per process. Each certificate is still its
//   own, signed by its own CA; a leaf key takes no part in whom a client trusts.
// - CA keys: distinct within a process -- each CA, each cluster, its own key, so one cluster's
//   certificates never verify under another's CA -- drawn from a pool of keys kept on disk
//   (dist/cache/sim-ca-keys.json: PKCS#8 DER, base64; 0600; at most POOL_MAX) that simulator processes fill as they
//   generate keys and reuse across processes. Two simulators never share a world, so a key reused
//   by a later process is invisible to every client. Beyond the pool a key is generated as before.

import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from './scenarios.js';

/** The algorithm of every RSA key and signature the simulator makes (Magnum's: RSA-2048, SHA-256). */
export const RSA: webcrypto.RsaHashedKeyGenParams = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
export const POOL_MAX = 64;

const generate = (): Promise<webcrypto.CryptoKeyPair> => webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;

let leaf: Promise<webcrypto.CryptoKeyPair> | undefined;

/** The process's leaf key pair (RSASSA-PKCS1-v1_5 SHA-256, extractable, sign + verify), made on first use. */
export function leafKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  leaf ??= generate().catch((err: unknown) => {
    leaf = undefined;
    throw err;
  });
  return leaf;
}

/** Where the CA key pool lives; CAPI_GATE_SIM_KEY_POOL overrides it ("off": no pool, every key fresh). */
export function caKeyPoolFile(): string | undefined {
  const env = process.env.CAPI_GATE_SIM_KEY_POOL;
  if (env === 'off') return undefined;
  if (env) return env;
  try {
    return join(packageRoot(), 'dist', 'cache', 'sim-ca-keys.json');
  } catch {
    return undefined;
  }
}

function readPool(file: string): string[] {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    // Entries of another shape (an older pool kept PEM) are left out, and dropped at the next write.
    return Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string' && /^[A-Za-z0-9+/]+=*$/.test(k)) : [];
  } catch {
    return [];
  }
}

async function importPair(pkcs8Base64: string): Promise<webcrypto.CryptoKeyPair> {
  const der = Buffer.from(pkcs8Base64, 'base64');
  const spki = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' });
  const [privateKey, publicKey] = await Promise.all([
    webcrypto.subtle.importKey('pkcs8', der, RSA, true, ['sign']),
    webcrypto.subtle.importKey('spki', spki, RSA, true, ['verify']),
  ]);
  return { privateKey, publicKey };
}

/** The pool as this process first read it (read once), and how many of its keys it has handed out. */
let drawn: { file: string; keys: string[] } | undefined;
let used = 0;

/**
 * A key pair for a new CA: the pool's next key this process has not used, else a new one (added
 * to the pool while it holds fewer than POOL_MAX). A pool that cannot be read or written only
 * means fresh keys.
 */
export async function caKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  const file = caKeyPoolFile();
  if (file) {
    if (drawn?.file !== file) {
      drawn = { file, keys: readPool(file) };
      used = 0;
    }
    const key = drawn.keys[used];
    if (key !== undefined) {
      used++;
      try {
        return await importPair(key);
      } catch {
        // a damaged entry: a fresh key instead
      }
    }
  }
  const pair = await generate();
  if (file) {
    try {
      // Read again: other processes may have added keys since; this one's goes after them.
      const pool = readPool(file);
      if (pool.length < POOL_MAX) {
        pool.push(Buffer.from(await webcrypto.subtle.exportKey('pkcs8', pair.privateKey)).toString('base64'));
        mkdirSync(dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, JSON.stringify(pool), { mode: 0o600 });
        renameSync(tmp, file);
      }
    } catch {
      // read-only install: fresh keys every time
    }
  }
  return pair;
}
