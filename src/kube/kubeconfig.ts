// The workload kubeconfig, built the way `openstack coe cluster config` builds it (api-notes
// §3.6): an RSA-2048 key, a CSR with subject CN=admin, O=system:masters signed with SHA-256,
// the cluster CA from GET /v1/certificates/{cluster}, the client certificate from POST
// /v1/certificates, and the api_address. The private key is registered with the redactor the
// moment it exists as text (a key prepared ahead is a KeyObject until then); it is only ever
// written into a 0600 file.

import { createPrivateKey, createPublicKey, generateKeyPair, webcrypto } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import '../core/reflect-polyfill.js';
import * as x509 from '@peculiar/x509';
import { stringify } from 'yaml';
import { CapiGateError, isAbortError } from '../core/errors.js';
import { redactor } from '../core/redact.js';

const generateKeyPairAsync = promisify(generateKeyPair);
const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/** Magnum's certificates API, as the kubeconfig needs it. The integrator adapts the Magnum client. */
export interface CertificateSigner {
  /** GET /v1/certificates/{cluster}: the cluster CA, PEM. `cluster` is the uuid (or the name). */
  getCa(cluster: string, signal: AbortSignal): Promise<string>;
  /** POST /v1/certificates {cluster_uuid, csr}: the signed client certificate, PEM. */
  signCsr(cluster: string, csrPem: string, signal: AbortSignal): Promise<string>;
}

export interface ClientKey {
  /** "-----BEGIN RSA PRIVATE KEY-----" (PKCS#1), as magnumclient writes it. */
  readonly keyPem: string;
  readonly csrPem: string;
}

function checkAbort(signal: AbortSignal): void {
  if (signal.aborted) throw new CapiGateError('CAPI_GATE_ABORTED', 'interrupted while building the workload kubeconfig', { cause: signal.reason });
}

/** A new RSA-2048 private key (e 65537), as magnumclient makes one. */
async function newRsaKey(): Promise<KeyObject> {
  return (await generateKeyPairAsync('rsa', { modulusLength: 2048, publicExponent: 0x10001 })).privateKey;
}

let prepared: Promise<KeyObject> | undefined;

/**
 * Starts making the next client key now, off the critical path: 8.2 calls it while the cluster
 * converges (an RSA-2048 key costs ~0.1 CPU-s; a fleet of runs reaching CREATE_COMPLETE together
 * would otherwise all pay it at once). The next generateClientKey takes it, once; a failure here
 * only means that call makes its own.
 */
export function prepareClientKey(): Promise<string> {
  const p = (prepared ??= newRsaKey());
  p.catch(() => undefined);
  // The public half (SPKI PEM), so a caller can tell which key the next CSR carries.
  return p.then((k) => createPublicKey(k).export({ type: 'spki', format: 'pem' }).toString());
}

async function takeKey(): Promise<KeyObject> {
  const p = prepared;
  prepared = undefined;
  if (p) {
    try {
      return await p;
    } catch {
      // made below instead
    }
  }
  return newRsaKey();
}

/** An RSA-2048 key (e 65537) and a SHA-256 CSR for CN=admin, O=system:masters, no extensions. */
export async function generateClientKey(signal: AbortSignal, subject = { cn: 'admin', o: 'system:masters' }): Promise<ClientKey> {
  checkAbort(signal);
  const privateKey = await takeKey();
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  redactor.add(keyPem);
  redactor.add(keyPem.trim());
  checkAbort(signal);
  const pkcs8 = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' });
  const subtle = webcrypto.subtle;
  const signing = await subtle.importKey('pkcs8', pkcs8, RSA, true, ['sign']);
  const jwk = await subtle.exportKey('jwk', signing);
  const verify = await subtle.importKey('jwk', { kty: jwk.kty, n: jwk.n, e: jwk.e, alg: 'RS256', ext: true }, RSA, true, ['verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${subject.cn}, O=${subject.o}`,
    keys: { privateKey: signing, publicKey: verify },
    signingAlgorithm: RSA,
  }, webcrypto as never);
  return { keyPem, csrPem: csr.toString('pem') };
}

export interface KubeconfigParts {
  /** The kubeconfig cluster entry's name: the Magnum cluster name. */
  readonly clusterName: string;
  /** api_address as Magnum reports it: https://host:port. */
  readonly server: string;
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly user?: string;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** The file magnumclient writes (api-notes §3.6): one cluster, context `default`, user `admin`. */
export function renderKubeconfig(p: KubeconfigParts): string {
  const user = p.user ?? 'admin';
  return stringify({
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': b64(p.caPem), server: p.server }, name: p.clusterName }],
    contexts: [{ context: { cluster: p.clusterName, user }, name: 'default' }],
    'current-context': 'default',
    kind: 'Config',
    preferences: {},
    users: [{ name: user, user: { 'client-certificate-data': b64(p.certPem), 'client-key-data': b64(p.keyPem) } }],
  });
}

export function checkApiAddress(apiAddress: string | null | undefined, cluster: string): string {
  if (!apiAddress) {
    throw new CapiGateError('CAPI_GATE_PRECONDITION', `the api_address of cluster ${cluster} is not known yet`, {
      hint: 'Run 8.2 (it captures api_address once the cluster is CREATE_COMPLETE) in the same run, or give an existing kubeconfig.',
    });
  }
  let u: URL;
  try {
    u = new URL(apiAddress);
  } catch {
    throw new CapiGateError('CAPI_GATE_BAD_RESPONSE', `api_address ${JSON.stringify(apiAddress)} of cluster ${cluster} is not a URL`, { hint: 'Magnum reports api_address as https://HOST:PORT.' });
  }
  if (u.protocol !== 'https:') throw new CapiGateError('CAPI_GATE_BAD_RESPONSE', `api_address ${apiAddress} of cluster ${cluster} is not https`);
  return apiAddress.replace(/\/+$/, '');
}

export interface MagnumKubeconfigRequest {
  /** The cluster uuid (as the certificates API wants it); the name works for GET. */
  readonly cluster: string;
  readonly clusterName: string;
  readonly apiAddress: string | null | undefined;
  readonly signer: CertificateSigner;
  readonly signal: AbortSignal;
}

/** Builds the kubeconfig text; the caller writes it with mode 0600. */
export async function kubeconfigFromMagnum(r: MagnumKubeconfigRequest): Promise<string> {
  const server = checkApiAddress(r.apiAddress, r.clusterName);
  const key = await generateClientKey(r.signal);
  let caPem: string;
  let certPem: string;
  try {
    caPem = await r.signer.getCa(r.cluster, r.signal);
    certPem = await r.signer.signCsr(r.cluster, key.csrPem, r.signal);
  } catch (e) {
    if (isAbortError(e) || r.signal.aborted) throw new CapiGateError('CAPI_GATE_ABORTED', 'interrupted while signing the workload client certificate', { cause: e });
    throw e;
  }
  if (!/-----BEGIN CERTIFICATE-----/.test(caPem)) throw new CapiGateError('CAPI_GATE_BAD_RESPONSE', `Magnum certificates: the CA of ${r.clusterName} is not a PEM certificate`);
  if (!/-----BEGIN CERTIFICATE-----/.test(certPem)) throw new CapiGateError('CAPI_GATE_BAD_RESPONSE', `Magnum certificates: the signed certificate for ${r.clusterName} is not a PEM certificate`);
  return renderKubeconfig({ clusterName: r.clusterName, server, caPem, certPem, keyPem: key.keyPem });
}
