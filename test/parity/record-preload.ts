// Loaded with `node --import` into a capi-gate process while the inventory is recorded (record.ts):
// every request undici creates is appended to $CAPI_GATE_PARITY_RECORD as one JSON line with its
// method, origin, path, the shape of its JSON body and its version headers. Bodies are reduced to
// their shape here, in the process that holds them, so no password, token or secret is written.

import { appendFileSync } from 'node:fs';
import { subscribe } from 'node:diagnostics_channel';
import { bodyShape, recordedHeaders } from './shapes.js';

const file = process.env['CAPI_GATE_PARITY_RECORD'];

interface UndiciRequest {
  readonly method: string;
  readonly origin: string | URL;
  readonly path: string;
  readonly headers: readonly string[] | string;
  readonly body: unknown;
}

function headerPairs(h: UndiciRequest['headers']): [string, string][] {
  if (typeof h === 'string') {
    return h
      .split('\r\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]);
  }
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < h.length; i += 2) out.push([String(h[i]), String(h[i + 1])]);
  return out;
}

function jsonOf(body: unknown): unknown {
  if (body === null || body === undefined) return undefined;
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : undefined;
  if (text === undefined) return '<stream>';
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return '<bytes>';
  }
}

if (file) {
  subscribe('undici:request:create', (message) => {
    const { request } = message as { request: UndiciRequest };
    const pairs = headerPairs(request.headers);
    const body = jsonOf(request.body);
    const line = {
      method: request.method,
      origin: String(request.origin).replace(/\/$/, ''),
      path: request.path,
      headers: recordedHeaders(pairs),
      body: body === undefined ? undefined : typeof body === 'string' ? body : bodyShape(body),
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  });
}
