import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/helpers.js';
import { CATALOG } from './catalog.js';
import { OPENSTACK_NEEDS, openstackNeeds } from './openstack-needs.js';

const CLIENT_SERVICE: Record<string, string> = { keystone: 'identity', glance: 'image', magnum: 'container-infra', octavia: 'load-balancer', nova: 'compute', neutron: 'network' };

test('every step says which OpenStack services it calls (a new step cannot be forgotten by the pre-flight)', () => {
  assert.deepEqual(Object.keys(OPENSTACK_NEEDS).sort(), CATALOG.map((s) => s.id).sort());
});

test('the services a step file calls directly (os.<client>.) are in its entry, and so are those of the helpers it imports', () => {
  const dir = join(REPO_ROOT, 'src', 'phase08');
  const used = (file: string): Set<string> => {
    const text = readFileSync(join(dir, file), 'utf8');
    const out = new Set([...text.matchAll(/\bos\.(keystone|glance|magnum|octavia|nova|neutron)\./g)].map((m) => CLIENT_SERVICE[m[1]!]!));
    for (const m of text.matchAll(/from '\.\/([\w.-]+)\.js'/g)) {
      if (['api-lb', 'kube-access'].includes(m[1]!)) for (const s of used(`${m[1]!}.ts`)) out.add(s);
    }
    // The workload kubeconfig comes from Magnum (certificate signing).
    if (/obtainWorkloadKubeconfig\(/.test(text) || /kube\.magnum\b/.test(text)) out.add('container-infra');
    // The Service LB and its failover go through the kube services' Octavia adapter.
    if (/services\.kube\.octavia\b/.test(text)) out.add('load-balancer');
    return out;
  };
  let checked = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.includes('.test') && !f.includes('test-support'))) {
    const id = (/defineStep<[^>]*>\(\{\s*id: '([^']+)'/.exec(readFileSync(join(dir, file), 'utf8')) ?? [])[1];
    if (!id) continue;
    checked++;
    for (const s of used(file)) assert.ok(OPENSTACK_NEEDS[id]?.includes(s as never), `${id} (${file}) calls ${s} but its entry is [${(OPENSTACK_NEEDS[id] ?? []).join(', ')}]`);
  }
  assert.equal(checked, CATALOG.length, 'every step file was read');
});

test('a selection needs the union of its steps\' services, identity with any of them, nothing for host-only checks', () => {
  assert.deepEqual(openstackNeeds(['D-011.1', 'D-011.2', 'D-011.8', 'EXIT-GATE']), []);
  assert.deepEqual(openstackNeeds(['8.1']), ['identity', 'container-infra']);
  assert.deepEqual(openstackNeeds(['8.0.image', '8.2']), ['identity', 'image', 'container-infra', 'load-balancer', 'network']);
  assert.deepEqual(openstackNeeds(CATALOG.map((s) => s.id)), ['identity', 'image', 'container-infra', 'load-balancer', 'compute', 'network']);
});
