// Test support: log in to the simulated Keystone and call the services through the catalog,
// the way a client would (no shortcut into the handlers).

import type { SimHandle } from './index.js';

export interface CallResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: unknown;
}

export interface Api {
  readonly token: string;
  readonly projectId: string;
  readonly catalog: Record<string, string>;
  call(service: string, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<CallResult>;
}

export async function request(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<CallResult> {
  const init: RequestInit = { method, headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.body = Buffer.isBuffer(body) ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] ??= Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json';
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export async function login(h: SimHandle, who: 'admin' | 'tenant'): Promise<Api> {
  const c = h.credentials[who];
  const scope = who === 'admin' ? { project: { name: c.projectName, domain: { name: c.projectDomainName } } } : { project: { id: c.projectId } };
  const r = await request(`${h.urls.keystone}/auth/tokens`, 'POST', {
    auth: { identity: { methods: ['password'], password: { user: { name: c.username, domain: { name: c.userDomainName }, password: c.password } } }, scope },
  });
  if (r.status !== 201) throw new Error(`login ${who}: ${r.status} ${r.text}`);
  return fromToken(r);
}

export function fromToken(r: CallResult): Api {
  const token = r.headers.get('x-subject-token') ?? '';
  const body = r.json as { token: { project?: { id: string }; catalog?: { type: string; endpoints: { interface: string; url: string }[] }[] } };
  const catalog: Record<string, string> = {};
  for (const s of body.token.catalog ?? []) {
    const pub = s.endpoints.find((e) => e.interface === 'public');
    if (pub) catalog[s.type] = pub.url;
  }
  return {
    token,
    projectId: body.token.project?.id ?? '',
    catalog,
    call(service, method, path, reqBody, headers = {}) {
      const base = catalog[service];
      if (!base) throw new Error(`no ${service} in the catalog`);
      return request(`${base}${path}`, method, reqBody, { 'X-Auth-Token': token, ...headers });
    },
  };
}

export const RUNBOOK_TEMPLATE = {
  name: 'capi-k8s-v1-34', image_id: 'ubuntu-jammy-kube-v1.34.8', keypair_id: null, external_network_id: 'provider-ext', coe: 'kubernetes',
  fixed_network: null, fixed_subnet: null, network_driver: 'calico', volume_driver: null, dns_nameserver: '8.8.8.8', flavor_id: 'capi.node',
  master_flavor_id: 'gp.mid', docker_volume_size: null, docker_storage_driver: 'overlay2', http_proxy: null, https_proxy: null, no_proxy: null,
  labels: { fixed_subnet_cidr: '10.20.16.0/24', octavia_provider: 'amphora' }, tls_disabled: false, public: false, registry_enabled: false,
  server_type: 'vm', master_lb_enabled: true, floating_ip_enabled: true,
};

export const RUNBOOK_CLUSTER = { cluster_template_id: 'capi-k8s-v1-34', create_timeout: 60, discovery_url: null, keypair: 'capi-mgmt-key', master_count: 1, name: 'capi-test-1', node_count: 2 };

export const MAGNUM_LATEST = { 'OpenStack-API-Version': 'container-infra latest' };
