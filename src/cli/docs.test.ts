import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATED_DOCS, undocumentedSiteKeys } from './docs.js';
import { REPO_ROOT } from '../../test/helpers.js';

test('every site-file key has a description', () => {
  assert.deepEqual(undocumentedSiteKeys(), []);
});

test('the committed generated docs are up to date', () => {
  for (const [rel, render] of Object.entries(GENERATED_DOCS)) {
    assert.equal(readFileSync(join(REPO_ROOT, rel), 'utf8'), render(), `${rel} is stale: npm run build && npm run docs`);
  }
});

test('every row of a generated markdown table has as many cells as its header (a "|" in a cell is escaped once)', () => {
  for (const [rel, render] of Object.entries(GENERATED_DOCS)) {
    const lines = render().split('\n');
    let width = 0;
    lines.forEach((line, i) => {
      if (!line.startsWith('|')) {
        width = 0;
        return;
      }
      // GFM splits a row on every pipe not preceded by a backslash: `\\|` is an escaped
      // backslash and a separator.
      const cells = line.replace(/\\\\/g, '').split(/(?<!\\)\|/).length - 2;
      if (width === 0) width = cells;
      else assert.equal(cells, width, `${rel}:${i + 1}: ${cells} cells, the header has ${width}: ${line}`);
    });
  }
});
