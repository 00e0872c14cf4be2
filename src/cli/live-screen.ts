// Repaints a block of lines at the bottom of a terminal in place. Every line is cut to the
// terminal's width less one column (a line that filled the last column would leave the cursor in
// the terminal's pending-wrap state) and the block to its height less one row (a block as tall
// as the screen scrolls its first row into the scrollback, out of reach of the cursor), so one
// line is one screen row and the cursor can always get back to the block's first row.
//
// On a resize, terminals that reflow (tmux, VTE, iTerm2, kitty, Windows Terminal) re-wrap the
// rows already drawn at the new width: a row of 150 columns becomes two at 80. The way back up is
// counted the same way, and everything below the new block is cleared, so a shrink leaves no
// stale rows on the screen.

import { displayWidth, truncateToWidth } from './text-width.js';

export interface TermSize {
  readonly columns: number;
  readonly rows: number;
}

const ESC = '\u001b[';
const SYNC_START = '\u001b[?2026h';
const SYNC_END = '\u001b[?2026l';

/** Screen rows that lines of these widths take at `columns` once a terminal has reflowed them. */
export function rowsAt(widths: readonly number[], columns: number): number {
  const c = Math.max(1, columns);
  return widths.reduce((n, w) => n + Math.max(1, Math.ceil(w / c)), 0);
}

/** The lines made to fit: each at most columns - 1 wide, at most rows - 1 of them (the first ones). */
export function fitLines(lines: readonly string[], size: TermSize, ellipsis = '…'): string[] {
  const width = Math.max(1, size.columns - 1);
  return lines.slice(0, Math.max(1, size.rows - 1)).map((l) => truncateToWidth(l, width, ellipsis));
}

export class LiveScreen {
  /** The widths of the rows drawn last (none: nothing of ours is on the screen). */
  private drawn: number[] = [];

  /** How many rows up the block drawn last starts, at this width. */
  rowsDrawn(columns: number): number {
    return rowsAt(this.drawn, columns);
  }

  /**
   * The bytes that replace the block drawn last with `lines`. The caller fits the lines to the
   * screen (fitLines) unless this is the last frame, which may run into the scrollback as it will
   * never be repainted.
   */
  paint(lines: readonly string[], size: TermSize): string {
    const up = this.rowsDrawn(size.columns);
    this.drawn = lines.map((l) => displayWidth(l));
    // Back to the block's first row; each row cleared whole, then drawn; ESC[J clears every row
    // below (a longer block before, the rows a reflow added). ESC[2K, not ESC[K after the text:
    // it also drops the mark tmux keeps on a row it re-wrapped on a resize, which a later widening
    // would use to join the row to the next one. Never ESC[J from the screen's top-left corner:
    // tmux (scroll-on-clear) takes that for a clear screen and pushes the rows into its
    // scrollback. The synchronized-update marks let a terminal that knows them show the frame
    // whole; others ignore them.
    return `${SYNC_START}\r${up > 0 ? `${ESC}${up}A` : ''}${lines.map((l) => `${ESC}2K${l}\n`).join('')}${ESC}J${SYNC_END}`;
  }

  /** The bytes that remove the block drawn last, leaving the cursor where its first row was. */
  erase(size: TermSize): string {
    const up = Math.min(this.rowsDrawn(size.columns), Math.max(0, size.rows - 1));
    this.drawn = [];
    if (up === 0) return '\r';
    // Row by row (see paint for why not ESC[J), then back to the first.
    return `\r${ESC}${up}A${ESC}2K${`${ESC}B${ESC}2K`.repeat(up - 1)}${up > 1 ? `${ESC}${up - 1}A` : ''}`;
  }
}
