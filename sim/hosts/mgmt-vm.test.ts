import { test } from 'node:test';
import assert from 'node:assert/strict';
import ssh2 from 'ssh2';
import { ed25519KeyPair } from './mgmt-vm.js';

test('the simulated mgmt VM\'s ed25519 keys are always ones ssh2 can read back (its generator makes ~3 in 1,000 it cannot)', () => {
  for (let i = 0; i < 2_000; i++) {
    const k = ed25519KeyPair();
    assert.ok(!(ssh2.utils.parseKey(k.private) instanceof Error), `private key ${i}`);
    assert.ok(!(ssh2.utils.parseKey(k.public) instanceof Error), `public key ${i}`);
  }
});
