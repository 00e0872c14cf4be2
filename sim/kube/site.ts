// Wires the simulated Kubernetes side into the simulated OpenStack site: when Magnum reports a
// cluster CREATE_COMPLETE, a kube-apiserver starts at its api_address (the loopback-mapped
// FIP), serving with the cluster CA Magnum hands out, with nodes named after the Nova servers
// CAPO created; Services of type LoadBalancer get Octavia LBs through the site's hooks; an
// Octavia failover of the cluster's API LB blacks the API out briefly; delete stops it.
//
//   const kube = attachWorkloadClusters({ world, clock, serviceLoadBalancerHooks, ... });
//   kube.api(clusterUuidOrName)   // the KubeApiHandle, once started
//   await kube.close()

import type { SimClock } from '../clock.js';
import type { World } from '../state.js';
import { toLoopback } from '../loopback.js';
import { startKubeApi } from './index.js';
import type { KubeApiHandle } from './index.js';
import type { LoadBalancerHooks } from './lb.js';
import type { KubeScenario } from './scenarios.js';
import type { KubeDurations } from './workload.js';

export interface KubeSiteOptions {
  readonly world: World;
  readonly clock: SimClock;
  /** The site's CCM hooks for a cluster (SimHandle.serviceLoadBalancerHooks). */
  serviceLoadBalancerHooks(clusterRef: string): LoadBalancerHooks;
  /** The image's kube_version, when the driver did not record one on the cluster. */
  readonly defaultKubeVersion: string;
  /** ENV(workload-cidr), e.g. 10.20.16.0/24: node addresses when Nova has none. */
  readonly workloadCidr: string;
  readonly scenario?: KubeScenario;
  /** Simulated ms the workload API is unreachable during an API LB failover (default 8 s, or the scenario's). */
  readonly failoverBlackoutMs?: number;
  readonly durations?: Partial<KubeDurations>;
  readonly apiPort?: number;
  /** Keystone's public URL (the cloud-config the CCM reads). */
  readonly authUrl?: string;
  /** Where startup errors go (the site's request log errors). */
  readonly errors: unknown[];
}

export interface KubeSite {
  api(clusterRef: string): KubeApiHandle | undefined;
  close(): Promise<void>;
}

export function attachWorkloadClusters(o: KubeSiteOptions): KubeSite {
  const apis = new Map<string, Promise<KubeApiHandle | undefined>>();
  const started = new Map<string, KubeApiHandle>();
  const w = o.world;

  const start = (uuid: string): void => {
    const c = w.clusters.get(uuid);
    const ca = w.cas.get(uuid);
    if (!c || !ca || !c.apiAddress || apis.has(uuid)) return;
    const host = new URL(c.apiAddress).hostname;
    const port = Number(new URL(c.apiAddress).port || o.apiPort || 6443);
    const stack = c.stackId ?? c.name;
    const servers = [...w.servers.values()].filter((s) => s.metadata['k8s-cluster'] === stack);
    const seed = (role: 'control-plane' | 'worker') => servers
      .filter((s) => (role === 'control-plane' ? s.name.includes('-control-plane-') : !s.name.includes('-control-plane-')))
      .map((s) => ({ name: s.name, serverId: s.id, ...(s.addresses.find((a) => a.type === 'fixed') ? { ip: s.addresses.find((a) => a.type === 'fixed')!.addr } : {}) }));
    const cps = seed('control-plane');
    const workers = seed('worker');
    const p = startKubeApi({
      host, port, caCertPem: ca.certPem, caKeyPem: ca.keyPem, clock: o.clock,
      hooks: o.serviceLoadBalancerHooks(uuid),
      model: {
        clusterName: stack, masterCount: c.masterCount, nodeCount: c.nodeCount, kubeVersion: c.res.kubeVersion ?? o.defaultKubeVersion,
        // Pod names and uids follow the site's seed: fresh at every start, the same with --seed.
        seed: w.rng.int(1, 0x7ffffffe),
        nodeNetwork: toLoopback(o.workloadCidr.split('/')[0]!).split('.').slice(0, 3).join('.'),
        ...(o.authUrl ? { authUrl: o.authUrl } : {}),
        ...(cps.length === c.masterCount && workers.length === c.nodeCount ? { nodes: { controlPlane: cps, workers } } : {}),
      },
      ...(o.durations ? { durations: o.durations } : {}),
      faults: o.scenario?.kube ?? {},
    }).then(
      (api) => {
        started.set(uuid, api);
        return api;
      },
      (err: unknown) => {
        o.errors.push(err);
        return undefined;
      },
    );
    apis.set(uuid, p);
  };

  const stop = (uuid: string): void => {
    const p = apis.get(uuid);
    apis.delete(uuid);
    started.delete(uuid);
    void p?.then((api) => api?.close());
  };

  const off = w.onTimeline((e) => {
    if (e.kind === 'magnum.cluster') {
      if (e.to === 'CREATE_COMPLETE' || e.to === 'UPDATE_COMPLETE') start(e.id);
      if (e.to === 'DELETE_IN_PROGRESS' || e.to === 'DELETE_COMPLETE') stop(e.id);
      return;
    }
    if (e.kind === 'octavia.loadbalancer' && e.to.startsWith('PENDING_UPDATE') && e.detail === 'failover') {
      for (const c of w.clusters.values()) {
        if (c.res.lbId === e.id) started.get(c.uuid)?.blackout(o.failoverBlackoutMs ?? o.scenario?.octavia.blackoutMs ?? 8_000);
      }
    }
  });
  // clusters already complete when attached (a resumed simulator)
  for (const c of w.clusters.values()) if (c.status === 'CREATE_COMPLETE' || c.status === 'UPDATE_COMPLETE') start(c.uuid);

  const find = (ref: string) => [...w.clusters.values()].find((c) => c.uuid === ref || c.name === ref)?.uuid;
  return {
    api: (ref) => {
      const uuid = find(ref) ?? ref;
      return started.get(uuid);
    },
    async close() {
      off();
      const all = [...apis.values()];
      apis.clear();
      started.clear();
      await Promise.all(all.map(async (p) => (await p)?.close()));
    },
  };
}
