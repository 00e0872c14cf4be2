// Services of type LoadBalancer: the hooks through which the simulated OpenStack CCM gets an
// Octavia LB and a floating IP (the integrator connects them to the simulated Octavia/Neutron),
// and the HTTP endpoint bound on that (loopback) IP and the Service port that round-robins
// across the Service's ready pods the way the amphora's haproxy does. Each pod answers like
// agnhost netexec: /hostname is the pod name.

import { createServer } from 'node:http';
import type { Server, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { SimClock } from '../clock.js';

/** What the CCM asks Octavia for, for one Service. */
export interface LoadBalancerRequest {
  /** The CCM's cluster name (the CAPI cluster name), used in the LB name. */
  readonly clusterName: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** kube_service_<cluster>_<namespace>_<name>, as the OpenStack CCM names it. */
  readonly lbName: string;
  readonly ports: readonly { readonly port: number; readonly nodePort: number; readonly protocol: string }[];
}

export interface LoadBalancerHooks {
  /**
   * Creates the Octavia LB, listener, pool, members and a floating IP; resolves when the LB is
   * ACTIVE. `ip` is the floating IP mapped into loopback: the simulator binds it and publishes
   * it in status.loadBalancer.ingress[0].ip.
   */
  create(req: LoadBalancerRequest): Promise<{ lbId: string; ip: string }>;
  /** Deletes the LB (cascade) and releases the floating IP; resolves when it is gone. */
  delete(lbId: string): Promise<void>;
}

/** The Octavia LB name the OpenStack CCM uses for a Service. */
export function occmLoadBalancerName(clusterName: string, namespace: string, name: string): string {
  return `kube_service_${clusterName}_${namespace}_${name}`;
}

export interface FakeLoadBalancer {
  readonly id: string;
  readonly name: string;
  readonly ip: string;
  provisioningStatus: 'PENDING_CREATE' | 'ACTIVE' | 'PENDING_DELETE' | 'DELETED';
}

/**
 * Stand-alone hooks for when no simulated Octavia is wired in (tests, a kube-only sim): LBs
 * live in memory, take createMs/deleteMs of simulated time, and get consecutive loopback IPs.
 */
export function memoryLoadBalancers(opts: { clock: SimClock; firstIp?: string; createMs?: number; deleteMs?: number }): LoadBalancerHooks & { list(): FakeLoadBalancer[] } {
  const lbs = new Map<string, FakeLoadBalancer>();
  const [a, b, c, d] = (opts.firstIp ?? '127.12.7.200').split('.').map(Number) as [number, number, number, number];
  let next = d;
  let seq = 0;
  const sleep = (ms: number) => new Promise<void>((resolve) => opts.clock.after(ms, 'fake-lb', resolve));
  return {
    list: () => [...lbs.values()].filter((lb) => lb.provisioningStatus !== 'DELETED'),
    async create(req) {
      const used = new Set([...lbs.values()].filter((x) => x.provisioningStatus !== 'DELETED').map((x) => x.ip));
      let ip = `${a}.${b}.${c}.${next}`;
      while (used.has(ip)) ip = `${a}.${b}.${c}.${++next}`;
      next++;
      const lb: FakeLoadBalancer = { id: `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`, name: req.lbName, ip, provisioningStatus: 'PENDING_CREATE' };
      lbs.set(lb.id, lb);
      await sleep(opts.createMs ?? 60_000);
      lb.provisioningStatus = 'ACTIVE';
      return { lbId: lb.id, ip };
    },
    async delete(lbId) {
      const lb = lbs.get(lbId);
      if (!lb || lb.provisioningStatus === 'DELETED') return;
      lb.provisioningStatus = 'PENDING_DELETE';
      await sleep(opts.deleteMs ?? 20_000);
      lb.provisioningStatus = 'DELETED';
    },
  };
}

/** One bound Service endpoint: ip:port, round-robin over the backends the cluster reports. */
export class ServiceEndpoint {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** Every answer given, by pod name (for tests and /_sim state). */
  readonly served = new Map<string, number>();

  /**
   * `random` picks the pod: the amphora round-robins over the member nodes, and kube-proxy on
   * the node then picks a ready endpoint at random (iptables `--mode random --probability`), so a
   * client sees an irregular mix, not a strict alternation. onServe: a pod answered a request (its
   * container logs the access, as agnhost netexec does).
   */
  constructor(readonly ip: string, readonly port: number, private readonly backends: () => string[], private readonly random: () => number = Math.random, private readonly onServe?: (pod: string, method: string, path: string) => void) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.ip, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const pods = this.backends();
    if (pods.length === 0) {
      // haproxy with no healthy member
      res.writeHead(503, { 'content-type': 'text/html', 'cache-control': 'no-cache', connection: 'close' });
      res.end('<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n');
      return;
    }
    const pod = pods[Math.min(pods.length - 1, Math.floor(this.random() * pods.length))]!;
    this.served.set(pod, (this.served.get(pod) ?? 0) + 1);
    const url = new URL(req.url ?? '/', 'http://x');
    this.onServe?.(pod, req.method ?? 'GET', url.pathname);
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    // agnhost netexec handlers (test/images/agnhost/netexec)
    if (url.pathname === '/hostname') return send(200, pod);
    if (url.pathname === '/echo') return send(200, url.searchParams.get('msg') ?? '');
    if (url.pathname === '/healthz') return send(200, '');
    if (url.pathname === '/clientip') return send(200, `${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? ''}`);
    if (url.pathname === '/') return send(200, `NOW: ${new Date().toISOString()}`);
    return send(404, '404 page not found\n');
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
