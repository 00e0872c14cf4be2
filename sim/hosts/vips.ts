// Core VIPs (D-011.2): one HTTPS listener per VIP address:port of the site (10.12.4.50-60 mapped
// into 127.12.4.50-60), answering what each API answers on the path the site probes: 200 for
// Keystone /v3, 300 Multiple Choices for the version roots that list several versions, 302 for
// Horizon. A VIP that is "down" does not listen (connection refused), as a lost haproxy VIP is.

import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { SimPki } from './tls.js';
import { closeServer, listen } from './net.js';

export interface SimVip {
  readonly name: string;
  readonly url: string;
  readonly host: string;
  readonly port: number;
  up: boolean;
  readonly requests: { path: string; userAgent: string }[];
  setUp(up: boolean): Promise<void>;
  close(): Promise<void>;
}

const MULTIPLE_CHOICES = new Set(['barbican', 'cinder', 'glance', 'nova', 'keystone']);

function answer(name: string, path: string, host: string): { status: number; headers: Record<string, string>; body: string } {
  const json = (status: number, body: unknown) => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) + '\n' });
  if (name.startsWith('horizon')) return { status: 302, headers: { location: `https://${host}/auth/login/?next=/`, 'content-type': 'text/html; charset=utf-8' }, body: '' };
  if (path.startsWith('/v3')) return json(200, { version: { id: 'v3.14', status: 'stable', updated: '2020-04-07T00:00:00Z', links: [{ rel: 'self', href: `https://${host}/v3/` }], 'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }] } });
  if (MULTIPLE_CHOICES.has(name)) return json(300, { versions: [{ id: 'v2.0', status: 'SUPPORTED' }, { id: 'v3.0', status: 'CURRENT' }] });
  return json(200, { versions: [{ id: 'v1.0', status: 'CURRENT' }], name });
}

export async function startVip(name: string, url: string, pki: SimPki): Promise<SimVip> {
  const u = new URL(url);
  const host = u.hostname;
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  const requests: { path: string; userAgent: string }[] = [];
  let server: Server | undefined;
  const open = async () => {
    const s = createServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => {
      const path = req.url ?? '/';
      requests.push({ path, userAgent: req.headers['user-agent'] ?? '' });
      const a = answer(name, path, u.host);
      res.writeHead(a.status, a.headers);
      res.end(a.body);
    });
    await listen(s, host, port);
    server = s;
  };
  const vip: SimVip = {
    name, url, host, port, up: true, requests,
    async setUp(up) {
      if (up && !server) await open();
      if (!up && server) {
        const s = server;
        server = undefined;
        await closeServer(s);
      }
      vip.up = up;
    },
    close: () => (server ? closeServer(server) : Promise.resolve()),
  };
  await open();
  return vip;
}
