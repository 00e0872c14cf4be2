// D-011.6: Vault unseal (MANUAL is the v1 standard) -- confirm Sealed=false now on every unit
// (GET /v1/sys/seal-status). Runbook section D_011_6; decisions D-011, phase-02.
// Decision: unsealed on every unit is PASS. The other half of the item -- the operator can
// re-unseal by hand after a reboot -- is a drill no tool can observe; it is recorded in the
// details and may be attested with `capi-gate signoff RUN D-011.6`, but it does not hold the item
// OUTSTANDING (the runbook's ACCEPTANCE SUMMARY counts .6 PASS on Sealed=false). capi-gate never
// asks for, reads or sends an unseal key share.

import { defineStep } from '../engine/index.js';
import type { VaultUnitResult } from '../hosts/index.js';
import type { Phase08Services } from './services.js';
import { D_011_6 } from './runbook-text.js';
import { WHILE_CONVERGING } from './ordering.js';

export const step = defineStep<Phase08Services, VaultUnitResult[]>({
  id: 'D-011.6',
  title: 'Vault unsealed on every unit (manual unseal is the v1 standard)',
  kind: 'read',
  needs: [],
  after: WHILE_CONVERGING,
  decisions: ['D-011', 'phase-02'],
  runbook: D_011_6,
  item: 'D-011.6',
  deadlines: ['probe'],
  body: async (ctx) => {
    const r = await ctx.services.hosts.vault.sealStatus(ctx.signal);
    ctx.evidence.write('vault-seal-status.json', r);
    return r;
  },
  gate: (units, ctx) => {
    const details = {
      units: units.map((u) => (u.ok
        ? { url: u.url, sealed: u.seal.sealed, initialized: u.seal.initialized, threshold: u.seal.t, shares: u.seal.n, progress: u.seal.progress, version: u.seal.version ?? null, insecure: u.insecure }
        : { url: u.url, error: u.error, insecure: u.insecure, ...(u.inconclusive ? { inconclusive: true, stalledMs: u.stalledMs ?? null } : {}) })),
      reUnsealDrill: `operator-attested: capi-gate signoff ${ctx.runId} D-011.6 --by NAME --note "re-unseal drilled"`,
    };
    const insecure = units.some((u) => u.insecure) ? ' -- INSECURE: TLS not verified (site tls.insecure)' : '';
    const sealed = units.filter((u): u is Extract<VaultUnitResult, { ok: true }> => u.ok && (u.seal.sealed || !u.seal.initialized));
    if (sealed.length > 0) {
      const first = sealed[0]!.seal;
      return {
        status: 'FAIL',
        summary: `Vault sealed on ${sealed.length} of ${units.length} units: ${sealed.map((u) => `${u.url} (${u.seal.initialized ? `sealed, unseal progress ${u.seal.progress}/${u.seal.t}` : 'NOT INITIALIZED'})`).join(', ')}${insecure}`,
        hint: `Unseal by hand (the v1 standard, phase-02): on each sealed unit run \`vault operator unseal\` and enter ${first.t} of the ${first.n} key shares at the hidden prompt, one per key holder. capi-gate never handles unseal keys. An uninitialized Vault is a phase-02 re-init, not an acceptance step.`,
        details,
      };
    }
    const unreachable = units.filter((u) => !u.ok);
    if (unreachable.length > 0 && unreachable.every((u) => !u.ok && u.inconclusive)) {
      return {
        status: 'ERROR',
        summary: `inconclusive: seal status not read on ${unreachable.map((u) => `${u.url} (${u.ok ? '' : `${u.error}; this machine stalled ${u.stalledMs}ms of it, twice`})`).join(', ')}${insecure}`,
        hint: 'The jumphost was too busy to measure the deadline (its own process could not run for much of it): Vault was not measured. Rerun D-011.6 when it is quieter (capi-gate run --only D-011.6), or with fewer acceptances at once.',
        details,
      };
    }
    if (unreachable.length > 0) {
      return {
        status: 'ERROR',
        summary: `seal status could not be read on ${unreachable.map((u) => `${u.url} (${u.ok ? '' : u.error})`).join(', ')}${insecure}`,
        hint: 'Check the unit address (vault.units in the site file), that port 8200 is reachable from the jumphost, and that tls.caBundle holds the CA of the Vault listener certificate.',
        details,
      };
    }
    return {
      status: 'PASS',
      summary: `Vault unsealed on all ${units.length} units (Sealed=false)${insecure}; the manual re-unseal drill is operator-attested (capi-gate signoff ${ctx.runId} D-011.6)`,
      details,
    };
  },
});
