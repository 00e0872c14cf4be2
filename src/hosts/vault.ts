// Vault (D-011.6): GET /v1/sys/seal-status on every unit (api-notes §9; unauthenticated, always
// 200, sealed or not). Read-only by design: capi-gate never asks for, reads or sends an unseal
// key share; unsealing stays the operator's manual procedure (phase-02).

import { z } from 'zod';
import { retryIfInconclusive, timedTry } from '../core/stall.js';
import type { TlsTrust } from './http-get.js';
import { batchSignal, describeNetError, httpGet } from './http-get.js';

const sealStatusSchema = z.looseObject({
  type: z.string().optional(),
  initialized: z.boolean(),
  sealed: z.boolean(),
  t: z.number().int(),
  n: z.number().int(),
  progress: z.number().int().default(0),
  version: z.string().optional(),
  cluster_name: z.string().optional(),
  storage_type: z.string().optional(),
});

export type SealStatus = z.output<typeof sealStatusSchema>;

export type VaultUnitResult =
  | { readonly url: string; readonly ok: true; readonly seal: SealStatus; readonly insecure: boolean; readonly elapsedMs: number }
  | {
    readonly url: string; readonly ok: false; readonly error: string; readonly insecure: boolean;
    /** Timed out twice while this machine stalled for much of the deadline: the unit was not measured. */
    readonly inconclusive?: boolean;
    readonly stalledMs?: number;
  };

export interface VaultClient {
  readonly units: readonly string[];
  sealStatus(signal: AbortSignal): Promise<VaultUnitResult[]>;
}

export function sealStatusUrl(unit: string): string {
  return new URL('/v1/sys/seal-status', unit.endsWith('/') ? unit : unit + '/').toString();
}

export function createVaultClient(o: { units: readonly string[]; trust: () => TlsTrust; timeoutMs: number }): VaultClient {
  return {
    units: o.units,
    async sealStatus(parent) {
      const { signal, dispose } = batchSignal(parent);
      try {
        return await Promise.all(
        o.units.map(async (unit): Promise<VaultUnitResult> => {
          let trust: TlsTrust;
          try {
            trust = o.trust();
          } catch (e) {
            return { url: unit, ok: false, error: describeNetError(e), insecure: false };
          }
          const once = (): Promise<VaultUnitResult> =>
            timedTry(
              o.timeoutMs,
              async (): Promise<VaultUnitResult> => {
                const r = await httpGet(sealStatusUrl(unit), { trust, timeoutMs: o.timeoutMs, headers: { accept: 'application/json' } }, signal);
                if (r.status !== 200) return { url: unit, ok: false, error: `HTTP ${r.status} from seal-status: ${r.body.toString('utf8').slice(0, 200)}`, insecure: trust.insecure };
                let json: unknown;
                try {
                  json = JSON.parse(r.body.toString('utf8'));
                } catch {
                  return { url: unit, ok: false, error: `seal-status answered non-JSON: ${r.body.toString('utf8').slice(0, 120)}`, insecure: trust.insecure };
                }
                const parsed = sealStatusSchema.safeParse(json);
                if (!parsed.success) return { url: unit, ok: false, error: `seal-status JSON lacks ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`, insecure: trust.insecure };
                return { url: unit, ok: true, seal: parsed.data, insecure: trust.insecure, elapsedMs: r.elapsedMs };
              },
              (e, spoiled) => {
                if (signal.aborted) throw e;
                return { url: unit, ok: false, error: describeNetError(e), insecure: trust.insecure, ...spoiled };
              },
            );
          // A deadline spent on this machine, not the network: once more with a fresh one.
          return retryIfInconclusive(once);
        }),
        );
      } finally {
        dispose();
      }
    },
  };
}
