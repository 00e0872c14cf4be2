// Credentials from clouds.yaml (+ secure.yaml) and OS_CLOUD, or from OS_* openrc variables
// (DESIGN "Users"). Search order (openstacksdk's, with the site's file second):
// OS_CLIENT_CONFIG_FILE, the site's openstack.cloudsFile, ./clouds.yaml,
// ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml — the first file that exists is
// used. Every secret read is registered with the redactor at once; errors name the cloud and
// the file, never a secret.

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { CapiGateError } from '../core/errors.js';
import { redactor } from '../core/redact.js';
import type { CloudCredentials, EndpointInterface, NamedRef } from './credentials.js';

export interface CredentialSearch {
  readonly env?: NodeJS.ProcessEnv;
  /** The site's openstack.cloudsFile (already resolved against the site file). */
  readonly cloudsFile?: string;
  readonly cwd?: string;
  readonly homeDir?: string;
  /** /etc/openstack unless a test says otherwise. */
  readonly systemDir?: string;
}

export interface LoadCredentialsOptions extends CredentialSearch {
  /** The clouds.yaml entry; defaults to OS_CLOUD. Without either, the OS_* variables are used. */
  readonly cloud?: string;
}

const ENV_SOURCE = 'environment (OS_* variables)';

function credError(message: string, hint: string): CapiGateError {
  return new CapiGateError('CAPI_GATE_CREDENTIALS', redactor.redact(message), { hint });
}

interface Candidate {
  readonly path: string;
  /** Named explicitly (OS_CLIENT_CONFIG_FILE or the site): a missing file is an error, not a fallthrough. */
  readonly explicit: string | undefined;
}

function candidates(base: string, o: CredentialSearch, explicitEnv: string | undefined, explicitSite: string | undefined): Candidate[] {
  const cwd = o.cwd ?? process.cwd();
  const home = o.homeDir ?? homedir();
  const system = o.systemDir ?? '/etc/openstack';
  const out: Candidate[] = [];
  if (explicitEnv) out.push({ path: resolve(cwd, explicitEnv), explicit: base === 'clouds.yaml' ? 'OS_CLIENT_CONFIG_FILE' : 'OS_CLIENT_SECURE_FILE' });
  if (explicitSite) out.push({ path: resolve(cwd, explicitSite), explicit: 'the site file (openstack.cloudsFile)' });
  out.push({ path: join(cwd, base), explicit: undefined });
  out.push({ path: join(home, '.config', 'openstack', base), explicit: undefined });
  out.push({ path: join(system, base), explicit: undefined });
  return out;
}

/** The clouds.yaml paths searched, in order. */
export function cloudsFileCandidates(o: CredentialSearch = {}): string[] {
  const env = o.env ?? process.env;
  return candidates('clouds.yaml', o, env['OS_CLIENT_CONFIG_FILE'], o.cloudsFile).map((c) => c.path);
}

/** The clouds.yaml that will be used: the first existing candidate; a missing explicit file is an error. */
export function findCloudsFile(o: CredentialSearch = {}): string | undefined {
  const env = o.env ?? process.env;
  const envFile = env['OS_CLIENT_CONFIG_FILE'];
  for (const c of candidates('clouds.yaml', o, envFile, envFile ? undefined : o.cloudsFile)) {
    if (existsSync(c.path)) return c.path;
    if (c.explicit) {
      throw credError(`clouds.yaml ${c.path} named by ${c.explicit} does not exist`, `Fix the path, or unset it to search ./clouds.yaml, ~/.config/openstack/clouds.yaml and /etc/openstack/clouds.yaml.`);
    }
  }
  return undefined;
}

function findSecureFile(o: CredentialSearch, cloudsPath: string | undefined): string | undefined {
  const env = o.env ?? process.env;
  const list = candidates('secure.yaml', o, env['OS_CLIENT_SECURE_FILE'], undefined).map((c) => c.path);
  if (cloudsPath) list.splice(env['OS_CLIENT_SECURE_FILE'] ? 1 : 0, 0, join(dirname(cloudsPath), 'secure.yaml'));
  return list.find((p) => existsSync(p));
}

type Doc = Record<string, unknown>;

function isRecord(v: unknown): v is Doc {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function readYaml(path: string, what: string): Doc {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CapiGateError('CAPI_GATE_CREDENTIALS', `cannot read ${what} ${path}`, { hint: 'Check the file permissions.', cause: e });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    // The YAML error quotes the offending line, which may hold a password: keep only the position.
    const pos = e instanceof YAMLParseError && e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    throw new CapiGateError('CAPI_GATE_CREDENTIALS', `${what} ${path} is not valid YAML${pos}`, { hint: 'Fix the YAML syntax (indentation, quoting of special characters in passwords).' });
  }
  if (doc === null || doc === undefined) return {};
  if (!isRecord(doc)) throw credError(`${what} ${path} is not a mapping`, 'A clouds.yaml starts with "clouds:" and one entry per cloud.');
  return doc;
}

function deepMerge(a: Doc, b: Doc): Doc {
  const out: Doc = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = isRecord(cur) && isRecord(v) ? deepMerge(cur, v) : v;
  }
  return out;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v.trim() !== '') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

function ref(id: string | undefined, name: string | undefined, domainId: string | undefined, domainName: string | undefined): NamedRef | undefined {
  if (!id && !name) return undefined;
  return {
    ...(id ? { id } : {}),
    ...(name ? { name } : {}),
    ...(domainId ? { domainId } : {}),
    ...(domainName ? { domainName } : {}),
  };
}

function parseInterface(v: string | undefined, where: string): EndpointInterface | undefined {
  if (v === undefined) return undefined;
  const norm = v.replace(/URL$/, '').toLowerCase();
  if (norm === 'public' || norm === 'internal' || norm === 'admin') return norm;
  throw credError(`${where}: interface "${v}" is not public, internal or admin`, 'Set interface to public, internal or admin.');
}

/** The flat fields both sources share (clouds.yaml auth keys and OS_* variables map onto them). */
interface Flat {
  authType?: string;
  authUrl?: string;
  username?: string;
  userId?: string;
  password?: string;
  userDomainName?: string;
  userDomainId?: string;
  projectName?: string;
  projectId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  /** clouds.yaml domain_name / OS_DOMAIN_NAME: the default for both user and project domains. */
  domainName?: string;
  domainId?: string;
  appCredId?: string;
  appCredName?: string;
  appCredSecret?: string;
  region?: string;
  iface?: string;
  cacert?: string;
  insecure?: boolean;
}

function build(flat: Flat, cloud: string, source: string, keys: Record<keyof Flat, string>): CloudCredentials {
  const where = `cloud '${cloud}' (${source})`;
  // Register before anything can fail and quote them.
  redactor.add(flat.password);
  redactor.add(flat.appCredSecret);
  if (!flat.authUrl) throw credError(`${where}: ${keys.authUrl} is missing`, `Set ${keys.authUrl} to the Keystone URL: https://<keystone VIP>:5000/v3 (the keystone entry of the site's coreVips).`);
  const rawType = (flat.authType ?? (flat.appCredSecret || flat.appCredId ? 'v3applicationcredential' : 'password')).toLowerCase();
  const common = {
    cloud,
    source,
    authUrl: flat.authUrl,
    ...(flat.region ? { region: flat.region } : {}),
    ...(flat.iface ? { interface: parseInterface(flat.iface, where) as EndpointInterface } : {}),
    ...(flat.cacert ? { cacert: flat.cacert } : {}),
    ...(flat.insecure !== undefined ? { insecure: flat.insecure } : {}),
  };
  const userDomainId = flat.userDomainId ?? flat.domainId;
  const userDomainName = flat.userDomainName ?? flat.domainName;
  if (rawType === 'password' || rawType === 'v3password') {
    if (!flat.password) {
      throw credError(`${where}: ${keys.password} is missing for password auth`, `Add ${keys.password} (or put it in secure.yaml beside clouds.yaml).`);
    }
    const user = ref(flat.userId, flat.username, userDomainId, userDomainName);
    if (!user) throw credError(`${where}: neither ${keys.username} nor ${keys.userId} is set`, `Add ${keys.username} and ${keys.userDomainName}.`);
    if (!user.id && !user.domainId && !user.domainName) {
      throw credError(`${where}: user '${user.name ?? ''}' has no domain`, `Add ${keys.userDomainName} (e.g. Default) or ${keys.userDomainId}.`);
    }
    const project = ref(flat.projectId, flat.projectName, flat.projectDomainId ?? flat.domainId, flat.projectDomainName ?? flat.domainName);
    return { ...common, authType: 'password', user, password: flat.password, ...(project ? { project } : {}) };
  }
  if (rawType === 'v3applicationcredential' || rawType === 'applicationcredential' || rawType === 'v3applicationcredentials') {
    if (!flat.appCredSecret) {
      throw credError(`${where}: ${keys.appCredSecret} is missing`, `Add ${keys.appCredSecret} (it is shown only once, when the credential is created).`);
    }
    if (!flat.appCredId && !flat.appCredName) {
      throw credError(`${where}: neither ${keys.appCredId} nor ${keys.appCredName} is set`, `Add ${keys.appCredId}.`);
    }
    const user = ref(flat.userId, flat.username, userDomainId, userDomainName);
    if (!flat.appCredId && !user) {
      throw credError(`${where}: an application credential given by name needs its user`, `Add ${keys.appCredId}, or ${keys.username} with ${keys.userDomainName}.`);
    }
    return {
      ...common,
      authType: 'v3applicationcredential',
      applicationCredential: {
        ...(flat.appCredId ? { id: flat.appCredId } : {}),
        ...(flat.appCredName ? { name: flat.appCredName } : {}),
        secret: flat.appCredSecret,
        ...(user ? { user } : {}),
      },
    };
  }
  throw credError(`${where}: auth type "${flat.authType ?? ''}" is not supported`, 'Use auth_type password or v3applicationcredential.');
}

const YAML_KEYS: Record<keyof Flat, string> = {
  authType: 'auth_type',
  authUrl: 'auth.auth_url',
  username: 'auth.username',
  userId: 'auth.user_id',
  password: 'auth.password',
  userDomainName: 'auth.user_domain_name',
  userDomainId: 'auth.user_domain_id',
  projectName: 'auth.project_name',
  projectId: 'auth.project_id',
  projectDomainName: 'auth.project_domain_name',
  projectDomainId: 'auth.project_domain_id',
  domainName: 'auth.domain_name',
  domainId: 'auth.domain_id',
  appCredId: 'auth.application_credential_id',
  appCredName: 'auth.application_credential_name',
  appCredSecret: 'auth.application_credential_secret',
  region: 'region_name',
  iface: 'interface',
  cacert: 'cacert',
  insecure: 'verify',
};

const ENV_KEYS: Record<keyof Flat, string> = {
  authType: 'OS_AUTH_TYPE',
  authUrl: 'OS_AUTH_URL',
  username: 'OS_USERNAME',
  userId: 'OS_USER_ID',
  password: 'OS_PASSWORD',
  userDomainName: 'OS_USER_DOMAIN_NAME',
  userDomainId: 'OS_USER_DOMAIN_ID',
  projectName: 'OS_PROJECT_NAME',
  projectId: 'OS_PROJECT_ID',
  projectDomainName: 'OS_PROJECT_DOMAIN_NAME',
  projectDomainId: 'OS_PROJECT_DOMAIN_ID',
  domainName: 'OS_DOMAIN_NAME',
  domainId: 'OS_DOMAIN_ID',
  appCredId: 'OS_APPLICATION_CREDENTIAL_ID',
  appCredName: 'OS_APPLICATION_CREDENTIAL_NAME',
  appCredSecret: 'OS_APPLICATION_CREDENTIAL_SECRET',
  region: 'OS_REGION_NAME',
  iface: 'OS_INTERFACE',
  cacert: 'OS_CACERT',
  insecure: 'OS_INSECURE',
};

function fromCloudEntry(entry: Doc, cloud: string, path: string): CloudCredentials {
  const auth = isRecord(entry['auth']) ? entry['auth'] : {};
  const a = (k: string) => str(auth[k]);
  const verify = entry['verify'];
  const flat: Flat = {
    ...defined('authType', str(entry['auth_type'])),
    ...defined('authUrl', a('auth_url')),
    ...defined('username', a('username')),
    ...defined('userId', a('user_id')),
    ...defined('password', a('password')),
    ...defined('userDomainName', a('user_domain_name')),
    ...defined('userDomainId', a('user_domain_id')),
    ...defined('projectName', a('project_name') ?? a('tenant_name')),
    ...defined('projectId', a('project_id') ?? a('tenant_id')),
    ...defined('projectDomainName', a('project_domain_name')),
    ...defined('projectDomainId', a('project_domain_id')),
    ...defined('domainName', a('domain_name')),
    ...defined('domainId', a('domain_id')),
    ...defined('appCredId', a('application_credential_id')),
    ...defined('appCredName', a('application_credential_name')),
    ...defined('appCredSecret', a('application_credential_secret')),
    ...defined('region', str(entry['region_name'])),
    ...defined('iface', str(entry['interface']) ?? str(entry['endpoint_type'])),
    ...defined('cacert', str(entry['cacert'])),
    ...(verify === false || verify === 'false' ? { insecure: true } : {}),
  };
  const creds = build(flat, cloud, path, YAML_KEYS);
  if (creds.cacert) return { ...creds, cacert: resolve(dirname(path), creds.cacert) };
  return creds;
}

function defined<K extends keyof Flat>(key: K, value: Flat[K] | undefined): Partial<Flat> {
  return value === undefined ? {} : ({ [key]: value } as Partial<Flat>);
}

/** OS_* openrc variables; undefined when OS_AUTH_URL is absent. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): CloudCredentials | undefined {
  if (!str(env['OS_AUTH_URL'])) return undefined;
  const e = (k: string) => str(env[k]);
  const insecure = e('OS_INSECURE');
  const flat: Flat = {
    ...defined('authType', e('OS_AUTH_TYPE')),
    ...defined('authUrl', e('OS_AUTH_URL')),
    ...defined('username', e('OS_USERNAME')),
    ...defined('userId', e('OS_USER_ID')),
    ...defined('password', e('OS_PASSWORD')),
    ...defined('userDomainName', e('OS_USER_DOMAIN_NAME')),
    ...defined('userDomainId', e('OS_USER_DOMAIN_ID')),
    ...defined('projectName', e('OS_PROJECT_NAME') ?? e('OS_TENANT_NAME')),
    ...defined('projectId', e('OS_PROJECT_ID') ?? e('OS_TENANT_ID')),
    ...defined('projectDomainName', e('OS_PROJECT_DOMAIN_NAME')),
    ...defined('projectDomainId', e('OS_PROJECT_DOMAIN_ID')),
    ...defined('domainName', e('OS_DOMAIN_NAME')),
    ...defined('domainId', e('OS_DOMAIN_ID')),
    ...defined('appCredId', e('OS_APPLICATION_CREDENTIAL_ID')),
    ...defined('appCredName', e('OS_APPLICATION_CREDENTIAL_NAME')),
    ...defined('appCredSecret', e('OS_APPLICATION_CREDENTIAL_SECRET')),
    ...defined('region', e('OS_REGION_NAME')),
    ...defined('iface', e('OS_INTERFACE') ?? e('OS_ENDPOINT_TYPE')),
    ...defined('cacert', e('OS_CACERT')),
    ...(insecure !== undefined && /^(1|true|yes)$/i.test(insecure) ? { insecure: true } : {}),
  };
  return build(flat, 'OS_* environment', ENV_SOURCE, ENV_KEYS);
}

/**
 * Loads one scope's credentials. With a cloud name (or OS_CLOUD): the entry in the first
 * clouds.yaml found, merged with secure.yaml; if no file holds it and OS_AUTH_URL is set, the
 * OS_* variables. Without a cloud name: the OS_* variables.
 */
export function loadCloudCredentials(o: LoadCredentialsOptions = {}): CloudCredentials {
  const env = o.env ?? process.env;
  const cloud = o.cloud ?? str(env['OS_CLOUD']);
  const searched = cloudsFileCandidates(o);
  if (!cloud) {
    const fromEnv = credentialsFromEnv(env);
    if (fromEnv) return fromEnv;
    throw credError('no cloud named and no OS_AUTH_URL in the environment', 'Set OS_CLOUD to an entry of clouds.yaml, or source an openrc file.');
  }
  const path = findCloudsFile(o);
  let available: string[] = [];
  if (path) {
    const doc = readYaml(path, 'clouds.yaml');
    const clouds = isRecord(doc['clouds']) ? doc['clouds'] : {};
    available = Object.keys(clouds);
    let entry = clouds[cloud];
    if (entry !== undefined) {
      if (!isRecord(entry)) throw credError(`cloud '${cloud}' (${path}) is not a mapping`, 'Each cloud entry holds auth:, region_name: and so on.');
      const securePath = findSecureFile(o, path);
      if (securePath) {
        const secure = readYaml(securePath, 'secure.yaml');
        const extra = isRecord(secure['clouds']) ? secure['clouds'][cloud] : undefined;
        if (isRecord(extra)) entry = deepMerge(entry, extra);
      }
      return fromCloudEntry(entry as Doc, cloud, path);
    }
  }
  const fromEnv = credentialsFromEnv(env);
  if (fromEnv) return fromEnv;
  const where = path
    ? `cloud '${cloud}' is not in ${path} (it has: ${available.length ? available.join(', ') : 'no clouds'})`
    : `cloud '${cloud}' is wanted but there is no clouds.yaml: none of ${searched.join(', ')} exists`;
  throw credError(`${where}, and OS_AUTH_URL is not set`, path
    ? `Add '${cloud}' to ${path}, point openstack.cloudsFile or OS_CLIENT_CONFIG_FILE at the right file, or source an openrc.`
    : `Write a clouds.yaml with '${cloud}' in one of those places (or set OS_CLIENT_CONFIG_FILE / openstack.cloudsFile to yours), or source an openrc.`);
}
