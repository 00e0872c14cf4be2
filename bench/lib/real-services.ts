// What the real control plane spent and suffered while a bench step ran: each service's CPU
// (scripts/real-openstack.sh status: the process tree of each service), MariaDB's InnoDB lock
// counters, and the services' own logs read from where the step began (API latency and 5xx per
// service, database deadlocks and lock timeouts, RabbitMQ / oslo.messaging trouble, errors).

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { percentile } from './analysis.js';

/** CPU seconds per service (the status table's CPU_S column), from the status command's output. */
export function parseStatusCpu(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^\s+([a-z][\w-]*)\s+(\d+|-)\s+(\d+)\s+([\d.]+)\s+(\d+)\s*$/.exec(line);
    if (m && m[1] !== 'TOTAL') out[m[1]!] = Number(m[4]);
  }
  return out;
}

export function servicesCpu(repo: string, realDir: string): Record<string, number> {
  const r = spawnSync('bash', [join(repo, 'scripts', 'real-openstack.sh'), 'status', '--profile', 'full'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, REAL_OPENSTACK_DIR: realDir } });
  return parseStatusCpu(`${r.stdout ?? ''}\n${r.stderr ?? ''}`);
}

const INNODB = ['Innodb_deadlocks', 'Innodb_row_lock_waits', 'Innodb_row_lock_time', 'Innodb_row_lock_time_max', 'Innodb_row_lock_current_waits', 'Max_used_connections', 'Threads_connected', 'Aborted_clients', 'Aborted_connects', 'Questions'];

/** MariaDB's global status counters that tell of lock trouble (over its socket, as root). */
export function innodbStatus(realDir: string): Record<string, number> {
  const sock = join(realDir, 'full', 'mysql', 'mysqld.sock');
  const sql = `SHOW GLOBAL STATUS WHERE Variable_name IN (${INNODB.map((v) => `'${v}'`).join(',')})`;
  const r = spawnSync('mysql', ['--no-defaults', '-S', sock, '-uroot', '-N', '-B', '-e', sql], { encoding: 'utf8', timeout: 30_000 });
  const out: Record<string, number> = {};
  for (const line of (r.stdout ?? '').split('\n')) {
    const [k, v] = line.split('\t');
    if (k && v !== undefined && Number.isFinite(Number(v))) out[k] = Number(v);
  }
  return out;
}

/** The full profile's logs (and Keystone's), with their sizes now: the start of a step. */
export function logMarks(realDir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const files = [join(realDir, 'keystone-uwsgi.log')];
  const logDir = join(realDir, 'full', 'log');
  if (existsSync(logDir)) for (const f of readdirSync(logDir)) if (f.endsWith('.log')) files.push(join(logDir, f));
  const rmq = join(realDir, 'full', 'rabbitmq', 'log');
  if (existsSync(rmq)) for (const f of readdirSync(rmq)) if (f.endsWith('.log')) files.push(join(rmq, f));
  for (const f of files) out[f] = existsSync(f) ? statSync(f).size : 0;
  return out;
}

export interface LogFindings {
  /** Per API service: requests, 5xx answers, latency p50/p95/max (ms). */
  readonly api: Record<string, { requests: number; errors5xx: number; p50Ms: number; p95Ms: number; maxMs: number }>;
  /** Per log file (short name): lines of each kind of trouble. */
  readonly trouble: Record<string, Record<string, number>>;
  /** A few of the trouble lines (no secrets: the services log no tokens at INFO). */
  readonly samples: string[];
}

const API_LOGS: Record<string, string> = {
  'keystone-uwsgi.log': 'identity',
  'nova-api-uwsgi.log': 'compute',
  'placement-api-uwsgi.log': 'placement',
  'magnum-api-uwsgi.log': 'container-infra',
  'octavia-api-uwsgi.log': 'load-balancer',
  'neutron-server.log': 'network',
};

const TROUBLE: Record<string, RegExp> = {
  deadlock: /Deadlock found|DBDeadlock|deadlock/i,
  lockTimeout: /Lock wait timeout/i,
  dbConnection: /DBConnectionError|Lost connection to (MySQL|MariaDB)|Too many connections|QueuePool limit/i,
  rabbit: /AMQP server .* (unreachable|closed)|MessagingTimeout|Timed out waiting for a reply|ConnectionForced|amqp.*(error|reset)|missed heartbeats/i,
  error: / ERROR |\[error\]/,
  traceback: /^Traceback|^\S+Error: /,
};

/** Reads every log from its mark to its end. */
export function logFindings(marks: Record<string, number>): LogFindings {
  const lat: Record<string, number[]> = {};
  const err5: Record<string, number> = {};
  const trouble: Record<string, Record<string, number>> = {};
  const samples: string[] = [];
  for (const [file, from] of Object.entries(marks)) {
    if (!existsSync(file)) continue;
    const buf = readFileSync(file);
    const text = buf.subarray(Math.min(from, buf.length)).toString('utf8');
    const short = file.split('/').pop()!;
    const api = API_LOGS[short];
    for (const line of text.split('\n')) {
      if (api) {
        const u = /=> generated \d+ bytes in (\d+) msecs \(HTTP\/[\d.]+ (\d{3})\)/.exec(line);
        const n = /neutron\.wsgi .*"(?:GET|POST|PUT|DELETE|PATCH|HEAD) [^"]*" status: (\d{3}) .*time: ([\d.]+)/.exec(line);
        if (u) {
          (lat[api] ??= []).push(Number(u[1]));
          if (u[2]!.startsWith('5')) err5[api] = (err5[api] ?? 0) + 1;
          continue;
        }
        if (n) {
          (lat[api] ??= []).push(Number(n[2]) * 1000);
          if (n[1]!.startsWith('5')) err5[api] = (err5[api] ?? 0) + 1;
          continue;
        }
      }
      for (const [kind, re] of Object.entries(TROUBLE)) {
        if (!re.test(line)) continue;
        const t = (trouble[short] ??= {});
        t[kind] = (t[kind] ?? 0) + 1;
        if (kind !== 'error' && kind !== 'traceback' && samples.length < 12) samples.push(`${short}: ${line.slice(0, 240)}`);
      }
    }
  }
  const api: LogFindings['api'] = {};
  for (const [s, xs] of Object.entries(lat)) api[s] = { requests: xs.length, errors5xx: err5[s] ?? 0, p50Ms: percentile(xs, 50), p95Ms: percentile(xs, 95), maxMs: Math.max(...xs) };
  return { api, trouble, samples };
}
