// Where a run's metrics go: --metrics-file (atomically, for node_exporter's textfile collector)
// and --pushgateway (a Prometheus Pushgateway, grouped by site). Both are checked before the run
// starts, so a typo is a usage error and not a finding after an hour of acceptance. What writes
// and pushes them (prom-client) is in metrics-push.ts, loaded only by a run that asks for it.

import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CapiGateError } from '../core/errors.js';
import { requestKey } from '../report/metric-keys.js';

/** Checks a --metrics-file path: its directory exists and is writable, the path is not a directory. */
export function checkMetricsFile(path: string): string {
  const full = resolve(path);
  const dir = dirname(full);
  const usage = (why: string) => new CapiGateError('CAPI_GATE_USAGE', `--metrics-file ${path}: ${why}`, {
    hint: 'Give a file in an existing, writable directory, e.g. node_exporter\'s textfile directory: --metrics-file /var/lib/prometheus/node-exporter/capi-gate.prom',
  });
  try {
    if (!statSync(dir).isDirectory()) throw usage(`${dir} is not a directory`);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    if (e instanceof CapiGateError) throw e;
    throw usage(`${dir} ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be written'}`);
  }
  try {
    if (statSync(full).isDirectory()) throw usage('is a directory');
  } catch (e) {
    if (e instanceof CapiGateError) throw e;
  }
  return full;
}

/** Checks a --pushgateway URL: http or https with a host, no query, no credentials in it. */
export function checkPushgatewayUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CapiGateError('CAPI_GATE_USAGE', `--pushgateway ${JSON.stringify(url)} is not a URL`, { hint: 'The Pushgateway\'s base URL, e.g. --pushgateway http://pushgateway.monitoring:9091' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new CapiGateError('CAPI_GATE_USAGE', `--pushgateway ${u.protocol}//${u.host}: only http and https are supported`, { hint: 'The Pushgateway\'s base URL, e.g. --pushgateway http://pushgateway.monitoring:9091' });
  }
  if (u.username || u.password) {
    throw new CapiGateError('CAPI_GATE_USAGE', '--pushgateway must not hold credentials in the URL', { hint: 'Put the Pushgateway behind a proxy that authenticates, or on a network only the job reaches; credentials on a command line end up in process listings.' });
  }
  return u.toString().replace(/\/+$/, '');
}

/** Counts OpenStack API calls per service and status class (the transport's onCall). */
export class RequestCounter {
  readonly counts = new Map<string, number>();

  readonly onCall = (e: { service: string; status: number }): void => {
    const k = requestKey(e.service, e.status);
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  };
}
