/* eslint-disable no-control-regex -- a terminal emulator reads control characters */
// A terminal for tests: enough of a VT100 to replay what the live view writes and read back what
// an operator would see, the scrollback included. Autowrap, scrolling, CR, LF (as CR LF: a tty's
// onlcr), CSI A B F G H J K; colours and private modes are read and ignored. Like tmux, a clear
// from the top-left corner scrolls the screen into the scrollback first, and a resize re-wraps
// rows longer than the new width and keeps the cursor's row on the screen.

import { graphemeWidth } from './text-width.js';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export class VtScreen {
  /** Every row: the scrollback, then the screen. A cell holds a grapheme; '' is the right half of a wide one. */
  private all: string[][] = [[]];
  private top = 0;
  private row = 0;
  private col = 0;

  constructor(public columns: number, public rows: number) {}

  write(data: string): void {
    for (let i = 0; i < data.length;) {
      const ch = data[i]!;
      if (ch === '\u001b') {
        const m = /^\u001b\[([?]?)([0-9;]*)([ -/]*)([@-~])/.exec(data.slice(i, i + 32));
        // Anything else after ESC (a sequence cut short) is dropped with the ESC, as a terminal does.
        if (!m) {
          i++;
          continue;
        }
        if (m[1] !== '?') this.csi(m[2] ?? '', m[4]!);
        i += m[0].length;
      } else if (ch === '\r') {
        this.col = 0;
        i++;
      } else if (ch === '\n') {
        this.col = 0;
        this.lineFeed();
        i++;
      } else {
        const next = data.slice(i).search(/[\u001b\r\n]/);
        const text = next < 0 ? data.slice(i) : data.slice(i, i + next);
        i += text.length;
        if (/^[\u0020-\u007e]*$/.test(text)) for (const c of text) this.put(c, 1);
        else for (const { segment } of segmenter.segment(text)) this.put(segment, graphemeWidth(segment));
      }
    }
  }

  resize(columns: number, rows: number): void {
    const all: string[][] = [];
    let cursorRow = 0;
    this.all.forEach((cells, index) => {
      if (index === this.row) cursorRow = all.length;
      const used = this.trimmed(cells);
      if (used.length <= columns) all.push(used);
      else for (let c = 0; c < used.length; c += columns) all.push(used.slice(c, c + columns));
    });
    const grown = rows - this.rows;
    this.all = all;
    this.row = cursorRow;
    this.columns = columns;
    this.rows = rows;
    // Taller: rows come back from the scrollback; shorter or re-wrapped: the cursor's row stays on the screen.
    this.top = grown > 0 ? Math.max(0, this.top - grown) : this.top;
    if (this.row - this.top >= rows) this.top = this.row - rows + 1;
    this.top = Math.min(this.top, Math.max(0, this.all.length - 1));
    this.col = Math.min(this.col, columns - 1);
  }

  /** Rows scrolled off the top. */
  scrollback(): string[] {
    return this.all.slice(0, this.top).map((r) => this.text(r));
  }

  screen(): string[] {
    return Array.from({ length: this.rows }, (_, i) => this.text(this.all[this.top + i] ?? []));
  }

  /** The scrollback and the screen, trailing empty rows left out (what `tmux capture-pane -S -` gives). */
  everything(): string[] {
    const rows = [...this.scrollback(), ...this.screen()];
    while (rows.length && rows[rows.length - 1] === '') rows.pop();
    return rows;
  }

  private trimmed(cells: string[]): string[] {
    const out = [...cells];
    while (out.length && (out[out.length - 1] === ' ' || out[out.length - 1] === undefined)) out.pop();
    return out.map((c) => c ?? ' ');
  }

  private text(cells: string[]): string {
    return this.trimmed(cells).join('');
  }

  private line(r: number): string[] {
    while (this.all.length <= r) this.all.push([]);
    return this.all[r]!;
  }

  private lineFeed(): void {
    this.row++;
    this.line(this.row);
    if (this.row - this.top >= this.rows) this.top++;
  }

  private put(g: string, w: number): void {
    if (w === 0) return;
    if (this.col + w > this.columns) {
      this.col = 0;
      this.lineFeed();
    }
    const cells = this.line(this.row);
    while (cells.length < this.col) cells.push(' ');
    cells[this.col] = g;
    if (w === 2) cells[this.col + 1] = '';
    this.col += w;
  }

  private csi(params: string, final: string): void {
    const n = (i: number, d: number) => Number(params.split(';')[i] || d);
    const cells = this.line(this.row);
    switch (final) {
      case 'A': this.row = Math.max(this.top, this.row - n(0, 1)); break;
      case 'B': this.row = Math.min(this.top + this.rows - 1, this.row + n(0, 1)); this.line(this.row); break;
      case 'F': this.row = Math.max(this.top, this.row - n(0, 1)); this.col = 0; break;
      case 'G': this.col = Math.min(this.columns - 1, n(0, 1) - 1); break;
      case 'H': this.row = this.top + n(0, 1) - 1; this.col = n(1, 1) - 1; this.line(this.row); break;
      case 'K': {
        const mode = n(0, 0);
        if (mode === 0) cells.length = Math.min(cells.length, this.col);
        else if (mode === 1) for (let c = 0; c <= this.col && c < cells.length; c++) cells[c] = ' ';
        else cells.length = 0;
        break;
      }
      case 'J': {
        if (n(0, 0) !== 0) throw new Error('only ESC[J (to the end of the screen) is emulated');
        if (this.row === this.top && this.col === 0) {
          // tmux (scroll-on-clear) takes a clear from the top-left corner for a clear screen and
          // first scrolls what the screen holds into the scrollback.
          let used = this.rows;
          while (used > 0 && this.text(this.all[this.top + used - 1] ?? []) === '') used--;
          this.all = this.all.slice(0, this.top + used);
          this.top += used;
          this.row = this.top;
          this.line(this.row);
          break;
        }
        cells.length = Math.min(cells.length, this.col);
        for (let r = this.row + 1; r < this.all.length; r++) this.all[r] = [];
        break;
      }
      case 'm': break;
      default: throw new Error(`unemulated CSI ${params}${final}`);
    }
    // After a write to the last column the cursor waits there to wrap; a move takes it back in.
    if (final !== 'K' && final !== 'J' && final !== 'm') this.col = Math.min(this.col, this.columns);
  }
}
