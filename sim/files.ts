// The files `capi-gate sim --out DIR` writes: site.yaml (a valid capi-gate site file with
// every address mapped to loopback), clouds.yaml (sim-admin, sim-tenant, sim-appcred),
// openrc-admin, openrc-tenant, and the management VM's FIP env file (DOCFIX-038). Files that
// hold a password or secret are written 0600.

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Site, SiteInput } from '../src/site/schema.js';
import { cidrToLoopback, urlToLoopback } from './loopback.js';

export interface Credential {
  readonly authUrl: string;
  readonly username: string;
  readonly password: string;
  readonly userDomainName: string;
  readonly projectName: string;
  readonly projectId: string;
  readonly projectDomainName: string;
}

export interface AppCredCredential {
  readonly authUrl: string;
  readonly id: string;
  readonly name: string;
  readonly secret: string;
}

export interface SimFiles {
  readonly site: string;
  readonly clouds: string;
  readonly openrcAdmin: string;
  readonly openrcTenant: string;
  readonly mgmtEnv: string;
}

export interface FileInputs {
  readonly site: Site;
  readonly admin: Credential;
  readonly tenant: Credential;
  readonly appCred: AppCredCredential;
  readonly urls: { keystone: string; glance: string; magnum: string; neutron: string; nova: string; octavia: string; vip: string; control: string };
  readonly cdnUrl: string;
  readonly cdnSha512: string;
  readonly mgmtFip: string;
}

export const CLOUD_ADMIN = 'sim-admin';
export const CLOUD_TENANT = 'sim-tenant';
export const CLOUD_APPCRED = 'sim-appcred';

export function simSiteInput(x: FileInputs): SiteInput {
  const s = x.site;
  const own: Record<string, string> = {
    keystone: `${x.urls.keystone}/v3`, glance: `${x.urls.glance}/`, magnum: `${x.urls.magnum}/`, neutron: `${x.urls.neutron}/`,
    nova: `${x.urls.nova}/`, octavia: `${x.urls.octavia}/`,
  };
  const keystoneHostPort = new URL(x.urls.keystone).host;
  return {
    site: s.site === 'roosevelt' ? 'sim' : `${s.site}-sim`,
    openstack: { clouds: { admin: CLOUD_ADMIN, tenant: CLOUD_TENANT }, cloudsFile: './clouds.yaml', region: 'RegionOne', interface: 'public' },
    project: s.project,
    adminProject: s.adminProject,
    clusterCreatorRoles: s.clusterCreatorRoles,
    image: { ...s.image, url: x.cdnUrl, sha512: x.cdnSha512, stageDir: './stage' },
    // fixed_subnet_cidr is the cluster subnet, which lives in the loopback mapping like workloadCidr.
    template: { ...s.template, labels: Object.fromEntries(Object.entries(s.template.labels).map(([k, v]) => [k, k === 'fixed_subnet_cidr' && /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(String(v)) ? cidrToLoopback(String(v)) : v])) },
    externalNetwork: s.externalNetwork,
    keypair: s.keypair,
    cluster: s.cluster,
    // The cluster subnet lives in the loopback mapping too (sim/neutron.ts createSubnet).
    workloadCidr: cidrToLoopback(s.workloadCidr),
    flavors: s.flavors,
    coreVips: s.coreVips.map((v) => ({ name: v.name, url: own[v.name] ?? `${x.urls.vip}/${encodeURIComponent(v.name)}/` })),
    outOfScopeEndpoints: s.outOfScopeEndpoints.map((e) => ({ ...e, url: urlToLoopback(e.url) })),
    tls: { insecure: false },
    vault: { units: s.vault.units.map(urlToLoopback) },
    juju: s.juju,
    reservedHostMemoryMb: s.reservedHostMemoryMb,
    mgmtVm: { ...s.mgmtVm, fipEnvFile: './capi-mgmt-net.env', sshKey: './id_ed25519', knownHosts: './known_hosts', probe: keystoneHostPort },
    hypervisor: { ...s.hypervisor, libvirtUri: 'test:///default' },
    deadlines: s.deadlines,
  };
}

function cloud(c: Credential, scope: 'name' | 'id'): Record<string, unknown> {
  return {
    auth: {
      auth_url: c.authUrl, username: c.username, password: c.password, user_domain_name: c.userDomainName,
      ...(scope === 'name' ? { project_name: c.projectName, project_domain_name: c.projectDomainName } : { project_id: c.projectId }),
    },
    region_name: 'RegionOne', interface: 'public', identity_api_version: 3,
  };
}

export function cloudsYaml(x: Pick<FileInputs, 'admin' | 'tenant' | 'appCred'>): string {
  return stringify({
    clouds: {
      [CLOUD_ADMIN]: cloud(x.admin, 'name'),
      // Narrowed by id, as the runbook's scope guard does (DOCFIX-034).
      [CLOUD_TENANT]: cloud(x.tenant, 'id'),
      // App-cred auth must carry no scope (api-notes §2.5).
      [CLOUD_APPCRED]: {
        auth_type: 'v3applicationcredential',
        auth: { auth_url: x.appCred.authUrl, application_credential_id: x.appCred.id, application_credential_secret: x.appCred.secret },
        region_name: 'RegionOne', interface: 'public', identity_api_version: 3,
      },
    },
  });
}

function q(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

export function openrc(c: Credential, scope: 'name' | 'id'): string {
  const lines = [
    '# capi-gate simulated site',
    'unset OS_CLOUD OS_AUTH_TYPE OS_APPLICATION_CREDENTIAL_ID OS_APPLICATION_CREDENTIAL_SECRET OS_PROJECT_ID OS_PROJECT_NAME OS_TENANT_ID OS_TENANT_NAME OS_PROJECT_DOMAIN_NAME OS_PROJECT_DOMAIN_ID',
    `export OS_AUTH_URL=${q(c.authUrl)}`,
    'export OS_IDENTITY_API_VERSION=3',
    'export OS_AUTH_TYPE=password',
    `export OS_USERNAME=${q(c.username)}`,
    `export OS_PASSWORD=${q(c.password)}`,
    `export OS_USER_DOMAIN_NAME=${q(c.userDomainName)}`,
    ...(scope === 'name' ? [`export OS_PROJECT_NAME=${q(c.projectName)}`, `export OS_PROJECT_DOMAIN_NAME=${q(c.projectDomainName)}`] : [`export OS_PROJECT_ID=${q(c.projectId)}`]),
    "export OS_REGION_NAME='RegionOne'",
    "export OS_INTERFACE='public'",
  ];
  return `${lines.join('\n')}\n`;
}

function writeSecret(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function writeSimFiles(dir: string, x: FileInputs): SimFiles {
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(dir, 'stage'), { recursive: true });
  const files: SimFiles = {
    site: join(dir, 'site.yaml'),
    clouds: join(dir, 'clouds.yaml'),
    openrcAdmin: join(dir, 'openrc-admin'),
    openrcTenant: join(dir, 'openrc-tenant'),
    mgmtEnv: join(dir, 'capi-mgmt-net.env'),
  };
  writeFileSync(files.site, `# capi-gate simulated site: addresses are loopback (10.a.b.c -> 127.a.b.c), control API ${x.urls.control}/_sim/\n${stringify(simSiteInput(x))}`);
  writeSecret(files.clouds, cloudsYaml(x));
  writeSecret(files.openrcAdmin, openrc(x.admin, 'name'));
  writeSecret(files.openrcTenant, openrc(x.tenant, 'id'));
  writeFileSync(files.mgmtEnv, `${x.site.mgmtVm.fipVariable}=${x.mgmtFip}\n`);
  return files;
}
