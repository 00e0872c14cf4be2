// 8.0 prerequisites the APIs can show: provider-ext exists (phase-04), Octavia answers (phase-05),
// the keypair and both flavors exist and meet the driver's minimums, and the cluster creator holds
// load-balancer_member (D-039: the driver copies the creator's roles into the cluster's app-cred
// at create time, so a role granted later does not heal an existing cluster: check before 8.1).

import { defineStep } from '../engine/index.js';
import { toCapiGateError } from '../core/errors.js';
import type { Check } from './checks.js';
import { gateChecks } from './checks.js';
import type { Phase08Services } from './services.js';
import { PREREQUISITES } from './runbook-text.js';

async function attempt(name: string, fn: () => Promise<Check>): Promise<Check> {
  try {
    return await fn();
  } catch (e) {
    const err = toCapiGateError(e);
    // A 403 is an answer (a verdict on the roles); anything else that failed means we could not tell.
    const status = (e as { status?: unknown }).status;
    return { name, ok: false, observed: `${err.code}: ${err.message.split('\n')[0]}`, ...(err.hint ? { hint: err.hint } : {}), ...(status === 403 ? {} : { error: true }) };
  }
}

export const step = defineStep<Phase08Services, Check[]>({
  id: '8.0.prereqs',
  title: 'Entry prerequisites the APIs can show (provider-ext, Octavia, keypair, flavors, D-039 roles)',
  kind: 'read',
  needs: [],
  decisions: ['phase-04', 'phase-05', 'D-039'],
  runbook: PREREQUISITES,
  precondition: true,
  body: async (ctx) => {
    const os = await ctx.services.openstack(ctx.signal);
    const s = ctx.site.site;
    const sig = ctx.signal;
    // Both flavor checks read one flavor list.
    let flavors: ReturnType<typeof os.nova.listFlavors> | undefined;
    const flavorList = () => (flavors ??= os.nova.listFlavors(os.tenant, sig));
    const checks = await Promise.all([
      attempt('external network', async () => {
        const net = await os.neutron.findNetworkByName(os.tenant, s.externalNetwork, sig);
        if (!net) return { name: 'external network', ok: false, observed: `${s.externalNetwork} not found`, hint: 'phase-04 must create the provider network; the API LB FIP and node FIPs come from it.' };
        return { name: 'external network', ok: net.external, observed: `${net.name} ${net.id}${net.external ? ' (router:external)' : ' is NOT router:external'}`, ...(net.external ? {} : { hint: 'Mark the provider network external (phase-04).' }) };
      }),
      attempt('octavia', async () => {
        // An infrastructure check (phase-05), made admin-scoped: the creator's own roles are checked below.
        const lbs = await os.octavia.listLoadBalancers(os.admin, { projectId: os.projectId }, sig);
        return { name: 'octavia', ok: true, observed: `answers (${lbs.length} load balancers in the project)` };
      }),
      attempt('keypair', async () => {
        const kp = await os.nova.findKeypair(os.tenant, s.keypair, sig);
        return kp
          ? { name: 'keypair', ok: true, observed: `${kp.name} present` }
          : { name: 'keypair', ok: false, observed: `${s.keypair} not found for the cluster creator`, hint: 'Keypairs belong to a user: create it as the user in the tenant cloud entry.' };
      }),
      ...(['master', 'worker'] as const).map((role) =>
        attempt(`${role} flavor`, async () => {
          const want = s.flavors[role];
          const f = (await flavorList()).find((x) => x.name === want.name);
          if (!f) return { name: `${role} flavor`, ok: false, observed: `${want.name} not found`, hint: 'Create the flavors of the site file (ENV(flavors)).' };
          const ok = f.ramMb >= want.minRamMb && f.vcpus >= want.minVcpus;
          return { name: `${role} flavor`, ok, observed: `${f.name} ${f.ramMb} MB / ${f.vcpus} vCPU (minimum ${want.minRamMb} MB / ${want.minVcpus})`, ...(ok ? {} : { hint: `Flavor ${f.name} is below the driver's minimum.` }) };
        }),
      ),
      attempt('cluster creator roles', async () => {
        const me = await os.keystone.whoAmI(os.tenant, sig);
        const missing = s.clusterCreatorRoles.filter((r) => !me.roles.includes(r));
        return {
          name: 'cluster creator roles',
          ok: missing.length === 0,
          observed: `${me.userName ?? me.userId} holds ${me.roles.join(', ') || 'no roles'} on the project${missing.length ? `; missing ${missing.join(', ')}` : ''}`,
          ...(missing.length ? { hint: 'D-039: grant the missing roles BEFORE 8.1: the driver copies the creator\'s roles into the cluster app-cred at create time; granting later does not heal an existing cluster.', playbook: 'app-cred-roles' } : {}),
        };
      }),
    ]);
    ctx.evidence.write('prerequisites.json', checks);
    return checks;
  },
  gate: (checks) => gateChecks(checks, 'provider-ext, Octavia, keypair, flavors and the creator\'s roles are in place'),
});
