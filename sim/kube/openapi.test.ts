// The OpenAPI documents kubectl reads before `apply`: each served kind has its PATCH operation
// with the fieldValidation parameter (so kubectl 1.27+ leaves field checking to the server), the
// root addresses each document by its content hash, and /openapi/v2 is a gnostic Document header.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApiGvDoc, openApiRoot, openApiV2Protobuf } from './openapi.js';
import { readFields } from './protobuf.js';
import { CORE_RESOURCES, MONITORING_RESOURCES } from './resources.js';

interface Op { parameters: { name: string; in: string }[]; 'x-kubernetes-group-version-kind': { group: string; version: string; kind: string } }

test('each served kind has a PATCH operation with fieldValidation and its group/version/kind; other kinds have none', () => {
  const doc = openApiGvDoc('monitoring.coreos.com/v1', MONITORING_RESOURCES) as { paths: Record<string, { patch?: Op }> };
  for (const d of MONITORING_RESOURCES) {
    const item = doc.paths[`/apis/monitoring.coreos.com/v1/namespaces/{namespace}/${d.plural}/{name}`];
    assert.ok(item?.patch, d.kind);
    assert.deepEqual(item.patch['x-kubernetes-group-version-kind'], { group: 'monitoring.coreos.com', version: 'v1', kind: d.kind });
    assert.ok(item.patch.parameters.some((p) => p.name === 'fieldValidation' && p.in === 'query'));
  }
  const kinds = Object.values(doc.paths).flatMap((p) => (p.patch ? [p.patch['x-kubernetes-group-version-kind'].kind] : []));
  assert.ok(!kinds.includes('Alertmanager'));
  const core = openApiGvDoc('v1', CORE_RESOURCES.filter((d) => d.group === '')) as { paths: Record<string, unknown> };
  assert.ok('/api/v1/namespaces/{name}' in core.paths && '/api/v1/namespaces/{namespace}/configmaps/{name}' in core.paths);
  assert.ok(!('/api/v1/namespaces/{namespace}/namespaces/{name}' in core.paths));
});

test('the root addresses each group/version document by its content hash', () => {
  const a = openApiRoot(new Map([['v1', 'x'], ['apps/v1', 'y']])) as { paths: Record<string, { serverRelativeURL: string }> };
  assert.match(a.paths['api/v1']!.serverRelativeURL, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
  assert.match(a.paths['apis/apps/v1']!.serverRelativeURL, /^\/openapi\/v3\/apis\/apps\/v1\?hash=/);
  const b = openApiRoot(new Map([['v1', 'z']])) as typeof a;
  assert.notEqual(a.paths['api/v1']!.serverRelativeURL, b.paths['api/v1']!.serverRelativeURL);
});

test('/openapi/v2 is a gnostic Document: swagger 2.0, info with the server version, no definitions', () => {
  const fields = readFields(openApiV2Protobuf('v1.31.6'));
  const byNo = new Map(fields.map((f) => [f.no, f]));
  assert.equal(String(byNo.get(1)?.bytes), '2.0');
  const info = readFields(byNo.get(2)!.bytes!);
  assert.deepEqual(info.map((f) => String(f.bytes)), ['Kubernetes', 'v1.31.6']);
  assert.ok(!byNo.has(9));
});
