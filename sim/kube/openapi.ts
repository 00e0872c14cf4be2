// OpenAPI v3 discovery (/openapi/v3 and /openapi/v3/<api|apis/group>/<version>), as kubectl
// reads it before `apply` and `create -f`: with the default --validate=strict it asks whether
// the server validates fields itself (a PATCH operation for the kind, carrying the
// `fieldValidation` query parameter, which every apiserver since 1.27 has) and, if so, leaves
// field validation to the server (with --dry-run=client nothing is sent, so nothing is checked
// but the kind's REST mapping). The documents list the operations the simulator really serves
// for each kind, with their parameters and x-kubernetes-group-version-kind; they carry no body
// schemas (the simulator has none to give), so clients that need schemas (`kubectl explain`,
// client-side validation) see none rather than invented ones. /openapi/v2 (protobuf, as kubectl
// asks for it) is the document's header with no definitions: kubectl falls back to it only for a
// kind the v3 documents do not list (one the server does not serve, or a v1 List), finds no schema
// for it and leaves the verdict to the REST mapping ("no matches for kind ... ensure CRDs are
// installed first"), as against a real server; a real one would check a v1 List's items there.

import { createHash } from 'node:crypto';
import { encodeFields } from './protobuf.js';
import { groupVersion } from './store.js';
import type { Json, ResourceDef } from './store.js';

const q = (name: string, description: string, type = 'string'): Json => ({ name, in: 'query', description, schema: { type, uniqueItems: true } });
const PRETTY = q('pretty', "If 'true', then the output is pretty printed.");
const DRY_RUN = q('dryRun', 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed');
const FIELD_MANAGER = q('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.');
const FIELD_VALIDATION = q('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict');
const FORCE = q('force', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.', 'boolean');
const RESPONSES: Json = { '200': { description: 'OK' }, '401': { description: 'Unauthorized' } };
const CREATED: Json = { '200': { description: 'OK' }, '201': { description: 'Created' }, '202': { description: 'Accepted' }, '401': { description: 'Unauthorized' } };
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

/** The path under /openapi/v3 for a group/version: "api/v1", "apis/apps/v1". */
export function openApiGvPath(gv: string): string {
  return gv.includes('/') ? `apis/${gv}` : `api/${gv}`;
}

function opId(action: string, d: ResourceDef, suffix = ''): string {
  const g = d.group ? d.group.split('.').map((p, i) => (i === 0 ? p : '')).join('').replace(/^./, (c) => c.toUpperCase()) : 'Core';
  return `${action}${g}${d.version[0]!.toUpperCase()}${d.version.slice(1)}${d.namespaced ? 'Namespaced' : ''}${d.kind}${suffix}`;
}

/** The OpenAPI v3 document of one group/version: the operations served for each of its kinds. */
export function openApiGvDoc(gv: string, defs: readonly ResourceDef[]): Json {
  const paths: Json = {};
  for (const d of defs) {
    const gvk = { group: d.group, version: d.version, kind: d.kind };
    const base = `/${openApiGvPath(groupVersion(d))}${d.namespaced ? '/namespaces/{namespace}' : ''}/${d.plural}`;
    const pathParams = (named: boolean): Json[] => [
      ...(named ? [{ name: 'name', in: 'path', description: `name of the ${d.kind}`, required: true, schema: { type: 'string', uniqueItems: true } }] : []),
      ...(d.namespaced ? [{ name: 'namespace', in: 'path', description: 'object name and auth scope, such as for teams and projects', required: true, schema: { type: 'string', uniqueItems: true } }] : []),
      PRETTY,
    ];
    const op = (action: string, verb: string, desc: string, params: Json[], extra: Json = {}, suffix = '', kind = gvk): Json => ({
      tags: [gv.replace(/[./]/g, '_')], description: desc, operationId: opId(verb, d, suffix), parameters: params, responses: action === 'post' ? CREATED : RESPONSES,
      'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': kind, ...extra,
    });
    paths[base] = {
      get: op('list', 'list', `list or watch objects of kind ${d.kind}`, [q('fieldSelector', 'A selector to restrict the list of returned objects by their fields.'), q('labelSelector', 'A selector to restrict the list of returned objects by their labels.'), q('resourceVersion', 'resourceVersion sets a constraint on what resource versions a request may be served from.'), q('watch', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.', 'boolean')]),
      post: op('post', 'create', `create a ${d.kind}`, [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], { requestBody: { content: { 'application/json': {} }, required: true } }),
      parameters: pathParams(false),
    };
    paths[`${base}/{name}`] = {
      get: op('get', 'read', `read the specified ${d.kind}`, []),
      put: op('put', 'replace', `replace the specified ${d.kind}`, [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], { requestBody: { content: { 'application/json': {} }, required: true } }),
      delete: op('delete', 'delete', `delete a ${d.kind}`, [DRY_RUN, q('gracePeriodSeconds', 'The duration in seconds before the object should be deleted.', 'integer'), q('propagationPolicy', 'Whether and how garbage collection will be performed.')]),
      patch: op('patch', 'patch', `partially update the specified ${d.kind}`, [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE], { requestBody: { content: Object.fromEntries(PATCH_TYPES.map((t) => [t, {}])), required: true } }),
      parameters: pathParams(true),
    };
    for (const sub of d.subresources ?? []) {
      const subPath = `${base}/{name}/${sub}`;
      const Sub = sub[0]!.toUpperCase() + sub.slice(1);
      if (sub === 'log') {
        paths[subPath] = { get: op('get', 'read', `read log of the specified ${d.kind}`, [q('container', 'The container for which to stream logs.'), q('previous', 'Return previous terminated container logs.', 'boolean'), q('tailLines', 'the number of lines from the end of the logs to show.', 'integer')], {}, 'Log'), parameters: pathParams(true) };
        continue;
      }
      const kind = sub === 'scale' ? { group: 'autoscaling', version: 'v1', kind: 'Scale' } : gvk;
      paths[subPath] = {
        get: op('get', 'read', `read ${sub} of the specified ${d.kind}`, [], {}, Sub, kind),
        put: op('put', 'replace', `replace ${sub} of the specified ${d.kind}`, [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], { requestBody: { content: { 'application/json': {} }, required: true } }, Sub, kind),
        patch: op('patch', 'patch', `partially update ${sub} of the specified ${d.kind}`, [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE], { requestBody: { content: Object.fromEntries(PATCH_TYPES.map((t) => [t, {}])), required: true } }, Sub, kind),
        parameters: pathParams(true),
      };
    }
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'unversioned' }, paths, components: {} };
}

/** The /openapi/v3 root: each group/version's document, addressed by the hash of its content. */
export function openApiRoot(docs: ReadonlyMap<string, string>): Json {
  const paths: Json = {};
  for (const [gv, body] of docs) {
    const hash = createHash('sha512').update(body).digest('hex').toUpperCase().slice(0, 128);
    paths[openApiGvPath(gv)] = { serverRelativeURL: `/openapi/v3/${openApiGvPath(gv)}?hash=${hash}` };
  }
  return { paths };
}

/** /openapi/v2 as application/com.github.proto-openapi.spec.v2@v1.0+protobuf (gnostic openapi.v2.Document): swagger, info, empty paths. */
export function openApiV2Protobuf(kubeVersion: string): Buffer {
  const info = encodeFields([[1, 'Kubernetes'], [2, kubeVersion]]);
  return encodeFields([[1, '2.0'], [2, info], [8, Buffer.alloc(0)]]);
}
