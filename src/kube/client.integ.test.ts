import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, randomBytes } from 'node:crypto';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { startKubeApi, createTestCa, issueServingCert, signCsrWithCa } from '../../sim/kube/index.js';
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
    // The second probe reuses the TLS context (a new connection all the same).
    assert.equal(await client.probeVersion(signal, 2000), 'v1.34.8');
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
    await assert.rejects(client.probeVersion(signal, 2000), (e: Error) => /HTTP 401|certificate/i.test(e.message));
    await assert.rejects(client.probeVersion(signal, 2000), (e: Error) => /HTTP 401|certificate/i.test(e.message), 'the reused TLS context is refused as well');
  } finally {
    await api.close();
  }
});

/** A bare HTTPS apiserver stand-in that counts TLS connections; `dropReused` resets a kept-alive socket on its next request; `delayMs` holds each answer back. */
async function countingApi(host: string, dropReused: boolean, delayMs = 0): Promise<{ kubeconfig: string; connections: () => number; resumed: () => number; requests: () => number; server: HttpsServer; close: () => Promise<void> }> {
  const ca = await createTestCa('counting');
  const leaf = await issueServingCert(ca.certPem, ca.keyPem, { commonName: 'kube-apiserver', ips: [host], dns: [] });
  let connections = 0;
  let requests = 0;
  const perSocket = new WeakMap<object, number>();
  const server = createHttpsServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    if (dropReused && n > 1) {
      req.socket.destroy();
      return;
    }
    requests++;
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'NodeList', apiVersion: 'v1', metadata: {}, items: [] }));
    }, delayMs);
  });
  let resumed = 0;
  server.on('secureConnection', (socket) => {
    connections++;
    if (socket.isSessionReused()) resumed++;
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as AddressInfo).port;
  const kubeconfig = [
    'apiVersion: v1', 'kind: Config', 'current-context: c',
    'clusters:', `- name: c`, `  cluster: {server: "https://${host}:${port}", certificate-authority-data: "${Buffer.from(ca.certPem).toString('base64')}"}`,
    'users:', '- name: u', '  user: {token: "t0ken"}',
    'contexts:', '- name: c', '  context: {cluster: c, user: u}',
  ].join('\n');
  return {
    kubeconfig, connections: () => connections, resumed: () => resumed, requests: () => requests, server,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

test('each probe is a new TLS connection that resumes the last session; a server that refuses the ticket gets a full handshake', async () => {
  const api = await countingApi('127.84.1.15', false);
  try {
    const client = KubeClient.fromString(api.kubeconfig);
    for (let i = 0; i < 4; i++) assert.equal(await client.probeVersion(signal, 2000), '');
    assert.equal(api.connections(), 4, 'a connection per probe (no keep-alive)');
    assert.equal(api.resumed(), 3, 'the first a full handshake, the rest resumed');
    // New ticket keys: the server no longer takes the ticket the client holds (another apiserver
    // behind the VIP, or a restarted one). The probe still answers, on a full handshake.
    api.server.setTicketKeys(randomBytes(48));
    assert.equal(await client.probeVersion(signal, 2000), '');
    assert.equal(api.connections(), 5);
    assert.equal(api.resumed(), 3, 'the refused ticket: a full handshake');
    assert.equal(await client.probeVersion(signal, 2000), '');
    assert.equal(api.resumed(), 4, 'and the new ticket from it is taken again');
  } finally {
    await api.close();
  }
});

test('calls share one kept-alive TLS connection (client-node alone makes one per call)', async () => {
  const api = await countingApi('127.84.1.12', false);
  try {
    const client = KubeClient.fromString(api.kubeconfig);
    for (let i = 0; i < 5; i++) assert.deepEqual(await client.listNodes(signal), []);
    await Promise.all([client.listNodes(signal), client.listNodes(signal)]);
    assert.equal(api.requests(), 7);
    assert.ok(api.connections() <= 2, `${api.connections()} TLS connections for 7 calls`);
  } finally {
    await api.close();
  }
});

test('a kept-alive socket the server resets as the request goes out is retried once on a fresh one', async () => {
  const api = await countingApi('127.84.1.13', true);
  try {
    const client = KubeClient.fromString(api.kubeconfig);
    assert.deepEqual(await client.listNodes(signal), []);
    assert.deepEqual(await client.listNodes(signal), [], 'the second call reused the socket, was reset, and went again');
    assert.equal(api.requests(), 2);
    assert.equal(api.connections(), 2);
  } finally {
    await api.close();
  }
});

test('an answer slower than the idle timeout still arrives (the agent closes idle sockets only)', async () => {
  const api = await countingApi('127.84.1.14', false, KubeClient.IDLE_MS + 500);
  try {
    const client = KubeClient.fromString(api.kubeconfig);
    assert.deepEqual(await client.listNodes(signal), []);
    assert.equal(api.connections(), 1);
  } finally {
    await api.close();
  }
});
