import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LiveScreen, fitLines, rowsAt } from './live-screen.js';
import { VtScreen } from './vt-screen.test-helper.js';

test('screen rows of lines after a terminal re-wraps them at a width', () => {
  assert.equal(rowsAt([10, 79, 0], 80), 3, 'each fits: one row each (an empty line too)');
  assert.equal(rowsAt([159, 80, 81, 40], 80), 2 + 1 + 2 + 1);
  assert.equal(rowsAt([159, 159], 200), 2);
  assert.equal(rowsAt([], 80), 0);
});

test('lines fitted to a screen: each one column narrower than it, one row fewer than it', () => {
  const lines = Array.from({ length: 30 }, (_, i) => `${i} ${'x'.repeat(100)}`);
  const fitted = fitLines(lines, { columns: 80, rows: 24 });
  assert.equal(fitted.length, 23);
  assert.ok(fitted.every((l) => l.length === 79 && l.endsWith('…')));
  assert.deepEqual(fitLines(['short'], { columns: 80, rows: 24 }), ['short']);
});

test('a repaint replaces the block in place: taller, shorter, and after a narrowing the terminal re-wrapped', () => {
  const vt = new VtScreen(80, 24);
  const screen = new LiveScreen();
  vt.write('before\n');
  const frame = (n: number, tag: string, width = 70) => Array.from({ length: n }, (_, i) => `${tag} ${i} `.padEnd(width, '.'));
  vt.write(screen.paint(frame(5, 'a'), { columns: 80, rows: 24 }));
  vt.write(screen.paint(frame(9, 'b'), { columns: 80, rows: 24 }));
  vt.write(screen.paint(frame(3, 'c'), { columns: 80, rows: 24 }));
  assert.deepEqual(vt.everything(), ['before', ...frame(3, 'c')]);
  // 70-wide rows become two rows each at 40 columns: the way back up counts them.
  vt.resize(40, 24);
  vt.write(screen.paint(frame(4, 'd', 39), { columns: 40, rows: 24 }));
  assert.deepEqual(vt.everything(), ['before', ...frame(4, 'd', 39)]);
  vt.write(screen.erase({ columns: 40, rows: 24 }));
  vt.write('after\n');
  assert.deepEqual(vt.everything(), ['before', 'after']);
});
