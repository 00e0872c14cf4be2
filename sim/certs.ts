// Magnum's per-cluster CA (magnum/common/x509/operations.py): generated at cluster create,
// handed out by GET /v1/certificates/{cluster}, and used to sign the client CSR of
// `coe cluster config` (subject kept, SubjectKeyIdentifier added, issuer = the CA, CN = the
// cluster name). The private key stays here so a simulated Kubernetes API can serve TLS with it.

import { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import '../src/core/reflect-polyfill.js';
import * as x509 from '@peculiar/x509';
import { RSA, caKeyPair, leafKeyPair } from './keys.js';

const crypto = webcrypto;
x509.cryptoProvider.set(crypto as never);

const DAY_MS = 86_400_000;

export interface ClusterCa {
  readonly clusterUuid: string;
  readonly subject: string;
  /** The CA certificate, PEM, no trailing newline (as Magnum returns it). */
  readonly certPem: string;
  /** The CA private key, PKCS#8 PEM. Never logged, never in /_sim/state. */
  readonly keyPem: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly cert: x509.X509Certificate;
}

function serial(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[0] = (b[0] ?? 0) & 0x7f; // positive
  return Buffer.from(b).toString('hex');
}

function pemOf(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----`;
}

function escapeDn(v: string): string {
  return v.replace(/([,+"\\<>;=])/g, '\\$1');
}

export async function createClusterCa(clusterUuid: string, clusterName: string, nowMs: number, validityDays = 1825): Promise<ClusterCa> {
  // Its own key (distinct from every other CA of this simulator), from the key pool (sim/keys.ts).
  const keys: CryptoKeyPair = await caKeyPair();
  const subject = `CN=${escapeDn(clusterName)}`;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: subject,
    notBefore: new Date(nowMs - DAY_MS),
    notAfter: new Date(nowMs + validityDays * DAY_MS),
    keys,
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const keyPem = pemOf('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { clusterUuid, subject, certPem: cert.toString('pem').trim(), keyPem, privateKey: keys.privateKey, publicKey: keys.publicKey, cert };
}

export class CsrError extends Error {}

/** Signs a PEM CSR with the cluster CA; returns the certificate PEM without a trailing newline. */
export async function signCsr(ca: ClusterCa, csrPem: string, nowMs: number, validityDays = 1825): Promise<string> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (err) {
    throw new CsrError(`Invalid CSR: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!(await csr.verify())) throw new CsrError('Invalid CSR: the signature does not verify');
  const publicKey = await csr.publicKey.export(crypto as never);
  // Extensions Magnum allows through from a CSR (x509 allowed_extensions); the rest are dropped.
  const allowed = new Set(['2.5.29.15', '2.5.29.37', '2.5.29.17', '2.5.29.19']);
  const kept = csr.extensions.filter((e) => allowed.has(e.type));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: csr.subject,
    issuer: ca.cert.subject,
    notBefore: new Date(nowMs - DAY_MS),
    notAfter: new Date(nowMs + validityDays * DAY_MS),
    signingAlgorithm: RSA,
    publicKey,
    signingKey: ca.privateKey,
    extensions: [
      ...kept,
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey),
    ],
  });
  return cert.toString('pem').trim();
}

/** Issues a server certificate (e.g. for a simulated kube-apiserver) with IP and DNS SANs; its key is the process's leaf key (sim/keys.ts). */
export async function issueServerCert(ca: ClusterCa, commonName: string, ips: string[], dns: string[], nowMs: number): Promise<{ certPem: string; keyPem: string }> {
  const keys = await leafKeyPair();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${escapeDn(commonName)}`,
    issuer: ca.cert.subject,
    notBefore: new Date(nowMs - DAY_MS),
    notAfter: new Date(nowMs + 365 * DAY_MS),
    signingAlgorithm: RSA,
    publicKey: keys.publicKey,
    signingKey: ca.privateKey,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([...ips.map((value) => ({ type: 'ip' as const, value })), ...dns.map((value) => ({ type: 'dns' as const, value }))]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey),
    ],
  });
  const keyPem = pemOf('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { certPem: cert.toString('pem').trim(), keyPem };
}
