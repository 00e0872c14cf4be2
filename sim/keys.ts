// The simulator's RSA-2048 keys. Generating one costs ~0.1-0.2 CPU-s, and a simulated site makes
// them by the dozen: a cluster CA per cluster (Magnum's, sim/certs.ts), a serving certificate per
// Kubernetes API, the management cluster's CA at every start. Under a fleet of 50 clusters that
// was about a third of the simulator's CPU, spent in the very seconds the runs' creates arrive.
//
// - Leaf keys (serving and client certificates): one per process. Each certificate is still its
//   own, signed by its own CA; a leaf key takes no part in whom a client trusts.
// - CA keys: distinct within a process -- each CA, each cluster, its own key, so one cluster's
//   certificates never verify under another's CA -- drawn from a pool of keys kept on disk
//   (dist/cache/sim-ca-keys.json, 0600, at most POOL_MAX) that simulator processes fill as they
//   generate keys and reuse across processes. Two simulators never share a world, so a key reused
//   by a later process is invisible to every client. Beyond the pool a key is generated as before.

import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from './scenarios.js';

const RSA: webcrypto.RsaHashedKeyGenParams = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
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
    return Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string' && k.includes('-----BEGIN PRIVATE KEY-----')) : [];
  } catch {
    return [];
  }
}

async function importPair(pkcs8Pem: string): Promise<webcrypto.CryptoKeyPair> {
  const priv = createPrivateKey(pkcs8Pem);
  const [privateKey, publicKey] = await Promise.all([
    webcrypto.subtle.importKey('pkcs8', priv.export({ type: 'pkcs8', format: 'der' }), RSA, true, ['sign']),
    webcrypto.subtle.importKey('spki', createPublicKey(priv).export({ type: 'spki', format: 'der' }), RSA, true, ['verify']),
  ]);
  return { privateKey, publicKey };
}

/** Pool keys this process has handed out (by index), so no two CAs of one simulator share a key. */
let used = 0;

/**
 * A key pair for a new CA: the pool's next key this process has not used, else a new one (added
 * to the pool while it holds fewer than POOL_MAX). A pool that cannot be read or written only
 * means fresh keys.
 */
export async function caKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  const file = caKeyPoolFile();
  if (file) {
    const pool = readPool(file);
    const pem = pool[used];
    if (pem !== undefined) {
      used++;
      try {
        return await importPair(pem);
      } catch {
        // a damaged entry: a fresh key instead
      }
    }
  }
  const pair = await generate();
  if (file) {
    try {
      const pool = readPool(file);
      if (pool.length < POOL_MAX) {
        const pem = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', pair.privateKey)).toString('base64');
        pool.push(`-----BEGIN PRIVATE KEY-----\n${pem.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`);
        // Mark it used here too: this process holds it already.
        used = Math.max(used, pool.length);
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
