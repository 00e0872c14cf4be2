import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayWidth, oneLine, truncateToWidth } from './text-width.js';

const RED = '\u001b[31m';
const RESET = '\u001b[39m';

test('the width of a line: colour codes take no column, wide characters and emoji two, combining marks none', () => {
  assert.equal(displayWidth('PASS  8.1'), 9);
  assert.equal(displayWidth(`${RED}PASS${RESET}  8.1`), 9);
  assert.equal(displayWidth('\u001b[2mdim\u001b[22m \u001b[1mbold\u001b[22m'), 8);
  assert.equal(displayWidth('中文'), 4);
  assert.equal(displayWidth('ｱ'), 1, 'halfwidth katakana');
  assert.equal(displayWidth('ＡＢ'), 4, 'fullwidth Latin');
  assert.equal(displayWidth('한국어'), 6);
  assert.equal(displayWidth('ok 👍'), 5);
  assert.equal(displayWidth('👍🏽'), 2, 'emoji with a skin tone: one glyph');
  assert.equal(displayWidth('👨‍👩‍👧'), 2, 'a ZWJ family: one glyph');
  assert.equal(displayWidth('e\u0301te\u0301'), 3, 'combining accents');
  assert.equal(displayWidth('✔'), 1, 'a pictograph in text presentation');
  assert.equal(displayWidth('✔\ufe0f'), 2, 'the same in emoji presentation');
  assert.equal(displayWidth('…'), 1);
  assert.equal(displayWidth(''), 0);
});

test('a line cut to a width ends with the ellipsis, keeps its colours and resets them, never splits a wide character', () => {
  assert.equal(truncateToWidth('abcdef', 6), 'abcdef', 'fits: unchanged');
  assert.equal(truncateToWidth('abcdefg', 6), 'abcde…');
  assert.equal(truncateToWidth('abcdefg', 6, '...'), 'abc...');
  const cut = truncateToWidth(`${RED}abcdefgh${RESET}`, 5);
  assert.equal(cut, `${RED}abcd…\u001b[0m`);
  assert.equal(displayWidth(cut), 5);
  assert.equal(truncateToWidth(`ab${RED}cd${RESET}`, 10), `ab${RED}cd${RESET}`, 'colour codes do not count towards the width');
  assert.equal(truncateToWidth('中文字符', 6), '中文…');
  assert.equal(truncateToWidth('中文字符', 5), '中文…');
  assert.equal(truncateToWidth('中文字符', 4), '中…', 'a wide character that does not fit whole is left out');
  assert.equal(truncateToWidth('a👍🏽b👍🏽c', 4), 'a👍🏽…');
  for (let w = 0; w <= 12; w++) assert.ok(displayWidth(truncateToWidth('x中y👍z' + 'e\u0301'.repeat(5), w)) <= w, `fits ${w}`);
});

test('text from outside becomes one screen row: breaks and tabs are spaces, control characters and escapes go', () => {
  assert.equal(oneLine('line one\nline two\r\nthree\tfour'), 'line one line two three four');
  assert.equal(oneLine('status \u001b[2J\u001b[31mred\u0007'), 'status [2J[31mred');
  assert.equal(displayWidth(oneLine('a\nb')), 3);
});
