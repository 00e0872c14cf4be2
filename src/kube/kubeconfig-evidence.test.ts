// The workload kubeconfig as the run writes it: the evidence copy keeps the CA and the client
// certificate, not the client key; the process that wrote it still opens a client from the path.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createTestCa, signCsrWithCa } from '../../sim/kube/index.js';
import { EvidenceStore } from '../engine/evidence.js';
import { tempDir } from '../../test/helpers.js';
import { obtainWorkloadKubeconfig } from './access.js';
import { KubeClient } from './client.js';
import { CLIENT_KEY_MARKER, kubeconfigUsable, withoutClientKey } from './kubeconfig-evidence.js';

/** A PEM private key in the text, raw or in any base64 run. */
const holdsKey = (t: string) => /PRIVATE KEY-----/.test(t) || (t.match(/[A-Za-z0-9+/]{40,}={0,2}/g) ?? []).some((r) => /PRIVATE KEY-----/.test(Buffer.from(r, 'base64').toString('latin1')));

const signal = new AbortController().signal;

test('the kubeconfig written into the evidence keeps the certificates, not client-key-data; the run still uses it', async () => {
  const tmp = tempDir('capi-gate-kubeconfig-ev-');
  try {
    const ca = await createTestCa('capi-test-1');
    const ev = new EvidenceStore(tmp.dir, '8.3');
    const access = await obtainWorkloadKubeconfig({
      services: { magnum: { async getCa() { return ca.certPem; }, async signCsr(_c: string, csr: string) { return signCsrWithCa(ca.certPem, ca.keyPem, csr); } } } as never,
      clusterName: 'capi-test-1', clusterUuid: 'uuid-1', apiAddress: 'https://127.84.1.11:6443',
      writeSensitive: (name, text) => ev.writeSensitive(name, text), signal,
    });
    assert.equal(access.source, 'magnum');
    assert.ok(access.path.startsWith(tmp.dir));
    const text = readFileSync(access.path, 'utf8');
    assert.equal(holdsKey(text), false, text);
    const user = (parse(text) as { users: { user: Record<string, string> }[] }).users[0]!.user;
    assert.equal(user['client-key-data'], CLIENT_KEY_MARKER);
    assert.match(Buffer.from(user['client-certificate-data']!, 'base64').toString(), /^-----BEGIN CERTIFICATE-----/);
    // This process kept the usable text: the path opens a client and is reused, not re-signed.
    assert.ok(kubeconfigUsable(access.path));
    assert.equal(KubeClient.fromFile(access.path).server, 'https://127.84.1.11:6443');
    const again = await obtainWorkloadKubeconfig({ services: {} as never, clusterName: 'capi-test-1', writtenPath: access.path, writeSensitive: () => { throw new Error('not written twice'); }, signal });
    assert.equal(again.source, 'reused');
    // Another process (a resumed run) finds a key-less copy: not usable, and said so.
    const copy = join(tmp.dir, 'copy-kubeconfig');
    writeFileSync(copy, text);
    assert.equal(kubeconfigUsable(copy), false);
    assert.throws(() => KubeClient.fromFile(copy), (e: Error & { code?: string }) => e.code === 'CAPI_GATE_PRECONDITION' && /evidence copy/.test(e.message));
  } finally {
    tmp.cleanup();
  }
});

test('withoutClientKey replaces client-key-data and client-key, nothing else', () => {
  const text = 'apiVersion: v1\nusers:\n- name: admin\n  user:\n    client-certificate-data: Y2VydA==\n    client-key-data: a2V5\n- name: other\n  user:\n    client-key: /home/k.pem\n';
  const doc = parse(withoutClientKey(text)) as { users: { user: Record<string, string> }[] };
  assert.deepEqual(doc.users.map((u) => u.user), [{ 'client-certificate-data': 'Y2VydA==', 'client-key-data': CLIENT_KEY_MARKER }, { 'client-key': CLIENT_KEY_MARKER }]);
});
