// Magnum (container-infra v1) on both sides: templates, the cluster life cycle through the test
// driver with its status and health over time, certificates and their policy, the microversion,
// and create-time validation.

import type { Service } from '../backend.js';
import type { ParityCase } from '../case.js';
import { pollStates, uniqueName } from '../case.js';
import { MAGNUM, clusterBody, csrPem, field, quietly, templateBody } from '../ops.js';

export const CASES: ParityCase[] = [
  {
    name: 'magnum: template create, get by name and uuid, detail list, missing template',
    clientOps: ['create cluster template', 'get cluster template', 'list cluster templates'],
    ops: [
      'magnum GET /v1/clustertemplates/detail',
      'magnum GET /v1/clustertemplates/{id}',
      'magnum POST /v1/clustertemplates',
    ],
    async run(b, rec) {
      const name = uniqueName('parity-tpl');
      const created = rec.step('create', await b.tenant.call('magnum', 'POST', '/clustertemplates', templateBody(b.site, name), MAGNUM()));
      const uuid = String(field(created, 'uuid'));
      try {
        rec.step('get by name', await b.tenant.call('magnum', 'GET', `/clustertemplates/${name}`, undefined, MAGNUM()));
        rec.step('get by uuid', await b.tenant.call('magnum', 'GET', `/clustertemplates/${uuid}`, undefined, MAGNUM()));
        rec.step('detail list', await b.tenant.call('magnum', 'GET', '/clustertemplates/detail', undefined, MAGNUM()));
        rec.step('detail list, a page of one', await b.tenant.call('magnum', 'GET', '/clustertemplates/detail?limit=1', undefined, MAGNUM()));
        rec.step('get missing', await b.tenant.call('magnum', 'GET', `/clustertemplates/${name}-missing`, undefined, MAGNUM()));
      } finally {
        await quietly(() => b.tenant.call('magnum', 'DELETE', `/clustertemplates/${uuid}`, undefined, MAGNUM()));
      }
    },
  },
  {
    name: 'magnum: wrong microversion is a 406 with the version range',
    clientOps: ['list clusters'],
    ops: [
    ],
    async run(b, rec) {
      rec.step('the client version', await b.tenant.call('magnum', 'GET', '/clusters', undefined, MAGNUM()));
      rec.step('above the maximum', await b.tenant.call('magnum', 'GET', '/clusters', undefined, { 'openstack-api-version': 'container-infra 1.99' }));
      rec.step('not a version', await b.tenant.call('magnum', 'GET', '/clusters', undefined, { 'openstack-api-version': 'container-infra one' }));
    },
  },
  {
    name: 'magnum: cluster create validation (master_count without a master LB, unknown key)',
    clientOps: ['create cluster'],
    ops: [
      'magnum POST /v1/clusters',
      'magnum POST /v1/clustertemplates',
    ],
    async run(b, rec) {
      const name = uniqueName('parity-nolb');
      const t = await b.tenant.call('magnum', 'POST', '/clustertemplates', templateBody(b.site, name, { master_lb_enabled: false }), MAGNUM());
      const uuid = String(field(t, 'uuid'));
      try {
        rec.step('template without master LB', t);
        rec.step('master_count 3 without a master LB', await b.tenant.call('magnum', 'POST', '/clusters', clusterBody(b.site, uniqueName('parity-c'), uuid, { master_count: 3 }), MAGNUM()));
        rec.step('an unknown body key', await b.tenant.call('magnum', 'POST', '/clusters', clusterBody(b.site, uniqueName('parity-c'), uuid, { no_such_key: 1 }), MAGNUM()));
        rec.step('a template that does not exist', await b.tenant.call('magnum', 'POST', '/clusters', clusterBody(b.site, uniqueName('parity-c'), `${name}-missing`), MAGNUM()));
      } finally {
        await quietly(() => b.tenant.call('magnum', 'DELETE', `/clustertemplates/${uuid}`, undefined, MAGNUM()));
      }
    },
  },
  {
    name: 'magnum: template create with an image no driver supports',
    clientOps: ['create cluster template'],
    ops: ['magnum POST /v1/clustertemplates'],
    async run(b, rec) {
      const name = uniqueName('parity-centos');
      const img = await b.tenant.call('glance', 'POST', '/images', { name, os_distro: 'centos', kube_version: b.site.image.kubeVersion, disk_format: 'raw', container_format: 'bare' });
      const imageId = String(field(img, 'id'));
      let uuid = '';
      try {
        const t = rec.step('template on a centos image', await b.tenant.call('magnum', 'POST', '/clustertemplates', templateBody(b.site, name, { image_id: imageId }), MAGNUM()));
        uuid = String(field(t, 'uuid') ?? '');
      } finally {
        if (uuid) await quietly(() => b.tenant.call('magnum', 'DELETE', `/clustertemplates/${uuid}`, undefined, MAGNUM()));
        await quietly(() => b.tenant.call('glance', 'DELETE', `/images/${imageId}`));
      }
    },
  },
  {
    name: 'magnum: cluster create to CREATE_COMPLETE, certificates, delete',
    clientOps: ['create cluster', 'get cluster', 'list clusters', 'get cluster CA', 'sign certificate', 'delete cluster'],
    ops: [
      'magnum DELETE /v1/clusters/{id}',
      'magnum GET /v1/certificates/{id}',
      'magnum GET /v1/clusters/{id}',
      'magnum POST /v1/certificates',
      'magnum POST /v1/clusters',
    ],
    timeoutMs: 1_500_000,
    async run(b, rec) {
      const tname = uniqueName('parity-tpl');
      const t = await b.tenant.call('magnum', 'POST', '/clustertemplates', templateBody(b.site, tname), MAGNUM());
      const tuuid = String(field(t, 'uuid'));
      const name = uniqueName('parity-cl');
      let uuid = '';
      try {
        const created = rec.step('create', await b.tenant.call('magnum', 'POST', '/clusters', clusterBody(b.site, name, tuuid), MAGNUM()));
        uuid = String(field(created, 'uuid'));
        rec.step('CA right after the 202', await b.tenant.call('magnum', 'GET', `/certificates/${uuid}`, undefined, MAGNUM()));
        // The conductor writes the row a moment after the 202 (on both sides a GET is a 404 until
        // then; the simulator's CONDUCTOR_ROW_MS against the real conductor's own pace, a race on a
        // loaded machine), then the node groups one commit each (a 400 on master_count until the
        // first): the step compares the row itself, so it reads until the row and a node group are there.
        const during = await pollStates(
          b,
          async () => {
            const c = await b.tenant.call('magnum', 'GET', `/clusters/${uuid}`, undefined, MAGNUM());
            return { state: String(c.status), call: c };
          },
          (s) => s !== '404' && s !== '400',
          { simulatedMs: 30_000, everyMs: 500 },
        );
        rec.step('get during the create', during.last!);
        const seen: { status: string; health: string; addresses: string }[] = [];
        const create = await pollStates(
          b,
          async () => {
            const c = await b.tenant.call('magnum', 'GET', `/clusters/${uuid}`, undefined, MAGNUM());
            const status = String(field(c, 'status'));
            const ma = field(c, 'master_addresses');
            seen.push({ status, health: String(field(c, 'health_status') ?? 'null'), addresses: Array.isArray(ma) && ma.length ? 'set' : 'unset' });
            return { state: status, call: c };
          },
          (s) => !s.endsWith('IN_PROGRESS'),
          { simulatedMs: 1_200_000, everyMs: 5_000 },
        );
        rec.track('status through the create', create.op, create.states);
        rec.track('health through the create', create.op, seen.filter((x) => x.status.endsWith('IN_PROGRESS')).map((x) => `health ${x.health}`));
        rec.track('addresses through the create', create.op, seen.filter((x) => x.status.endsWith('IN_PROGRESS')).map((x) => `addresses ${x.addresses}`));
        if (create.last) rec.step('get at the end of the create', create.last);
        // Magnum syncs health about every 60 s for COMPLETE clusters.
        if (create.states[create.states.length - 1] !== 'CREATE_COMPLETE') throw new Error(`the create ended ${create.states.join(' > ')}`);
        const health = await pollStates(
          b,
          async () => {
            const c = await b.tenant.call('magnum', 'GET', `/clusters/${uuid}`, undefined, MAGNUM());
            return { state: `health ${String(field(c, 'health_status') ?? 'null')}`, call: c };
          },
          (s) => s !== 'health null',
          { simulatedMs: 150_000, everyMs: 5_000 },
        );
        rec.track('health after the create', health.op, health.states);
        rec.step('list', await b.tenant.call('magnum', 'GET', '/clusters', undefined, MAGNUM()));
        rec.step('get by name', await b.tenant.call('magnum', 'GET', `/clusters/${name}`, undefined, MAGNUM()));
        rec.step('CA, the creator', await b.tenant.call('magnum', 'GET', `/certificates/${uuid}`, undefined, MAGNUM()));
        rec.step('CA, another member', await b.member2.call('magnum', 'GET', `/certificates/${uuid}`, undefined, MAGNUM()));
        const csr = csrPem('parity');
        rec.step('sign, the creator', await b.tenant.call('magnum', 'POST', '/certificates', { cluster_uuid: uuid, csr }, MAGNUM()));
        rec.step('sign, another member', await b.member2.call('magnum', 'POST', '/certificates', { cluster_uuid: uuid, csr }, MAGNUM()));
        rec.step('delete', await b.tenant.call('magnum', 'DELETE', `/clusters/${uuid}`, undefined, MAGNUM()));
        const del = await pollStates(
          b,
          async () => {
            const c = await b.tenant.call('magnum', 'GET', `/clusters/${uuid}`, undefined, MAGNUM());
            return { state: c.status === 404 ? 'gone (404)' : String(field(c, 'status')), call: c };
          },
          (s) => s === 'gone (404)' || s.endsWith('FAILED'),
          { simulatedMs: 1_200_000, everyMs: 5_000 },
        );
        rec.track('status through the delete', del.op, del.states);
        if (del.last) rec.step('get after the delete', del.last);
        rec.step('delete again', await b.tenant.call('magnum', 'DELETE', `/clusters/${uuid}`, undefined, MAGNUM()));
      } finally {
        if (uuid) await quietly(() => b.tenant.call('magnum', 'DELETE', `/clusters/${uuid}`, undefined, MAGNUM()));
        // A template in use cannot go until its cluster has.
        for (let i = 0; i < 60; i++) {
          const r = await b.tenant.call('magnum', 'DELETE', `/clustertemplates/${tuuid}`, undefined, MAGNUM()).catch(() => undefined);
          if (!r || r.status !== 400) break;
          await new Promise((res) => setTimeout(res, Math.max(50, 10_000 * b.scale)));
        }
      }
    },
  },
];


export const SERVICES: readonly Service[] = ['keystone', 'magnum', 'glance', 'nova', 'neutron', 'octavia'];
