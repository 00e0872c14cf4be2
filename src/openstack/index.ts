// src/openstack: Keystone sessions (admin and tenant scope as distinct types), the catalog,
// clouds.yaml / OS_* credentials, and typed Magnum, Glance, Octavia, Nova and Neutron clients.

export { connectOpenStack, loadSiteCredentials } from './openstack.js';
export type { ConnectOptions, OpenStack } from './openstack.js';
export { AdminSession, TenantSession, narrowToProject, authRequestBody } from './session.js';
export type { AnySession, ProjectId, SessionOptions, ServiceCall } from './session.js';
export type { TokenInfo } from './token.js';
export { loadCloudCredentials, credentialsFromEnv, cloudsFileCandidates, findCloudsFile } from './clouds.js';
export type { CredentialSearch, LoadCredentialsOptions } from './clouds.js';
export { describeOrigin } from './credentials.js';
export type { CloudCredentials, PasswordCredentials, AppCredentialCredentials, EndpointInterface, NamedRef } from './credentials.js';
export { selectEndpoint, versionedEndpoint, SERVICE_TYPE_ALIASES, SERVICE_NAMES } from './catalog.js';
export type { CatalogService, CatalogEndpoint, ServiceType, EndpointFilter } from './catalog.js';
export { keystone, resolveProjectId, findDomain, findUser, listRoleAssignments, whoAmI } from './keystone.js';
export type { KeystoneClient, Domain, User, RoleAssignment } from './keystone.js';
export { magnum, oldestTemplate, MAGNUM_API_VERSION } from './magnum.js';
export type { MagnumClient, Cluster, ClusterTemplate, ClusterSpec, TemplateSpec } from './magnum.js';
export { glance } from './glance.js';
export type { GlanceClient, Image, ImageSpec, CreatedImage } from './glance.js';
export { octavia } from './octavia.js';
export type { OctaviaClient, LoadBalancer, LoadBalancerFilter, Amphora, Pool, PoolMember } from './octavia.js';
export { nova } from './nova.js';
export type { NovaClient, Server, Flavor, Keypair } from './nova.js';
export { neutron } from './neutron.js';
export type { NeutronClient, NeutronFilters, Network, Subnet, Router, FloatingIp, Port, SecurityGroup } from './neutron.js';
export { preflight, describePreflight, PREFLIGHT_DEADLINE_MS } from './preflight.js';
export type { PreflightOptions, PreflightResult } from './preflight.js';
