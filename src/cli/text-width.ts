// How many terminal columns a line takes: colour codes take none, East Asian wide characters and
// emoji take two, combining marks none. The live view repaints by screen rows, so a line that is
// wider than measured wraps and leaves a stale row behind.

// A CSI sequence (colours, cursor moves): ESC [ parameters intermediates final.
// eslint-disable-next-line no-control-regex
const CSI = /\u001b\[[0-?]*[ -/]*[@-~]/y;
const PRINTABLE_ASCII = /^[\u0020-\u007e]*$/;
const EMOJI_PRESENTATION = /\p{Emoji_Presentation}/u;
const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]+$/u;

// East Asian Wide and Fullwidth blocks (Unicode EastAsianWidth W/F; emoji are matched above).
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x2e80, 0x303e], [0x3041, 0x33ff],
  [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf], [0xa960, 0xa97f], [0xac00, 0xd7a3],
  [0xf900, 0xfaff], [0xfe10, 0xfe19], [0xfe30, 0xfe6f], [0xff00, 0xff60], [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4], [0x17000, 0x18aff], [0x1b000, 0x1b2ff], [0x1f200, 0x1f2ff],
  [0x20000, 0x2fffd], [0x30000, 0x3fffd],
];

let segmenter: Intl.Segmenter | undefined;

function graphemes(text: string): string[] {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** Columns one grapheme cluster takes. */
export function graphemeWidth(g: string): number {
  const cp = g.codePointAt(0) ?? 0;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (ZERO_WIDTH.test(g)) return 0;
  if (EMOJI_PRESENTATION.test(g) || (g.includes('\ufe0f') && PICTOGRAPHIC.test(g))) return 2;
  for (const [lo, hi] of WIDE) {
    if (cp < lo) break;
    if (cp <= hi) return 2;
  }
  return 1;
}

interface Token {
  readonly text: string;
  readonly width: number;
  /** A CSI sequence (no width, never cut). */
  readonly csi?: true;
  /** A run of printable ASCII: one column a character, so it may be cut anywhere. */
  readonly ascii?: true;
}

/**
 * Splits a line into CSI sequences, runs of printable ASCII and grapheme clusters. Segmenting
 * into graphemes is slow, so only the parts that are not plain ASCII go through it (the frame is
 * measured ten times a second).
 */
function tokens(text: string): Token[] {
  const out: Token[] = [];
  const plain = (run: string) => {
    for (const part of run.split(/([^\u0020-\u007e]+)/)) {
      if (!part) continue;
      if (PRINTABLE_ASCII.test(part)) out.push({ text: part, width: part.length, ascii: true });
      else if (part.length === 1) out.push({ text: part, width: graphemeWidth(part) });
      else for (const g of graphemes(part)) out.push({ text: g, width: graphemeWidth(g) });
    }
  };
  let from = 0;
  for (let i = text.indexOf('\u001b'); i >= 0; i = text.indexOf('\u001b', i + 1)) {
    CSI.lastIndex = i;
    const m = CSI.exec(text);
    if (!m) continue;
    plain(text.slice(from, i));
    out.push({ text: m[0], width: 0, csi: true });
    from = i + m[0].length;
    i = from - 1;
  }
  plain(text.slice(from));
  return out;
}

/** Columns the line takes on a terminal (no wrapping). */
export function displayWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  return tokens(text).reduce((n, t) => n + t.width, 0);
}

/**
 * The line cut to at most `columns` columns, ending with `ellipsis` when cut. Colour codes are
 * kept; a cut line that had any ends with a reset so that no colour runs on.
 */
export function truncateToWidth(text: string, columns: number, ellipsis = '…'): string {
  if (displayWidth(text) <= columns) return text;
  const ellipsisWidth = displayWidth(ellipsis);
  const room = columns >= ellipsisWidth ? columns - ellipsisWidth : columns;
  let width = 0;
  let cut = '';
  let styled = false;
  for (const t of tokens(text)) {
    if (t.csi) {
      styled = true;
      cut += t.text;
      continue;
    }
    if (width + t.width > room) {
      if (t.ascii) cut += t.text.slice(0, room - width);
      break;
    }
    cut += t.text;
    width += t.width;
  }
  return cut + (columns >= ellipsisWidth ? ellipsis : '') + (styled ? '\u001b[0m' : '');
}

/**
 * Text from outside (a cloud's status reason, a log message) made safe for one screen row: line
 * breaks and tabs become spaces, other control characters (an escape sequence's ESC included) go.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n|[\r\n\t\v\f]/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}
