// The simulated Glance's error bodies against webob itself: Glance raises webob HTTPExceptions
// (explanation=message), and webob renders them as HTML, JSON or plain text by the request's
// Accept header. The same exceptions rendered by the real webob (python3-webob, which Glance's
// Debian package brings; .ci/run installs it) must equal the simulator's, byte for byte.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { serviceError } from './service-errors.js';

const ACCEPTS = [null, '', 'application/json', '*/*', 'application/json, */*', 'text/plain', 'text/*', 'application/*;q=0.5, text/html;q=0.4', 'application/json;q=0', 'garbage;;q=x', 'application/json, text/plain, */*'];
const CASES: [number, string][] = [
  [404, 'No image found with ID 00000000-0000-4000-8000-000000000000'],
  [409, "Image needs to be staged before 'glance-direct' method can be used"],
  [403, 'Attribute \'owner\' is reserved & <not> "yours"'],
  [400, 'Invalid visibility value: x\nsecond line'],
];

const PY = `
import json, sys
from webob import Request
import webob.exc as exc
out = []
for status, message in json.loads(sys.argv[1]):
    for accept in json.loads(sys.argv[2]):
        req = Request.blank('/')
        if accept is not None:
            req.headers['Accept'] = accept
        resp = req.get_response(exc.status_map[status](explanation=message))
        out.append({'status': resp.status_code, 'type': resp.content_type, 'body': resp.body.decode()})
print(json.dumps(out))
`;

test("Glance's errors in every form webob gives them: the simulator's equal webob's own", () => {
  let real: { status: number; type: string; body: string }[];
  try {
    real = JSON.parse(execFileSync('/usr/bin/python3', ['-c', PY, JSON.stringify(CASES), JSON.stringify(ACCEPTS)], { encoding: 'utf8' }));
  } catch (e) {
    assert.fail(`python3-webob is needed (Glance's Debian package brings it; .ci/run installs it): ${(e as Error).message.split('\n')[0]}`);
  }
  let i = 0;
  for (const [status, message] of CASES) {
    for (const accept of ACCEPTS) {
      const want = real[i++]!;
      const sim = serviceError('glance', status, message).byAccept!(accept ?? undefined);
      const type = (sim.headers?.['Content-Type'] ?? (sim.json !== undefined ? 'application/json' : 'text/plain')).split(';')[0];
      const body = sim.json !== undefined ? sim.json : sim.text;
      const realBody = want.type === 'application/json' ? JSON.parse(want.body) : want.body;
      assert.deepEqual({ status: sim.status, type, body }, { status: want.status, type: want.type, body: realBody }, `status ${status}, Accept ${JSON.stringify(accept)}`);
    }
  }
});
