// The management cluster of the simulated site (the CAPI cluster on the mgmt VM that the
// magnum-capi-helm driver talks to), wired to the simulated OpenStack: a cluster Magnum built
// gets its Cluster / OpenStackCluster / KubeadmControlPlane / MachineDeployment objects, one
// Machine per Nova server CAPO created, and the `<cluster>-kubeconfig` Secret (a client
// certificate from the cluster CA, as CAPI writes it) in magnum-<project id>; Magnum's delete
// marks them Deleting, worker Machines go with their servers; the rest go when Magnum's row goes. Clearing the OpenStackCluster finalizers through
// the API (the appendix-A stuck-delete remedy) lets a wedged Magnum delete finish. The API is down
// while the mgmt VM is not ACTIVE in Nova (D-041: a host OOM SHUTOFF takes it away).
//
//   const m = await attachManagementCluster({ world, clock, host: '127.12.7.41', outDir, mgmtVmName,
//     clearFinalizer: (uuid) => applyOp({ op: 'cluster-clear-finalizer', cluster: uuid }) });
//   m.kubeconfigPath   // client-certificate kubeconfig (0600) for site.managementCluster.kubeconfig
//   await m.close()

import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { SimClock } from '../clock.js';
import type { World } from '../state.js';
import { startManagementApi } from './index.js';
import type { ManagementApiHandle } from './index.js';
import { capiNamespace } from './management.js';
import type { MachineSeed } from './management.js';
import { createTestCa, issueClientCert } from './tls.js';

export interface ManagementSiteOptions {
  readonly world: World;
  readonly clock: SimClock;
  /** Loopback address to serve on (the mgmt VM's, mapped). */
  readonly host: string;
  readonly port?: number;
  /** Where the kubeconfig is written. */
  readonly outDir: string;
  /** The Nova server that hosts the management cluster (site mgmtVm.name). */
  readonly mgmtVmName: string;
  /** Called with a Magnum cluster uuid when its OpenStackCluster finalizers were cleared mid-delete. */
  clearFinalizer(clusterUuid: string): void;
}

export interface ManagementSite {
  readonly api: ManagementApiHandle;
  readonly kubeconfigPath: string;
  close(): Promise<void>;
}

export async function attachManagementCluster(o: ManagementSiteOptions): Promise<ManagementSite> {
  const now = Math.min(Date.now(), o.clock.now());
  const ca = await createTestCa('capi-mgmt-ca', now);
  const api = await startManagementApi({ host: o.host, port: o.port ?? 6443, caCertPem: ca.certPem, caKeyPem: ca.keyPem, clock: o.clock });
  const m = api.management;
  const w = o.world;

  const user = await issueClientCert(ca.certPem, ca.keyPem, { commonName: 'kubernetes-admin', organization: 'system:masters', nowMs: now });
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const kubeconfigPath = join(o.outDir, 'capi-mgmt.kubeconfig');
  writeFileSync(kubeconfigPath, stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'capi-mgmt',
    clusters: [{ name: 'capi-mgmt', cluster: { server: api.url, 'certificate-authority-data': b64(ca.certPem) } }],
    users: [{ name: 'kubernetes-admin', user: { 'client-certificate-data': b64(user.certPem), 'client-key-data': b64(user.keyPem) } }],
    contexts: [{ name: 'capi-mgmt', context: { cluster: 'capi-mgmt', user: 'kubernetes-admin' } }],
  }), { mode: 0o600 });
  chmodSync(kubeconfigPath, 0o600);

  const machinesOf = (stackId: string): MachineSeed[] => [...w.servers.values()]
    .filter((s) => s.metadata['k8s-cluster'] === stackId)
    .map((s) => ({ name: s.name, role: s.name.includes('-control-plane-') ? 'control-plane' : 'worker', serverId: s.id, serverStatus: s.status, ...(s.addresses.find((a) => a.type === 'fixed') ? { ip: s.addresses.find((a) => a.type === 'fixed')!.addr } : {}) }));
  const add = (uuid: string): void => {
    const c = w.clusters.get(uuid);
    if (!c?.stackId || m.has(c.projectId, c.stackId)) return;
    const lb = c.res.lbId ? w.loadBalancers.get(c.res.lbId) : undefined;
    const fip = c.apiAddress ? new URL(c.apiAddress).hostname : c.res.fipAddress;
    const net = c.res.networkId ? w.networks.get(c.res.networkId) : undefined;
    m.addCluster({
      projectId: c.projectId, userId: c.userId, clusterUuid: c.uuid, stackId: c.stackId, kubeVersion: c.res.kubeVersion ?? 'v0.0.0',
      masterCount: c.masterCount, nodeCount: c.nodeCount,
      ...(lb ? { apiLb: { id: lb.id, ip: fip ?? lb.vipAddress, internalIP: lb.vipAddress } } : {}),
      ...(net ? { network: { id: net.id, name: net.name } } : {}),
      machines: machinesOf(c.stackId),
    });
    void writeKubeconfig(uuid);
  };
  // CAPI's <cluster>-kubeconfig: the cluster CA, and a client certificate it signs for <cluster>-admin
  const writeKubeconfig = async (uuid: string): Promise<void> => {
    const c = w.clusters.get(uuid);
    const ca = w.cas.get(uuid);
    if (!c?.stackId || !ca || !c.apiAddress) return;
    const stack = c.stackId;
    const cert = await issueClientCert(ca.certPem, ca.keyPem, { commonName: 'kubernetes-admin', organization: 'system:masters', nowMs: Math.min(Date.now(), o.clock.now()) });
    const user = `${stack}-admin`;
    const text = stringify({
      apiVersion: 'v1', kind: 'Config', preferences: {}, 'current-context': `${user}@${stack}`,
      clusters: [{ name: stack, cluster: { server: c.apiAddress, 'certificate-authority-data': b64(`${ca.certPem.trim()}\n`) } }],
      contexts: [{ name: `${user}@${stack}`, context: { cluster: stack, user } }],
      users: [{ name: user, user: { 'client-certificate-data': b64(cert.certPem), 'client-key-data': b64(cert.keyPem) } }],
    });
    if (m.has(c.projectId, stack)) m.setKubeconfig(c.projectId, stack, text);
  };
  // Magnum stack ids are per cluster; remember them for the row's removal.
  const stacks = new Map<string, { projectId: string; stackId: string }>();
  const mgmtUp = (): boolean => [...w.servers.values()].some((s) => s.name === o.mgmtVmName && s.status === 'ACTIVE');

  const off = w.onTimeline((e) => {
    if (e.kind === 'magnum.cluster') {
      const c = w.clusters.get(e.id);
      if (c?.stackId) stacks.set(c.uuid, { projectId: c.projectId, stackId: c.stackId });
      if (e.to === 'CREATE_COMPLETE' || e.to === 'UPDATE_COMPLETE' || e.to === 'CREATE_FAILED') add(e.id);
      if (e.to === 'DELETE_IN_PROGRESS' && c?.stackId) {
        add(e.id);
        // CAPO's finalizer holds until Magnum's delete finishes (or is cleared by hand).
        m.beginDelete(c.projectId, c.stackId, { stuck: true });
      }
      if (e.to === 'gone') {
        const s = stacks.get(e.id);
        stacks.delete(e.id);
        if (s) m.release(s.projectId, s.stackId);
      }
      return;
    }
    if (e.kind === 'nova.server' && e.name === o.mgmtVmName) api.setAvailable(mgmtUp());
    if (e.kind === 'nova.server' && e.name) {
      // CAPO's servers: a Machine follows its server; a deleted control-plane server's Machine
      // stays Deleting until CAPO has removed its API LB member (the OpenStackCluster goes)
      const c = [...w.clusters.values()].find((x) => x.stackId && e.name!.startsWith(`${x.stackId}-`));
      if (!c?.stackId || !m.has(c.projectId, c.stackId)) return;
      if (e.to === 'DELETED') m.serverGone(c.projectId, c.stackId, e.name, { stuck: true });
      else {
        const seed = machinesOf(c.stackId).find((x) => x.name === e.name);
        if (seed) m.upsertMachine(c.projectId, c.stackId, seed);
      }
    }
  });
  api.setAvailable(mgmtUp());

  m.onOpenStackClusterGone = (ns, name) => {
    const c = [...w.clusters.values()].find((x) => x.stackId === name && capiNamespace(x.projectId) === ns);
    if (c && (c.status === 'DELETE_IN_PROGRESS' || c.status === 'DELETE_FAILED')) o.clearFinalizer(c.uuid);
  };
  for (const c of w.clusters.values()) if (c.status === 'CREATE_COMPLETE' || c.status === 'UPDATE_COMPLETE') add(c.uuid);

  return {
    api,
    kubeconfigPath,
    async close() {
      off();
      await api.close();
    },
  };
}
