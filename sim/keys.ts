// The simulator's leaf keys. Every serving (and client) certificate it issues -- one or two per
// simulated cluster -- is a distinct certificate signed by its own CA, but they share one RSA-2048
// key pair per process: a leaf key takes no part in whom a client trusts (the CA does), and
// generating one costs ~0.1 CPU-s, which a fleet of 50 clusters paid 50 to 100 times over (about a
// third of the simulator's CPU). CA keys stay one per CA (sim/certs.ts): they decide trust.

import { webcrypto } from 'node:crypto';

const RSA: webcrypto.RsaHashedKeyGenParams = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };

let leaf: Promise<webcrypto.CryptoKeyPair> | undefined;

/** The process's leaf key pair (RSASSA-PKCS1-v1_5 SHA-256, extractable, sign + verify), made on first use. */
export function leafKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  leaf ??= (webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>).catch((err: unknown) => {
    leaf = undefined;
    throw err;
  });
  return leaf;
}
