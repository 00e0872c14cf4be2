// 8.0 template: present, or created with the runbook's flags and `--network-driver calico` pinned
// (DOCFIX-032: chart 0.25.1 ships only Calico; a flannel template never converges and is refused).

import { defineStep } from '../engine/index.js';
import type { ClusterTemplate } from '../openstack/index.js';
import { oldestTemplate } from '../openstack/index.js';
import { CAPTURED } from '../report/captured-keys.js';
import type { Check } from './checks.js';
import { gateChecks } from './checks.js';
import type { Phase08Services } from './services.js';
import { STEP_8_0_TEMPLATE } from './runbook-text.js';

interface Observed {
  readonly template: ClusterTemplate;
  readonly created: boolean;
  /** Another template of the same name, made by a concurrent run, that this run created alongside and does not use. */
  readonly duplicate: string | undefined;
  readonly checks: Check[];
}

export const step = defineStep<Phase08Services, Observed>({
  id: '8.0.template',
  title: 'Cluster template present, or created with --network-driver calico',
  kind: 'mutation',
  needs: ['8.0.image'],
  decisions: ['DOCFIX-032'],
  runbook: STEP_8_0_TEMPLATE,
  body: async (ctx) => {
    const os = await ctx.services.openstack(ctx.signal);
    const s = ctx.site.site;
    const t = s.template;
    // Check-then-create races another acceptance on the same cloud (a fleet, two operators): Magnum
    // allows duplicate names, so after a create the name is listed again and every run settles on the
    // oldest template of that name (the lookup does the same when the name is already ambiguous).
    let duplicate: string | undefined;
    const { value: template, created } = await ctx.mutate({
      key: 'template',
      lookup: (signal) => os.magnum.findTemplate(os.tenant, t.name, signal),
      create: async (signal) => {
        const mine = await os.magnum.createTemplate(os.tenant, {
          name: t.name,
          coe: 'kubernetes',
          serverType: 'vm',
          image: s.image.name,
          externalNetwork: s.externalNetwork,
          masterFlavor: s.flavors.master.name,
          flavor: s.flavors.worker.name,
          masterLbEnabled: t.masterLbEnabled,
          floatingIpEnabled: t.floatingIpEnabled,
          networkDriver: t.networkDriver,
          dnsNameserver: t.dnsNameserver,
          dockerStorageDriver: t.dockerStorageDriver,
          labels: t.labels,
        }, signal);
        const same = await os.magnum.listTemplatesNamed(os.tenant, t.name, signal);
        const oldest = oldestTemplate(same.some((x) => x.uuid === mine.uuid) ? same : [...same, mine]) ?? mine;
        if (oldest.uuid !== mine.uuid) duplicate = mine.uuid;
        return oldest;
      },
      record: (v) => ({ uuid: v.uuid, name: v.name }),
    });
    ctx.capture(CAPTURED.templateUuid, template.uuid);
    ctx.evidence.write('template.json', template);
    if (duplicate) ctx.log(`a concurrent run created ${template.name} ${template.uuid} first; using it (this run's ${duplicate} is a duplicate, left in place: a cluster of another run may already use it)`, 'warn');
    else if (created) ctx.log(`created template ${template.name} ${template.uuid}`);
    const driver = template.networkDriver ?? '(unset: chart default)';
    const checks: Check[] = [
      { name: 'template', ok: true, observed: `${template.name} ${template.uuid}${duplicate ? ` (created concurrently by another run; this run's duplicate ${duplicate} is not used)` : created ? ' (created by this run)' : ' (present)'}` },
      {
        name: 'network_driver',
        ok: template.networkDriver === 'calico',
        observed: driver,
        hint: `DOCFIX-032: recreate the template with --network-driver calico (chart 0.25.1 ships only Calico; ${driver} will not converge). Delete ${template.name} first if no cluster uses it.`,
        playbook: 'flannel-template',
      },
      { name: 'master_lb_enabled', ok: template.masterLbEnabled, observed: String(template.masterLbEnabled), hint: 'The CAPI Helm driver always provisions an API LB: --master-lb-enabled.' },
    ];
    return { template, created: created && !duplicate, duplicate, checks };
  },
  gate: (o) => gateChecks(o.checks, `${o.template.name} ${o.created ? 'created' : 'present'} (${o.template.uuid}), network_driver calico`),
});
