// The one schema of the site file (STYLE 15): every ENV(...) literal of the runbook plus the site
// facts DESIGN.md lists. Names only: ids that regenerate per rebuild are resolved at run time
// (DOCFIX-034). Nothing secret lives here: credentials come from clouds.yaml / OS_* variables.

import { z } from 'zod';
import { parseDuration } from '../core/duration.js';

const name = z.string().min(1, 'must not be empty');

const duration = z
  .string()
  .refine((s) => parseDuration(s) !== undefined, { message: 'must be a duration such as "90s", "20m" or "1h30m"' });

const url = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  },
  { message: 'must be an http(s) URL' },
);

const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, 'must be an IPv4 CIDR such as 10.20.16.0/24');
const hostPort = z.string().regex(/^[A-Za-z0-9.:[\]-]+:\d{1,5}$/, 'must be HOST:PORT');

// Magnum's own rule for a cluster name (api/controllers/v1/cluster.py: a letter first, then letters,
// digits, '-', '_', '.'; at most 242 characters), checked here so a name Magnum would refuse at 8.1
// fails before 8.0 has changed the cloud. The CAPI Helm driver derives the Kubernetes names (the
// Helm release, CAPI objects, hostnames) from it: lowercased, every run of other characters made
// '-', the first 30 characters; a name that starts with a letter always gives a valid one.
export const clusterName = z
  .string()
  .min(1, 'must not be empty')
  .max(242, 'must be at most 242 characters (Magnum\'s limit)')
  .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, 'must start with a letter and hold only letters, digits, "-", "_" and "." (Magnum refuses any other cluster name)');

const flavor = z.strictObject({
  name,
  /** The driver's minimums; 8.0 checks the flavor meets them. */
  minRamMb: z.number().int().positive(),
  minVcpus: z.number().int().positive(),
});

export const siteSchema = z.strictObject({
  /** A short name for this site; runs are grouped by it for --resume and history. */
  site: name.regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lowercase letters, digits, . _ -'),
  openstack: z.strictObject({
    /** clouds.yaml entries, one per scope. OS_CLOUD / OS_* variables are used when a name is absent from clouds.yaml. */
    clouds: z.strictObject({ admin: name, tenant: name }),
    /** Path of the clouds.yaml holding the credentials (not the credentials themselves); OS_CLIENT_CONFIG_FILE wins. */
    cloudsFile: name.optional(),
    region: name.default('RegionOne'),
    interface: z.enum(['public', 'internal', 'admin']).default('public'),
  }),
  /** ENV(project): resolved by name + domain while admin-scoped, then the tenant scope narrows to its id. */
  project: z.strictObject({ name, domain: name }),
  /** ENV(admin-project). */
  adminProject: z.strictObject({ name, domain: name.default('admin_domain') }),
  /** The user who creates the cluster; must hold these roles on the project (D-039). */
  clusterCreatorRoles: z.array(name).min(1).default(['member', 'reader', 'load-balancer_member']),
  /** ENV(image). */
  image: z.strictObject({
    name,
    kubeVersion: z.string().regex(/^v\d+\.\d+\.\d+$/, 'must look like v1.34.8'),
    osDistro: name,
    /** Stage-and-verify source (FINDING-3). */
    url,
    sha512: z.string().regex(/^[0-9a-f]{128}$/, 'must be 128 lowercase hex digits'),
    /** Where the qcow2 is staged; $HOME, not /tmp (runbook L7). */
    stageDir: name.default('~'),
    containerFormat: name.default('bare'),
    diskFormat: name.default('qcow2'),
  }),
  /** ENV(template) and the runbook's template flags. */
  template: z.strictObject({
    name,
    networkDriver: z.literal('calico', { message: 'must be "calico" (DOCFIX-032: chart 0.25.1 ships only Calico)' }),
    dnsNameserver: z.string().min(1).default('8.8.8.8'),
    dockerStorageDriver: z.string().min(1).default('overlay2'),
    masterLbEnabled: z.literal(true, { message: 'must be true: the CAPI Helm driver always provisions an API LB' }).default(true),
    floatingIpEnabled: z.boolean().default(true),
    labels: z.record(z.string(), z.string()).default({}),
  }),
  /** ENV(ext-net). */
  externalNetwork: name,
  /** ENV(keypair). */
  keypair: name,
  /** ENV(cluster) and the as-built shape: 1 control-plane + 2 workers. */
  cluster: z.strictObject({
    name: clusterName,
    masterCount: z.number().int().min(1).default(1),
    nodeCount: z.number().int().min(1).default(2),
  }),
  /** ENV(workload-cidr). */
  workloadCidr: cidr,
  /** ENV(flavors). */
  flavors: z.strictObject({ master: flavor, worker: flavor }),
  /** D-011.2: core public VIPs, name -> URL. */
  coreVips: z.array(z.strictObject({ name, url })).min(1),
  /** Listed in the report but never probed (DOCFIX-039: gss has no jumphost route). */
  outOfScopeEndpoints: z.array(z.strictObject({ name, url, reason: name })).default([]),
  tls: z.strictObject({
    /** PEM bundle that signs the core VIPs and Vault; relative paths are relative to the site file. */
    caBundle: z.string().min(1).optional(),
    /** Skip verification; every result is then reported as insecure. */
    insecure: z.boolean().default(false),
  }).default({ insecure: false }),
  /** D-011.6. */
  vault: z.strictObject({ units: z.array(url).min(1) }),
  /** D-011.1 and D-040. */
  juju: z.strictObject({
    binary: name.default('juju'),
    model: name,
    computeApplication: name.default('nova-compute'),
  }),
  /** D-040: minimum reserved_host_memory_mb on every compute unit. */
  reservedHostMemoryMb: z.number().int().positive().default(8192),
  /** D-011.3: the tenant mgmt VM; its FIP is read from the env file (DOCFIX-038), never stored. */
  mgmtVm: z.strictObject({
    name,
    user: name.default('ubuntu'),
    fipEnvFile: name,
    fipVariable: name.default('MGMT_FIP'),
    sshPort: z.number().int().min(1).max(65535).default(22),
    sshKey: name,
    knownHosts: name,
    /** What the VM must reach: the Keystone VIP. */
    probe: hostPort,
  }),
  /** D-011.7: KVM snapshots on the jumphost hypervisor. */
  hypervisor: z.strictObject({
    libvirtUri: name,
    virsh: name.default('virsh'),
    domains: z.array(name).min(1),
    snapshot1: name.default('snapshot-1'),
    snapshot2: name.default('snapshot-2'),
  }),
  /** Management cluster access (appendix-A stuck-delete). */
  managementCluster: z.strictObject({ kubeconfig: name }).optional(),
  /** Poll pacing: a simulated site at a time scale sets intervalScale to the same factor. */
  polling: z.strictObject({
    intervalScale: z.number().positive().max(1).default(1),
    magnumStatusSync: duration.optional(),
  }).default({ intervalScale: 1 }),
  /** Deadlines per wait; the runbook's own poll budgets are the defaults. */
  deadlines: z.strictObject({
    imageActive: duration.default('10m'),
    clusterCreate: duration.default('45m'),
    clusterStall: duration.default('15m'),
    nodesReady: duration.default('10m'),
    loadBalancerIp: duration.default('5m'),
    failover: duration.default('5m'),
    failoverExpected: duration.default('100s'),
    healthSettle: duration.default('2m'),
    clusterDelete: duration.default('20m'),
    teardown: duration.default('5m'),
    probe: duration.default('6s'),
  }).default({
    imageActive: '10m', clusterCreate: '45m', clusterStall: '15m', nodesReady: '10m', loadBalancerIp: '5m',
    failover: '5m', failoverExpected: '100s', healthSettle: '2m', clusterDelete: '20m', teardown: '5m', probe: '6s',
  }),
});

export type SiteInput = z.input<typeof siteSchema>;
export type Site = z.output<typeof siteSchema>;
export type DeadlineName = keyof Site['deadlines'];
