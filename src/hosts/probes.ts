// Core VIP probes (D-011.2): every in-scope VIP at once, one deadline each, TLS verified against
// the site CA bundle (insecure only when the site says so, and then reported as insecure).
// 2xx and 3xx pass (the runbook expects 200/300; a 3xx is not followed, as `curl -sk` does not).
// outOfScopeEndpoints are listed and never contacted (DOCFIX-039: gss has no jumphost route).

import { retryIfInconclusive, timedTry } from '../core/stall.js';
import type { TlsTrust } from './http-get.js';
import { batchSignal, describeNetError, httpGet } from './http-get.js';

export interface VipProbe {
  readonly name: string;
  readonly url: string;
  readonly ok: boolean;
  readonly status: number | undefined;
  readonly error: string | undefined;
  readonly elapsedMs: number;
  readonly insecure: boolean;
  /**
   * The probe timed out while this machine stalled for much of its deadline, on its first try and
   * on its retry: the jumphost was measured, not the VIP (inconclusive, never the VIP's failure).
   */
  readonly inconclusive?: boolean;
  /** How long this process could not run while the (last) probe waited, when it mattered (ms). */
  readonly stalledMs?: number;
  /** The first try timed out on a stalled machine and was retried; what it said. */
  readonly retriedAfter?: string;
}

export interface OutOfScope {
  readonly name: string;
  readonly url: string;
  readonly reason: string;
  readonly probed: false;
}

export interface VipProbeReport {
  readonly probes: readonly VipProbe[];
  readonly outOfScope: readonly OutOfScope[];
  readonly insecure: boolean;
}

export interface VipProber {
  probeAll(signal: AbortSignal): Promise<VipProbeReport>;
}

export function isPassingStatus(status: number): boolean {
  return status >= 200 && status < 400;
}

export function createVipProber(o: {
  vips: readonly { name: string; url: string }[];
  outOfScope: readonly { name: string; url: string; reason: string }[];
  trust: () => TlsTrust;
  timeoutMs: number;
}): VipProber {
  const probeWith = async (signal: AbortSignal): Promise<VipProbeReport> => {
    const outOfScope = o.outOfScope.map((e) => ({ name: e.name, url: e.url, reason: e.reason, probed: false as const }));
    let trust: TlsTrust;
    try {
      trust = o.trust();
    } catch (e) {
      const error = describeNetError(e);
      return { probes: o.vips.map((v) => ({ name: v.name, url: v.url, ok: false, status: undefined, error, elapsedMs: 0, insecure: false })), outOfScope, insecure: false };
    }
    const once = async (v: { name: string; url: string }): Promise<VipProbe> => {
      const started = Date.now();
      return timedTry(
        o.timeoutMs,
        async (): Promise<VipProbe> => {
          const r = await httpGet(v.url, { trust, timeoutMs: o.timeoutMs, maxBodyBytes: 4096 }, signal);
          return { name: v.name, url: v.url, ok: isPassingStatus(r.status), status: r.status, error: undefined, elapsedMs: r.elapsedMs, insecure: trust.insecure };
        },
        (e, spoiled): VipProbe => {
          if (signal.aborted) throw e;
          return { name: v.name, url: v.url, ok: false, status: undefined, error: describeNetError(e), elapsedMs: Date.now() - started, insecure: trust.insecure, ...spoiled };
        },
      );
    };
    // A deadline spent on this machine, not the network: once more, with a fresh deadline.
    const probes = await Promise.all(
      o.vips.map((v) =>
        retryIfInconclusive(
          () => once(v),
          (again, first): VipProbe => ({ ...again, retriedAfter: `${first.error ?? 'no answer'} while this machine stalled ${first.stalledMs}ms` }),
        ),
      ),
    );
    return { probes, outOfScope, insecure: trust.insecure };
  };
  return {
    async probeAll(parent) {
      const { signal, dispose } = batchSignal(parent);
      try {
        return await probeWith(signal);
      } finally {
        dispose();
      }
    },
  };
}
