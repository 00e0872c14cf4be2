// The runbook's values (a copy of docs/site.example.yaml), used when startSim gets no site.
// Kept as data here so the simulator never reads files outside its package at run time.

import type { Site, SiteInput } from '../src/site/schema.js';
import { siteSchema } from '../src/site/schema.js';

export const DEFAULT_SITE_INPUT: SiteInput = {
  site: 'roosevelt',
  openstack: { clouds: { admin: 'roosevelt-admin', tenant: 'roosevelt-capi' }, region: 'RegionOne', interface: 'public' },
  project: { name: 'capi-mgmt', domain: 'capi' },
  adminProject: { name: 'admin', domain: 'admin_domain' },
  clusterCreatorRoles: ['member', 'reader', 'load-balancer_member'],
  image: {
    name: 'ubuntu-jammy-kube-v1.34.8',
    kubeVersion: 'v1.34.8',
    osDistro: 'ubuntu',
    url: 'https://azimuth-images.stackhpc.cloud/ubuntu-jammy-kube-v1.34.8-260518-1604.qcow2',
    sha512: '7efde4857c9f9da045a98d71def30e229b3d7fffd8a5680e8aee0c5a8b13ba73fca3cf758a927230a1fbe3c451d8d21cfaeded96091e2a4f313c6a404760bdb3',
    stageDir: '~',
  },
  template: {
    name: 'capi-k8s-v1-34',
    networkDriver: 'calico',
    dnsNameserver: '8.8.8.8',
    dockerStorageDriver: 'overlay2',
    masterLbEnabled: true,
    floatingIpEnabled: true,
    labels: { fixed_subnet_cidr: '10.20.16.0/24', octavia_provider: 'amphora' },
  },
  externalNetwork: 'provider-ext',
  keypair: 'capi-mgmt-key',
  cluster: { name: 'capi-test-1', masterCount: 1, nodeCount: 2 },
  workloadCidr: '10.20.16.0/24',
  flavors: { master: { name: 'gp.mid', minRamMb: 8192, minVcpus: 2 }, worker: { name: 'capi.node', minRamMb: 4096, minVcpus: 2 } },
  coreVips: [
    { name: 'keystone', url: 'https://10.12.4.50:5000/v3' },
    { name: 'barbican', url: 'https://10.12.4.51:9311/' },
    { name: 'cinder', url: 'https://10.12.4.52:8776/' },
    { name: 'glance', url: 'https://10.12.4.53:9292/' },
    { name: 'magnum', url: 'https://10.12.4.54:9511/' },
    { name: 'neutron', url: 'https://10.12.4.55:9696/' },
    { name: 'nova', url: 'https://10.12.4.56:8774/' },
    { name: 'octavia', url: 'https://10.12.4.57:9876/' },
    { name: 'horizon', url: 'https://10.12.4.58/' },
    { name: 'placement', url: 'https://10.12.4.59:8778/' },
    { name: 'horizon-2', url: 'https://10.12.4.60/' },
  ],
  outOfScopeEndpoints: [{ name: 'gss', url: 'http://10.12.8.196/', reason: 'DOCFIX-039: unit-IP endpoint, no jumphost route' }],
  tls: { caBundle: '~/vault-ca.pem', insecure: false },
  vault: { units: ['https://10.12.4.61:8200', 'https://10.12.4.62:8200', 'https://10.12.4.63:8200'] },
  juju: { binary: 'juju', model: 'openstack', computeApplication: 'nova-compute' },
  reservedHostMemoryMb: 8192,
  mgmtVm: {
    name: 'capi-mgmt-v2', user: 'ubuntu', fipEnvFile: '~/capi-mgmt-net.env', fipVariable: 'MGMT_FIP',
    sshKey: '~/.ssh/id_ed25519', knownHosts: '~/.ssh/known_hosts', probe: '10.12.4.50:5000',
  },
  hypervisor: { libvirtUri: 'qemu:///system', domains: ['juju-controller', 'infra-1', 'infra-2', 'infra-3'], snapshot1: 'snapshot-1', snapshot2: 'snapshot-2' },
  managementCluster: { kubeconfig: '~/capi-mgmt.kubeconfig' },
  deadlines: {
    imageActive: '10m', clusterCreate: '45m', clusterStall: '15m', nodesReady: '10m', loadBalancerIp: '5m',
    failover: '5m', failoverExpected: '100s', clusterDelete: '20m', teardown: '5m', probe: '6s',
  },
};

export function defaultSite(): Site {
  return siteSchema.parse(DEFAULT_SITE_INPUT);
}
