// Node-level appendix-A patterns: workers holding the CAPI uninitialized taint (the CCM has not
// initialized them, typically while the management API was down after the mgmt VM OOM) and
// reserved-host-memory below 8192 on the compute hosts (D-040, the root cause of that OOM).

import { runCommand } from '../hosts/index.js';
import { KubeClient, UNINITIALIZED_TAINT, kubeconfigUsable, nodeRow } from '../kube/index.js';
import { CAPTURED } from '../report/captured-keys.js';
import type { Diagnosis, Playbook, RemediationAction } from './playbook.js';

export const uninitializedTaint: Playbook = {
  id: 'uninitialized-taint',
  title: 'Workers holding the CAPI uninitialized taint (add-ons do not schedule)',
  decisions: ['appendix-A uninitialized-taint', 'D-041'],
  source: 'workers held the CAPI uninitialized taint until the mgmt API returned, then addons scheduled.',
  async detect(ctx): Promise<Diagnosis> {
    const path = ctx.services.kube.workloadKubeconfig ?? ctx.captured(CAPTURED.kubeconfig);
    if (!path || !kubeconfigUsable(path)) return { playbook: this.id, found: false, evidence: 'no usable workload kubeconfig (8.3 makes one in a run); not checked' };
    const nodes = (await KubeClient.fromFile(path).listNodes(ctx.signal)).map(nodeRow);
    const tainted = nodes.filter((n) => n.taints.some((t) => t.startsWith(UNINITIALIZED_TAINT)));
    if (!tainted.length) return { playbook: this.id, found: false, evidence: `${nodes.length} nodes, none tainted ${UNINITIALIZED_TAINT}` };
    return {
      playbook: this.id,
      found: true,
      evidence: `${tainted.length} of ${nodes.length} nodes carry ${UNINITIALIZED_TAINT}: ${tainted.map((n) => n.name).join(', ')}`,
      remedy: 'The OpenStack CCM removes the taint once it initializes the node; it cannot while the management API is down. Bring the mgmt VM back first (mgmt-oom playbook, D-041), then the taint clears and the add-ons schedule. Do not remove the taint by hand.',
    };
  },
};

export const reservedHostMemory: Playbook = {
  id: 'reserved-host-memory',
  rerunsStep: true,
  title: 'reserved-host-memory below 8192 on compute hosts (D-040)',
  decisions: ['D-040', 'D-041'],
  source: 'Root remediation: D-040 reserved-host-memory 512 -> 8192.',
  async detect(ctx): Promise<Diagnosis> {
    const want = ctx.site.site.reservedHostMemoryMb;
    const r = await ctx.services.hosts.juju.reservedHostMemory(ctx.signal);
    const low = r.units.filter((u) => u.valueMb !== undefined && u.valueMb < want);
    const each = r.units.map((u) => `${u.unit}=${u.valueMb ?? '?'}`).join(', ');
    if (!low.length) return { playbook: this.id, found: false, evidence: `${r.application}: ${each || 'no units'}` };
    const cmd = `${ctx.site.site.juju.binary} config -m ${ctx.site.site.juju.model} ${r.application} reserved-host-memory=${want}`;
    return {
      playbook: this.id,
      found: true,
      evidence: `${low.length} of ${r.units.length} ${r.application} units below ${want}: ${each}`,
      remedy: `D-040: ${cmd} (nova-compute restarts; guests keep running). The hardened bundle bakes it in; a site without it over-commits and the kernel OOM-kills guests.`,
      plan: [cmd, 'read reserved_host_memory_mb again on every unit'],
    };
  },
  async remediate(ctx): Promise<RemediationAction[]> {
    const want = ctx.site.site.reservedHostMemoryMb;
    const before = await ctx.services.hosts.juju.reservedHostMemory(ctx.signal);
    if (before.units.every((u) => u.valueMb !== undefined && u.valueMb >= want)) return [{ action: `already ${want} or more on every unit`, ok: true }];
    const j = ctx.site.site.juju;
    ctx.say(`juju config -m ${j.model} ${before.application} reserved-host-memory=${want}`);
    const r = await runCommand(j.binary, ['config', '-m', j.model, before.application, `reserved-host-memory=${want}`], { env: ctx.services.env, timeoutMs: 120_000 }, ctx.signal);
    const actions: RemediationAction[] = [{ action: `juju config ${before.application} reserved-host-memory=${want} (exit ${r.code})`, ok: r.code === 0 }];
    if (r.code !== 0) return actions;
    const after = await ctx.services.hosts.juju.reservedHostMemory(ctx.signal);
    const low = after.units.filter((u) => u.valueMb === undefined || u.valueMb < want);
    actions.push({ action: low.length ? `still below ${want}: ${low.map((u) => `${u.unit}=${u.valueMb ?? '?'}`).join(', ')} (the charm may still be applying it)` : `every unit reads ${want}`, ok: low.length === 0 });
    return actions;
  },
};

export const cniLabel: Playbook = {
  id: 'cni-label',
  title: 'Template CNI labels that contradict network_driver calico (appendix-A CNI-label)',
  decisions: ['appendix-A CNI-label', 'DOCFIX-032'],
  source: 'DOCFIX-032: --network-driver calico pinned on the template; chart 0.25.1 ships only Calico.',
  async detect(ctx): Promise<Diagnosis> {
    const os = await ctx.services.openstack(ctx.signal);
    const t = await os.magnum.findTemplate(os.tenant, ctx.site.site.template.name, ctx.signal);
    if (!t) return { playbook: this.id, found: false, evidence: `template ${ctx.site.site.template.name} not present` };
    const labels = Object.entries(t.labels);
    const cni = labels.filter(([k]) => /^(cni|network_driver|flannel|cilium|calico)/i.test(k));
    const contradicting = cni.filter(([k, v]) => /flannel|cilium/i.test(`${k}=${v}`) || (/^(cni|network_driver)$/i.test(k) && v !== 'calico'));
    return {
      playbook: this.id,
      found: contradicting.length > 0,
      evidence: `template ${t.name}: network_driver=${t.networkDriver ?? '(unset)'}; CNI labels: ${cni.map(([k, v]) => `${k}=${v}`).join(', ') || 'none'}`,
      ...(contradicting.length ? { remedy: `Remove the labels ${contradicting.map(([k]) => k).join(', ')}: the chart installs Calico only, and a label asking for another CNI leaves the nodes NotReady. Recreate the template with --network-driver calico (8.0 does) and the cluster from it.` } : {}),
    };
  },
};
