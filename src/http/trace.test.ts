import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactor } from '../core/redact.js';
import { CallTrace, formatTraceEntry, sanitizeUrl } from './trace.js';

test('sanitizeUrl drops userinfo and secret query values, keeps ordinary filters', () => {
  const u = sanitizeUrl('https://user:pw@h:5000/v3/x?name=capi-mgmt&token=abcdef123&application_credential_secret=zzz&limit=5');
  assert.ok(!u.includes('pw@'), u);
  assert.ok(!u.includes('abcdef123'), u);
  assert.ok(!u.includes('zzz'), u);
  assert.ok(u.includes('name=capi-mgmt'), u);
  assert.ok(u.includes('limit=5'), u);
  assert.ok(u.includes('token=[REDACTED]'), u);
});

test('sanitizeUrl applies registered secrets anywhere in the URL', () => {
  redactor.add('s3cr3t-path-value');
  assert.ok(!sanitizeUrl('http://h/v2/images/s3cr3t-path-value').includes('s3cr3t-path-value'));
});

test('CallTrace keeps the last N and formats them', () => {
  const t = new CallTrace(3);
  for (let i = 1; i <= 5; i++) {
    t.add({ method: 'GET', url: `http://h/${i}`, status: 200, durationMs: i, requestId: `req-${i}`, service: 's', operation: 'o', attempt: 1 });
  }
  assert.equal(t.all().length, 3);
  assert.deepEqual(t.last(2).map((e) => e.url), ['http://h/4', 'http://h/5']);
  assert.equal(formatTraceEntry({ method: 'PUT', url: 'http://h/x', status: 0, durationMs: 3.4, requestId: undefined, service: 's', operation: 'o', attempt: 2, error: 'ECONNRESET' }), 'PUT http://h/x -> ERR ECONNRESET 3ms (attempt 2)');
  assert.match(t.format(1), /^GET http:\/\/h\/5 -> 200 5ms req-5$/);
});
