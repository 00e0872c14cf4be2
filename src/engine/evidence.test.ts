// The evidence store keeps no private key, whatever its caller passes: a PEM block, the same
// block JSON-escaped, or base64-encoded as a kubeconfig's client-key-data.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { tempDir } from '../../test/helpers.js';
import { EvidenceStore, PRIVATE_KEY_MARKER, withoutPrivateKeys } from './evidence.js';

/** A PEM private key in the text, raw or in any base64 run. */
const holdsKey = (t: string) => /PRIVATE KEY-----/.test(t) || (t.match(/[A-Za-z0-9+/]{40,}={0,2}/g) ?? []).some((r) => /PRIVATE KEY-----/.test(Buffer.from(r, 'base64').toString('latin1')));
const keyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const body = keyPem.split('\n')[1]!;
const certLike = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBcertificatebodycertificatebody\n-----END CERTIFICATE-----\n').toString('base64');

test('a PEM private key, raw, JSON-escaped or base64, is replaced by a marker; certificates stay', () => {
  const kubeconfig = `users:\n- name: admin\n  user:\n    client-certificate-data: ${certLike}\n    client-key-data: ${Buffer.from(keyPem).toString('base64')}\n`;
  const r = withoutPrivateKeys(`raw:\n${keyPem}\njson: ${JSON.stringify({ key: keyPem })}\n${kubeconfig}`);
  assert.equal(r.removed, 3);
  assert.equal(r.text.includes(body), false);
  assert.equal(r.text.includes(Buffer.from(keyPem).toString('base64').slice(0, 60)), false);
  assert.ok(r.text.includes(certLike), 'the certificate data stays');
  assert.equal(r.text.split(PRIVATE_KEY_MARKER).length - 1, 3);
  assert.deepEqual(withoutPrivateKeys('nothing secret here, a long run: QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqaw=='), { text: 'nothing secret here, a long run: QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqaw==', removed: 0 });
});

test('EvidenceStore.write and writeSensitive never put a private key on disk', () => {
  const tmp = tempDir('capi-gate-evidence-');
  try {
    const ev = new EvidenceStore(tmp.dir, '8.3');
    const a = ev.write('notes.json', { note: 'a key that slipped through', key: Buffer.from(keyPem).toString('base64') });
    const b = ev.writeSensitive('kubeconfig', `users:\n- user:\n    client-certificate-data: ${certLike}\n    client-key-data: ${Buffer.from(keyPem).toString('base64')}\n`);
    for (const p of [a, b]) {
      const text = readFileSync(p, 'utf8');
      assert.equal(holdsKey(text), false, `${p}: ${text}`);
      assert.ok(text.includes(PRIVATE_KEY_MARKER), p);
    }
    assert.ok(readFileSync(b, 'utf8').includes(certLike));
    assert.equal(statSync(b).mode & 0o777, 0o600);
    assert.throws(() => ev.writeSensitive('key.bin', Buffer.from(keyPem)), /holds a private key/);
  } finally {
    tmp.cleanup();
  }
});
