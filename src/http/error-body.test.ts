import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServerMessage } from './error-body.js';

const JSON_CT = 'application/json';

test('keystone {"error":{message}}', () => {
  const body = '{"error":{"code":404,"message":"Could not find project: capi-mgmt.","title":"Not Found"}}';
  assert.equal(parseServerMessage(body, JSON_CT), 'Could not find project: capi-mgmt.');
});

test('magnum {"errors":[{title}]} and the error_message variant', () => {
  const body = '{"errors":[{"request_id":"","code":"client","status":404,"title":"Cluster capi-test-1 could not be found.","detail":"","links":[]}]}';
  assert.equal(parseServerMessage(body, JSON_CT), 'Cluster capi-test-1 could not be found.');
  const alt = JSON.stringify({ error_message: JSON.stringify({ faultstring: 'ClusterTemplate x could not be found.' }) });
  assert.equal(parseServerMessage(alt, JSON_CT), 'ClusterTemplate x could not be found.');
});

test('octavia faultstring', () => {
  const body = '{"faultcode":"Client","faultstring":"Policy does not allow this request to be performed.","debuginfo":null}';
  assert.equal(parseServerMessage(body, JSON_CT), 'Policy does not allow this request to be performed.');
});

test('nova single-key envelopes', () => {
  assert.equal(parseServerMessage('{"itemNotFound":{"code":404,"message":"Instance x could not be found."}}', JSON_CT), 'Instance x could not be found.');
  assert.equal(
    parseServerMessage('{"conflictingRequest":{"code":409,"message":"Cannot \'start\' instance i while it is in vm_state active"}}', JSON_CT),
    "Cannot 'start' instance i while it is in vm_state active",
  );
});

test('neutron NeutronError keeps the type', () => {
  const body = '{"NeutronError":{"type":"SubnetInUse","message":"Unable to complete operation on subnet s.","detail":""}}';
  assert.equal(parseServerMessage(body, JSON_CT), 'SubnetInUse: Unable to complete operation on subnet s.');
});

test('glance webob plain text drops the status line', () => {
  assert.equal(parseServerMessage('404 Not Found\n\nNo image found with ID abc\n\n', 'text/plain'), 'No image found with ID abc');
  assert.equal(
    parseServerMessage('<html><head><title>409 Conflict</title></head><body><h1>409 Conflict</h1>Image needs to be staged before \'glance-direct\' method can be used<br /><br /></body></html>', 'text/html'),
    "Image needs to be staged before 'glance-direct' method can be used",
  );
});

test("glance webob JSON (what Glance answers to Accept: application/json) loses webob's <br /> breaks", () => {
  // Glance 25 (Zed) answered the parity tier's GET of a missing image so
  const body = JSON.stringify({ message: 'No image found with ID 00000000-0000-4000-8000-000000000000<br /><br />\n\n\n', code: '404 Not Found', title: 'Not Found' });
  assert.equal(parseServerMessage(body, JSON_CT), 'No image found with ID 00000000-0000-4000-8000-000000000000');
  assert.equal(parseServerMessage(JSON.stringify({ message: '<br /><br />\n\n\n', code: '409 Conflict', title: 'Conflict' }), JSON_CT), 'Conflict');
});

test('empty and unreadable bodies', () => {
  assert.equal(parseServerMessage('', JSON_CT), undefined);
  assert.equal(parseServerMessage('{}', JSON_CT), undefined);
  assert.equal(parseServerMessage('{"truncated', JSON_CT), '{"truncated');
});
