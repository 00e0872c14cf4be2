// GET /_sim/state: every resource as JSON, without secrets (no passwords, app-cred secrets,
// tokens, CA keys or image bytes).

import type { SimContext } from './context.js';
import { renderImage } from './glance.js';
import { renderFip, renderNetwork, renderPort, renderRouter, renderSecurityGroup, renderSubnet } from './neutron.js';
import { renderAmphora, renderLb } from './octavia.js';
import { renderHealthMonitor, renderListener, renderMember, renderPool } from './octavia-children.js';

export function snapshot(ctx: SimContext): Record<string, unknown> {
  const w = ctx.world;
  const roleName = (id: string) => w.roles.get(id)?.name ?? id;
  return {
    clock: { now: ctx.clock.now(), iso: new Date(ctx.clock.now()).toISOString(), timeScale: ctx.clock.timeScale, pendingTimers: ctx.clock.pending().length },
    keystone: {
      domains: [...w.domains.values()],
      projects: [...w.projects.values()],
      users: [...w.users.values()].map(({ password: _password, ...u }) => u),
      roles: [...w.roles.values()],
      assignments: w.assignments.map((a) => ({ user: w.users.get(a.userId)?.name, project: w.projects.get(a.projectId)?.name, role: roleName(a.roleId), ...a })),
      applicationCredentials: [...w.appCreds.values()].map(({ secret: _secret, ...c }) => ({ ...c, roles: c.roleIds.map(roleName) })),
      tokens: w.tokens.size,
    },
    glance: { images: [...w.images.values()].map(renderImage) },
    nova: {
      flavors: [...w.flavors.values()],
      keypairs: [...w.keypairs.values()].map((k) => ({ name: k.name, userId: k.userId, fingerprint: k.fingerprint })),
      servers: [...w.servers.values()],
    },
    neutron: {
      networks: [...w.networks.values()].map((n) => renderNetwork(n)),
      subnets: [...w.subnets.values()].map(renderSubnet),
      routers: [...w.routers.values()].map((r) => renderRouter(r)),
      ports: [...w.ports.values()].map(renderPort),
      floatingips: [...w.floatingIps.values()].map((f) => renderFip(w, f)),
      securityGroups: [...w.securityGroups.values()].map(renderSecurityGroup),
    },
    octavia: {
      loadbalancers: [...w.loadBalancers.values()].map(renderLb), amphorae: [...w.amphorae.values()].map((a) => renderAmphora(w, a)),
      listeners: [...w.lbListeners.values()].map(renderListener), pools: [...w.pools.values()].map(renderPool),
      members: [...w.members.values()].map(renderMember), healthmonitors: [...w.healthMonitors.values()].map(renderHealthMonitor),
    },
    magnum: {
      clustertemplates: [...w.templates.values()].map((t) => ({ uuid: t.uuid, projectId: t.projectId, ...t.fields })),
      clusters: [...w.clusters.values()].map((c) => ({ ...c, ca: w.cas.get(c.uuid)?.subject ?? null })),
    },
  };
}
