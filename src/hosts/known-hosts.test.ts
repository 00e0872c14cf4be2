import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { findHostKeys, fingerprint, hostEntryName, verifyHostKey } from './known-hosts.js';
import { parseEnvAssignment } from './env-file.js';

const blob = (type: string, fill: number) => {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, Buffer.alloc(32, fill)]);
};
const K1 = blob('ssh-ed25519', 1);
const K2 = blob('ssh-ed25519', 2);

function hashed(host: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(host).digest('base64')}`;
}

test('known_hosts: plain, [host]:port, comma lists, wildcards, negation and hashed entries', () => {
  const text = [
    '# comment',
    `10.12.7.41 ssh-ed25519 ${K1.toString('base64')}`,
    `[10.12.7.41]:2222 ssh-ed25519 ${K2.toString('base64')}`,
    `other,10.12.7.4? ssh-ed25519 ${K2.toString('base64')}`,
    `10.12.7.*,!10.12.7.41 ssh-ed25519 ${K2.toString('base64')}`,
    `${hashed('[127.12.7.41]:22000')} ssh-ed25519 ${K1.toString('base64')}`,
    `@cert-authority * ssh-ed25519 ${K2.toString('base64')}`,
  ].join('\n');
  assert.equal(hostEntryName('10.12.7.41', 22), '10.12.7.41');
  assert.equal(hostEntryName('10.12.7.41', 2222), '[10.12.7.41]:2222');
  assert.deepEqual(findHostKeys(text, '10.12.7.41', 22).map((k) => k.line), [2, 4]);
  assert.deepEqual(findHostKeys(text, '10.12.7.41', 2222).map((k) => k.line), [3]);
  assert.deepEqual(findHostKeys(text, '127.12.7.41', 22000).map((k) => k.line), [6]);
  assert.deepEqual(findHostKeys(text, '10.12.7.99', 22).map((k) => k.line), [5]);
});

test('host key verdicts: match, mismatch (known host, other key), unknown host, revoked', () => {
  const known = findHostKeys(`10.12.7.41 ssh-ed25519 ${K1.toString('base64')}`, '10.12.7.41', 22);
  assert.deepEqual(verifyHostKey(known, K1), { ok: true, fingerprint: fingerprint(K1), line: 1 });
  assert.deepEqual(verifyHostKey(known, K2), { ok: false, reason: 'mismatch', fingerprint: fingerprint(K2) });
  assert.equal((verifyHostKey([], K1) as { reason: string }).reason, 'unknown');
  const revoked = findHostKeys(`@revoked 10.12.7.41 ssh-ed25519 ${K1.toString('base64')}\n10.12.7.41 ssh-ed25519 ${K1.toString('base64')}`, '10.12.7.41', 22);
  assert.equal((verifyHostKey(revoked, K1) as { reason: string }).reason, 'revoked');
  assert.match(fingerprint(K1), /^SHA256:[A-Za-z0-9+/]{43}$/);
});

test('DOCFIX-038 env file: MGMT_FIP=..., export MGMT_FIP=..., quotes, comments; the last assignment wins', () => {
  assert.equal(parseEnvAssignment('MGMT_FIP=10.12.7.41\n', 'MGMT_FIP'), '10.12.7.41');
  assert.equal(parseEnvAssignment('# old\nexport MGMT_FIP="10.12.7.40"\nexport MGMT_FIP=\'10.12.7.52\'\n', 'MGMT_FIP'), '10.12.7.52');
  assert.equal(parseEnvAssignment('MGMT_FIP=10.12.7.41   # from phase-06\n', 'MGMT_FIP'), '10.12.7.41');
  assert.equal(parseEnvAssignment('MGMT_FIP_OLD=1.2.3.4\nXMGMT_FIP=5.6.7.8\n', 'MGMT_FIP'), undefined);
});
