import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Out } from './output.js';
import { progress } from './cmd-init.js';

function fakeOut(isTTY: boolean): { out: Out; text: () => string } {
  let buf = '';
  return { out: { isTTY, color: false, line: (t = '') => { buf += `${t}\n`; }, err: () => undefined, raw: (t) => { buf += t; } }, text: () => buf };
}

test('init progress: a terminal sees each source as it is read, then its time; a pipe gets one plain line per source', () => {
  const tty = fakeOut(true);
  const p = progress(tty.out);
  p.onStart('keystone');
  assert.equal(tty.text(), '  … reading keystone');
  p.onSource('keystone', 1234, 'project capi-mgmt', true);
  p.onStart('juju');
  p.onSource('juju', 3, 'not read: juju is not on PATH', false);
  assert.equal(tty.text(), '  … reading keystone\r\u001b[K  ✓ keystone     1.2s  project capi-mgmt\n  … reading juju\r\u001b[K  ! juju          3ms  not read: juju is not on PATH\n');
  const pipe = fakeOut(false);
  const q = progress(pipe.out);
  q.onStart('glance');
  q.onSource('glance', 42, '2 images', true);
  assert.equal(pipe.text(), 'init: glance read in 42ms: 2 images\n');
});
