import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCidr, toLoopback, urlToLoopback } from './loopback.js';

test('toLoopback maps the first octet to 127', () => {
  assert.equal(toLoopback('10.12.7.180'), '127.12.7.180');
  assert.equal(toLoopback('10.12.4.50'), '127.12.4.50');
  assert.equal(toLoopback('127.0.0.1'), '127.0.0.1');
  assert.throws(() => toLoopback('example.com'), /not an IPv4/);
  assert.throws(() => toLoopback('10.12.7.300'), /not an IPv4/);
});

test('urlToLoopback maps IPv4 hosts and keeps the rest', () => {
  assert.equal(urlToLoopback('https://10.12.4.61:8200'), 'https://127.12.4.61:8200/');
  assert.equal(urlToLoopback('https://cdn.example/x'), 'https://cdn.example/x');
});

test('parseCidr', () => {
  const c = parseCidr('10.20.16.0/24');
  assert.equal(c.gateway, '10.20.16.1');
  assert.equal(c.last - c.first, 252);
});
