import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCapiGateError } from '../core/errors.js';
import { selectEndpoint, versionedEndpoint } from './catalog.js';
import type { CatalogService } from './catalog.js';

const catalog: CatalogService[] = [
  {
    type: 'container',
    endpoints: [
      { interface: 'public', region_id: 'RegionOne', url: 'http://pub:9511/v1' },
      { interface: 'internal', region_id: 'RegionOne', url: 'http://int:9511/v1' },
    ],
  },
  {
    type: 'load-balancer',
    endpoints: [
      { interface: 'public', region_id: 'RegionTwo', region: 'RegionTwo', url: 'http://two:9876' },
      { interface: 'public', region_id: null, region: 'RegionOne', url: 'http://one:9876/' },
      { interface: 'adminURL', region_id: 'RegionOne', url: 'http://adm:9876' },
    ],
  },
];

test('interface and region select the endpoint (region_id or region)', () => {
  assert.equal(selectEndpoint(catalog, 'load-balancer', { interface: 'public', region: 'RegionOne' }), 'http://one:9876/');
  assert.equal(selectEndpoint(catalog, 'load-balancer', { interface: 'public', region: 'RegionTwo' }), 'http://two:9876');
  assert.equal(selectEndpoint(catalog, 'load-balancer', { interface: 'admin', region: 'RegionOne' }), 'http://adm:9876');
});

test('container-infra falls back to the legacy type container', () => {
  assert.equal(selectEndpoint(catalog, 'container-infra', { interface: 'internal', region: 'RegionOne' }), 'http://int:9511/v1');
});

test('a missing service or interface is a precondition error that lists what exists', () => {
  assert.throws(
    () => selectEndpoint(catalog, 'image', { interface: 'public' }),
    (e: unknown) => isCapiGateError(e, 'CAPI_GATE_PRECONDITION') && /no 'image' service \(glance\); it lists: container, load-balancer/.test(e.message),
  );
  assert.throws(
    () => selectEndpoint(catalog, 'load-balancer', { interface: 'internal', region: 'RegionOne' }),
    (e: unknown) => isCapiGateError(e, 'CAPI_GATE_PRECONDITION') && /offers: public@RegionTwo, public@RegionOne, admin@RegionOne/.test(e.message),
  );
});

test('versioned base URLs per service (api-notes §1.1)', () => {
  assert.equal(versionedEndpoint('container-infra', 'http://h:9511/v1'), 'http://h:9511/v1');
  assert.equal(versionedEndpoint('container-infra', 'http://h:9511/'), 'http://h:9511/v1');
  assert.equal(versionedEndpoint('load-balancer', 'http://h:9876'), 'http://h:9876/v2.0');
  assert.equal(versionedEndpoint('load-balancer', 'http://h:9876/v2.0/'), 'http://h:9876/v2.0');
  assert.equal(versionedEndpoint('image', 'http://h:9292'), 'http://h:9292/v2');
  assert.equal(versionedEndpoint('image', 'http://h:9292/v2.16'), 'http://h:9292/v2');
  assert.equal(versionedEndpoint('network', 'http://h:9696'), 'http://h:9696/v2.0');
  assert.equal(versionedEndpoint('compute', 'http://h:8774/v2.1/'), 'http://h:8774/v2.1');
  assert.equal(versionedEndpoint('identity', 'http://h:5000'), 'http://h:5000/v3');
  assert.equal(versionedEndpoint('identity', 'http://h:5000/v3/'), 'http://h:5000/v3');
});
