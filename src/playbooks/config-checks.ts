// Decision-driven failures found in configuration: the creator lacking load-balancer_member
// (D-039), a flannel template (DOCFIX-032), an image without kube_version / os_distro.

import type { Diagnosis, Playbook } from './playbook.js';

export const appCredRoles: Playbook = {
  id: 'app-cred-roles',
  title: 'Application credential without load-balancer_member (D-039)',
  decisions: ['D-039', 'appendix-A stuck-delete'],
  source: 'A frozen pre-D-039 app-cred 403s on the Octavia LB step and wedges create/delete (appendix-A: stuck-delete).',
  async detect(ctx): Promise<Diagnosis> {
    const os = await ctx.services.openstack(ctx.signal);
    const me = await os.keystone.whoAmI(os.tenant, ctx.signal);
    const missing = ctx.site.site.clusterCreatorRoles.filter((r) => !me.roles.includes(r));
    const cluster = await os.magnum.findCluster(os.tenant, ctx.site.site.cluster.name, ctx.signal);
    const reason = `${cluster?.statusReason ?? ''} ${JSON.stringify(cluster?.healthStatusReason ?? {})}`;
    const wedged = cluster && /\b403\b|Forbidden|Policy does not allow/i.test(reason);
    let octavia403 = false;
    try {
      await os.octavia.listLoadBalancers(os.tenant, { projectId: os.projectId }, ctx.signal);
    } catch (e) {
      octavia403 = (e as { status?: number }).status === 403;
    }
    const found = missing.length > 0 || Boolean(wedged) || octavia403;
    const evidence = [
      `creator ${me.userName ?? me.userId} roles: ${me.roles.join(', ') || 'none'}${missing.length ? ` (missing ${missing.join(', ')})` : ''}`,
      cluster ? `cluster ${cluster.name} ${cluster.status}${wedged ? ` wedged on: ${reason.trim()}` : ''}` : 'no cluster',
      octavia403 ? 'Octavia answers 403 to the tenant' : 'Octavia answers the tenant',
    ].join('; ');
    return {
      playbook: this.id,
      found,
      evidence,
      ...(found ? { remedy: 'Grant load-balancer_member (with member, reader) to the creator on the project. The role is copied into the cluster app-cred at create time, so an existing cluster does not heal: delete it (stuck-delete playbook if it wedges) and create it again.' } : {}),
    };
  },
};

export const flannelTemplate: Playbook = {
  id: 'flannel-template',
  title: 'Cluster template with a network driver other than calico (DOCFIX-032)',
  decisions: ['DOCFIX-032', 'appendix-A CNI-label'],
  source: 'DOCFIX-032: pin --network-driver calico EXPLICITLY; chart 0.25.1 ships ONLY Calico. Do NOT set flannel.',
  async detect(ctx): Promise<Diagnosis> {
    const os = await ctx.services.openstack(ctx.signal);
    const t = await os.magnum.findTemplate(os.tenant, ctx.site.site.template.name, ctx.signal);
    if (!t) return { playbook: this.id, found: false, evidence: `template ${ctx.site.site.template.name} not present (8.0 creates it with calico)` };
    const cniLabels = Object.entries(t.labels).filter(([k]) => /cni|calico|flannel|network_driver/i.test(k)).map(([k, v]) => `${k}=${v}`);
    const wrongLabel = cniLabels.some((l) => /flannel/i.test(l));
    const found = t.networkDriver !== 'calico' || wrongLabel;
    return {
      playbook: this.id,
      found,
      evidence: `template ${t.name} ${t.uuid}: network_driver=${t.networkDriver ?? '(unset)'}${cniLabels.length ? `, CNI labels ${cniLabels.join(', ')}` : ''}`,
      ...(found ? { remedy: `Delete template ${t.name} (when no cluster uses it) and let 8.0 recreate it with --network-driver calico; a cluster built from it never converges and must be recreated.` } : {}),
    };
  },
};

export const imageProps: Playbook = {
  id: 'image-props',
  title: 'Image without kube_version / os_distro (P6-CONTRACT)',
  decisions: ['P6-CONTRACT', 'L-P6-3', 'FINDING-3'],
  source: 'The driver reads the k8s version from the IMAGE, not a template label; a missing property fails create.',
  async detect(ctx): Promise<Diagnosis> {
    const os = await ctx.services.openstack(ctx.signal);
    const want = ctx.site.site.image;
    const img = await os.glance.findImageByName(os.tenant, want.name, ctx.signal);
    if (!img) return { playbook: this.id, found: true, evidence: `image ${want.name} is absent`, remedy: 'Seed it with 8.0.stage-and-verify (curl + sha512 + glance-direct; FINDING-3).' };
    const bad = [
      img.kubeVersion === want.kubeVersion ? '' : `kube_version=${img.kubeVersion ?? '(missing)'}`,
      img.osDistro === want.osDistro ? '' : `os_distro=${img.osDistro ?? '(missing)'}`,
    ].filter(Boolean);
    return {
      playbook: this.id,
      found: bad.length > 0,
      evidence: `image ${img.name} ${img.id} ${img.status}: kube_version=${img.kubeVersion ?? '(missing)'}, os_distro=${img.osDistro ?? '(missing)'}`,
      ...(bad.length ? { remedy: `openstack image set ${img.id} --property kube_version=${want.kubeVersion} --property os_distro=${want.osDistro}; then delete and recreate any cluster that failed on it.` } : {}),
    };
  },
};
