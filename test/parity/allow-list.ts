// Differences between the real services and the simulator that are accepted, each with its
// reason (docs/fidelity.md lists them). An entry names the operation key and the JSON path ("*"
// matches any run of characters; the path "" is the status code and transitions), and,
// when it should accept only those, the kind and the two values.
//
// Reasons start with one of: "not fixed yet" (the simulator differs from the real service; to be
// fixed in sim/), "differs by deployment" (the loopback control plane's configuration, not the
// API: no agents, noop drivers, extensions not loaded), "timing" (the same end state reached
// faster than the poll). Each says whether capi-gate reads the field.
//
// Not here on purpose, so that the parity tier fails until they are fixed: the Magnum
// microversion (406 to container-infra 1.11), another project's load balancer (403), unknown
// list filters (400), the certificate policy, health and addresses during a create, the CA
// written after the 202 (fixed on branch divergences).

import type { AllowEntry } from './compare.js';

const NOT_READ = 'capi-gate does not read it';

/** A race: any two different ones of `alternatives` (timing variants of one sequence), either side having either. */
function anyOf(e: Omit<AllowEntry, 'real' | 'sim'>, ...alternatives: string[]): AllowEntry[] {
  return alternatives.flatMap((a) => alternatives.filter((b) => b !== a).map((b): AllowEntry => ({ ...e, real: a, sim: b })));
}

export const ALLOW_LIST: readonly AllowEntry[] = [
  // Keystone: none (role.domain and the member's 403 on role_assignments fixed in sim/keystone.ts)
  // Glance
  { op: 'glance GET /v2/images*', path: '*disk_format', kind: 'enum', real: 'qcow2', sim: 'raw', reason: "differs by deployment: the runbook's Glance converts what 8.0 imports to raw (image_conversion, CORRECTION-1: --import lands raw for Ceph fast clones), and the simulated site's kube image is such an import; the loopback control plane has no conversion and uploaded its image as qcow2. capi-gate reports disk_format, decides nothing on it" },
  { op: 'openstack image show', path: 'disk_format', kind: 'enum', real: 'qcow2', sim: 'raw', reason: "differs by deployment: the runbook's Glance converts what 8.0 imports to raw (image_conversion, CORRECTION-1: --import lands raw for Ceph fast clones), and the simulated site's kube image is such an import; the loopback control plane has no conversion and uploaded its image as qcow2. capi-gate reports disk_format, decides nothing on it" },
  { op: 'glance GET /v2/images*', path: '*owner_specified.openstack.*', kind: 'extra-in-sim', reason: 'differs by deployment: the openstack CLI sets owner_specified.openstack.* when it uploads; the real control plane created its image through the API' },
  { op: 'glance GET /v2/images/{id}', path: '', kind: 'transitions', real: 'uploading > active', sim: 'importing > active', reason: 'timing: the real import of 4 KiB ends between two polls; both end active' },
  // Magnum
  // Found at container-infra 1.10 (CAPI_GATE_PARITY_MAGNUM_VERSION=1.10); at the client's 1.11
  // every Magnum call is a 406 until the microversion is negotiated.
  // The first read that finds the row: each side's conductor is wherever its own pace has taken it
  // (the CI run of 2026-12-07 saw the real driver already past the API LB, the simulator not yet;
  // the parity run of 16:08 the real conductor still inside the driver's create, stack_id null).
  ...(['api_address', 'updated_at', 'stack_id'] as const).map(
    (path): AllowEntry => ({
      op: 'magnum GET /v1/clusters/{id}',
      step: 'get during the create',
      path,
      kind: 'type',
      reason: `timing: at the first read that finds the row, ${path} is null or set depending on how far each conductor has got; capi-gate reads it only once the create is over (both set then, compared at 'get at the end of the create')`,
    }),
  ),
  // Magnum's health sync is a periodic task (60 s) whose phase is the conductor's start (real) or
  // the cluster's create (simulator): the first read after CREATE_COMPLETE finds health null or
  // already synced depending on where each side's minute stands. The CI run of 89a785e saw the
  // real one still null there; earlier runs saw it synced. Both must end HEALTHY (a side that
  // stays null, or ends UNHEALTHY, is a different sequence and no entry accepts it).
  ...anyOf(
    {
      op: 'magnum GET /v1/clusters/{id}',
      step: 'health after the create',
      path: '',
      kind: 'transitions',
      reason: "timing: health_status is null after CREATE_COMPLETE until the next 60-s health sync, which one side may already have run at the first read; capi-gate's 8.2 waits for the sync (healthSettle) before it gates on HEALTHY",
    },
    'health null > health HEALTHY',
    'health HEALTHY',
  ),
  // The same minute at the read that ends the create: health null on one side, synced on the other.
  ...anyOf(
    {
      op: 'magnum GET /v1/clusters/{id}',
      step: 'get at the end of the create',
      path: 'health_status',
      kind: 'type',
      reason: "timing: at CREATE_COMPLETE health_status is null until the next 60-s health sync, which one side may already have run (CI of d698c0e: real null, sim HEALTHY); 8.2 waits for the sync (healthSettle)",
    },
    'null null',
    'string HEALTHY',
  ),
  // After DELETE's 204 both keep CREATE_COMPLETE until their conductor takes the delete, so the
  // first read finds CREATE_COMPLETE or DELETE_IN_PROGRESS (CI of c65f2b7: the simulator's
  // conductor had already taken it, the real one not); the loopback control plane's test driver
  // then deletes in less than a poll, the simulated one in two simulated 10-s steps.
  ...anyOf(
    {
      op: 'magnum GET /v1/clusters/{id}',
      step: 'status through the delete',
      path: '',
      kind: 'transitions',
      reason: "timing: the first read after the 204 may come before or after the conductor sets DELETE_IN_PROGRESS, which may last less than a poll; every variant is CREATE_COMPLETE > DELETE_IN_PROGRESS > gone (404) with a state unseen, and 8.5's wait accepts each",
    },
    'CREATE_COMPLETE > gone (404)',
    'CREATE_COMPLETE > DELETE_IN_PROGRESS > gone (404)',
    'DELETE_IN_PROGRESS > gone (404)',
  ),
  // Octavia
  { op: 'octavia GET /v2.0/octavia/amphorae?loadbalancer_id', path: 'amphorae[].cached_zone', reason: `differs by deployment: the noop compute driver sets no zone, image or flavor; ${NOT_READ}` },
  { op: 'octavia GET /v2.0/octavia/amphorae?loadbalancer_id', path: 'amphorae[].image_id', reason: `differs by deployment: the noop compute driver sets no zone, image or flavor; ${NOT_READ}` },
  { op: 'octavia GET /v2.0/octavia/amphorae?loadbalancer_id', path: 'amphorae[].compute_flavor', reason: `differs by deployment: the noop compute driver sets no zone, image or flavor; ${NOT_READ}` },
  // A delete that ends before the first read on one side (CI of d698c0e: the real LB was gone at
  // its first read, the simulated one PENDING_DELETE).
  ...anyOf(
    {
      op: 'octavia GET /v2.0/lbaas/loadbalancers/{id}',
      step: 'status through the delete',
      path: '',
      kind: 'transitions',
      reason: "timing: the noop-driver delete can end before the first read; both end gone (404), and capi-gate's deletes wait for the 404",
    },
    'gone (404)',
    'PENDING_DELETE/ONLINE > gone (404)',
  ),
  // ACTIVE/OFFLINE lasts from the LB's ACTIVE to its amphora's first heartbeat (the simulator's
  // lbHeartbeat, 10 s as Octavia's heartbeat_interval; the test control plane's heartbeat script
  // every few seconds): a poll on either side may fall inside it or not.
  ...anyOf(
    {
      op: 'octavia GET /v2.0/lbaas/loadbalancers/{id}',
      path: '',
      kind: 'transitions',
      reason: 'timing: an LB is ACTIVE/OFFLINE from its ACTIVE to its first amphora heartbeat on both sides, which a poll may miss; both end ACTIVE/ONLINE, and 8.2 and D-011.4 wait for ONLINE',
    },
    'PENDING_CREATE/OFFLINE > ACTIVE/OFFLINE > ACTIVE/ONLINE',
    'PENDING_CREATE/OFFLINE > ACTIVE/ONLINE',
  ),
  // Neutron
  { op: 'neutron *', path: '*status', kind: 'enum', real: 'DOWN', sim: 'ACTIVE', reason: 'differs by deployment: no L2/L3 agents on the loopback Neutron, so ports and floating IPs stay DOWN; capi-gate decides nothing on their status' },
  { op: 'neutron *', path: '*dns_domain', kind: 'extra-in-sim', reason: `differs by deployment: the dns extension is not loaded on the loopback Neutron; ${NOT_READ}` },
  { op: 'neutron *', path: '*dns_name', kind: 'extra-in-sim', reason: `differs by deployment: the dns extension is not loaded on the loopback Neutron; ${NOT_READ}` },
  { op: 'neutron *', path: '*qos_policy_id', kind: 'extra-in-sim', reason: `differs by deployment: the qos extension is not loaded on the loopback Neutron; ${NOT_READ}` },
  { op: 'neutron *', path: '*is_default', kind: 'extra-in-sim', reason: `differs by deployment: the auto-allocated-topology extension is not loaded on the loopback Neutron; ${NOT_READ}` },
  { op: 'neutron *', path: '*segment_id', kind: 'extra-in-sim', reason: `differs by deployment: the segments extension is not loaded on the loopback Neutron; ${NOT_READ}` },
];
