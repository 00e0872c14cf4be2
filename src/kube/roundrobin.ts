// D-011.4 round-robin (DOCFIX-040: never a hand-built LB): the objects the runbook's
//   kubectl create deploy rr --image=registry.k8s.io/e2e-test-images/agnhost:2.40 --replicas=2 -- /agnhost netexec --http-port=8080
//   kubectl expose deploy rr --port=80 --target-port=8080 --type=LoadBalancer
// create, and the `curl http://EXT/hostname` loop, each request on a fresh connection.

import { request } from 'node:http';
import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import { CapiGateError } from '../core/errors.js';

export const RR = {
  namespace: 'default',
  name: 'rr',
  image: 'registry.k8s.io/e2e-test-images/agnhost:2.40',
  replicas: 2,
  port: 80,
  targetPort: 8080,
} as const;

/** What `kubectl create deploy rr ... -- /agnhost netexec --http-port=8080` sends (the words after -- are the command). */
export function rrDeployment(): V1Deployment {
  const labels = { app: RR.name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: RR.name, labels },
    spec: {
      replicas: RR.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'agnhost', image: RR.image, command: ['/agnhost', 'netexec', `--http-port=${RR.targetPort}`] }] },
      },
    },
  };
}

/** What `kubectl expose deploy rr --port=80 --target-port=8080 --type=LoadBalancer` sends. */
export function rrService(): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: RR.name, labels: { app: RR.name } },
    spec: { ports: [{ protocol: 'TCP', port: RR.port, targetPort: RR.targetPort }], selector: { app: RR.name }, type: 'LoadBalancer' },
  };
}

export interface HostnameTally {
  readonly requests: number;
  /** Answers by pod name. */
  readonly counts: Readonly<Record<string, number>>;
  readonly failures: readonly string[];
}

/** GET http://ip:port/hostname once, on a new connection. */
export function getHostname(ip: string, port: number, signal: AbortSignal, timeoutMs: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const limit = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    const req = request({ host: ip, port, path: '/hostname', method: 'GET', agent: false, signal: limit, headers: { 'user-agent': 'capi-gate (D-011.4 round-robin)' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8').trim();
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode ?? '?'}${body ? `: ${body.split('\n')[0]?.slice(0, 120)}` : ''}`));
        else resolve(body);
      });
      res.on('error', reject);
    });
    req.on('error', (e) => reject(signal.aborted ? new CapiGateError('CAPI_GATE_ABORTED', 'interrupted: round-robin requests', { cause: e }) : e));
    req.end();
  });
}

/** `for i in $(seq 1 N); do curl -s "http://$EXT/hostname"; done`, counting answers per pod. */
export async function tallyHostnames(ip: string, port: number, n: number, signal: AbortSignal, timeoutMs: number): Promise<HostnameTally> {
  const counts: Record<string, number> = {};
  const failures: string[] = [];
  for (let i = 0; i < n; i++) {
    if (signal.aborted) throw new CapiGateError('CAPI_GATE_ABORTED', 'interrupted: round-robin requests', { cause: signal.reason });
    try {
      const name = await getHostname(ip, port, signal, timeoutMs);
      counts[name] = (counts[name] ?? 0) + 1;
    } catch (e) {
      if (signal.aborted) throw new CapiGateError('CAPI_GATE_ABORTED', 'interrupted: round-robin requests', { cause: e });
      failures.push(`request ${i + 1}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { requests: n, counts, failures };
}

/** "rr-abc: 10, rr-def: 10" */
export function distributionText(t: HostnameTally): string {
  const parts = Object.entries(t.counts).sort((a, b) => a[0].localeCompare(b[0])).map(([k, v]) => `${k}: ${v}`);
  return `${parts.join(', ') || 'no answers'}${t.failures.length ? `; ${t.failures.length} failed` : ''} (of ${t.requests})`;
}
