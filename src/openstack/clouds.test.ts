import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCapiGateError } from '../core/errors.js';
import { redactor, REDACTED } from '../core/redact.js';
import { cloudsFileCandidates, credentialsFromEnv, findCloudsFile, loadCloudCredentials } from './clouds.js';

interface Dirs {
  root: string;
  cwd: string;
  home: string;
  system: string;
}

function dirs(): Dirs {
  const root = mkdtempSync(join(tmpdir(), 'capi-gate-clouds-'));
  const d = { root, cwd: join(root, 'cwd'), home: join(root, 'home'), system: join(root, 'etc') };
  for (const p of [d.cwd, join(d.home, '.config', 'openstack'), d.system]) mkdirSync(p, { recursive: true });
  return d;
}

function search(d: Dirs, env: NodeJS.ProcessEnv = {}) {
  return { env, cwd: d.cwd, homeDir: d.home, systemDir: d.system };
}

const ADMIN_PW = 'clouds-test-admin-pw-9f8e7d';
const AC_SECRET = 'clouds-test-appcred-secret-1a2b3c';

function cloudsYaml(extra = ''): string {
  return `clouds:
  sim-admin:
    auth:
      auth_url: http://127.0.0.1:5000/v3
      username: admin
      password: "${ADMIN_PW}"
      user_domain_name: admin_domain
      project_name: admin
      project_domain_name: admin_domain
    region_name: RegionOne
    interface: public
  sim-tenant:
    auth_type: v3applicationcredential
    auth:
      auth_url: http://127.0.0.1:5000/v3
      application_credential_id: ac-0001
      application_credential_secret: "${AC_SECRET}"
${extra}`;
}

test('password and v3applicationcredential entries', () => {
  const d = dirs();
  writeFileSync(join(d.cwd, 'clouds.yaml'), cloudsYaml());
  const admin = loadCloudCredentials({ ...search(d), cloud: 'sim-admin' });
  assert.equal(admin.authType, 'password');
  assert.equal(admin.source, join(d.cwd, 'clouds.yaml'));
  if (admin.authType !== 'password') return;
  assert.deepEqual(admin.user, { name: 'admin', domainName: 'admin_domain' });
  assert.deepEqual(admin.project, { name: 'admin', domainName: 'admin_domain' });
  assert.equal(admin.password, ADMIN_PW);
  assert.equal(admin.region, 'RegionOne');
  const tenant = loadCloudCredentials({ ...search(d), cloud: 'sim-tenant' });
  assert.equal(tenant.authType, 'v3applicationcredential');
  if (tenant.authType !== 'v3applicationcredential') return;
  assert.deepEqual(tenant.applicationCredential, { id: 'ac-0001', secret: AC_SECRET });
  // Both secrets are registered with the redactor as soon as they are read.
  assert.equal(redactor.redact(`x ${ADMIN_PW} ${AC_SECRET}`), `x ${REDACTED} ${REDACTED}`);
});

test('search order: OS_CLIENT_CONFIG_FILE, site file, ./, ~/.config/openstack, /etc/openstack', () => {
  const d = dirs();
  const envFile = join(d.root, 'env-clouds.yaml');
  const siteFile = join(d.root, 'site-clouds.yaml');
  assert.deepEqual(cloudsFileCandidates({ ...search(d, { OS_CLIENT_CONFIG_FILE: envFile }), cloudsFile: siteFile }), [
    envFile,
    siteFile,
    join(d.cwd, 'clouds.yaml'),
    join(d.home, '.config', 'openstack', 'clouds.yaml'),
    join(d.system, 'clouds.yaml'),
  ]);
  writeFileSync(join(d.system, 'clouds.yaml'), cloudsYaml());
  assert.equal(findCloudsFile(search(d)), join(d.system, 'clouds.yaml'));
  writeFileSync(join(d.home, '.config', 'openstack', 'clouds.yaml'), cloudsYaml());
  assert.equal(findCloudsFile(search(d)), join(d.home, '.config', 'openstack', 'clouds.yaml'));
  writeFileSync(join(d.cwd, 'clouds.yaml'), cloudsYaml());
  assert.equal(findCloudsFile(search(d)), join(d.cwd, 'clouds.yaml'));
  writeFileSync(siteFile, cloudsYaml());
  assert.equal(findCloudsFile({ ...search(d), cloudsFile: siteFile }), siteFile);
  writeFileSync(envFile, cloudsYaml());
  assert.equal(findCloudsFile({ ...search(d, { OS_CLIENT_CONFIG_FILE: envFile }), cloudsFile: siteFile }), envFile);
});

test('an explicitly named file that is missing is an error, not a silent fallthrough', () => {
  const d = dirs();
  writeFileSync(join(d.cwd, 'clouds.yaml'), cloudsYaml());
  const missing = join(d.root, 'nope.yaml');
  assert.throws(
    () => loadCloudCredentials({ ...search(d), cloudsFile: missing, cloud: 'sim-admin' }),
    (e: unknown) => isCapiGateError(e, 'CAPI_GATE_CREDENTIALS') && e.message.includes(missing) && /openstack\.cloudsFile/.test(e.message),
  );
  assert.throws(
    () => loadCloudCredentials({ ...search(d, { OS_CLIENT_CONFIG_FILE: missing }), cloud: 'sim-admin' }),
    (e: unknown) => isCapiGateError(e, 'CAPI_GATE_CREDENTIALS') && /OS_CLIENT_CONFIG_FILE/.test(e.message),
  );
});

test('OS_CLOUD names the entry when no cloud is passed', () => {
  const d = dirs();
  writeFileSync(join(d.cwd, 'clouds.yaml'), cloudsYaml());
  const c = loadCloudCredentials(search(d, { OS_CLOUD: 'sim-tenant' }));
  assert.equal(c.cloud, 'sim-tenant');
  assert.equal(c.authType, 'v3applicationcredential');
});

test('secure.yaml beside clouds.yaml is merged into the entry', () => {
  const d = dirs();
  const yaml = `clouds:
  sec:
    auth:
      auth_url: http://127.0.0.1:5000
      username: capi-user
      user_domain_name: capi
`;
  writeFileSync(join(d.cwd, 'clouds.yaml'), yaml);
  writeFileSync(join(d.cwd, 'secure.yaml'), 'clouds:\n  sec:\n    auth:\n      password: from-secure-yaml-77\n');
  const c = loadCloudCredentials({ ...search(d), cloud: 'sec' });
  assert.equal(c.authType, 'password');
  assert.equal(c.authType === 'password' ? c.password : '', 'from-secure-yaml-77');
  assert.equal(c.authType === 'password' ? c.user.name : '', 'capi-user');
});

test('a missing cloud names the file and the clouds it holds', () => {
  const d = dirs();
  writeFileSync(join(d.cwd, 'clouds.yaml'), cloudsYaml());
  assert.throws(
    () => loadCloudCredentials({ ...search(d), cloud: 'sim-admn' }),
    (e: unknown) =>
      isCapiGateError(e, 'CAPI_GATE_CREDENTIALS') &&
      e.message.includes(`cloud 'sim-admn' is not in ${join(d.cwd, 'clouds.yaml')} (it has: sim-admin, sim-tenant)`) &&
      (e.hint ?? '').length > 0,
  );
});

test('no clouds.yaml anywhere: the error lists the paths searched', () => {
  const d = dirs();
  assert.throws(
    () => loadCloudCredentials({ ...search(d), cloud: 'x' }),
    (e: unknown) => isCapiGateError(e, 'CAPI_GATE_CREDENTIALS') && e.message.includes(join(d.system, 'clouds.yaml')),
  );
});

test('a missing password names cloud, file and key, never another secret', () => {
  const d = dirs();
  writeFileSync(
    join(d.cwd, 'clouds.yaml'),
    `clouds:\n  broken:\n    auth:\n      auth_url: http://127.0.0.1:5000/v3\n      username: admin\n      user_domain_name: Default\n      application_credential_secret: "not-${AC_SECRET}"\n    auth_type: password\n`,
  );
  assert.throws(
    () => loadCloudCredentials({ ...search(d), cloud: 'broken' }),
    (e: unknown) =>
      isCapiGateError(e, 'CAPI_GATE_CREDENTIALS') &&
      e.message === `cloud 'broken' (${join(d.cwd, 'clouds.yaml')}): auth.password is missing for password auth` &&
      !JSON.stringify(e).includes(AC_SECRET),
  );
});

test('an app-cred without a secret, and an unsupported auth type', () => {
  const d = dirs();
  writeFileSync(
    join(d.cwd, 'clouds.yaml'),
    `clouds:\n  ac:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: http://k/v3\n      application_credential_id: x\n  oidc:\n    auth_type: v3oidcpassword\n    auth:\n      auth_url: http://k/v3\n`,
  );
  assert.throws(() => loadCloudCredentials({ ...search(d), cloud: 'ac' }), /auth\.application_credential_secret is missing/);
  assert.throws(() => loadCloudCredentials({ ...search(d), cloud: 'oidc' }), /auth type "v3oidcpassword" is not supported/);
});

test('invalid YAML reports the position, never the line (it may hold a password)', () => {
  const d = dirs();
  const pw = 'yaml-leak-check-pw-5566';
  writeFileSync(join(d.cwd, 'clouds.yaml'), `clouds:\n  a:\n    auth:\n      password: "${pw}\n    bad: [\n`);
  assert.throws(
    () => loadCloudCredentials({ ...search(d), cloud: 'a' }),
    (e: unknown) => isCapiGateError(e, 'CAPI_GATE_CREDENTIALS') && /is not valid YAML at line \d+/.test(e.message) && !JSON.stringify({ m: e.message, c: String(e.cause) }).includes(pw),
  );
});

test('OS_* openrc variables: password (admin-openrc) and application credential', () => {
  const pw = credentialsFromEnv({
    OS_AUTH_URL: 'https://127.12.4.50:5000/v3',
    OS_USERNAME: 'admin',
    OS_PASSWORD: 'env-admin-pw-4321',
    OS_USER_DOMAIN_NAME: 'admin_domain',
    OS_PROJECT_NAME: 'admin',
    OS_PROJECT_DOMAIN_NAME: 'admin_domain',
    OS_REGION_NAME: 'RegionOne',
    OS_INTERFACE: 'publicURL',
  });
  assert.ok(pw && pw.authType === 'password');
  assert.equal(pw.source, 'environment (OS_* variables)');
  assert.equal(pw.interface, 'public');
  assert.deepEqual(pw.project, { name: 'admin', domainName: 'admin_domain' });
  const ac = credentialsFromEnv({
    OS_AUTH_URL: 'https://127.12.4.50:5000/v3',
    OS_AUTH_TYPE: 'v3applicationcredential',
    OS_APPLICATION_CREDENTIAL_ID: 'ac-9',
    OS_APPLICATION_CREDENTIAL_SECRET: 'env-ac-secret-8765',
    OS_PROJECT_NAME: 'leftover', // ignored: app-creds never send a scope
  });
  assert.ok(ac && ac.authType === 'v3applicationcredential');
  assert.deepEqual(ac.applicationCredential, { id: 'ac-9', secret: 'env-ac-secret-8765' });
  assert.equal(credentialsFromEnv({}), undefined);
  assert.equal(redactor.redact('env-ac-secret-8765'), REDACTED);
});

test('a cloud absent from clouds.yaml falls back to OS_* variables; neither is an error', () => {
  const d = dirs();
  writeFileSync(join(d.cwd, 'clouds.yaml'), cloudsYaml());
  const env = { OS_AUTH_URL: 'http://127.0.0.1:5000/v3', OS_USERNAME: 'admin', OS_PASSWORD: 'env-fallback-pw-1', OS_USER_DOMAIN_NAME: 'Default' };
  const c = loadCloudCredentials({ ...search(d, env), cloud: 'not-there' });
  assert.equal(c.source, 'environment (OS_* variables)');
  assert.throws(() => loadCloudCredentials(search(d)), (e: unknown) => isCapiGateError(e, 'CAPI_GATE_CREDENTIALS') && /OS_CLOUD/.test(e.hint ?? ''));
});

test('cacert is resolved next to clouds.yaml; verify: false means insecure', () => {
  const d = dirs();
  writeFileSync(
    join(d.cwd, 'clouds.yaml'),
    `clouds:\n  t:\n    cacert: ca/bundle.pem\n    verify: false\n    auth:\n      auth_url: https://k/v3\n      user_id: u1\n      password: cacert-test-pw-1\n`,
  );
  const c = loadCloudCredentials({ ...search(d), cloud: 't' });
  assert.equal(c.cacert, join(d.cwd, 'ca', 'bundle.pem'));
  assert.equal(c.insecure, true);
});
