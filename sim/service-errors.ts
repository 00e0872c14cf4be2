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
  /** The form the request's Accept header asks for (sim/http.ts sends that one). */
  byAccept?: (accept: string | undefined) => ErrorReply;
}

/**
 * What webob's acceptable_offers(offers) puts first for an Accept header: the offer with the
 * highest q (from its most specific matching range), ties in offer order; an unreadable header
 * accepts every offer (the first, then). Undefined when the header accepts none of them.
 */
export function bestOffer<T extends string>(accept: string, offers: readonly T[]): T | undefined {
  const ranges = accept.split(',').map((part) => {
    const [type = '', ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    const qp = params.find((p) => p.startsWith('q='));
    const q = qp ? Number(qp.slice(2)) : 1;
    return { type, q: Number.isFinite(q) ? q : 1 };
  });
  if (ranges.some((r) => !/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+*-]+$|^\*\/\*$/.test(r.type))) return offers[0];
  const qOf = (offer: string): number => {
    const [major] = offer.split('/');
    const exact = ranges.find((r) => r.type === offer);
    if (exact) return exact.q;
    const partial = ranges.find((r) => r.type === `${major}/*`);
    if (partial) return partial.q;
    return ranges.find((r) => r.type === '*/*')?.q ?? 0;
  };
  const scored = offers.map((o) => ({ o, q: qOf(o) })).filter((x) => x.q > 0);
  return scored.reduce<{ o: T; q: number } | undefined>((a, x) => (a === undefined || x.q > a.q ? x : a), undefined)?.o;
}

/**
 * The form of webob's own error body (exc.WSGIHTTPException.generate_response): html or json by
 * acceptable_offers(['text/html', 'application/json']); no header, or none acceptable: text/plain.
 */
export function webobOffer(accept: string | undefined): 'text/html' | 'application/json' | 'text/plain' {
  if (accept === undefined || accept.trim() === '') return 'text/plain';
  return bestOffer(accept, ['text/html', 'application/json'] as const) ?? 'text/plain';
}

/**
 * Whether pecan renders an HTTP exception's body as JSON {code, title, description}
 * (pecan/core.py: acceptable_offers(('text/plain', 'text/html', 'application/json')), the first
 * of them application/json; no header counts as *\/*). Magnum's error middleware reads that body.
 */
export function pecanWantsJson(accept: string | undefined): boolean {
  return bestOffer(accept === undefined || accept.trim() === '' ? '*/*' : accept, ['text/plain', 'text/html', 'application/json'] as const) === 'application/json';
}

function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
}

/**
 * Glance's errors are webob HTTPExceptions raised with explanation=message: the body template
 * "${explanation}<br /><br />\n${detail}\n${html_comment}\n", rendered as HTML, JSON (webob's
 * json_formatter) or plain text (tags stripped, newlines to spaces, <br> to newlines).
 */
function webobError(status: number, message: string, as: 'text/html' | 'application/json' | 'text/plain'): ErrorReply {
  const code = `${status} ${statusTitle(status)}`;
  if (as === 'application/json') return { status, json: { message: `${message}<br /><br />\n\n\n`, code, title: statusTitle(status) } };
  if (as === 'text/html') {
    const body = `${htmlEscape(message)}<br /><br />\n\n\n`;
    return { status, text: `<html>\n <head>\n  <title>${code}</title>\n </head>\n <body>\n  <h1>${code}</h1>\n  ${body}\n </body>\n</html>`, headers: { 'Content-Type': 'text/html; charset=UTF-8' } };
  }
  // webob's strip_tags over the body: newlines to spaces, <br> to newlines, other tags dropped
  const plain = `${message}<br /><br />\n\n\n`.replace(/\n/g, ' ').replace(/\r/g, '').replace(/<br.*?>/gis, '\n').replace(/<.*?>/gs, '');
  return { status, text: `${code}\n\n${plain}`, headers: { 'Content-Type': 'text/plain; charset=UTF-8' } };
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
      return { ...webobError(status, message, 'text/plain'), byAccept: (accept) => webobError(status, message, webobOffer(accept)) };
    default:
      return { status, json: { error: { code: status, message } } };
  }
}
