import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClusterCa, issueServerCert } from '../../sim/certs.js';
import { isCapiGateError } from '../core/errors.js';
import { readCaBundle } from './tls.js';
import { HttpTransport } from './transport.js';

const signal = new AbortController().signal;

test('TLS: an unknown CA is a transport error; the CA bundle or the insecure flag make it work', async () => {
  const ca = await createClusterCa('ca-uuid', 'capi-gate-test-ca', Date.now());
  const server = await issueServerCert(ca, 'keystone', ['127.0.0.1'], [], Date.now());
  const https = createServer({ cert: server.certPem, key: server.keyPem }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(https.address() as AddressInfo).port}/v3`;
  const plain = new HttpTransport({ retry: { maxAttempts: 1 } });
  const withCa = new HttpTransport({ tls: { ca: ca.certPem } });
  const insecure = new HttpTransport({ tls: { insecure: true } });
  try {
    const e = await plain.request({ method: 'GET', url, service: 'keystone', operation: 'discovery', signal }).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(isCapiGateError(e, 'CAPI_GATE_TRANSPORT'), String(e));
    assert.match(e.message, /keystone discovery: no answer \(\w+/);
    assert.deepEqual((await withCa.requestJson({ method: 'GET', url, service: 'keystone', operation: 'discovery', signal })).data, { ok: true });
    assert.equal((await insecure.request({ method: 'GET', url, service: 'keystone', operation: 'discovery', signal })).status, 200);
  } finally {
    await Promise.all([plain.close(), withCa.close(), insecure.close()]);
    https.close();
  }
});

test('readCaBundle names the file and the setting', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-ca-'));
  const notPem = join(dir, 'x.pem');
  writeFileSync(notPem, 'hello');
  assert.throws(() => readCaBundle(notPem, 'site tls.caBundle'), (e: unknown) => isCapiGateError(e, 'CAPI_GATE_CREDENTIALS') && e.message === `site tls.caBundle: ${notPem} holds no PEM certificate`);
  assert.throws(() => readCaBundle(join(dir, 'missing.pem'), 'site tls.caBundle'), /cannot read CA bundle/);
});
