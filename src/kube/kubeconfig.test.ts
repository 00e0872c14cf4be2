// The client key made ahead (8.2 prepares it while the cluster converges): the next CSR carries
// it, once; the one after gets a key of its own.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import '../core/reflect-polyfill.js';
import * as x509 from '@peculiar/x509';
import { generateClientKey, prepareClientKey } from './kubeconfig.js';

const spkiOfCsr = (csrPem: string): string => new x509.Pkcs10CertificateRequest(csrPem).publicKey.toString('pem');

const norm = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('base64');

test('a prepared client key is taken by the next generateClientKey only; its key PEM is PKCS#1', async () => {
  const signal = new AbortController().signal;
  const ahead = await prepareClientKey();
  const first = await generateClientKey(signal);
  const second = await generateClientKey(signal);
  assert.match(first.keyPem, /^-----BEGIN RSA PRIVATE KEY-----/);
  assert.equal(norm(spkiOfCsr(first.csrPem)), norm(ahead));
  assert.equal(norm(createPublicKey(first.keyPem).export({ type: 'spki', format: 'pem' }).toString()), norm(ahead));
  assert.notEqual(norm(spkiOfCsr(second.csrPem)), norm(ahead));
  // Preparing twice before a take makes one key, not two.
  const a = await prepareClientKey();
  const b = await prepareClientKey();
  assert.equal(norm(a), norm(b));
  assert.equal(norm(createPublicKey((await generateClientKey(signal)).keyPem).export({ type: 'spki', format: 'pem' }).toString()), norm(a));
});
