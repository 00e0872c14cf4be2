import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { EXAMPLE_SITE } from '../../test/helpers.js';
import { CapiGateError } from '../core/errors.js';
import { parseSite } from '../site/load.js';
import type { Facts, JujuAppFact } from './discover.js';
import { knownHostsPort } from './discover.js';
import { drift } from './drift.js';
import { renderSite, validateEntries } from './render.js';
import { draftSite } from './rules.js';

const exampleText = readFileSync(EXAMPLE_SITE, 'utf8');
const example = parseSite(exampleText, EXAMPLE_SITE).site;
const exampleRaw = parseDocument(exampleText).toJS() as unknown;
const clouds = { admin: 'roosevelt-admin', tenant: 'roosevelt-capi' };

const img = (name: string, kv: string | undefined, extra: Partial<Facts['images'][number]> = {}): Facts['images'][number] => ({
  id: `id-${name}`, name, status: 'active', visibility: 'public', diskFormat: 'qcow2', containerFormat: 'bare', size: 1, owner: 'o', hidden: false,
  hashAlgo: 'sha512', hashValue: 'a'.repeat(128), createdAt: '2026-01-01T00:00:00Z', kubeVersion: kv, osDistro: 'ubuntu', failedImport: undefined,
  properties: { ...(kv ? { kube_version: kv } : {}), os_distro: 'ubuntu' }, ...extra,
});
const app = (name: string, charm: string, units: [string, string, string[]][], config: Record<string, string> = {}): JujuAppFact => ({
  name, charm, subordinate: false, config, units: units.map(([n, address, ports]) => ({ name: n, address, ports })),
});

function facts(over: Partial<Facts> = {}): Facts {
  return {
    cloudsFile: '/kit/clouds.yaml',
    admin: { authType: 'password', cloud: 'roosevelt-admin', source: '/kit/clouds.yaml', authUrl: 'http://127.0.0.1:5000/v3', user: { name: 'admin' }, password: 'secret-pw-1', region: 'RegionOne' },
    tenant: { authType: 'password', cloud: 'roosevelt-capi', source: '/kit/clouds.yaml', authUrl: 'http://127.0.0.1:5000/v3', user: { name: 'capi' }, password: 'secret-pw-2' },
    adminProject: { name: 'admin', domain: 'admin_domain' },
    project: { name: 'capi-mgmt', domain: 'capi', id: 'p1' },
    tenantRoles: ['member', 'reader', 'load-balancer_member'],
    identityEndpoint: 'https://127.12.4.50:5000/v3',
    images: [img('ubuntu-jammy-kube-v1.34.8', 'v1.34.8'), img('ubuntu-jammy-kube-v1.33.2', 'v1.33.2'), img('cirros', undefined)],
    templates: { ok: true, value: [] },
    flavors: [{ id: 'f1', name: 'gp.mid', ramMb: 8192, vcpus: 2, diskGb: 40 }, { id: 'f2', name: 'capi.node', ramMb: 4096, vcpus: 2, diskGb: 40 }, { id: 'f3', name: 'tiny', ramMb: 512, vcpus: 1, diskGb: 1 }],
    keypairs: ['capi-mgmt-key'],
    servers: [{ id: 's1', name: 'capi-mgmt-v2', status: 'ACTIVE', projectId: 'p1', keyName: 'capi-mgmt-key', vmState: 'active', powerState: 1, taskState: undefined, host: undefined, flavorId: 'f1', addresses: [{ network: 'n', addr: '127.20.0.5', type: 'fixed' }, { network: 'n', addr: '127.12.7.41', type: 'floating' }] }],
    floatingIps: [{ id: 'fip', floatingIpAddress: '127.12.7.41', floatingNetworkId: 'net-b', fixedIpAddress: '127.20.0.5', portId: 'port', routerId: 'r', status: 'ACTIVE', projectId: 'p1' }],
    externalNetworks: [
      { id: 'net-a', name: 'other-ext', status: 'ACTIVE', subnetIds: ['sa'], external: true, shared: false, projectId: 'a' },
      { id: 'net-b', name: 'provider-ext', status: 'ACTIVE', subnetIds: ['sb'], external: true, shared: false, projectId: 'a' },
    ],
    externalSubnets: [{ id: 'sa', name: 'a', networkId: 'net-a', cidr: '127.12.9.0/24', ipVersion: 4, gatewayIp: undefined, projectId: 'a' }, { id: 'sb', name: 'b', networkId: 'net-b', cidr: '127.12.7.0/24', ipVersion: 4, gatewayIp: undefined, projectId: 'a' }],
    providers: { ok: true, value: ['amphora', 'octavia'] },
    juju: {
      ok: true,
      value: {
        binary: '/usr/bin/juju', model: 'openstack', apps: [
          app('keystone', 'keystone', [['keystone/0', '127.12.5.10', ['5000/tcp']]], { vip: '127.12.4.50' }),
          app('openstack-dashboard', 'openstack-dashboard', [['openstack-dashboard/0', '127.12.5.34', ['80/tcp', '443/tcp']]], { vip: '127.12.4.58 127.12.4.60' }),
          app('nova-cloud-controller', 'nova-cloud-controller', [['nova-cloud-controller/0', '127.12.5.30', ['8774/tcp', '8775/tcp']]], { vip: '127.12.4.56', 'os-public-hostname': 'nova.example.org' }),
          app('vault', 'vault', [['vault/0', '127.12.4.61', ['8200/tcp']], ['vault/1', '127.12.4.62', ['8200/tcp']]]),
          app('compute', 'nova-compute', [['compute/0', '127.12.4.11', []]]),
          app('mysql-innodb-cluster', 'mysql-innodb-cluster', [['mysql-innodb-cluster/0', '127.12.5.40', []]]),
        ],
      },
    },
    virsh: { ok: true, value: { binary: '/usr/bin/virsh', uri: 'qemu:///system', domains: ['juju-controller', 'infra-1'] } },
    files: { caBundle: { path: '/kit/ca.pem', where: 'beside clouds.yaml' }, fipEnvFile: { path: '/kit/capi-mgmt-net.env', where: 'beside clouds.yaml' }, fipValue: '127.12.7.41', sshPort: undefined, sshKey: { path: '/kit/id_ed25519', where: 'beside clouds.yaml' }, knownHosts: { path: '/kit/known_hosts', where: 'beside clouds.yaml' }, kubeconfig: undefined },
    ...over,
  };
}

const valueOf = (d: ReturnType<typeof draftSite>, path: string) => d.entries.find((e) => e.path.join('.') === path);

test('init picks by the runbook rules: newest kube_version, the FIP network, VIPs from juju config in address order', () => {
  const d = draftSite(facts(), { site: example }, clouds);
  assert.equal(valueOf(d, 'site')?.value, 'roosevelt');
  assert.equal(valueOf(d, 'image.name')?.value, 'ubuntu-jammy-kube-v1.34.8');
  assert.match(valueOf(d, 'image.name')?.from ?? '', /newest of 2; also: ubuntu-jammy-kube-v1\.33\.2 v1\.33\.2/);
  assert.equal(valueOf(d, 'externalNetwork')?.value, 'provider-ext');
  assert.match(valueOf(d, 'externalNetwork')?.from ?? '', /floating IP 127\.12\.7\.41.*also: other-ext \(127\.12\.9\.0\/24\)/);
  assert.deepEqual(valueOf(d, 'coreVips')?.value, [
    { name: 'keystone', url: 'https://127.12.4.50:5000/v3' },
    { name: 'nova', url: 'https://nova.example.org:8774/' },
    { name: 'horizon', url: 'https://127.12.4.58/' },
    { name: 'horizon-2', url: 'https://127.12.4.60/' },
  ]);
  assert.deepEqual(valueOf(d, 'vault.units')?.value, ['https://127.12.4.61:8200', 'https://127.12.4.62:8200']);
  assert.equal(valueOf(d, 'juju.computeApplication')?.value, 'compute');
  assert.equal(valueOf(d, 'mgmtVm.probe')?.value, '127.12.4.50:5000');
  assert.equal(valueOf(d, 'template.name')?.kind, 'choice');
  assert.equal(d.warnings.length, 0);
});

test('a calico template on a present image wins over a flannel one and the runbook name', () => {
  const t = (name: string, image: string, driver: string) => ({
    uuid: name, name, coe: 'kubernetes', imageId: image, flavorId: 'capi.node', masterFlavorId: 'gp.mid', externalNetworkId: 'other-ext', networkDriver: driver, keypairId: undefined,
    dnsNameserver: '1.1.1.1', dockerStorageDriver: 'overlay2', labels: { fixed_subnet_cidr: '127.30.0.0/24' }, masterLbEnabled: true, floatingIpEnabled: true, tlsDisabled: false,
    serverType: 'vm', clusterDistro: 'ubuntu', public: false, projectId: 'p1', createdAt: '2026-01-01T00:00:00Z',
  });
  const d = draftSite(facts({ templates: { ok: true, value: [t('capi-k8s-v1-34', 'ubuntu-jammy-kube-v1.34.8', 'flannel'), t('good', 'ubuntu-jammy-kube-v1.34.8', 'calico'), t('gone', 'missing', 'calico')] } }), { site: example }, clouds);
  assert.equal(valueOf(d, 'template.name')?.value, 'good');
  assert.match(valueOf(d, 'template.name')?.from ?? '', /capi-k8s-v1-34 \(network driver flannel\).*gone \(image missing absent\)/);
  assert.equal(valueOf(d, 'externalNetwork')?.value, 'other-ext');
  assert.equal(valueOf(d, 'workloadCidr')?.value, '127.30.0.0/24');
});

test('bad cases: no load-balancer_member warns (D-039), no kube image and no juju become TODOs that plan refuses', () => {
  const d = draftSite(facts({ tenantRoles: ['member', 'reader'], images: [img('cirros', undefined)], juju: { ok: false, reason: 'juju is not on PATH' } }), { site: example }, clouds);
  assert.ok(d.warnings.some((w) => /D-039 will fail/.test(w)));
  for (const p of ['image.name', 'image.url', 'coreVips', 'vault.units', 'juju.model']) assert.equal(valueOf(d, p)?.kind, 'todo', p);
  assert.match(String(valueOf(d, 'image.name')?.value), /^TODO\(8\.0 stage-and-verify, FINDING-3\)/);
  const entries = validateEntries(d.entries, exampleRaw);
  const text = renderSite({ entries, warnings: d.warnings }, ['header']);
  assert.match(text, /# WARNING|D-039/);
  assert.doesNotMatch(text, /secret-pw/);
  let err: unknown;
  try {
    parseSite(text, 'new.yaml');
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof CapiGateError);
  assert.equal(err.code, 'CAPI_GATE_SITE_TODO');
  assert.equal(err.exitCode, 2);
  assert.match(err.message, /new\.yaml:\d+: image\.name: TODO\(8\.0 stage-and-verify/);
  assert.match(err.message, /new\.yaml:\d+: coreVips: TODO/);
});

test('the rendered file carries a from comment on every value and validates', () => {
  const d = draftSite(facts(), { site: example }, clouds);
  const entries = validateEntries(d.entries, exampleRaw);
  const text = renderSite({ entries, warnings: [] }, ['header']);
  assert.match(text, /^ {2}name: ubuntu-jammy-kube-v1\.34\.8 # from: glance image list, kube_version=v1\.34\.8/m);
  assert.match(text, /# from: juju config APP vip/);
  assert.match(text, /domains: \[ juju-controller, infra-1 \] # from: virsh list --all/);
  const loaded = parseSite(text, '/kit/new.yaml').site;
  assert.equal(loaded.image.name, 'ubuntu-jammy-kube-v1.34.8');
  assert.equal(loaded.hypervisor.libvirtUri, 'qemu:///system');
});

test('the mgmt VM SSH port comes from a [FIP]:PORT known_hosts entry', () => {
  assert.equal(knownHostsPort('127.0.0.1 ssh-ed25519 AAAA\n[127.12.7.41]:2222,[other]:22 ssh-ed25519 AAAA\n', '127.12.7.41'), 2222);
  assert.equal(knownHostsPort('127.12.7.41 ssh-ed25519 AAAA\n', '127.12.7.41'), undefined);
  const f = facts();
  const d = draftSite({ ...f, files: { ...f.files, sshPort: 2222 } }, { site: example }, clouds);
  assert.equal(valueOf(d, 'mgmtVm.sshPort')?.value, 2222);
});

test('a discovered value the schema refuses becomes a TODO saying why', () => {
  const d = draftSite(facts({ images: [img('k', '1.34.8')] }), { site: example }, clouds);
  const entries = validateEntries(d.entries, exampleRaw);
  assert.match(String(entries.find((e) => e.path.join('.') === 'image.kubeVersion')?.value), /^TODO\(site schema\): "1\.34\.8".*must look like v1\.34\.8/);
});

test('drift: a newer image, a moved VIP and an added Vault unit are reported; the same cloud is no drift', () => {
  const site = parseDocument(renderSite({ entries: validateEntries(draftSite(facts(), { site: example }, clouds).entries, exampleRaw), warnings: [] }, ['h'])).toJS() as Record<string, unknown>;
  assert.deepEqual(drift(site, draftSite(facts(), { site: site as never }, clouds)).drifts, []);
  const f = facts();
  const moved = facts({
    images: [...f.images, img('ubuntu-jammy-kube-v1.35.0', 'v1.35.0')],
    juju: f.juju.ok ? { ok: true, value: { ...f.juju.value, apps: f.juju.value.apps.map((a) => (a.name === 'keystone' ? { ...a, config: { vip: '127.12.4.70' } } : a.name === 'vault' ? { ...a, units: [...a.units, { name: 'vault/2', address: '127.12.4.64', ports: ['8200/tcp'] }] } : a)) } } : f.juju,
  });
  const msgs = drift(site, draftSite(moved, { site: site as never }, clouds)).drifts.map((x) => x.message);
  assert.ok(msgs.some((m) => /the site names image ubuntu-jammy-kube-v1\.34\.8; the cloud's newest image with kube_version is ubuntu-jammy-kube-v1\.35\.0/.test(m)), msgs.join('\n'));
  assert.ok(msgs.some((m) => /VIP keystone moved: the site has https:\/\/127\.12\.4\.50:5000\/v3, juju now https:\/\/127\.12\.4\.70:5000\/v3/.test(m)), msgs.join('\n'));
  assert.ok(msgs.some((m) => /a Vault unit was added: https:\/\/127\.12\.4\.64:8200/.test(m)), msgs.join('\n'));
});

test('a TODO anywhere (in a list item too) is found with its path and line', () => {
  const text = exampleText.replace(/url: "https:\/\/[\d.]+:9311\/"/, 'url: "TODO(D-011.2): the barbican VIP"').replace('domains: [juju-controller, infra-1, infra-2, infra-3]', 'domains: [juju-controller, "TODO(D-011.7): more"]');
  let err: unknown;
  try {
    parseSite(text, 'x.yaml');
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof CapiGateError && err.code === 'CAPI_GATE_SITE_TODO');
  const lines = text.split('\n');
  const lineOf = (s: string) => lines.findIndex((l) => l.includes(s)) + 1;
  assert.match(err.message, new RegExp(`x\\.yaml:${lineOf('the barbican VIP')}: coreVips\\[1\\]\\.url: TODO\\(D-011\\.2\\)`));
  assert.match(err.message, new RegExp(`x\\.yaml:${lineOf('TODO(D-011.7)')}: hypervisor\\.domains\\[1\\]: TODO\\(D-011\\.7\\): more`));
});
