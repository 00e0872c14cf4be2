// runCommand: a program that exits without reading its stdin must not crash the caller with
// EPIPE (a fleet run crashed so when the juju stand-in answered before its stdin was written).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCommand } from './exec.js';

test('runCommand: a program that exits without reading stdin -- its status and output count, no EPIPE crash', async () => {
  const signal = new AbortController().signal;
  // 4 MB is far more than a pipe holds: the write is still going when the program has gone.
  const input = 'x'.repeat(4 * 1024 * 1024);
  for (let i = 0; i < 5; i++) {
    const r = await runCommand('sh', ['-c', 'echo early; exit 3'], { input }, signal);
    assert.deepEqual([r.code, r.stdout], [3, 'early\n']);
  }
  const ok = await runCommand('sh', ['-c', 'true'], { input }, signal);
  assert.equal(ok.code, 0);
});
