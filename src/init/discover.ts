// `capi-gate init`: what the live cloud shows, read only, through the clients capi-gate already
// has -- Keystone (both scopes, the creator's roles), Glance, Magnum, Nova, Neutron, Octavia as
// the tenant, `juju status --format=json` + `juju config APP --format=json`, `virsh uri` +
// `virsh list --all --name`, and the local files the runbook names. Nothing here writes.
// Keystone failing ends discovery (nothing can be written without it); juju and virsh failing
// become a reason, and the parts they fill become TODOs.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { CapiGateError, toCapiGateError } from '../core/errors.js';
import type { CommandRunner } from '../hosts/exec.js';
import { lastErrorLine } from '../hosts/exec.js';
import { HttpTransport, readCaBundle } from '../http/index.js';
import { AdminSession, findCloudsFile, findDomain, glance, loadCloudCredentials, magnum, narrowToProject, neutron, nova, octavia, resolveProjectId } from '../openstack/index.js';
import type { CloudCredentials, ClusterTemplate, FloatingIp, Flavor, Image, Network, Server, Subnet } from '../openstack/index.js';

export interface InitOptions {
  readonly adminCloud: string;
  readonly tenantCloud: string;
  readonly jujuModel?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly run: CommandRunner;
  readonly signal: AbortSignal;
  /** Called as each source has been read (progress). */
  readonly onSource?: (source: string, ms: number, summary: string, ok: boolean) => void;
  /** Called as a source starts to be read. */
  readonly onStart?: (source: string) => void;
  /** Where clouds.yaml is looked for besides OS_CLIENT_CONFIG_FILE (tests). */
  readonly cwd?: string;
  readonly homeDir?: string;
  /** The clouds.yaml a site file names (init --check). */
  readonly cloudsFile?: string;
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export interface JujuUnitFact {
  readonly name: string;
  readonly address: string | undefined;
  readonly ports: readonly string[];
}

export interface JujuAppFact {
  readonly name: string;
  readonly charm: string;
  readonly subordinate: boolean;
  readonly units: readonly JujuUnitFact[];
  /** Charm options that are set: vip, os-public-hostname (API services only). */
  readonly config: Readonly<Record<string, string>>;
}

export interface JujuFacts {
  readonly binary: string;
  readonly model: string;
  readonly apps: readonly JujuAppFact[];
}

export interface LocalFile {
  readonly path: string;
  /** Where it was looked for / found, for the comment. */
  readonly where: string;
}

export interface Facts {
  readonly cloudsFile: string | undefined;
  readonly admin: CloudCredentials;
  readonly tenant: CloudCredentials;
  readonly adminProject: { readonly name: string; readonly domain: string };
  readonly project: { readonly name: string; readonly domain: string; readonly id: string };
  readonly tenantRoles: readonly string[];
  /** The catalog's public identity endpoint (the Keystone VIP when juju cannot say). */
  readonly identityEndpoint: string | undefined;
  readonly images: readonly Image[];
  readonly templates: Outcome<readonly ClusterTemplate[]>;
  readonly flavors: readonly Flavor[];
  readonly keypairs: readonly string[];
  readonly servers: readonly Server[];
  readonly floatingIps: readonly FloatingIp[];
  readonly externalNetworks: readonly Network[];
  readonly externalSubnets: readonly Subnet[];
  readonly providers: Outcome<readonly string[]>;
  readonly juju: Outcome<JujuFacts>;
  readonly virsh: Outcome<{ readonly binary: string; readonly uri: string; readonly domains: readonly string[] }>;
  readonly files: {
    readonly caBundle: LocalFile | undefined;
    readonly fipEnvFile: LocalFile | undefined;
    readonly fipValue: string | undefined;
    /** The SSH port of a `[FIP]:PORT` known_hosts entry (the mgmt VM's sshd is not on 22). */
    readonly sshPort: number | undefined;
    readonly sshKey: LocalFile | undefined;
    readonly knownHosts: LocalFile | undefined;
    readonly kubeconfig: LocalFile | undefined;
  };
}

/** The charms whose `vip` is a core public VIP (D-011.2), and the runbook's name for it. */
export const API_CHARMS: Readonly<Record<string, string>> = {
  keystone: 'keystone', barbican: 'barbican', cinder: 'cinder', glance: 'glance', magnum: 'magnum', 'neutron-api': 'neutron',
  'nova-cloud-controller': 'nova', octavia: 'octavia', 'openstack-dashboard': 'horizon', placement: 'placement', heat: 'heat', designate: 'designate',
};

/** An executable on PATH (the absolute path), or undefined. */
export function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  if (name.includes('/')) return existsSync(name) ? resolve(name) : undefined;
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const f = join(dir, name);
    try {
      if (statSync(f).isFile()) return f;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function timed<T>(o: InitOptions, source: string, f: () => Promise<T>, summary: (v: T) => string): Promise<T> {
  const t0 = Date.now();
  o.onStart?.(source);
  const v = await f();
  const ok = !(v !== null && typeof v === 'object' && 'ok' in v && (v as { ok: unknown }).ok === false);
  o.onSource?.(source, Date.now() - t0, summary(v), ok);
  return v;
}

async function outcome<T>(f: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await f() };
  } catch (e) {
    const err = toCapiGateError(e);
    if (err.code === 'CAPI_GATE_ABORTED') throw err;
    return { ok: false, reason: err.message.split('\n')[0] ?? err.code };
  }
}

const configSchema = z.looseObject({ settings: z.record(z.string(), z.looseObject({ value: z.unknown().optional() })).default({}) });
const unitSchema = z.looseObject({ 'public-address': z.string().optional(), 'open-ports': z.array(z.string()).optional() });
const statusSchema = z.looseObject({
  model: z.looseObject({ name: z.string() }),
  applications: z.record(z.string(), z.looseObject({
    charm: z.string().optional(),
    'charm-name': z.string().optional(),
    'subordinate-to': z.array(z.string()).optional(),
    units: z.record(z.string(), unitSchema).optional(),
  })).default({}),
});

async function discoverJuju(o: InitOptions): Promise<JujuFacts> {
  const binary = onPath('juju', o.env);
  if (!binary) throw new CapiGateError('CAPI_GATE_PRECONDITION', 'juju is not on PATH');
  const model = o.jujuModel ? ['-m', o.jujuModel] : [];
  const r = await o.run(binary, ['status', '--format=json', ...model], { env: o.env, timeoutMs: 60_000 }, o.signal);
  if (r.code !== 0) throw new CapiGateError('CAPI_GATE_API', `juju status exited ${r.code}: ${lastErrorLine(r.stderr) || '(no message)'} (not logged in? juju whoami)`);
  let parsed: z.output<typeof statusSchema>;
  try {
    parsed = statusSchema.parse(JSON.parse(r.stdout));
  } catch {
    throw new CapiGateError('CAPI_GATE_BAD_RESPONSE', 'juju status --format=json printed something that is not its JSON');
  }
  const modelName = parsed.model.name;
  const apps: JujuAppFact[] = [];
  for (const [name, a] of Object.entries(parsed.applications)) {
    const charm = a['charm-name'] ?? a.charm?.replace(/^(ch:|cs:)/, '').replace(/-\d+$/, '') ?? name;
    let config: Record<string, string> = {};
    if (API_CHARMS[charm] && (a['subordinate-to']?.length ?? 0) === 0) {
      const c = await o.run(binary, ['config', '-m', modelName, name, '--format=json'], { env: o.env, timeoutMs: 60_000 }, o.signal);
      if (c.code === 0) {
        const settings = configSchema.safeParse((() => { try { return JSON.parse(c.stdout) as unknown; } catch { return undefined; } })());
        if (settings.success) {
          config = Object.fromEntries(Object.entries(settings.data.settings).filter(([, v]) => typeof v.value === 'string' && v.value !== '').map(([k, v]) => [k, String(v.value)]));
        }
      }
    }
    const units = Object.entries(a.units ?? {}).map(([u, x]) => ({ name: u, address: x['public-address'], ports: x['open-ports'] ?? [] }))
      .sort((x, y) => x.name.localeCompare(y.name, 'en', { numeric: true }));
    apps.push({ name, charm, subordinate: (a['subordinate-to']?.length ?? 0) > 0, units, config });
  }
  return { binary, model: modelName, apps };
}

async function discoverVirsh(o: InitOptions): Promise<{ binary: string; uri: string; domains: string[] }> {
  const binary = onPath('virsh', o.env);
  if (!binary) throw new CapiGateError('CAPI_GATE_PRECONDITION', 'virsh is not on PATH (libvirt-clients)');
  const env = { ...o.env, LIBVIRT_LOG_OUTPUTS: o.env['LIBVIRT_LOG_OUTPUTS'] ?? '4:stderr' };
  const u = await o.run(binary, ['uri'], { env, timeoutMs: 20_000 }, o.signal);
  if (u.code !== 0) throw new CapiGateError('CAPI_GATE_API', `virsh uri exited ${u.code}: ${lastErrorLine(u.stderr) || '(no message)'} (is the hypervisor reachable from here?)`);
  const uri = u.stdout.trim();
  const l = await o.run(binary, ['-c', uri, 'list', '--all', '--name'], { env, timeoutMs: 20_000 }, o.signal);
  if (l.code !== 0) throw new CapiGateError('CAPI_GATE_API', `virsh list --all exited ${l.code}: ${lastErrorLine(l.stderr) || '(no message)'}`);
  const domains = l.stdout.split(/\r?\n/).map((x) => x.trim()).filter(Boolean);
  if (domains.length === 0) throw new CapiGateError('CAPI_GATE_PRECONDITION', `virsh list --all shows no domains on ${uri}`);
  return { binary, uri, domains };
}

/** The first existing file among names in the clouds.yaml folder (the operator's kit), then the runbook's paths in $HOME. */
function findLocal(kitDir: string | undefined, kitNames: readonly string[], homePaths: readonly string[], home: string): LocalFile | undefined {
  if (kitDir) {
    for (const n of kitNames) {
      const p = join(kitDir, n);
      if (existsSync(p)) return { path: p, where: 'beside clouds.yaml' };
    }
  }
  for (const h of homePaths) {
    const p = join(home, h);
    if (existsSync(p)) return { path: p, where: `the runbook's ~/${h}` };
  }
  return undefined;
}

/** The variable's value in a KEY=VALUE / export KEY=VALUE env file (DOCFIX-038), or undefined. */
export function envFileValue(text: string, variable: string): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m && m[1] === variable) return (m[2] ?? '').trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return undefined;
}

/** The port of a plain `[host]:port` known_hosts entry for this host (hashed entries cannot be read back). */
export function knownHostsPort(text: string, host: string): number | undefined {
  for (const line of text.split(/\r?\n/)) {
    const hosts = line.trim().split(/\s+/)[0] ?? '';
    for (const h of hosts.split(',')) {
      const m = /^\[([^\]]+)\]:(\d+)$/.exec(h);
      if (m && m[1] === host) return Number(m[2]);
    }
  }
  return undefined;
}

export async function discover(o: InitOptions): Promise<Facts> {
  const search = { env: o.env, ...(o.cwd ? { cwd: o.cwd } : {}), ...(o.homeDir ? { homeDir: o.homeDir } : {}), ...(o.cloudsFile ? { cloudsFile: o.cloudsFile } : {}) };
  const cloudsFile = findCloudsFile(search);
  const admin = loadCloudCredentials({ ...search, cloud: o.adminCloud });
  const tenant = loadCloudCredentials({ ...search, cloud: o.tenantCloud });
  const caPath = admin.cacert ?? tenant.cacert;
  const transport = new HttpTransport({ tls: { ...(caPath ? { ca: readCaBundle(caPath, 'clouds.yaml cacert') } : {}), insecure: admin.insecure === true || tenant.insecure === true } });
  const sessionOptions = { transport, ...(admin.region ? { region: admin.region } : {}), interface: admin.interface ?? 'public' } as const;
  try {
    const adminSession = new AdminSession(admin, sessionOptions);
    // Keystone: the admin scope, then the project the tenant entry is scoped to, narrowed by id (DOCFIX-034).
    const ks = await timed(o, 'keystone', async () => {
      const token = await adminSession.token(o.signal);
      const projectById = async (id: string) => {
        const r = await adminSession.requestJson({ service: 'identity', method: 'GET', path: `/projects/${encodeURIComponent(id)}`, operation: 'get project', signal: o.signal }, z.object({ project: z.object({ id: z.string(), name: z.string(), domain_id: z.string() }) }));
        const d = await findDomain(adminSession, r.data.project.domain_id, o.signal);
        return { name: r.data.project.name, domain: d?.name ?? r.data.project.domain_id };
      };
      const adminProject = await projectById(token.projectId ?? '');
      const p = tenant.authType === 'password' ? tenant.project : undefined;
      let project: { name: string; domain: string };
      if (p?.id) project = await projectById(p.id);
      else if (p?.name && (p.domainName || p.domainId)) project = { name: p.name, domain: p.domainName ?? (await findDomain(adminSession, p.domainId ?? '', o.signal))?.name ?? p.domainId ?? '' };
      else {
        throw new CapiGateError('CAPI_GATE_CREDENTIALS', `cloud '${o.tenantCloud}' names no project (project_id, or project_name + project_domain_name)`, {
          hint: 'The tenant cloud entry is the cluster creator scoped to the capi-mgmt project; add its project to the entry.',
        });
      }
      const id = await resolveProjectId(adminSession, project.name, project.domain, o.signal);
      const tenantSession = narrowToProject(tenant, id, sessionOptions);
      const tt = await tenantSession.token(o.signal);
      const identity = token.catalog.find((c) => c.type === 'identity')?.endpoints.find((e) => e.interface === 'public')?.url;
      return { adminProject, project: { ...project, id: String(id) }, roles: tt.roles, tenantSession, identity };
    }, (v) => `project ${v.project.name} (domain ${v.project.domain}), admin ${v.adminProject.name} (${v.adminProject.domain}); creator roles: ${v.roles.join(', ')}`);
    const t = ks.tenantSession;
    const images = await timed(o, 'glance', () => glance.listImages(t, o.signal), (v) => `${v.length} images, ${v.filter((i) => i.kubeVersion).length} with kube_version`);
    const templates = await timed(o, 'magnum', () => outcome(() => magnum.listTemplates(t, o.signal)), (v) => (v.ok ? `${v.value.length} cluster templates` : `unreadable: ${v.reason}`));
    const computeFacts = await timed(o, 'nova', async () => ({
      flavors: await nova.listFlavors(t, o.signal),
      keypairs: await nova.listKeypairs(t, o.signal),
      servers: await nova.listServers(t, {}, o.signal),
    }), (v) => `${v.flavors.length} flavors, ${v.keypairs.length} keypairs, ${v.servers.length} servers`);
    const net = await timed(o, 'neutron', async () => {
      const externalNetworks = await neutron.listNetworks(t, { 'router:external': true }, o.signal);
      // An external network's subnets belong to the admin project: the tenant does not see them.
      const externalSubnets = (await Promise.all(externalNetworks.map((n) => neutron.listSubnets(adminSession, { network_id: n.id }, o.signal)))).flat();
      const floatingIps = await neutron.listFloatingIps(t, { project_id: ks.project.id }, o.signal);
      return { externalNetworks, externalSubnets, floatingIps };
    }, (v) => `${v.externalNetworks.length} external networks, ${v.floatingIps.length} floating IPs`);
    const providers = await timed(o, 'octavia', () => outcome(async () => (await octavia.listProviders(t, o.signal)).map((p) => p.name)), (v) => (v.ok ? `providers ${v.value.join(', ')}` : `unreachable as the tenant: ${v.reason}`));
    const juju = await timed(o, 'juju', () => outcome(() => discoverJuju(o)), (v) => (v.ok ? `model ${v.value.model}, ${v.value.apps.length} applications` : `not read: ${v.reason}`));
    const virsh = await timed(o, 'libvirt', () => outcome(() => discoverVirsh(o)), (v) => (v.ok ? `${v.value.uri}: ${v.value.domains.length} domains` : `not read: ${v.reason}`));
    const home = o.homeDir ?? homedir();
    const kit = cloudsFile ? dirname(cloudsFile) : undefined;
    const files = await timed(o, 'files', async () => {
      const fipEnvFile = findLocal(kit, ['capi-mgmt-net.env'], ['capi-mgmt-net.env'], home);
      let fipValue: string | undefined;
      if (fipEnvFile) {
        fipValue = envFileValue(readFileSync(fipEnvFile.path, 'utf8'), 'MGMT_FIP');
      }
      const knownHosts = findLocal(kit, ['known_hosts'], ['.ssh/known_hosts'], home);
      let sshPort: number | undefined;
      if (knownHosts && fipValue) {
        sshPort = knownHostsPort(readFileSync(knownHosts.path, 'utf8'), fipValue);
      }
      const ca = caPath ? { path: resolve(caPath), where: 'clouds.yaml cacert' } : findLocal(kit, ['vault-ca.pem', 'ca.pem'], ['vault-ca.pem'], home);
      return {
        caBundle: ca,
        fipEnvFile,
        fipValue,
        sshKey: findLocal(kit, ['id_ed25519'], ['.ssh/id_ed25519', '.ssh/id_rsa'], home),
        knownHosts,
        sshPort,
        kubeconfig: findLocal(kit, ['capi-mgmt.kubeconfig'], ['capi-mgmt.kubeconfig'], home),
      };
    }, (v) => `${[v.caBundle, v.fipEnvFile, v.sshKey, v.knownHosts, v.kubeconfig].filter(Boolean).length} of 5 local files found`);
    return {
      cloudsFile,
      admin,
      tenant,
      adminProject: ks.adminProject,
      project: ks.project,
      tenantRoles: ks.roles,
      identityEndpoint: ks.identity,
      images,
      templates,
      ...computeFacts,
      ...net,
      providers,
      juju,
      virsh,
      files,
    };
  } finally {
    await transport.close().catch(() => undefined);
  }
}
