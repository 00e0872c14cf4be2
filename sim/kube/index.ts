// The simulated Kubernetes side of the site: one API server per workload cluster at its
// api_address, and the management cluster. Everything runs on a SimClock: pass the site's
// clock to share its virtual time, or a timeScale for a kube-only simulator.
//
//   const api = await startKubeApi({ host: '127.12.7.180', port: 6443, caCertPem, caKeyPem,
//     model: { clusterName: 'capi-test-1-kgwwe7c4qj6a', masterCount: 1, nodeCount: 2, kubeVersion: 'v1.34.8' },
//     hooks, clock });
//   api.url                      // https://127.12.7.180:6443 (serving cert from the cluster CA, IP SAN = host)
//   api.cluster                  // the WorkloadCluster: store, nodes, add-ons, Services -> LBs
//   api.blackout(30_000)         // drop every connection for 30 s of simulated time (API LB failover blip)
//   await api.close()

import { SimClock } from '../clock.js';
import { startApiServer } from './apiserver.js';
import type { ApiBackend, ApiRequestRecord, ApiServerHandle } from './apiserver.js';
import { memoryLoadBalancers } from './lb.js';
import type { LoadBalancerHooks } from './lb.js';
import { ManagementCluster } from './management.js';
import type { KubeFaults, KubeScenario } from './scenarios.js';
import { issueServingCert } from './tls.js';
import { KUBERNETES_SERVICE_IP } from './chart.js';
import { DEFAULT_KUBE_DURATIONS, WorkloadCluster } from './workload.js';
import type { KubeDurations, WorkloadClusterSpec } from './workload.js';

export interface StartKubeApiOptions {
  /** The loopback address to bind (the api_address host mapped into 127.0.0.0/8). */
  readonly host: string;
  /** Default 6443. 0 picks a free port. */
  readonly port?: number;
  /** The cluster CA Magnum's certificates API hands out, and its key (PKCS#8 or PKCS#1 PEM). */
  readonly caCertPem: string;
  readonly caKeyPem: string;
  /** Extra SANs for the serving certificate (the host is always one). */
  readonly sans?: { readonly ips?: readonly string[]; readonly dns?: readonly string[] };
  readonly model: WorkloadClusterSpec;
  /** Octavia + Neutron for Services of type LoadBalancer; default: in-memory LBs on 127.12.7.200+. */
  readonly hooks?: LoadBalancerHooks;
  /** Share the site's virtual clock; otherwise a new SimClock runs at timeScale. */
  readonly clock?: SimClock;
  /** Simulated time runs 1/timeScale times faster (0.01: a 45 s node boot takes 0.45 s). Default 1. */
  readonly timeScale?: number;
  readonly durations?: Partial<KubeDurations>;
  readonly faults?: KubeFaults;
}

export interface KubeApiHandle extends ApiServerHandle {
  readonly cluster: WorkloadCluster;
  readonly clock: SimClock;
  readonly hooks: LoadBalancerHooks;
  /** The workload API drops every connection for simMs of simulated time (an API LB failover). */
  blackout(simMs: number): void;
}

export async function startKubeApi(opts: StartKubeApiOptions): Promise<KubeApiHandle> {
  const ownClock = opts.clock === undefined;
  const clock = opts.clock ?? new SimClock(opts.timeScale ?? 1);
  const hooks = opts.hooks ?? memoryLoadBalancers({ clock });
  const cluster = new WorkloadCluster({ ...opts.model, caCertPem: opts.model.caCertPem ?? opts.caCertPem }, clock, hooks, { ...DEFAULT_KUBE_DURATIONS, ...opts.durations }, opts.faults ?? {});
  const backend: ApiBackend = {
    store: cluster.store,
    kubeVersion: opts.model.kubeVersion,
    admit: (key, obj) => cluster.admit(key, obj),
    requestDelete: (key, ns, name) => cluster.requestDelete(key, ns, name),
    podLog: (ns, name, o) => cluster.podLog(ns, name, o),
    now: () => clock.now(),
  };
  const serving = await issueServingCert(opts.caCertPem, opts.caKeyPem, {
    commonName: 'kube-apiserver',
    // kubeadm's apiserver certificate: the controlPlaneEndpoint (the API FIP), the control-plane
    // nodes' addresses, the `kubernetes` Service IP (first of the chart's 172.24.0.0/13) and names
    ips: [...new Set([opts.host, ...(opts.sans?.ips ?? []), ...cluster.controlPlaneNodes.map((n) => cluster.nodeAddress(n)), KUBERNETES_SERVICE_IP])],
    dns: [...new Set(['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'localhost', ...cluster.controlPlaneNodes, ...(opts.sans?.dns ?? [])])],
    nowMs: Math.min(Date.now(), clock.now()),
  });
  const server = await startApiServer({ host: opts.host, port: opts.port ?? 6443, caCertPem: opts.caCertPem, servingCertPem: serving.certPem, servingKeyPem: serving.keyPem, backend });
  let blackoutUntil = 0;
  let blackoutTimer: ReturnType<SimClock['after']> | undefined;
  return {
    get host() { return server.host; },
    get port() { return server.port; },
    get url() { return server.url; },
    get requests(): ApiRequestRecord[] { return server.requests; },
    get available() { return server.available; },
    setAvailable: (up) => server.setAvailable(up),
    get watches() { return server.watches; },
    cluster,
    clock,
    hooks,
    blackout(simMs: number) {
      const until = clock.now() + simMs;
      if (until <= blackoutUntil && !server.available) return;
      blackoutUntil = Math.max(blackoutUntil, until);
      server.setAvailable(false);
      // one timer for the latest end (the SimClock may fire a timer slightly early)
      clock.cancel(blackoutTimer);
      blackoutTimer = clock.after(blackoutUntil - clock.now(), 'kube: api blackout ends', () => {
        blackoutTimer = undefined;
        server.setAvailable(true);
      });
    },
    async close() {
      await cluster.close();
      await server.close();
      if (ownClock) clock.close();
    },
  };
}

export interface StartManagementApiOptions {
  readonly host: string;
  readonly port?: number;
  readonly caCertPem: string;
  readonly caKeyPem: string;
  readonly clock?: SimClock;
  readonly timeScale?: number;
  readonly kubeVersion?: string;
}

export interface ManagementApiHandle extends ApiServerHandle {
  readonly management: ManagementCluster;
}

/** The management cluster's API: CAPI objects per workload cluster in magnum-<project id>. */
export async function startManagementApi(opts: StartManagementApiOptions): Promise<ManagementApiHandle> {
  const ownClock = opts.clock === undefined;
  const clock = opts.clock ?? new SimClock(opts.timeScale ?? 1);
  const management = new ManagementCluster(clock, opts.kubeVersion ? { kubeVersion: opts.kubeVersion } : {});
  const serving = await issueServingCert(opts.caCertPem, opts.caKeyPem, { commonName: 'kube-apiserver', ips: [opts.host], dns: ['kubernetes', 'localhost'], nowMs: Math.min(Date.now(), clock.now()) });
  const server = await startApiServer({ host: opts.host, port: opts.port ?? 6443, caCertPem: opts.caCertPem, servingCertPem: serving.certPem, servingKeyPem: serving.keyPem, backend: management });
  return {
    get host() { return server.host; },
    get port() { return server.port; },
    get url() { return server.url; },
    get watches() { return server.watches; },
    get requests(): ApiRequestRecord[] { return server.requests; },
    get available() { return server.available; },
    setAvailable: (up) => server.setAvailable(up),
    management,
    async close() {
      await server.close();
      if (ownClock) clock.close();
    },
  };
}

export { WorkloadCluster, DEFAULT_KUBE_DURATIONS, isPodReady } from './workload.js';
export type { WorkloadClusterSpec, KubeDurations, NodeSeed } from './workload.js';
export { ManagementCluster, capiNamespace, OSC_FINALIZER, CLUSTER_FINALIZER } from './management.js';
export type { CapiClusterSpec } from './management.js';
export { memoryLoadBalancers, occmLoadBalancerName, ServiceEndpoint } from './lb.js';
export type { LoadBalancerHooks, LoadBalancerRequest, FakeLoadBalancer } from './lb.js';
export { loadKubeScenario, KUBE_SCENARIOS, kubeScenarioSchema } from './scenarios.js';
export type { KubeScenario, KubeFaults };
export { createTestCa, signCsrWithCa, issueServingCert } from './tls.js';
export { decodeK8sProtobuf, decodeEnvelope, encodeFields, K8S_PROTOBUF_MAGIC } from './protobuf.js';
export type { ApiRequestRecord, ApiServerHandle } from './apiserver.js';
