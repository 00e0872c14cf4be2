// Each service formats timestamps its own way; clients parse what the real service sends.

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Keystone: 2026-11-24T04:07:00.000000Z */
export function keystoneTime(ms: number): string {
  return iso(ms).replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Magnum: 2026-11-24T03:07:00+00:00 */
export function magnumTime(ms: number): string {
  return iso(ms).replace(/\.\d{3}Z$/, '+00:00');
}

/** Glance, Nova, Neutron: 2026-11-24T02:46:11Z */
export function zTime(ms: number): string {
  return iso(ms).replace(/\.\d{3}Z$/, 'Z');
}

/** Octavia: 2026-06-09T10:00:00 (no zone). */
export function octaviaTime(ms: number): string {
  return iso(ms).replace(/\.\d{3}Z$/, '');
}

/** Nova launched_at: 2026-06-01T10:00:00.000000 */
export function novaMicros(ms: number): string {
  return iso(ms).replace(/\.(\d{3})Z$/, '.$1000');
}
