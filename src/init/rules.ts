// The runbook's rules that turn what the cloud shows (Facts) into site-file values: each value
// with where it came from, each choice (not a fact) marked as the runbook's, and a TODO with its
// runbook section for what cannot be discovered. No I/O.

import type { SiteInput } from '../site/schema.js';
import type { ClusterTemplate, Flavor, Image } from '../openstack/index.js';
import type { Facts, JujuAppFact } from './discover.js';
import { API_CHARMS } from './discover.js';

export type Path = readonly (string | number)[];

export interface Entry {
  readonly path: Path;
  readonly value: unknown;
  /** The comment: where it came from. */
  readonly from: string;
  readonly kind: 'fact' | 'choice' | 'todo';
}

export interface Draft {
  readonly entries: readonly Entry[];
  /** What the operator must know (D-039 will fail ...), printed and written at the top. */
  readonly warnings: readonly string[];
}

/** A TODO value: the string plan and run refuse (src/site/load.ts TODO_PATTERN). */
export function todoValue(section: string, what: string): string {
  return `TODO(${section}): ${what}`;
}

/** v1.34.8 -> [1, 34, 8]; anything else sorts last. */
export function kubeVersionKey(v: string | undefined): number[] {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v ?? '');
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [-1, -1, -1];
}

function compareVersionsDesc(a: string | undefined, b: string | undefined): number {
  const x = kubeVersionKey(a);
  const y = kubeVersionKey(b);
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0);
  return 0;
}

function ipKey(ip: string): number {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  return m ? ((Number(m[1]) * 256 + Number(m[2])) * 256 + Number(m[3])) * 256 + Number(m[4]) : Number.MAX_SAFE_INTEGER;
}

/** The runbook's values for the choices and for what a template would be created with. */
export interface RunbookDefaults {
  readonly site: Pick<SiteInput, 'image' | 'template' | 'cluster' | 'workloadCidr' | 'flavors' | 'externalNetwork' | 'keypair' | 'mgmtVm' | 'clusterCreatorRoles' | 'reservedHostMemoryMb'>;
}

export function draftSite(f: Facts, rb: RunbookDefaults, clouds: { admin: string; tenant: string }): Draft {
  const entries: Entry[] = [];
  const warnings: string[] = [];
  const fact = (path: Path, value: unknown, from: string) => entries.push({ path, value, from, kind: 'fact' });
  const choice = (path: Path, value: unknown, from: string) => entries.push({ path, value, from, kind: 'choice' });
  const todo = (path: Path, section: string, what: string) => entries.push({ path, value: todoValue(section, what), from: `not discoverable: ${section}`, kind: 'todo' });
  const r = rb.site;

  // site + openstack.
  const siteName = (clouds.admin.replace(/[-_.]?admin$/i, '') || f.project.name).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'site';
  choice(['site'], siteName, `choice: from the admin cloud's name (${clouds.admin}); runs are grouped by it`);
  fact(['openstack', 'clouds', 'admin'], clouds.admin, '--admin-cloud');
  fact(['openstack', 'clouds', 'tenant'], clouds.tenant, '--tenant-cloud');
  if (f.cloudsFile) fact(['openstack', 'cloudsFile'], f.cloudsFile, 'the clouds.yaml found (OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack)');
  fact(['openstack', 'region'], f.admin.region ?? 'RegionOne', f.admin.region ? `clouds.yaml ${clouds.admin} region_name` : 'default (no region_name in the cloud entry)');
  fact(['openstack', 'interface'], f.admin.interface ?? 'public', f.admin.interface ? `clouds.yaml ${clouds.admin} interface` : 'default');

  // Keystone.
  fact(['project', 'name'], f.project.name, `keystone: the project cloud ${clouds.tenant} is scoped to`);
  fact(['project', 'domain'], f.project.domain, `keystone: domain of project ${f.project.name}`);
  fact(['adminProject', 'name'], f.adminProject.name, `keystone: the admin token's project (${clouds.admin})`);
  fact(['adminProject', 'domain'], f.adminProject.domain, 'keystone: its domain');
  const wantRoles = r.clusterCreatorRoles ?? ['member', 'reader', 'load-balancer_member'];
  const missing = wantRoles.filter((x) => !f.tenantRoles.includes(x));
  choice(['clusterCreatorRoles'], wantRoles, `runbook D-039; the creator holds now: ${f.tenantRoles.join(', ') || '(none)'}${missing.length ? `; MISSING ${missing.join(', ')}` : ''}`);
  if (missing.includes('load-balancer_member')) {
    warnings.push(`D-039 will fail: the cluster creator (cloud ${clouds.tenant}) lacks load-balancer_member on ${f.project.name}: openstack role add --user <creator> --project ${f.project.name} load-balancer_member`);
  } else if (missing.length) {
    warnings.push(`D-039: the cluster creator lacks ${missing.join(', ')} on ${f.project.name}`);
  }

  // Glance: images carrying kube_version and os_distro; the newest kube_version wins.
  const kubeImages = f.images.filter((i) => i.kubeVersion && i.osDistro && i.status === 'active' && !i.hidden)
    .sort((a, b) => compareVersionsDesc(a.kubeVersion, b.kubeVersion) || (Date.parse(b.createdAt ?? '') || 0) - (Date.parse(a.createdAt ?? '') || 0));
  const image: Image | undefined = kubeImages[0];
  const others = kubeImages.slice(1).map((i) => `${i.name} ${i.kubeVersion ?? ''}`);
  if (image) {
    fact(['image', 'name'], image.name, `glance image list, kube_version=${image.kubeVersion ?? ''}${kubeImages.length > 1 ? ` (newest of ${kubeImages.length}; also: ${others.join(', ')})` : ''}`);
    fact(['image', 'kubeVersion'], image.kubeVersion, `glance: property kube_version of ${image.name}`);
    fact(['image', 'osDistro'], image.osDistro, `glance: property os_distro of ${image.name}`);
    const rbImage = r.image;
    if (rbImage && rbImage.name === image.name) {
      choice(['image', 'url'], rbImage.url, 'runbook 8.0 stage-and-verify manifest for this image (used only when it must be seeded again)');
      choice(['image', 'sha512'], rbImage.sha512, 'runbook 8.0 stage-and-verify manifest (FINDING-3)');
    } else {
      todo(['image', 'url'], '8.0 stage-and-verify, FINDING-3', `the qcow2 URL ${image.name} was staged from (used only when it must be seeded again)`);
      if (image.hashAlgo === 'sha512' && image.hashValue) fact(['image', 'sha512'], image.hashValue, `glance: os_hash_value (os_hash_algo=sha512) of ${image.name}`);
      else todo(['image', 'sha512'], '8.0 stage-and-verify, FINDING-3', 'the sha512 of the qcow2 from its manifest');
    }
  } else {
    const noKv = f.images.filter((i) => !i.kubeVersion).map((i) => i.name).slice(0, 5);
    warnings.push(`no image carries kube_version and os_distro${noKv.length ? ` (images without kube_version: ${noKv.join(', ')})` : ''}: 8.0 stage-and-verify seeds one (FINDING-3) once the image TODOs are filled`);
    for (const k of ['name', 'kubeVersion', 'osDistro', 'url', 'sha512']) {
      todo(['image', k], '8.0 stage-and-verify, FINDING-3', `no image in Glance carries kube_version; the ${k} of the image to stage (the runbook's manifest)`);
    }
  }

  // Magnum: a kubernetes template whose image is present and whose network driver is calico (DOCFIX-032).
  const present = (ref: string | undefined) => f.images.some((i) => ref !== undefined && (i.name === ref || i.id === ref));
  const templates = f.templates.ok ? f.templates.value.filter((t) => t.coe === 'kubernetes') : [];
  const usable = templates.filter((t) => present(t.imageId) && t.networkDriver === 'calico');
  const ranked = [...usable].sort((a, b) => Number(isImage(b, image)) - Number(isImage(a, image)) || Number(b.name === r.template?.name) - Number(a.name === r.template?.name) || (Date.parse(a.createdAt ?? '') || 0) - (Date.parse(b.createdAt ?? '') || 0));
  const tpl: ClusterTemplate | undefined = ranked[0];
  const skipped = templates.filter((t) => t !== tpl).map((t) => `${t.name} (${!present(t.imageId) ? `image ${t.imageId ?? '?'} absent` : t.networkDriver !== 'calico' ? `network driver ${t.networkDriver ?? '?'}` : `image ${t.imageId ?? '?'}`})`);
  if (tpl) {
    fact(['template', 'name'], tpl.name, `magnum cluster template list: coe kubernetes, image ${tpl.imageId ?? ''} present, network driver calico${skipped.length ? `; not: ${skipped.join(', ')}` : ''}`);
    fact(['template', 'networkDriver'], 'calico', `magnum: ${tpl.name} network_driver (DOCFIX-032)`);
    if (tpl.dnsNameserver) fact(['template', 'dnsNameserver'], tpl.dnsNameserver, `magnum: ${tpl.name} dns_nameserver`);
    if (tpl.dockerStorageDriver) fact(['template', 'dockerStorageDriver'], tpl.dockerStorageDriver, `magnum: ${tpl.name} docker_storage_driver`);
    fact(['template', 'masterLbEnabled'], true, `magnum: ${tpl.name} master_lb_enabled=${String(tpl.masterLbEnabled)}${tpl.masterLbEnabled ? '' : ' (8.0.template will flag it: the driver always makes an API LB)'}`);
    fact(['template', 'floatingIpEnabled'], tpl.floatingIpEnabled, `magnum: ${tpl.name} floating_ip_enabled`);
    fact(['template', 'labels'], tpl.labels, `magnum: ${tpl.name} labels`);
    if (image && tpl.imageId !== image.name && tpl.imageId !== image.id) warnings.push(`template ${tpl.name} uses image ${tpl.imageId ?? '?'}, not the newest kube image ${image.name}: review image and template together`);
  } else {
    const rt = r.template;
    const clash = templates.find((t) => t.name === rt?.name);
    choice(['template', 'name'], rt?.name, `runbook ENV(template): no usable template${f.templates.ok ? '' : ` (magnum unreadable: ${f.templates.reason})`}${skipped.length ? ` (not: ${skipped.join(', ')})` : ''}; 8.0 template creates it${clash ? `; a template of this name exists with network driver ${clash.networkDriver ?? '?'} -- 8.0.template will flag it (DOCFIX-032)` : ''}`);
    choice(['template', 'networkDriver'], 'calico', 'runbook: DOCFIX-032 pins calico');
    choice(['template', 'dnsNameserver'], rt?.dnsNameserver ?? '8.8.8.8', 'runbook 8.0 template flags');
    choice(['template', 'dockerStorageDriver'], rt?.dockerStorageDriver ?? 'overlay2', 'runbook 8.0 template flags');
    choice(['template', 'masterLbEnabled'], true, 'runbook: the CAPI Helm driver always provisions an API LB');
    choice(['template', 'floatingIpEnabled'], rt?.floatingIpEnabled ?? true, 'runbook 8.0 template flags');
    const provider = f.providers.ok ? (f.providers.value.includes('amphora') ? 'amphora' : f.providers.value[0]) : 'amphora';
    choice(['template', 'labels'], { fixed_subnet_cidr: r.workloadCidr ?? '10.20.16.0/24', octavia_provider: provider ?? 'amphora' }, `runbook labels; octavia_provider from ${f.providers.ok ? `octavia providers (${f.providers.value.join(', ')})` : 'the runbook (octavia providers unreadable)'}`);
  }
  if (!f.providers.ok) warnings.push(`octavia is not reachable as the tenant (${f.providers.reason}): D-011.4 and the Service LB of 8.3 need it`);

  // The mgmt VM (D-011.3): the project's server with a floating IP.
  const withFip = f.servers.filter((s) => s.addresses.some((a) => a.type === 'floating'));
  const fipMatch = f.files.fipValue ? withFip.find((s) => s.addresses.some((a) => a.addr === f.files.fipValue)) : undefined;
  const vm = fipMatch ?? withFip.find((s) => s.name === r.mgmtVm?.name) ?? (withFip.length === 1 ? withFip[0] : withFip.find((s) => /mgmt/.test(s.name)));
  const vmFip = vm?.addresses.find((a) => a.type === 'floating')?.addr;
  const vmFipNet = f.floatingIps.find((x) => x.floatingIpAddress === vmFip)?.floatingNetworkId;

  // Neutron: the external network.
  const byRef = (ref: string | undefined) => f.externalNetworks.find((n) => ref !== undefined && (n.name === ref || n.id === ref));
  const ext = byRef(tpl?.externalNetworkId) ?? f.externalNetworks.find((n) => n.id === vmFipNet) ?? byRef(r.externalNetwork) ?? (f.externalNetworks.length === 1 ? f.externalNetworks[0] : undefined);
  const extWhy = ext === undefined ? '' : ext === byRef(tpl?.externalNetworkId) ? `template ${tpl?.name ?? ''} external_network_id` : ext.id === vmFipNet ? `the network of the mgmt VM's floating IP ${vmFip ?? ''}` : ext.name === r.externalNetwork ? "runbook's name ENV(ext-net)" : 'the only one';
  const subnetsOf = (id: string) => f.externalSubnets.filter((s) => s.networkId === id).map((s) => s.cidr).join(', ') || 'none visible';
  const otherNets = f.externalNetworks.filter((n) => n !== ext).map((n) => `${n.name} (${subnetsOf(n.id)})`);
  if (ext) fact(['externalNetwork'], ext.name, `neutron network list --external: ${extWhy}; subnets ${subnetsOf(ext.id)}${otherNets.length ? `; also: ${otherNets.join(', ')}` : ''}`);
  else todo(['externalNetwork'], '8.0 prereqs, ENV(ext-net)', f.externalNetworks.length ? `one of ${f.externalNetworks.map((n) => n.name).join(', ')}` : 'no external network is visible to the tenant');

  // Nova: keypair and flavors.
  const kp = [tpl?.keypairId, vm?.keyName, r.keypair].find((k) => k !== undefined && f.keypairs.includes(k)) ?? (f.keypairs.length === 1 ? f.keypairs[0] : undefined);
  if (kp) fact(['keypair'], kp, `nova keypair list${kp === tpl?.keypairId ? ` (template ${tpl?.name ?? ''})` : kp === vm?.keyName ? ` (the mgmt VM's key)` : ''}${f.keypairs.length > 1 ? `; also: ${f.keypairs.filter((k) => k !== kp).join(', ')}` : ''}`);
  else todo(['keypair'], '8.0 prereqs, ENV(keypair)', f.keypairs.length ? `one of ${f.keypairs.join(', ')}` : 'the creator has no keypair: openstack keypair create');
  const pickFlavor = (role: 'master' | 'worker', ref: string | undefined) => {
    const min = r.flavors?.[role] ?? { name: '', minRamMb: role === 'master' ? 8192 : 4096, minVcpus: 2 };
    const ok = (x: Flavor) => x.ramMb >= min.minRamMb && x.vcpus >= min.minVcpus;
    const fromTpl = f.flavors.find((x) => ref !== undefined && (x.name === ref || x.id === ref));
    const rbName = f.flavors.find((x) => x.name === min.name && ok(x));
    const smallest = f.flavors.filter(ok).sort((a, b) => a.ramMb - b.ramMb || a.vcpus - b.vcpus || a.name.localeCompare(b.name))[0];
    const pick = fromTpl ?? rbName ?? smallest;
    const why = pick === fromTpl ? `template ${tpl?.name ?? ''} ${role === 'master' ? 'master_flavor_id' : 'flavor_id'}` : pick === rbName ? "the runbook's name" : 'the smallest that meets the minimums';
    if (pick) {
      fact(['flavors', role, 'name'], pick.name, `nova flavor list: ${why}, ${pick.ramMb} MB / ${pick.vcpus} vCPU${ok(pick) ? '' : ' -- BELOW the minimums, 8.0 will fail'}`);
    } else {
      todo(['flavors', role, 'name'], '8.0 prereqs, ENV(flavors)', `no flavor has ${min.minRamMb} MB and ${min.minVcpus} vCPUs`);
    }
    choice(['flavors', role, 'minRamMb'], min.minRamMb, "runbook: the driver's minimum");
    choice(['flavors', role, 'minVcpus'], min.minVcpus, "runbook: the driver's minimum");
  };
  pickFlavor('master', tpl?.masterFlavorId);
  pickFlavor('worker', tpl?.flavorId);

  // Choices.
  const cl = r.cluster ?? { name: 'capi-test-1', masterCount: 1, nodeCount: 2 };
  choice(['cluster', 'name'], cl.name, 'choice: runbook ENV(cluster)');
  choice(['cluster', 'masterCount'], cl.masterCount ?? 1, 'choice: runbook, as built');
  choice(['cluster', 'nodeCount'], cl.nodeCount ?? 2, 'choice: runbook, as built');
  const cidr = tpl?.labels['fixed_subnet_cidr'];
  if (cidr) fact(['workloadCidr'], cidr, `magnum: ${tpl?.name ?? ''} label fixed_subnet_cidr`);
  else choice(['workloadCidr'], r.workloadCidr ?? '10.20.16.0/24', 'choice: runbook ENV(workload-cidr)');

  // juju: VIPs, Vault, compute, ignored charms.
  const vipTodo = (path: Path, what: string) => todo(path, 'D-011.1/D-011.2/D-011.6/D-040', `${what} (juju: ${f.juju.ok ? '' : f.juju.reason})`);
  let keystoneHostPort: string | undefined;
  if (f.juju.ok) {
    const j = f.juju.value;
    const hasVault = j.apps.some((a) => a.charm === 'vault');
    const scheme = hasVault ? 'https' : 'http';
    const vips: { name: string; url: string; ip: string; app: string }[] = [];
    for (const a of j.apps) {
      const base = API_CHARMS[a.charm];
      if (!base || a.subordinate || !a.config['vip']) continue;
      const host = a.config['os-public-hostname'];
      a.config['vip'].split(/\s+/).filter(Boolean).forEach((ip, i) => {
        const port = servicePort(a);
        const h = host && i === 0 ? host : ip;
        const url = `${scheme}://${h}${port && !(scheme === 'https' && port === 443) && !(scheme === 'http' && port === 80) ? `:${port}` : ''}${base === 'keystone' ? '/v3' : '/'}`;
        vips.push({ name: i === 0 ? base : `${base}-${i + 1}`, url, ip, app: a.name });
      });
    }
    vips.sort((a, b) => ipKey(a.ip) - ipKey(b.ip));
    const ignored = j.apps.filter((a) => !API_CHARMS[a.charm] && a.charm !== 'vault' && a.charm !== 'nova-compute' && !a.subordinate).map((a) => a.name);
    if (vips.length) fact(['coreVips'], vips.map((v) => ({ name: v.name, url: v.url })), `juju config APP vip (model ${j.model}), ${scheme}${hasVault ? ' (Vault issues the certificates)' : ''}; ports from open-ports; not VIPs: ${ignored.join(', ')}`);
    else vipTodo(['coreVips'], 'no API application has a vip set');
    const ks = vips.find((v) => v.name === 'keystone');
    if (ks) keystoneHostPort = `${ks.ip}:${new URL(ks.url).port || (scheme === 'https' ? '443' : '80')}`;
    const gss = j.apps.filter((a) => a.charm === 'glance-simplestreams-sync');
    const oos = gss.flatMap((a) => a.units.filter((u) => u.address).map((u) => {
      const port = firstTcpPort(u.ports);
      return { name: 'gss', url: `http://${u.address ?? ''}${port && port !== 80 ? `:${port}` : ''}/`, reason: 'DOCFIX-039: unit-IP endpoint, no jumphost route' };
    }));
    if (oos.length) fact(['outOfScopeEndpoints'], oos, 'juju status: glance-simplestreams-sync answers on its unit IP only (DOCFIX-039)');
    const vault = j.apps.find((a) => a.charm === 'vault');
    if (vault && vault.units.length) fact(['vault', 'units'], vault.units.map((u) => `https://${u.address ?? ''}:${firstTcpPort(u.ports) ?? 8200}`), `juju status: the ${vault.units.length} units of ${vault.name}`);
    else vipTodo(['vault', 'units'], 'no vault application in the model');
    fact(['juju', 'binary'], j.binary, 'the juju on PATH');
    fact(['juju', 'model'], j.model, 'juju status --format=json');
    const compute = j.apps.find((a) => a.charm === 'nova-compute' && !a.subordinate);
    if (compute) fact(['juju', 'computeApplication'], compute.name, `juju status: charm nova-compute, ${compute.units.length} units (D-040 reads each)`);
    else vipTodo(['juju', 'computeApplication'], 'no nova-compute application in the model');
  } else {
    warnings.push(`juju was not read (${f.juju.reason}): the core VIPs, the Vault units and the juju model are TODOs`);
    vipTodo(['coreVips'], 'the core public VIPs, name + URL');
    vipTodo(['vault', 'units'], 'the Vault unit URLs');
    vipTodo(['juju', 'model'], 'the juju model of the cloud');
  }
  choice(['reservedHostMemoryMb'], r.reservedHostMemoryMb ?? 8192, 'runbook D-040 minimum');

  // TLS.
  if (f.files.caBundle) fact(['tls', 'caBundle'], f.files.caBundle.path, `local file: ${f.files.caBundle.where}`);
  else if (f.juju.ok && f.juju.value.apps.some((a) => a.charm === 'vault')) todo(['tls', 'caBundle'], 'D-011.2', 'the Vault root CA (juju run vault/leader get-root-ca > ~/vault-ca.pem)');

  // mgmt VM.
  if (vm) fact(['mgmtVm', 'name'], vm.name, `nova server list: ${fipMatch ? `holds ${f.files.fipValue ?? ''}, the env file's FIP` : `has floating IP ${vmFip ?? ''}`}`);
  else todo(['mgmtVm', 'name'], 'D-011.3', withFip.length ? `one of ${withFip.map((s) => s.name).join(', ')}` : 'no server of the project has a floating IP');
  choice(['mgmtVm', 'user'], r.mgmtVm?.user ?? 'ubuntu', 'runbook default');
  const localFile = (key: 'fipEnvFile' | 'sshKey' | 'knownHosts', what: string) => {
    const lf = f.files[key];
    if (lf) fact(['mgmtVm', key], lf.path, `local file: ${lf.where}`);
    else todo(['mgmtVm', key], 'D-011.3, DOCFIX-038', what);
  };
  localFile('fipEnvFile', 'the env file holding MGMT_FIP (~/capi-mgmt-net.env)');
  if (f.files.sshPort !== undefined) fact(['mgmtVm', 'sshPort'], f.files.sshPort, `known_hosts: the entry for the env file's FIP ${f.files.fipValue ?? ''}`);
  localFile('sshKey', 'the private key for the mgmt VM (a path; the key is never copied)');
  localFile('knownHosts', 'the known_hosts holding the mgmt VM host key');
  const catalogKs = (() => {
    try {
      const u = new URL(f.identityEndpoint ?? '');
      return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
    } catch {
      return undefined;
    }
  })();
  if (keystoneHostPort) fact(['mgmtVm', 'probe'], keystoneHostPort, 'the keystone VIP (the VM must reach it)');
  else if (catalogKs) fact(['mgmtVm', 'probe'], catalogKs, 'keystone catalog: the public identity endpoint (the VM must reach it)');
  else todo(['mgmtVm', 'probe'], 'D-011.3', 'the Keystone VIP as HOST:PORT');

  // libvirt.
  if (f.virsh.ok) {
    fact(['hypervisor', 'libvirtUri'], f.virsh.value.uri, 'virsh uri');
    fact(['hypervisor', 'domains'], f.virsh.value.domains, `virsh list --all (${f.virsh.value.domains.length} domains)`);
  } else {
    todo(['hypervisor', 'libvirtUri'], 'D-011.7', `the jumphost hypervisor URI (virsh: ${f.virsh.reason})`);
    todo(['hypervisor', 'domains'], 'D-011.7', 'the KVM domains of the deployment (virsh list --all)');
  }
  if (f.files.kubeconfig) fact(['managementCluster', 'kubeconfig'], f.files.kubeconfig.path, `local file: ${f.files.kubeconfig.where}`);
  return { entries, warnings };
}

function isImage(t: ClusterTemplate, image: Image | undefined): boolean {
  return image !== undefined && (t.imageId === image.name || t.imageId === image.id);
}

function firstTcpPort(ports: readonly string[]): number | undefined {
  const tcp = ports.map((p) => /^(\d+)\/tcp$/.exec(p)?.[1]).filter((x): x is string => x !== undefined).map(Number);
  return tcp.includes(443) ? 443 : tcp[0];
}

function servicePort(a: JujuAppFact): number | undefined {
  for (const u of a.units) {
    const p = firstTcpPort(u.ports);
    if (p !== undefined) return p;
  }
  return undefined;
}
