// Catalog endpoint selection (api-notes §1.1): by service type (with legacy aliases), interface
// and region; then the URL form each API wants (Magnum needs /v1, Octavia gets /v2.0 appended,
// Glance /v2, Neutron /v2.0, Nova as published).

import { CapiGateError } from '../core/errors.js';
import type { EndpointInterface } from './credentials.js';

export interface CatalogEndpoint {
  readonly interface: string;
  readonly url: string;
  readonly region_id?: string | null | undefined;
  readonly region?: string | null | undefined;
}

export interface CatalogService {
  readonly type: string;
  readonly name?: string | undefined;
  readonly endpoints: readonly CatalogEndpoint[];
}

export type ServiceType = 'identity' | 'container-infra' | 'image' | 'load-balancer' | 'compute' | 'network';

/** Other type names a catalog may publish a service under (older or newer releases). */
export const SERVICE_TYPE_ALIASES: Readonly<Record<ServiceType, readonly string[]>> = {
  identity: [],
  'container-infra': ['container-infrastructure-management', 'container-infrastructure', 'container'],
  image: [],
  'load-balancer': ['octavia'],
  compute: [],
  network: [],
};

/** The project name each service type is known by in messages. */
export const SERVICE_NAMES: Readonly<Record<ServiceType, string>> = {
  identity: 'keystone',
  'container-infra': 'magnum',
  image: 'glance',
  'load-balancer': 'octavia',
  compute: 'nova',
  network: 'neutron',
};

export interface EndpointFilter {
  readonly interface: EndpointInterface;
  /** Undefined: any region. */
  readonly region?: string | undefined;
}

function normInterface(i: string): string {
  return i.replace(/URL$/, '').toLowerCase();
}

/** The catalog URL for a service type, as published (unversioned forms are fixed by versionedEndpoint). */
export function selectEndpoint(catalog: readonly CatalogService[], type: ServiceType, filter: EndpointFilter): string {
  const types = [type, ...SERVICE_TYPE_ALIASES[type]];
  const services = types.flatMap((t) => catalog.filter((s) => s.type === t));
  if (services.length === 0) {
    const present = [...new Set(catalog.map((s) => s.type))].sort().join(', ') || 'none';
    throw new CapiGateError('CAPI_GATE_PRECONDITION', `the catalog has no '${type}' service (${SERVICE_NAMES[type]}); it lists: ${present}`, {
      hint: `Register ${SERVICE_NAMES[type]} in Keystone, or check that the token is project-scoped (unscoped tokens carry no catalog).`,
    });
  }
  const all = services.flatMap((s) => s.endpoints);
  const byInterface = all.filter((e) => normInterface(e.interface) === filter.interface);
  const matches = filter.region === undefined ? byInterface : byInterface.filter((e) => e.region_id === filter.region || e.region === filter.region);
  const chosen = matches[0];
  if (!chosen) {
    const offered = all.map((e) => `${normInterface(e.interface)}@${e.region_id ?? e.region ?? '-'}`).join(', ');
    throw new CapiGateError(
      'CAPI_GATE_PRECONDITION',
      `the catalog has no ${filter.interface} endpoint for '${type}'${filter.region ? ` in region ${filter.region}` : ''}; it offers: ${offered || 'none'}`,
      { hint: 'Check openstack.region and openstack.interface in the site file against `openstack endpoint list`.' },
    );
  }
  return chosen.url;
}

function trimSlash(u: string): string {
  return u.replace(/\/+$/, '');
}

/** The base URL a client joins its paths to. */
export function versionedEndpoint(type: ServiceType, url: string): string {
  const u = trimSlash(url);
  switch (type) {
    case 'container-infra':
      // magnumclient joins "/clusters" to a catalog URL that must end in /v1.
      return /\/v1$/.test(u) ? u : `${u}/v1`;
    case 'load-balancer':
      // octaviaclient appends /v2.0 unless present; Octavia serves /v2 as well.
      return /\/v2(\.0)?$/.test(u) ? u : `${u}/v2.0`;
    case 'image':
      return `${u.replace(/\/v2(\.\d+)?$/, '')}/v2`;
    case 'network':
      return /\/v2\.0$/.test(u) ? u : `${u}/v2.0`;
    case 'identity':
      return /\/v3$/.test(u) ? u : `${u.replace(/\/v2\.0$/, '')}/v3`;
    case 'compute':
      return u;
  }
}
