import { test } from 'node:test';
import assert from 'node:assert/strict';
import { K8S_PROTOBUF_MAGIC, ProtobufError, decodeEnvelope, decodeK8sProtobuf, encodeFields } from './protobuf.js';

const map = (no: number, entries: Record<string, string>) => Object.entries(entries).map(([k, v]) => encodeFields([[1, k], [2, v]])).map((e) => [no, e] as const);

/** The body `kubectl create deploy rr --image=... --replicas=2 -- /agnhost netexec --http-port=8080` sends (api-notes §8.4). */
function kubectlCreateDeployment(): Buffer {
  const labels = map(11, { app: 'rr' });
  const meta = encodeFields([[1, 'rr'], [3, ''], ...labels]);
  const container = encodeFields([[1, 'agnhost'], [2, 'registry.k8s.io/e2e-test-images/agnhost:2.40'], [3, ['/agnhost', 'netexec', '--http-port=8080']]]);
  const podSpec = encodeFields([[2, container]]);
  const template = encodeFields([[1, encodeFields([...labels])], [2, podSpec]]);
  const selector = encodeFields([...map(1, { app: 'rr' })]);
  const spec = encodeFields([[1, 2], [2, selector], [3, template], [4, Buffer.alloc(0)]]);
  const deployment = encodeFields([[1, meta], [2, spec], [3, Buffer.alloc(0)]]);
  const unknown = encodeFields([[1, encodeFields([[1, 'apps/v1'], [2, 'Deployment']])], [2, deployment], [3, ''], [4, '']]);
  return Buffer.concat([K8S_PROTOBUF_MAGIC, unknown]);
}

test('decodes the Deployment kubectl create deployment sends: the words after -- land in command, not args', () => {
  const d = decodeK8sProtobuf(kubectlCreateDeployment()) as { metadata: Record<string, unknown>; spec: { replicas: number; selector: unknown; template: { metadata: unknown; spec: { containers: Record<string, unknown>[] } } } };
  assert.deepEqual(d.metadata, { name: 'rr', labels: { app: 'rr' } });
  assert.equal(d.spec.replicas, 2);
  assert.deepEqual(d.spec.selector, { matchLabels: { app: 'rr' } });
  assert.deepEqual(d.spec.template.metadata, { labels: { app: 'rr' } });
  assert.deepEqual(d.spec.template.spec.containers, [{ name: 'agnhost', image: 'registry.k8s.io/e2e-test-images/agnhost:2.40', command: ['/agnhost', 'netexec', '--http-port=8080'] }]);
});

test('the envelope names the kind; other kinds and bodies without the magic are refused', () => {
  const env = decodeEnvelope(kubectlCreateDeployment());
  assert.equal(env.apiVersion, 'apps/v1');
  assert.equal(env.kind, 'Deployment');
  assert.throws(() => decodeK8sProtobuf(Buffer.from('{"kind":"Deployment"}')), ProtobufError);
  const svc = Buffer.concat([K8S_PROTOBUF_MAGIC, encodeFields([[1, encodeFields([[1, 'v1'], [2, 'Service']])], [2, Buffer.alloc(0)]])]);
  assert.throws(() => decodeK8sProtobuf(svc), /v1 Service are not understood/);
  assert.throws(() => decodeK8sProtobuf(Buffer.concat([K8S_PROTOBUF_MAGIC, Buffer.from([0x0a, 0x50])])), /past the end/);
});
