// D-011.2: API reachability from the jumphost -- `curl -sk https://VIP:PORT/... -w '%{http_code}'`
// per core VIP, expect 200/300. Runbook section D_011_2; decisions D-011, DOCFIX-039 (gss is not a
// core VIP: listed, never probed). Unlike `curl -k`, TLS is verified against the site CA bundle.

import { defineStep } from '../engine/index.js';
import type { VipProbe, VipProbeReport } from '../hosts/index.js';
import type { Phase08Services } from './services.js';
import { D_011_2 } from './runbook-text.js';
import { WHILE_CONVERGING } from './ordering.js';

function line(p: VipProbe): string {
  const stalled = p.inconclusive ? ` (INCONCLUSIVE: this machine stalled ${p.stalledMs}ms of it)` : '';
  const retried = p.retriedAfter ? ` [retried: the first try ${p.retriedAfter}]` : '';
  return `${p.name} ${p.url} -> ${p.status !== undefined ? `HTTP ${p.status}` : p.error ?? 'no answer'}${p.error && p.status !== undefined ? ` (${p.error})` : ''} ${p.elapsedMs}ms${stalled}${retried}`;
}

export const step = defineStep<Phase08Services, VipProbeReport>({
  id: 'D-011.2',
  title: 'API reachability from the jumphost (core service VIPs)',
  kind: 'read',
  needs: [],
  after: WHILE_CONVERGING,
  decisions: ['D-011', 'DOCFIX-039'],
  runbook: D_011_2,
  item: 'D-011.2',
  deadlines: ['probe'],
  body: async (ctx) => {
    const r = await ctx.services.hosts.vips.probeAll(ctx.signal);
    ctx.evidence.write('core-vips.txt', [
      ...r.probes.map(line),
      ...r.outOfScope.map((o) => `${o.name} ${o.url} -> not probed: ${o.reason}`),
      r.insecure ? 'TLS NOT VERIFIED (site tls.insecure: true)' : 'TLS verified against the site CA bundle',
    ].join('\n') + '\n');
    return r;
  },
  gate: (r) => {
    const bad = r.probes.filter((p) => !p.ok);
    const tls = r.insecure ? ' -- INSECURE: TLS not verified (site tls.insecure)' : '';
    const oos = r.outOfScope.length ? `; out of scope, not probed: ${r.outOfScope.map((o) => o.name).join(', ')} (DOCFIX-039)` : '';
    const details = {
      insecure: r.insecure,
      probes: r.probes.map((p) => ({
        name: p.name, url: p.url, ok: p.ok, status: p.status ?? null, error: p.error ?? null, elapsedMs: p.elapsedMs,
        ...(p.inconclusive ? { inconclusive: true, stalledMs: p.stalledMs ?? null } : {}),
        ...(p.retriedAfter ? { retriedAfter: p.retriedAfter } : {}),
      })),
      outOfScope: r.outOfScope,
    };
    if (bad.length === 0) {
      return { status: 'PASS', summary: `all ${r.probes.length} core VIPs answered 2xx/3xx${tls}${oos}`, details };
    }
    const failed = bad.filter((p) => !p.inconclusive);
    if (failed.length === 0) {
      // Every probe that did not pass timed out twice while this machine itself stalled for much
      // of the deadline: the VIPs were not measured, and saying they failed would be untrue.
      return {
        status: 'ERROR',
        summary: `inconclusive: ${bad.length} of ${r.probes.length} core VIP probes timed out while this machine stalled (twice each): ${bad.map(line).join('; ')}${tls}${oos}`,
        hint: 'The jumphost was too busy to measure a 6 s deadline (its own process could not run for much of it). Rerun D-011.2 when it is quieter (capi-gate run --only D-011.2), or with fewer acceptances at once.',
        details,
      };
    }
    const tlsBad = bad.some((p) => /CERT|certificate|SELF_SIGNED|ALTNAME|UNABLE_TO_(GET|VERIFY)/i.test(p.error ?? ''));
    return {
      status: 'FAIL',
      summary: `${failed.length} of ${r.probes.length} core VIPs failed: ${failed.map(line).join('; ')}${failed.length < bad.length ? `; inconclusive (this machine stalled): ${bad.filter((p) => p.inconclusive).map(line).join('; ')}` : ''}${tls}${oos}`,
      hint: tlsBad
        ? 'A TLS failure: tls.caBundle must hold the CA that signs the VIP certificates (the Vault PKI CA on a charmed OpenStack), and the certificate must name the VIP address.'
        : 'Check the VIP on its hacluster/haproxy units (juju status -m MODEL APP; crm status on a unit) and the service behind it; 4xx/5xx is a service answering wrongly, a timeout or refusal is the VIP itself.',
      details,
    };
  },
});
