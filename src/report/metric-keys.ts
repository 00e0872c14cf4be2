// The keys API calls are counted under (service and status class), shared by the counter in the
// CLI and the metrics that read it; no prom-client here, so counting costs a plain run nothing.

/** The status class of an HTTP status: 2xx..5xx, or "error" when no answer arrived. */
export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'error';
}

export const requestKey = (service: string, status: number): string => `${service}\u0000${statusClass(status)}`;

export function parseRequestKey(key: string): { service: string; statusClass: string } {
  const [service = '', cls = ''] = key.split('\u0000');
  return { service, statusClass: cls };
}
