// TLS for the one transport: a CA bundle (PEM text) and an insecure flag. The dispatcher is
// injectable so tests use undici's MockAgent with disableNetConnect().

import { readFileSync } from 'node:fs';
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import { CapiGateError } from '../core/errors.js';

export interface TlsOptions {
  /** PEM text of the CA bundle that signs the endpoints (not a path; see readCaBundle). */
  readonly ca?: string | Buffer;
  /** Skip certificate verification (clouds.yaml `verify: false`, site tls.insecure). */
  readonly insecure?: boolean;
}

export interface AgentOptions {
  readonly tls?: TlsOptions;
  readonly connectTimeoutMs?: number;
  readonly keepAliveTimeoutMs?: number;
}

export function createDispatcher(options: AgentOptions = {}): Dispatcher {
  const { tls = {}, connectTimeoutMs = 10_000, keepAliveTimeoutMs = 4_000 } = options;
  return new Agent({
    connect: {
      ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
      rejectUnauthorized: tls.insecure !== true,
      timeout: connectTimeoutMs,
    },
    keepAliveTimeout: keepAliveTimeoutMs,
    keepAliveMaxTimeout: keepAliveTimeoutMs * 2,
  });
}

/** Reads a PEM bundle; the error names the file and the setting it came from. */
export function readCaBundle(path: string, from: string): string {
  try {
    const pem = readFileSync(path, 'utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new CapiGateError('CAPI_GATE_CREDENTIALS', `${from}: ${path} holds no PEM certificate`, {
        hint: 'Point it at a PEM bundle (-----BEGIN CERTIFICATE-----).',
      });
    }
    return pem;
  } catch (e) {
    if (e instanceof CapiGateError) throw e;
    throw new CapiGateError('CAPI_GATE_CREDENTIALS', `${from}: cannot read CA bundle ${path}`, {
      hint: 'Check the path and its permissions.',
      cause: e,
    });
  }
}
