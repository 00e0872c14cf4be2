// Nova v2.1 (api-notes §6): servers (list with a regex ?name=, detail, show by id, 404 for
// a name in the path), os-start / os-stop, flavors, os-keypairs.

import { createHash } from 'node:crypto';
import type { Auth } from './auth.js';
import { requireAuth } from './auth.js';
import type { SimContext } from './context.js';
import type { Reply, SimRequest } from './http.js';
import { Router, dispatch, fail, noContent, objectBody, ok } from './http.js';
import { page } from './paging.js';
import { isUuid } from './rand.js';
import type { Flavor, Keypair, Server } from './state.js';
import { novaMicros, zTime } from './timefmt.js';

export function renderFlavor(ctx: SimContext, f: Flavor): Record<string, unknown> {
  return {
    id: f.id, name: f.name, ram: f.ram, vcpus: f.vcpus, disk: f.disk, 'OS-FLV-EXT-DATA:ephemeral': 0, swap: '', rxtx_factor: 1.0,
    'os-flavor-access:is_public': true, 'OS-FLV-DISABLED:disabled': false,
    links: [{ rel: 'self', href: `${ctx.urls.nova}/v2.1/flavors/${f.id}` }, { rel: 'bookmark', href: `${ctx.urls.nova}/flavors/${f.id}` }],
  };
}

export function findFlavor(ctx: SimContext, ref: string): Flavor | undefined {
  const byId = ctx.world.flavors.get(ref);
  if (byId) return byId;
  return [...ctx.world.flavors.values()].find((f) => f.name === ref);
}

export function fingerprint(publicKey: string): string {
  const b64 = publicKey.trim().split(/\s+/)[1] ?? publicKey;
  const md5 = createHash('md5').update(Buffer.from(b64, 'base64')).digest('hex');
  return md5.match(/../g)?.join(':') ?? md5;
}

export function createNova(ctx: SimContext): (req: SimRequest) => Promise<Reply> {
  const w = ctx.world;
  const n = () => ctx.urls.nova;

  const renderServer = (s: Server, a: Auth): Record<string, unknown> => {
    const flavor = w.flavors.get(s.flavorId);
    const body: Record<string, unknown> = {
      id: s.id, name: s.name, status: s.status, tenant_id: s.projectId, user_id: s.userId,
      'OS-EXT-STS:vm_state': s.vmState, 'OS-EXT-STS:power_state': s.powerState, 'OS-EXT-STS:task_state': s.taskState,
      'OS-EXT-AZ:availability_zone': 'nova', 'OS-SRV-USG:launched_at': s.launchedAt === null ? null : novaMicros(s.launchedAt),
      'OS-SRV-USG:terminated_at': null, 'OS-DCF:diskConfig': 'MANUAL',
      addresses: { [s.networkName]: s.addresses.map((x) => ({ addr: x.addr, version: 4, 'OS-EXT-IPS:type': x.type, 'OS-EXT-IPS-MAC:mac_addr': x.mac })) },
      flavor: { id: s.flavorId, links: [{ rel: 'bookmark', href: `${n()}/flavors/${s.flavorId}` }] },
      image: s.imageId ? { id: s.imageId, links: [{ rel: 'bookmark', href: `${n()}/images/${s.imageId}` }] } : '',
      key_name: s.keyName, hostId: createHash('sha224').update(s.projectId + s.host).digest('hex'), accessIPv4: '', accessIPv6: '',
      metadata: s.metadata, progress: s.status === 'BUILD' ? 50 : 0, config_drive: '',
      security_groups: s.securityGroups.map((name) => ({ name })), 'os-extended-volumes:volumes_attached': [],
      created: zTime(s.createdAt), updated: zTime(s.updatedAt),
      links: [{ rel: 'self', href: `${n()}/v2.1/servers/${s.id}` }, { rel: 'bookmark', href: `${n()}/servers/${s.id}` }],
    };
    if (a.isAdmin) {
      body['OS-EXT-SRV-ATTR:host'] = s.host;
      body['OS-EXT-SRV-ATTR:hypervisor_hostname'] = `${s.host}.maas`;
      body['OS-EXT-SRV-ATTR:instance_name'] = `instance-${s.id.slice(0, 8)}`;
    }
    if (flavor === undefined) body['flavor'] = { id: s.flavorId, links: [] };
    return body;
  };

  const visible = (a: Auth, s: Server, allTenants: boolean) => s.projectId === a.projectId || (a.isAdmin && allTenants);

  const listServers = (req: SimRequest, detail: boolean): Reply => {
    const a = requireAuth(ctx, req);
    const asked = req.query.get('all_tenants');
    const all = asked !== null && !['0', 'false', 'False', 'off', 'no'].includes(asked);
    // Zed's default policy: listing every project's servers is for admins; a member gets a 403
    // (`openstack server list --all-projects` as the tenant).
    if (all && !a.isAdmin) fail('nova', 403, `Policy doesn't allow os_compute_api:servers:${detail ? 'detail' : 'index'}:get_all_tenants to be performed.`);
    let list = [...w.servers.values()].filter((s) => visible(a, s, all));
    // Nova narrows by project only with all_tenants; without it the caller's project wins.
    const project = all ? req.query.get('project_id') ?? req.query.get('tenant_id') : null;
    if (project) list = list.filter((s) => s.projectId === project);
    const name = req.query.get('name');
    if (name !== null) {
      let re: RegExp;
      try {
        re = new RegExp(name);
      } catch {
        fail('nova', 400, `Invalid regular expression for name: ${name}`);
      }
      list = list.filter((s) => re.test(s.name));
    }
    const status = req.query.get('status');
    if (status) list = list.filter((s) => s.status === status.toUpperCase());
    list.sort((x, y) => y.createdAt - x.createdAt);
    const p = page(req, list, { style: 'nova', key: 'servers', cap: ctx.pageSize, path: req.path, id: (s) => s.id });
    return ok({ servers: p.items.map((s) => (detail ? renderServer(s, a) : { id: s.id, name: s.name, links: renderServer(s, a)['links'] })), ...p.fields });
  };

  const getServer = (req: SimRequest, id: string): { a: Auth; s: Server } => {
    const a = requireAuth(ctx, req);
    const s = isUuid(id) ? w.servers.get(id) : undefined;
    if (!s || !visible(a, s, true)) fail('nova', 404, `Instance ${id} could not be found.`);
    return { a, s };
  };

  const setPower = (s: Server, on: boolean) => {
    const from = s.status;
    s.taskState = on ? 'powering-on' : 'powering-off';
    s.updatedAt = ctx.clock.now();
    w.record({ kind: 'nova.server', id: s.id, name: s.name, from, to: s.status, detail: s.taskState });
    ctx.clock.after(ctx.durations.serverStart, `server ${s.id} ${on ? 'start' : 'stop'}`, () => {
      if (w.servers.get(s.id) !== s) return;
      const before = s.status;
      s.status = on ? 'ACTIVE' : 'SHUTOFF';
      s.vmState = on ? 'active' : 'stopped';
      s.powerState = on ? 1 : 4;
      s.taskState = null;
      s.updatedAt = ctx.clock.now();
      w.record({ kind: 'nova.server', id: s.id, name: s.name, from: before, to: s.status });
    });
  };

  const action = (req: SimRequest, [id]: string[]): Reply => {
    const { s } = getServer(req, id ?? '');
    const body = objectBody(req);
    if ('os-start' in body) {
      if (s.vmState !== 'stopped' || s.taskState !== null) fail('nova', 409, `Cannot 'start' instance ${s.id} while it is in vm_state ${s.vmState}`);
      setPower(s, true);
      return { status: 202, text: '' };
    }
    if ('os-stop' in body) {
      if (s.vmState !== 'active' || s.taskState !== null) fail('nova', 409, `Cannot 'stop' instance ${s.id} while it is in vm_state ${s.vmState}`);
      setPower(s, false);
      return { status: 202, text: '' };
    }
    if ('reboot' in body) {
      if (s.vmState !== 'active') fail('nova', 409, `Cannot 'reboot' instance ${s.id} while it is in vm_state ${s.vmState}`);
      return { status: 202, text: '' };
    }
    fail('nova', 400, `There is no such action: ${Object.keys(body)[0] ?? '(none)'}`);
  };

  const renderKeypair = (k: Keypair, full: boolean) => ({
    name: k.name, public_key: k.publicKey, fingerprint: k.fingerprint,
    ...(full ? { user_id: k.userId, created_at: novaMicros(k.createdAt), deleted: false, deleted_at: null, updated_at: null, id: k.id } : {}),
  });

  const versionDoc = () => ({
    version: {
      id: 'v2.1', status: 'CURRENT', version: '2.96', min_version: '2.1', updated: '2013-07-23T11:33:21Z',
      links: [{ rel: 'self', href: `${n()}/v2.1/` }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
    },
  });

  const router = new Router()
    .on('GET', /^\/$/, () => ok({ versions: [{ ...versionDoc().version }] }))
    .on('GET', /^\/v2\.1\/?$/, () => ok(versionDoc()))
    .on('GET', /^\/v2\.1\/servers$/, (req) => listServers(req, false))
    .on('GET', /^\/v2\.1\/servers\/detail$/, (req) => listServers(req, true))
    .on('GET', /^\/v2\.1\/servers\/([^/]+)$/, (req, [id]) => {
      const { a, s } = getServer(req, id ?? '');
      return ok({ server: renderServer(s, a) });
    })
    .on('DELETE', /^\/v2\.1\/servers\/([^/]+)$/, (req, [id]) => {
      const { s } = getServer(req, id ?? '');
      w.servers.delete(s.id);
      for (const [pid, p] of w.ports) if (p.deviceId === s.id) w.ports.delete(pid);
      w.record({ kind: 'nova.server', id: s.id, name: s.name, from: s.status, to: 'DELETED' });
      return noContent();
    })
    .on('POST', /^\/v2\.1\/servers\/([^/]+)\/action$/, action)
    .on('GET', /^\/v2\.1\/flavors(\/detail)?$/, (req, [detail]) => {
      requireAuth(ctx, req);
      const p = page(req, [...w.flavors.values()], { style: 'nova', key: 'flavors', cap: ctx.pageSize, path: req.path, id: (f) => f.id });
      return ok({ flavors: p.items.map((f) => (detail ? renderFlavor(ctx, f) : { id: f.id, name: f.name, links: renderFlavor(ctx, f)['links'] })), ...p.fields });
    })
    // The flavors have no extra specs; the openstack CLI asks for them when listing flavors.
    .on('GET', /^\/v2\.1\/flavors\/([^/]+)\/os-extra_specs$/, (req, [id]) => {
      requireAuth(ctx, req);
      if (!w.flavors.has(id ?? '')) fail('nova', 404, `Flavor ${id ?? ''} could not be found.`);
      return ok({ extra_specs: {} });
    })
    .on('GET', /^\/v2\.1\/flavors\/([^/]+)$/, (req, [id]) => {
      requireAuth(ctx, req);
      const f = w.flavors.get(id ?? '');
      if (!f) fail('nova', 404, `Flavor ${id ?? ''} could not be found.`);
      return ok({ flavor: renderFlavor(ctx, f) });
    })
    .on('GET', /^\/v2\.1\/os-keypairs$/, (req) => {
      const a = requireAuth(ctx, req);
      return ok({ keypairs: [...w.keypairs.values()].filter((k) => k.userId === a.user.id).map((k) => ({ keypair: renderKeypair(k, false) })) });
    })
    .on('GET', /^\/v2\.1\/os-keypairs\/([^/]+)$/, (req, [name]) => {
      const a = requireAuth(ctx, req);
      const k = w.keypairs.get(`${a.user.id}/${name ?? ''}`);
      if (!k) fail('nova', 404, `Keypair ${name ?? ''} not found for user ${a.user.id}`);
      return ok({ keypair: renderKeypair(k, true) });
    })
    .on('DELETE', /^\/v2\.1\/os-keypairs\/([^/]+)$/, (req, [name]) => {
      const a = requireAuth(ctx, req);
      if (!w.keypairs.delete(`${a.user.id}/${name ?? ''}`)) fail('nova', 404, `Keypair ${name ?? ''} not found for user ${a.user.id}`);
      return { status: 202, text: '' };
    })
    .on('POST', /^\/v2\.1\/os-keypairs$/, (req) => {
      const a = requireAuth(ctx, req);
      const body = (objectBody(req)['keypair'] ?? {}) as { name?: string; public_key?: string };
      if (!body.name) fail('nova', 400, 'Keypair data is invalid: a name is required');
      if (w.keypairs.has(`${a.user.id}/${body.name}`)) fail('nova', 409, `Key pair '${body.name}' already exists.`);
      const publicKey = body.public_key ?? `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${ctx.rng.hex(40)} Generated-by-Nova`;
      const k: Keypair = { name: body.name, userId: a.user.id, publicKey, fingerprint: fingerprint(publicKey), createdAt: ctx.clock.now(), id: w.nextKeypairId() };
      w.keypairs.set(`${a.user.id}/${k.name}`, k);
      return ok({ keypair: renderKeypair(k, true) }, 200);
    });

  return (req) => dispatch(router, req);
}
