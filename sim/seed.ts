// Builds the simulated site from a Site: Keystone identities (admin in the admin project, the
// cluster creator holding the site's clusterCreatorRoles on the capi-mgmt project, D-039),
// the kube image with kube_version / os_distro, flavors, keypairs, the external network, and
// the management VM (D-041) on its own network with a floating IP (DOCFIX-038).

import { createHash } from 'node:crypto';
import type { Site } from '../src/site/schema.js';
import type { SimContext } from './context.js';
import type { NeutronOps } from './neutron.js';
import { fingerprint } from './nova.js';
import { password, secret } from './rand.js';
import type { AppCred, Image, Project, Server, User } from './state.js';

export interface Identities {
  readonly admin: User;
  readonly tenant: User;
  readonly adminProject: Project;
  readonly project: Project;
  readonly appCred: AppCred;
}

export const ROLE_NAMES = ['admin', 'member', 'reader', 'load-balancer_member', 'load-balancer_observer', 'load-balancer_admin', 'load-balancer_global_observer', 'service'];
export const TENANT_USER = 'capi-user';
export const ADMIN_USER = 'admin';
export const EXTERNAL_CIDR = '10.12.7.0/24';
export const MGMT_CIDR = '10.20.0.0/24';

/** Deterministic stand-in bytes for the kube image (what the simulated CDN serves). */
export function imageBytes(name: string, size = 65536): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(name).digest();
  for (let i = 0; i < size; i += block.length) {
    block.copy(out, i);
    block = createHash('sha256').update(block).digest();
  }
  // qcow2 magic, so tools that sniff the format see one.
  out.write('QFI\xfb', 0, 'latin1');
  return out;
}

export function seedIdentities(ctx: SimContext, site: Site): Identities {
  const w = ctx.world;
  const r = ctx.rng;
  const domainId = (name: string) => {
    if (name === 'Default' || name === 'default') return 'default';
    const existing = w.domainByName(name);
    if (existing) return existing.id;
    const id = r.hex(32);
    w.domains.set(id, { id, name, description: '', enabled: true });
    return id;
  };
  w.domains.set('default', { id: 'default', name: 'Default', description: 'The default domain', enabled: true });
  for (const name of ROLE_NAMES) {
    const id = r.hex(32);
    w.roles.set(id, { id, name });
  }
  const adminDom = domainId(site.adminProject.domain);
  const capiDom = domainId(site.project.domain);
  const mkProject = (name: string, dom: string, description = ''): Project => {
    const p: Project = { id: r.hex(32), name, domainId: dom, description, enabled: true };
    w.projects.set(p.id, p);
    return p;
  };
  const adminProject = mkProject(site.adminProject.name, adminDom, 'Bootstrap project for initializing the cloud.');
  const project = mkProject(site.project.name, capiDom);
  mkProject('service', 'default');
  const mkUser = (name: string, dom: string): User => {
    const u: User = { id: r.hex(32), name, domainId: dom, password: password(), enabled: true };
    w.users.set(u.id, u);
    return u;
  };
  const admin = mkUser(ADMIN_USER, adminDom);
  const tenant = mkUser(TENANT_USER, capiDom);
  for (const role of ['admin', 'member', 'reader']) w.grant(admin.id, adminProject.id, role);
  // The runbook narrows the admin session to capi-mgmt (DOCFIX-034), so admin holds a role there.
  for (const role of ['admin', 'member', 'reader']) w.grant(admin.id, project.id, role);
  for (const role of site.clusterCreatorRoles) {
    if (!w.roleByName(role)) {
      const id = r.hex(32);
      w.roles.set(id, { id, name: role });
    }
    w.grant(tenant.id, project.id, role);
  }
  const appCred: AppCred = {
    id: r.hex(32), name: 'capi-appcred', description: 'simulated site: the tenant app-cred', secret: secret(64), userId: tenant.id,
    projectId: project.id, roleIds: w.rolesOf(tenant.id, project.id).map((x) => x.id), expiresAt: null, unrestricted: false, createdAt: ctx.clock.now(),
  };
  w.appCreds.set(appCred.id, appCred);
  return { admin, tenant, adminProject, project, appCred };
}

export function seedImage(ctx: SimContext, site: Site, owner: string): Image {
  const data = imageBytes(site.image.name);
  const now = ctx.clock.now();
  const img: Image = {
    id: ctx.rng.uuid(), name: site.image.name, status: 'active', visibility: 'public', owner, osHidden: false, protected: false,
    diskFormat: 'raw', containerFormat: site.image.containerFormat, size: data.length, virtualSize: data.length,
    checksum: createHash('md5').update(data).digest('hex'), hashAlgo: 'sha512', hashValue: createHash('sha512').update(data).digest('hex'),
    minRam: 0, minDisk: 0, tags: [], createdAt: now, updatedAt: now,
    props: {
      os_distro: site.image.osDistro, kube_version: site.image.kubeVersion, os_glance_importing_to_stores: '', os_glance_failed_import: '', stores: 'fs',
      'owner_specified.openstack.md5': '', 'owner_specified.openstack.sha256': '', 'owner_specified.openstack.object': `images/${site.image.name}`,
    },
  };
  ctx.world.images.set(img.id, img);
  ctx.world.record({ kind: 'glance.image', id: img.id, name: img.name ?? undefined, from: null, to: 'active', detail: 'seeded' });
  return img;
}

export function seedCompute(ctx: SimContext, site: Site, ids: Identities): void {
  const w = ctx.world;
  for (const f of [site.flavors.master, site.flavors.worker]) {
    if ([...w.flavors.values()].some((x) => x.name === f.name)) continue;
    const id = ctx.rng.uuid();
    w.flavors.set(id, { id, name: f.name, ram: f.minRamMb, vcpus: f.minVcpus, disk: 40 });
  }
  const publicKey = `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${Buffer.from(ctx.rng.hex(32), 'hex').toString('base64').replace(/=+$/, '')} ${site.keypair}`;
  for (const u of [ids.admin, ids.tenant]) {
    w.keypairs.set(`${u.id}/${site.keypair}`, { name: site.keypair, userId: u.id, publicKey, fingerprint: fingerprint(publicKey), createdAt: ctx.clock.now(), id: w.nextKeypairId() });
  }
}

export function seedNetworks(ctx: SimContext, site: Site, ids: Identities, neutron: NeutronOps, image: Image | undefined): { mgmtFip: string; mgmtServer: Server } {
  const w = ctx.world;
  for (const p of [ids.adminProject, ids.project]) neutron.createSecurityGroup('default', p.id, 'Default security group', [22]);
  const ext = neutron.createNetwork(site.externalNetwork, ids.adminProject.id, { external: true });
  neutron.createSubnet(`${site.externalNetwork}-subnet`, ext, EXTERNAL_CIDR, ids.adminProject.id, { poolStart: '10.12.7.20', poolEnd: '10.12.7.250', gateway: '10.12.7.1' });
  const mgmtNet = neutron.createNetwork('capi-mgmt-net', ids.project.id);
  const mgmtSubnet = neutron.createSubnet('capi-mgmt-subnet', mgmtNet, MGMT_CIDR, ids.project.id, { dns: ['8.8.8.8'] });
  const router = neutron.createRouter('capi-mgmt-router', ids.project.id);
  neutron.setGateway(router, ext);
  neutron.addInterface(router, mgmtSubnet);
  const flavor = [...w.flavors.values()].find((f) => f.name === site.flavors.master.name);
  const now = ctx.clock.now();
  const server: Server = {
    id: ctx.rng.uuid(), name: site.mgmtVm.name, projectId: ids.project.id, userId: ids.tenant.id, status: 'ACTIVE', vmState: 'active', powerState: 1,
    taskState: null, flavorId: flavor?.id ?? '', imageId: image?.id ?? '', keyName: site.keypair, networkName: mgmtNet.name, addresses: [],
    createdAt: now, updatedAt: now, launchedAt: now, metadata: {}, host: 'compute-1', securityGroups: ['default'],
  };
  const sg = [...w.securityGroups.values()].find((g) => g.name === 'default' && g.projectId === ids.project.id);
  const port = neutron.createPort(mgmtNet, mgmtSubnet, ids.project.id, 'compute:nova', server.id, { sgIds: sg ? [sg.id] : [] });
  server.addresses.push({ addr: port.fixedIps[0]?.ip ?? '', mac: port.mac, type: 'fixed' });
  const fip = neutron.createFloatingIp(ext, ids.project.id, port, 41, 'capi-mgmt-v2 floating IP');
  server.addresses.push({ addr: fip.address, mac: port.mac, type: 'floating' });
  w.servers.set(server.id, server);
  w.record({ kind: 'nova.server', id: server.id, name: server.name, from: null, to: 'ACTIVE', detail: 'seeded management VM' });
  return { mgmtFip: fip.address, mgmtServer: server };
}
