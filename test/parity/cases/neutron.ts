// Neutron v2.0 on both sides: the lists the leak sweep and the prerequisites read (by name, by
// project, by port), paging, unknown filters, and the stuck-delete cleanup's teardown of a
// cluster network in dependency order (the 409s of the wrong order included).

import type { Service } from '../backend.js';
import type { ParityCase } from '../case.js';
import { uniqueName } from '../case.js';
import { field, networkId, quietly } from '../ops.js';

const COLLECTIONS = ['networks', 'subnets', 'ports', 'routers', 'floatingips', 'security-groups'] as const;

export const CASES: ParityCase[] = [
  {
    name: 'neutron: lists by name, project and port; paging; unknown filter',
    clientOps: ['list networks', 'list subnets', 'list ports', 'list routers', 'list floating IPs', 'list security groups'],
    ops: [
      'neutron GET /v2.0/floatingips?port_id',
      'neutron GET /v2.0/floatingips?project_id',
      'neutron GET /v2.0/networks?name',
      'neutron GET /v2.0/networks?project_id',
      'neutron GET /v2.0/ports?project_id',
      'neutron GET /v2.0/routers?project_id',
      'neutron GET /v2.0/security-groups?project_id',
      'neutron GET /v2.0/subnets?project_id',
    ],
    async run(b, rec) {
      const extByName = `/networks?name=${encodeURIComponent(b.site.externalNetwork)}`;
      rec.step('networks by name', await b.tenant.call('neutron', 'GET', extByName));
      for (const c of COLLECTIONS) rec.step(`${c} by project`, await b.tenant.call('neutron', 'GET', `/${c}?project_id=${b.tenant.projectId}`));
      rec.step('floatingips by port', await b.tenant.call('neutron', 'GET', '/floatingips?port_id=00000000-0000-4000-8000-000000000000'));
      // Paged by the external network's name: a bare ?limit=1 returns whichever network has the
      // lowest random id (real Neutron sorts pages by id), a flat provider network on one run and
      // a tenant VXLAN network on the next, and their provider:* attributes differ in type.
      const pageOfOne = await b.admin.call('neutron', 'GET', `${extByName}&limit=1`);
      rec.step('networks, a page of one', pageOfOne);
      // The full page links a next one although nothing follows; that page is empty.
      const ext = (field(pageOfOne, 'networks') as { id: string }[] | undefined)?.[0]?.id ?? 'none';
      rec.step('networks, the page after a full last one', await b.admin.call('neutron', 'GET', `${extByName}&limit=1&marker=${ext}`));
      rec.step('networks, an unknown marker', await b.admin.call('neutron', 'GET', '/networks?limit=1&marker=00000000-0000-4000-8000-000000000000'));
      rec.step('unknown filter', await b.tenant.call('neutron', 'GET', '/networks?no_such_filter=1'));
    },
  },
  {
    name: 'neutron: a cluster network torn down in dependency order',
    clientOps: ['remove router interface', 'unset router gateway', 'delete router', 'delete subnet', 'delete network', 'delete security group', 'delete floating IP', 'delete port'],
    ops: [
      'neutron DELETE /v2.0/floatingips/{id}',
      'neutron DELETE /v2.0/networks/{id}',
      'neutron DELETE /v2.0/routers/{id}',
      'neutron DELETE /v2.0/security-groups/{id}',
      'neutron DELETE /v2.0/subnets/{id}',
      'neutron GET /v2.0/floatingips?port_id',
      'neutron PUT /v2.0/routers/{id}',
      'neutron PUT /v2.0/routers/{id}/remove_router_interface',
    ],
    async run(b, rec) {
      const name = uniqueName('parity-net');
      const ext = await networkId(b.admin, b.site.externalNetwork);
      const t = b.tenant;
      const net = await t.call('neutron', 'POST', '/networks', { network: { name } });
      const netId = String(field(net, 'network', 'id'));
      const sub = await t.call('neutron', 'POST', '/subnets', { subnet: { name, network_id: netId, cidr: '10.231.7.0/24', ip_version: 4 } });
      const subId = String(field(sub, 'subnet', 'id'));
      const router = await t.call('neutron', 'POST', '/routers', { router: { name, external_gateway_info: { network_id: ext.id } } });
      const routerId = String(field(router, 'router', 'id'));
      const sg = await t.call('neutron', 'POST', '/security-groups', { security_group: { name } });
      const sgId = String(field(sg, 'security_group', 'id'));
      const port = await t.call('neutron', 'POST', '/ports', { port: { name, network_id: netId } });
      const portId = String(field(port, 'port', 'id'));
      try {
        rec.step('add the router interface', await t.call('neutron', 'PUT', `/routers/${routerId}/add_router_interface`, { subnet_id: subId }));
        const fip = rec.step('floating IP on the port', await t.call('neutron', 'POST', '/floatingips', { floatingip: { floating_network_id: ext.id, port_id: portId } }));
        const fipId = String(field(fip, 'floatingip', 'id'));
        rec.step('floatingips by port', await t.call('neutron', 'GET', `/floatingips?port_id=${portId}`));
        rec.step('ports of the network', await t.call('neutron', 'GET', `/ports?network_id=${netId}`));
        rec.step('delete the network first', await t.call('neutron', 'DELETE', `/networks/${netId}`));
        rec.step('delete the router first', await t.call('neutron', 'DELETE', `/routers/${routerId}`));
        rec.step('delete the floating IP', await t.call('neutron', 'DELETE', `/floatingips/${fipId}`));
        rec.step('delete the port', await t.call('neutron', 'DELETE', `/ports/${portId}`));
        rec.step('remove the router interface', await t.call('neutron', 'PUT', `/routers/${routerId}/remove_router_interface`, { subnet_id: subId }));
        rec.step('remove it again', await t.call('neutron', 'PUT', `/routers/${routerId}/remove_router_interface`, { subnet_id: subId }));
        rec.step('unset the gateway', await t.call('neutron', 'PUT', `/routers/${routerId}`, { router: { external_gateway_info: {} } }));
        rec.step('delete the router', await t.call('neutron', 'DELETE', `/routers/${routerId}`));
        rec.step('delete the subnet', await t.call('neutron', 'DELETE', `/subnets/${subId}`));
        rec.step('delete the network', await t.call('neutron', 'DELETE', `/networks/${netId}`));
        rec.step('delete the security group', await t.call('neutron', 'DELETE', `/security-groups/${sgId}`));
        rec.step('delete the network again', await t.call('neutron', 'DELETE', `/networks/${netId}`));
        rec.step('delete the floating IP again', await t.call('neutron', 'DELETE', `/floatingips/${fipId}`));
      } finally {
        await quietly(() => t.call('neutron', 'DELETE', `/ports/${portId}`));
        await quietly(() => t.call('neutron', 'PUT', `/routers/${routerId}/remove_router_interface`, { subnet_id: subId }));
        await quietly(() => t.call('neutron', 'DELETE', `/routers/${routerId}`));
        await quietly(() => t.call('neutron', 'DELETE', `/subnets/${subId}`));
        await quietly(() => t.call('neutron', 'DELETE', `/networks/${netId}`));
        await quietly(() => t.call('neutron', 'DELETE', `/security-groups/${sgId}`));
      }
    },
  },
];


export const SERVICES: readonly Service[] = ['keystone', 'neutron'];
