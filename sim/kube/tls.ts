// The simulated kube-apiserver's serving certificate: signed by the cluster CA Magnum hands out
// (GET /v1/certificates), with an IP SAN for the api_address host (api-notes §3.6, §8.7).

import { createPrivateKey, webcrypto } from 'node:crypto';
import '../../src/core/reflect-polyfill.js';
import * as x509 from '@peculiar/x509';
import { RSA, caKeyPair, leafKeyPair } from '../keys.js';

const crypto = webcrypto;
x509.cryptoProvider.set(crypto as never);
const DAY_MS = 86_400_000;

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** Imports a CA key in PKCS#8 or PKCS#1 PEM for signing. */
export async function importSigningKey(keyPem: string): Promise<webcrypto.CryptoKey> {
  const der = createPrivateKey(keyPem).export({ format: 'der', type: 'pkcs8' });
  return crypto.subtle.importKey('pkcs8', der, RSA, false, ['sign']);
}

export interface ServingCert {
  readonly certPem: string;
  readonly keyPem: string;
}

export async function issueServingCert(caCertPem: string, caKeyPem: string, opts: { commonName: string; ips: readonly string[]; dns: readonly string[]; nowMs?: number }): Promise<ServingCert> {
  return issueLeaf(caCertPem, caKeyPem, { subject: `CN=${opts.commonName}`, usage: x509.ExtendedKeyUsage.serverAuth, ips: opts.ips, dns: opts.dns, ...(opts.nowMs !== undefined ? { nowMs: opts.nowMs } : {}) });
}

/** A client certificate (kubeconfig user), e.g. CN=kubernetes-admin, O=system:masters. */
export async function issueClientCert(caCertPem: string, caKeyPem: string, opts: { commonName: string; organization?: string; nowMs?: number }): Promise<ServingCert> {
  return issueLeaf(caCertPem, caKeyPem, { subject: `CN=${opts.commonName}${opts.organization ? `, O=${opts.organization}` : ''}`, usage: x509.ExtendedKeyUsage.clientAuth, ips: [], dns: [], ...(opts.nowMs !== undefined ? { nowMs: opts.nowMs } : {}) });
}

async function issueLeaf(caCertPem: string, caKeyPem: string, opts: { subject: string; usage: string; ips: readonly string[]; dns: readonly string[]; nowMs?: number }): Promise<ServingCert> {
  const ca = new x509.X509Certificate(caCertPem);
  const caKey = await importSigningKey(caKeyPem);
  const caPub = await ca.publicKey.export(crypto as never);
  // The process's leaf key (sim/keys.ts): the certificate is this leaf's own, the key is shared.
  const keys = await leafKeyPair();
  const now = opts.nowMs ?? Date.now();
  const serial = Buffer.from(crypto.getRandomValues(new Uint8Array(16)));
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString('hex'),
    subject: opts.subject,
    issuer: ca.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 365 * DAY_MS),
    signingAlgorithm: RSA,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([opts.usage]),
      ...(opts.ips.length || opts.dns.length ? [new x509.SubjectAlternativeNameExtension([...opts.ips.map((value) => ({ type: 'ip' as const, value })), ...opts.dns.map((value) => ({ type: 'dns' as const, value }))])] : []),
      await x509.AuthorityKeyIdentifierExtension.create(caPub),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: pem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

/** A self-signed cluster CA (for tests and a kube-only sim); Magnum's own CA comes from sim/certs.ts. */
export async function createTestCa(commonName: string, nowMs = Date.now()): Promise<ServingCert> {
  const keys = await caKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${commonName}`,
    notBefore: new Date(nowMs - DAY_MS),
    notAfter: new Date(nowMs + 1825 * DAY_MS),
    keys,
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: pem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

/** Signs a CSR with the CA the way Magnum does (subject kept, issuer = the CA); for tests and a kube-only sim. */
export async function signCsrWithCa(caCertPem: string, caKeyPem: string, csrPem: string, nowMs = Date.now()): Promise<string> {
  const ca = new x509.X509Certificate(caCertPem);
  const caKey = await importSigningKey(caKeyPem);
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  if (!(await csr.verify())) throw new Error('Invalid CSR: the signature does not verify');
  const publicKey = await csr.publicKey.export(crypto as never);
  const serial = Buffer.from(crypto.getRandomValues(new Uint8Array(16)));
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString('hex'),
    subject: csr.subject,
    issuer: ca.subject,
    notBefore: new Date(nowMs - DAY_MS),
    notAfter: new Date(nowMs + 1825 * DAY_MS),
    signingAlgorithm: RSA,
    publicKey,
    signingKey: caKey,
    extensions: [await x509.SubjectKeyIdentifierExtension.create(publicKey)],
  });
  return cert.toString('pem').trim();
}
