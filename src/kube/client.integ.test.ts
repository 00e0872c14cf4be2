import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { startKubeApi, createTestCa, signCsrWithCa } from '../../sim/kube/index.js';
import type { KubeApiHandle } from '../../sim/kube/index.js';
import { KubeClient } from './client.js';
import { kubeconfigFromMagnum } from './kubeconfig.js';
import type { CertificateSigner } from './kubeconfig.js';
import { redactor } from '../core/redact.js';
import { parse } from 'yaml';

const signal = new AbortController().signal;

async function cluster(host: string): Promise<{ api: KubeApiHandle; signer: CertificateSigner & { calls: string[] }; ca: { certPem: string; keyPem: string } }> {
  const ca = await createTestCa('capi-test-1');
  const api = await startKubeApi({
    host, port: 6443, caCertPem: ca.certPem, caKeyPem: ca.keyPem, timeScale: 0.001,
    model: { clusterName: 'capi-test-1-kgwwe7c4qj6a', masterCount: 1, nodeCount: 2, kubeVersion: 'v1.34.8' },
  });
  const calls: string[] = [];
  const signer = {
    calls,
    async getCa(c: string) { calls.push(`GET ${c}`); return ca.certPem.trim(); },
    async signCsr(c: string, csr: string) { calls.push(`POST ${c}`); return signCsrWithCa(ca.certPem, ca.keyPem, csr); },
  };
  return { api, signer, ca };
}

test('kubeconfig built like `coe cluster config` (CN=admin, O=system:masters) reaches the simulated API; the key is redacted', async () => {
  const { api, signer } = await cluster('127.84.1.10');
  try {
    const text = await kubeconfigFromMagnum({ cluster: 'uuid-1', clusterName: 'capi-test-1', apiAddress: `https://127.84.1.10:6443`, signer, signal });
    assert.deepEqual(signer.calls, ['GET uuid-1', 'POST uuid-1']);
    const doc = parse(text) as { clusters: { name: string; cluster: { server: string } }[]; contexts: { name: string }[]; users: { name: string; user: Record<string, string> }[]; 'current-context': string };
    assert.equal(doc.clusters[0]?.name, 'capi-test-1');
    assert.equal(doc.clusters[0]?.cluster.server, 'https://127.84.1.10:6443');
    assert.equal(doc['current-context'], 'default');
    assert.equal(doc.users[0]?.name, 'admin');
    const keyPem = Buffer.from(doc.users[0]!.user['client-key-data']!, 'base64').toString();
    assert.match(keyPem, /^-----BEGIN RSA PRIVATE KEY-----/);
    const cert = new X509Certificate(Buffer.from(doc.users[0]!.user['client-certificate-data']!, 'base64'));
    assert.match(cert.subject, /CN=admin/);
    assert.match(cert.subject, /O=system:masters/);
    assert.equal(redactor.redact(`key: ${keyPem}`).includes('PRIVATE KEY-----\nMII'), false);
    assert.equal(redactor.redact(text).includes(doc.users[0]!.user['client-key-data']!), false, 'client-key-data is redacted');

    const client = KubeClient.fromString(text);
    const nodes = await client.listNodes(signal);
    assert.equal(nodes.length, 3);
    assert.ok(nodes.every((n) => n.status?.nodeInfo?.kubeletVersion === 'v1.34.8'));
    assert.equal(nodes.filter((n) => n.metadata?.labels?.['node-role.kubernetes.io/control-plane'] !== undefined).length, 1);
    const version = await client.probeVersion(signal, 2000);
    assert.equal(version, 'v1.34.8');
  } finally {
    await api.close();
  }
});

test('a certificate from another CA is refused with 401', async () => {
  const { api } = await cluster('127.84.1.11');
  const other = await createTestCa('other');
  try {
    const signer = { getCa: async () => other.certPem, signCsr: async (_c: string, csr: string) => signCsrWithCa(other.certPem, other.keyPem, csr) };
    // trust the real server CA but present a client cert from another CA
    const text = await kubeconfigFromMagnum({ cluster: 'u', clusterName: 'c', apiAddress: 'https://127.84.1.11:6443', signer, signal });
    const client = KubeClient.fromString(text);
    await assert.rejects(client.listNodes(signal), (e: Error) => /self-signed|certificate|HTTP 401|no answer/i.test(e.message));
  } finally {
    await api.close();
  }
});
