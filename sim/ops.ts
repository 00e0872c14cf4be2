// World mutations a scenario's `setup` or a test (POST /_sim/ops) can apply: the states the
// appendix-A incidents start from (image without kube_version, management VM SHUTOFF after an
// OOM, API LB in ERROR, a creator without load-balancer_member, a stale app-cred, a cleared
// finalizer) without any code per scenario.

import { z } from 'zod';
import type { Site } from '../src/site/schema.js';
import type { SimContext } from './context.js';
import type { CapiHelmDriver } from './driver.js';
import type { NeutronOps } from './neutron.js';
import type { Identities } from './seed.js';
import { seedImage } from './seed.js';
import type { Cluster, Image, LoadBalancer, User } from './state.js';

export const opSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('image-delete'), image: z.string().optional() }),
  z.strictObject({ op: z.literal('image-unset-property'), image: z.string().optional(), property: z.string() }),
  z.strictObject({ op: z.literal('image-set-property'), image: z.string().optional(), property: z.string(), value: z.string() }),
  z.strictObject({ op: z.literal('image-hide'), image: z.string().optional(), hidden: z.boolean() }),
  z.strictObject({ op: z.literal('server-stop'), server: z.string().optional() }),
  z.strictObject({
    op: z.literal('lb-set-status'),
    /** An LB id or name, or `cluster:NAME` for that cluster's API LB. */
    lb: z.string(),
    provisioning_status: z.string().optional(),
    operating_status: z.string().optional(),
  }),
  z.strictObject({ op: z.literal('role-revoke'), user: z.string(), role: z.string(), project: z.string().optional() }),
  z.strictObject({ op: z.literal('role-grant'), user: z.string(), role: z.string(), project: z.string().optional() }),
  z.strictObject({
    op: z.literal('template-create'),
    networkDriver: z.string().optional(),
    /** Default: the site's template, image, external network and flavors. */
    name: z.string().optional(),
    image: z.string().optional(),
    externalNetwork: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  /** Another image (`openstack image create` + upload, active), e.g. an older kube_version beside the site's. */
  z.strictObject({ op: z.literal('image-create'), name: z.string(), kubeVersion: z.string().optional(), osDistro: z.string().optional() }),
  /** Another external network with a subnet (admin-owned, router:external). */
  z.strictObject({ op: z.literal('network-create'), name: z.string(), cidr: z.string().default('10.12.9.0/24') }),
  z.strictObject({ op: z.literal('cluster-clear-finalizer'), cluster: z.string().optional() }),
  z.strictObject({ op: z.literal('cluster-appcred-delete'), cluster: z.string().optional() }),
]);

export type SimOp = z.infer<typeof opSchema>;

export class OpError extends Error {}

export function applyOp(ctx: SimContext, site: Site, ids: Identities, driver: CapiHelmDriver, raw: unknown, neutron?: NeutronOps): string {
  const parsed = opSchema.safeParse(raw);
  if (!parsed.success) throw new OpError(`invalid op: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(op)'}: ${i.message}`).join('; ')}`);
  const op = parsed.data;
  const w = ctx.world;
  const image = (name = site.image.name): Image => {
    const img = [...w.images.values()].find((i) => i.name === name || i.id === name);
    if (!img) throw new OpError(`no image ${name}`);
    return img;
  };
  const cluster = (name = site.cluster.name): Cluster => {
    const c = [...w.clusters.values()].find((x) => x.name === name || x.uuid === name);
    if (!c) throw new OpError(`no cluster ${name}`);
    return c;
  };
  const user = (ref: string): User => (ref === 'tenant' ? ids.tenant : ref === 'admin' ? ids.admin : [...w.users.values()].find((u) => u.name === ref || u.id === ref) ?? (() => { throw new OpError(`no user ${ref}`); })());
  const project = (ref?: string) => (ref === undefined ? ids.project : [...w.projects.values()].find((p) => p.name === ref || p.id === ref) ?? (() => { throw new OpError(`no project ${ref}`); })());
  switch (op.op) {
    case 'image-delete': {
      const img = image(op.image);
      w.images.delete(img.id);
      w.record({ kind: 'glance.image', id: img.id, name: img.name ?? undefined, from: img.status, to: 'deleted', detail: 'op' });
      return `image ${img.id} deleted`;
    }
    case 'image-unset-property': {
      const img = image(op.image);
      delete img.props[op.property];
      return `image ${img.id}: ${op.property} unset`;
    }
    case 'image-set-property': {
      const img = image(op.image);
      img.props[op.property] = op.value;
      return `image ${img.id}: ${op.property}=${op.value}`;
    }
    case 'image-hide': {
      // `openstack image set --hidden|--unhidden`: Glance leaves hidden images out of its listings.
      const img = image(op.image);
      img.osHidden = op.hidden;
      return `image ${img.id}: os_hidden=${String(op.hidden)}`;
    }
    case 'server-stop': {
      const name = op.server ?? site.mgmtVm.name;
      const s = [...w.servers.values()].find((x) => x.name === name || x.id === name);
      if (!s) throw new OpError(`no server ${name}`);
      const from = s.status;
      Object.assign(s, { status: 'SHUTOFF', vmState: 'stopped', powerState: 4, taskState: null, updatedAt: ctx.clock.now() });
      w.record({ kind: 'nova.server', id: s.id, name: s.name, from, to: 'SHUTOFF', detail: 'op (host OOM, D-041)' });
      return `server ${s.id} SHUTOFF`;
    }
    case 'lb-set-status': {
      let lb: LoadBalancer | undefined;
      if (op.lb.startsWith('cluster:')) lb = w.loadBalancers.get(cluster(op.lb.slice('cluster:'.length) || undefined).res.lbId ?? '');
      else lb = w.loadBalancers.get(op.lb) ?? [...w.loadBalancers.values()].find((x) => x.name === op.lb);
      if (!lb) throw new OpError(`no load balancer ${op.lb}`);
      const from = `${lb.provisioningStatus}/${lb.operatingStatus}`;
      if (op.provisioning_status) lb.provisioningStatus = op.provisioning_status;
      if (op.operating_status) lb.operatingStatus = op.operating_status;
      lb.updatedAt = ctx.clock.now();
      w.record({ kind: 'octavia.loadbalancer', id: lb.id, name: lb.name, from, to: `${lb.provisioningStatus}/${lb.operatingStatus}`, detail: 'op' });
      return `load balancer ${lb.id} ${lb.provisioningStatus}/${lb.operatingStatus}`;
    }
    case 'role-revoke':
    case 'role-grant': {
      const u = user(op.user);
      const p = project(op.project);
      const role = w.roleByName(op.role);
      if (!role) throw new OpError(`no role ${op.role}`);
      if (op.op === 'role-grant') w.grant(u.id, p.id, role.name);
      else w.assignments = w.assignments.filter((a) => !(a.userId === u.id && a.projectId === p.id && a.roleId === role.id));
      w.record({ kind: 'keystone.assignment', id: `${u.name}@${p.name}`, to: `${op.op === 'role-grant' ? '+' : '-'}${role.name}`, detail: 'op' });
      return `${op.op} ${role.name} for ${u.name} on ${p.name}`;
    }
    case 'template-create': {
      const t = site.template;
      const uuid = ctx.rng.uuid();
      w.templates.set(uuid, {
        uuid, projectId: ids.project.id, userId: ids.admin.id, createdAt: ctx.clock.now(), updatedAt: null,
        fields: {
          name: op.name ?? t.name, coe: 'kubernetes', image_id: op.image ?? site.image.name, keypair_id: null, external_network_id: op.externalNetwork ?? site.externalNetwork, fixed_network: null,
          fixed_subnet: null, network_driver: op.networkDriver ?? t.networkDriver, volume_driver: null, dns_nameserver: t.dnsNameserver,
          flavor_id: site.flavors.worker.name, master_flavor_id: site.flavors.master.name, docker_volume_size: null,
          docker_storage_driver: t.dockerStorageDriver, labels: { ...(op.labels ?? t.labels) }, tls_disabled: false, public: false, registry_enabled: false,
          server_type: 'vm', master_lb_enabled: t.masterLbEnabled, floating_ip_enabled: t.floatingIpEnabled, cluster_distro: site.image.osDistro,
          driver: 'k8s_capi_helm_v1', hidden: false, tags: null, apiserver_port: null, insecure_registry: null, http_proxy: null, https_proxy: null, no_proxy: null,
        },
      });
      w.record({ kind: 'magnum.clustertemplate', id: uuid, name: op.name ?? t.name, from: null, to: 'created', detail: 'op' });
      return `template ${uuid}`;
    }
    case 'image-create': {
      if ([...w.images.values()].some((i) => i.name === op.name)) throw new OpError(`an image named ${op.name} exists`);
      const img = seedImage(ctx, { ...site, image: { ...site.image, name: op.name, kubeVersion: op.kubeVersion ?? site.image.kubeVersion, osDistro: op.osDistro ?? site.image.osDistro } }, ids.adminProject.id);
      if (op.kubeVersion === undefined) delete img.props['kube_version'];
      return `image ${img.id} ${op.name}`;
    }
    case 'network-create': {
      if (!neutron) throw new OpError('network-create needs the Neutron of the simulated site');
      const net = neutron.createNetwork(op.name, ids.adminProject.id, { external: true });
      neutron.createSubnet(`${op.name}-subnet`, net, op.cidr, ids.adminProject.id, {});
      return `network ${net.id} ${op.name}`;
    }
    case 'cluster-clear-finalizer': {
      const c = cluster(op.cluster);
      driver.clearFinalizer(c);
      return `cluster ${c.uuid} finalizer cleared`;
    }
    case 'cluster-appcred-delete': {
      const c = cluster(op.cluster);
      if (c.res.appCredId) w.appCreds.delete(c.res.appCredId);
      w.record({ kind: 'keystone.application_credential', id: c.res.appCredId ?? '', name: `magnum-${c.uuid}`, to: 'deleted', detail: 'op (stale app-cred)' });
      return `cluster ${c.uuid}: app-cred deleted`;
    }
  }
}
