// Glance v2 on both sides: the image lookups 8.0 makes (by name, hidden ones, by id) and the
// glance-direct upload of stage-and-verify with the image's status over time.

import type { Service } from '../backend.js';
import type { ParityCase } from '../case.js';
import { pollStates, uniqueName } from '../case.js';
import { field, quietly } from '../ops.js';

export const CASES: ParityCase[] = [
  {
    name: 'glance: every image the tenant sees (capi-gate init)',
    clientOps: ['list images'],
    ops: ['glance GET /v2/images'],
    async run(b, rec) {
      rec.step('every image', await b.tenant.call('glance', 'GET', '/images'));
      // Paged by the runbook image's name: a bare ?limit=1 is the newest image, whatever an
      // earlier test left (a queued upload has null size and checksums), not the same on both sides.
      rec.step('every image, a page of one', await b.tenant.call('glance', 'GET', `/images?name=${encodeURIComponent(b.site.image.name)}&limit=1`));
    },
  },
  {
    name: 'glance: image lookups by name, hidden and by id',
    clientOps: ['find image by name', 'find hidden image by name', 'get image'],
    ops: [
      'glance GET /v2/images/{id}',
      'glance GET /v2/images?name',
      'glance GET /v2/images?name&os_hidden',
    ],
    async run(b, rec) {
      const list = rec.step('by name', await b.tenant.call('glance', 'GET', `/images?name=${encodeURIComponent(b.site.image.name)}`));
      const id = String((field(list, 'images') as { id: string }[] | undefined)?.[0]?.id);
      rec.step('hidden by name', await b.tenant.call('glance', 'GET', `/images?name=${encodeURIComponent(b.site.image.name)}&os_hidden=true`));
      rec.step('by id', await b.tenant.call('glance', 'GET', `/images/${id}`));
      rec.step('missing', await b.tenant.call('glance', 'GET', '/images/00000000-0000-4000-8000-000000000000'));
      rec.step('a page of one', await b.admin.call('glance', 'GET', `/images?name=${encodeURIComponent(b.site.image.name)}&limit=1`));
    },
  },
  {
    name: 'glance: create, stage, import (glance-direct) to active',
    clientOps: ['create image', 'stage image data', 'import image (glance-direct)', 'get image'],
    ops: [
      'glance GET /v2/images/{id}',
      'glance POST /v2/images',
      'glance POST /v2/images/{id}/import',
      'glance PUT /v2/images/{id}/stage',
    ],
    timeoutMs: 300_000,
    async run(b, rec) {
      const name = uniqueName('parity-img');
      const created = rec.step('create', await b.tenant.call('glance', 'POST', '/images', { os_distro: b.site.image.osDistro, kube_version: b.site.image.kubeVersion, name, disk_format: 'raw', container_format: 'bare' }));
      const id = String(field(created, 'id'));
      try {
        rec.step('stage', await b.tenant.call('glance', 'PUT', `/images/${id}/stage`, Buffer.alloc(4096, 7)));
        rec.step('get after staging', await b.tenant.call('glance', 'GET', `/images/${id}`));
        rec.step('import', await b.tenant.call('glance', 'POST', `/images/${id}/import`, { method: { name: 'glance-direct' } }));
        const r = await pollStates(
          b,
          async () => {
            const g = await b.tenant.call('glance', 'GET', `/images/${id}`);
            return { state: String(field(g, 'status')), call: g };
          },
          (s) => s === 'active' || s === 'killed' || s === 'deleted',
          { simulatedMs: 120_000, everyMs: 500 },
        );
        rec.track('status through the import', r.op, r.states);
        rec.step('import again', await b.tenant.call('glance', 'POST', `/images/${id}/import`, { method: { name: 'glance-direct' } }));
      } finally {
        await quietly(() => b.tenant.call('glance', 'DELETE', `/images/${id}`));
      }
    },
  },
];


export const SERVICES: readonly Service[] = ['keystone', 'glance'];
