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
