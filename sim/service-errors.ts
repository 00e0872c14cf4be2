// Error bodies in each service's own format (api-notes §1.4): clients parse these, so a
// fault rule that only names a status still answers the way the real service would.

import type { ServiceName } from './http.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  409: 'Conflict', 413: 'Request Entity Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests',
  500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

export function statusTitle(status: number): string {
  return TITLES[status] ?? 'Error';
}

const NOVA_KEYS: Record<number, string> = {
  400: 'badRequest', 403: 'forbidden', 404: 'itemNotFound', 409: 'conflictingRequest', 413: 'overLimit', 429: 'overLimit',
};

const NEUTRON_TYPES: Record<number, string> = {
  400: 'HTTPBadRequest', 401: 'HTTPUnauthorized', 403: 'HTTPForbidden', 404: 'HTTPNotFound', 409: 'HTTPConflict', 500: 'HTTPInternalServerError', 503: 'HTTPServiceUnavailable',
};

export interface ErrorReply {
  status: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

export function serviceError(service: ServiceName, status: number, message: string, type?: string): ErrorReply {
  switch (service) {
    case 'keystone':
      return { status, json: { error: { code: status, message, title: statusTitle(status) } } };
    case 'magnum':
      return {
        status,
        json: { errors: [{ request_id: '', code: status >= 500 ? 'server' : 'client', status, title: message, detail: message, links: [] }] },
      };
    case 'octavia':
      return { status, json: { faultcode: status >= 500 ? 'Server' : 'Client', faultstring: message, debuginfo: null } };
    case 'nova':
      return { status, json: { [NOVA_KEYS[status] ?? 'computeFault']: { code: status, message } } };
    case 'neutron':
      return { status, json: { NeutronError: { type: type ?? NEUTRON_TYPES[status] ?? 'HTTPError', message, detail: '' } } };
    case 'glance':
      return { status, text: `${status} ${statusTitle(status)}\n\n${message}\n\n   `, headers: { 'Content-Type': 'text/plain; charset=UTF-8' } };
    default:
      return { status, json: { error: { code: status, message } } };
  }
}
