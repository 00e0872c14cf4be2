// Two reporters of run events: a live view on a TTY (the step tree; for waits what is awaited,
// its state, elapsed time and deadline), plain timestamped lines otherwise (CI, pipes, --plain).

import { formatDuration } from '../core/duration.js';
import type { RunEvent, WaitProgress } from '../core/events.js';
import { redactor } from '../core/redact.js';
import { LiveScreen, fitLines } from './live-screen.js';
import type { TermSize } from './live-screen.js';
import type { Out } from './output.js';
import { paint, statusColor } from './output.js';
import { displayWidth, oneLine, truncateToWidth } from './text-width.js';

export interface Row {
  id: string;
  title: string;
  kind: 'read' | 'mutation';
  /** stopped: still running when the view stopped (the run was interrupted, or failed around it). */
  state: 'pending' | 'running' | 'done' | 'stopped';
  status?: string;
  summary?: string;
  startedAt?: number;
  durationMs?: number;
  wait?: WaitProgress;
}

export interface ProgressReporter {
  onEvent(e: RunEvent): void;
  stop(): void;
}

export function plainReporter(out: Out, now: () => number = Date.now): ProgressReporter {
  const ts = () => new Date(now()).toISOString().slice(11, 19);
  const lastState = new Map<string, string>();
  const scheduled = new Set<string>();
  const lastPrinted = new Map<string, number>();
  return {
    onEvent(e) {
      switch (e.type) {
        case 'run-start': out.line(`${ts()} run ${e.runId} site ${e.site}${e.resumed ? ' (resumed)' : ''}: ${e.steps.length} steps`); break;
        case 'step-start': out.line(`${ts()} ${e.stepId} start ${e.kind === 'mutation' ? '[MUTATION] ' : ''}${e.title}`); break;
        case 'step-end': out.line(`${ts()} ${e.stepId} ${e.status}${e.reused ? ' (from the journal)' : ` in ${formatDuration(e.durationMs)}`}: ${e.summary}`); break;
        case 'wait-progress': {
          const p = e.progress;
          const key = `${p.stepId}/${p.waiter}`;
          // A line when the state changes, else at most every 30 s of real time.
          if (lastState.get(key) !== p.state || now() - (lastPrinted.get(key) ?? 0) >= 30_000) {
            lastState.set(key, p.state);
            lastPrinted.set(key, now());
            out.line(`${ts()} ${p.stepId} waiting for ${p.what}: ${p.state} (${formatDuration(p.elapsedMs)} of ${formatDuration(p.deadlineMs)}, poll ${p.polls}${requestsText(p)})`);
            if (p.schedule && !scheduled.has(key)) {
              scheduled.add(key);
              out.line(`${ts()} ${p.stepId} ${p.waiter}: expected end ${formatDuration(p.expectedMs ?? 0)} into the wait; polls ${p.schedule}`);
            }
          }
          break;
        }
        case 'log': out.line(`${ts()} ${e.stepId ?? '-'} ${e.level === 'info' ? '' : e.level.toUpperCase() + ' '}${e.message}`); break;
        case 'teardown': out.line(`${ts()} teardown ${e.name}: ${e.ok ? 'ok' : 'FAILED'} ${e.message}`); break;
        case 'run-end': out.line(`${ts()} run ${e.runId} ${e.interrupted ? 'interrupted' : 'finished'}: ${e.verdict} (exit ${e.exitCode})`); break;
        default: break;
      }
    },
    stop() {},
  };
}

/** The live view's model: what the events said so far. */
export interface LiveModel {
  run?: { runId: string; site: string; resumed: boolean; startedAt: number };
  readonly rows: Map<string, Row>;
  /** Warnings, errors and teardown results, oldest first. */
  readonly logs: string[];
}

export function liveModel(steps: readonly { id: string; title: string; kind: 'read' | 'mutation' }[]): LiveModel {
  return { rows: new Map(steps.map((s) => [s.id, { id: s.id, title: s.title, kind: s.kind, state: 'pending' }])), logs: [] };
}

export function applyEvent(m: LiveModel, e: RunEvent, at: number): void {
  switch (e.type) {
    case 'run-start': m.run = { runId: e.runId, site: e.site, resumed: e.resumed, startedAt: at }; break;
    case 'step-start': { const r = m.rows.get(e.stepId); if (r) { r.state = 'running'; r.startedAt = at; } break; }
    case 'step-end': { const r = m.rows.get(e.stepId); if (r) { r.state = 'done'; r.status = e.status; r.summary = e.summary; r.durationMs = e.durationMs; delete r.wait; } break; }
    case 'wait-progress': { const r = m.rows.get(e.progress.stepId); if (r) r.wait = e.progress; break; }
    case 'log': if (e.level !== 'info') m.logs.push(`${e.stepId ?? ''} ${e.message}`); break;
    case 'teardown': m.logs.push(`teardown ${e.name}: ${e.ok ? 'ok' : 'FAILED'} ${e.message}`); break;
    default: break;
  }
}

export interface FrameStyle {
  readonly paint: (style: Parameters<typeof paint>[1], text: string) => string;
  readonly now: number;
  /** Advances the spinner. */
  readonly tick: number;
  readonly ellipsis: string;
}

const SPINNER = ['|', '/', '-', '\\'];
const LOGS_SHOWN = 4;

/** `head` + `middle` + `tail` in `columns`: the middle is cut first, so the tail (elapsed time, deadline) stays. */
function squeeze(head: string, middle: string, tail: string, columns: number, ellipsis: string): string {
  const room = columns - displayWidth(head) - displayWidth(tail);
  if (displayWidth(middle) <= room) return head + middle + tail;
  return room >= displayWidth(ellipsis) + 4 ? head + truncateToWidth(middle, room, ellipsis) + tail : head + middle + tail;
}

/**
 * The lines of one frame for a terminal of `size` (rows Infinity: the last frame, all of it).
 * When the tree is taller than the screen, the lines that matter least give way first: older
 * warnings, then the last pending steps, then the earliest finished steps, each group folded into
 * one line that counts it. Every line is redacted and at most size.columns - 1 wide.
 */
export function renderFrame(m: LiveModel, size: TermSize, s: FrameStyle): string[] {
  const width = Math.max(1, size.columns - 1);
  const rows = [...m.rows.values()];
  const done = rows.filter((r) => r.state === 'done');
  const pending = rows.filter((r) => r.state === 'pending');
  const elapsed = m.run ? formatDuration(s.now - m.run.startedAt) : '';
  const header = `${s.paint('bold', 'capi-gate run')}${m.run ? ` ${m.run.runId}  site ${oneLine(m.run.site)}${m.run.resumed ? ' (resumed)' : ''}` : ''}  ${done.length}/${rows.length} steps done${elapsed ? `  ${elapsed}` : ''}`;

  const rowLines = (r: Row): string[] => {
    const mut = r.kind === 'mutation' ? s.paint('yellow', 'M') : ' ';
    const id = r.id.padEnd(22);
    if (r.state === 'done') {
      return [`${s.paint(statusColor(r.status ?? ''), (r.status ?? '').padEnd(11))} ${mut} ${id} ${s.paint('dim', oneLine(r.summary ?? ''))}`];
    }
    if (r.state === 'pending') return [`${s.paint('dim', '  pending  ')} ${mut} ${id} ${oneLine(r.title)}`];
    if (r.state === 'stopped') return [`${s.paint('yellow', 'stopped'.padEnd(11))} ${mut} ${id} ${oneLine(r.title)}`];
    const head = `${s.paint('cyan', `${SPINNER[s.tick % SPINNER.length] ?? '|'} running  `)} ${mut} ${id} `;
    const lines = [squeeze(head, oneLine(r.title), r.startedAt !== undefined ? s.paint('dim', ` (${formatDuration(s.now - r.startedAt)})`) : '', width, s.ellipsis)];
    if (r.wait) {
      const w = r.wait;
      lines.push(squeeze(`    ${s.paint('dim', 'waiting for')} `, oneLine(w.what), `: ${s.paint('bold', oneLine(w.state))}  ${formatDuration(w.elapsedMs)} / ${formatDuration(w.deadlineMs)}${w.expectedMs !== undefined ? ` (expected ~${formatDuration(w.expectedMs)})` : ''}  poll ${w.polls}${requestsText(w)}`, width, s.ellipsis));
    }
    return lines;
  };

  const budget = size.rows === Infinity ? Infinity : Math.max(1, size.rows - 1);
  let logsShown = Math.min(LOGS_SHOWN, m.logs.length);
  let doneHidden = 0;
  let pendingHidden = 0;
  const compose = (): string[] => {
    const hiddenDone = new Set(done.slice(0, doneHidden));
    const hiddenPending = new Set(pending.slice(pending.length - pendingHidden));
    const lines = [header];
    if (doneHidden > 0) {
      const counts = new Map<string, number>();
      for (const r of hiddenDone) counts.set(r.status ?? '', (counts.get(r.status ?? '') ?? 0) + 1);
      lines.push(`${s.paint('dim', 'done'.padEnd(11))}   ${`${doneHidden} step${doneHidden === 1 ? '' : 's'}`.padEnd(22)} ${[...counts].map(([st, n]) => `${n} ${st}`).join(', ')}`);
    }
    for (const r of rows) if (!hiddenDone.has(r) && !hiddenPending.has(r)) lines.push(...rowLines(r));
    if (pendingHidden > 0) lines.push(`${s.paint('dim', '  pending  ')}   ${`${pendingHidden} more step${pendingHidden === 1 ? '' : 's'}`.padEnd(22)} ${[...hiddenPending].map((r) => r.id).join(' ')}`);
    for (const l of m.logs.slice(m.logs.length - logsShown)) lines.push(s.paint('dim', `  ${oneLine(l)}`));
    return lines;
  };
  let lines = compose();
  while (lines.length > budget) {
    if (logsShown > 1) logsShown--;
    else if (pendingHidden < pending.length) pendingHidden++;
    else if (doneHidden < done.length) doneHidden++;
    else if (logsShown > 0) logsShown--;
    else break;
    lines = compose();
  }
  return fitLines(lines.map((l) => redactor.redact(l)), size, s.ellipsis);
}

/** The terminal the live view draws on: its size now, and a call on each resize (SIGWINCH). */
export interface LiveTerminal {
  size(): TermSize;
  onResize(listener: () => void): () => void;
}

export function stdoutTerminal(stream: NodeJS.WriteStream = process.stdout): LiveTerminal {
  return {
    size() {
      // Asked of the terminal at each frame: a resize the 'resize' event has not reported yet
      // still takes effect.
      try {
        const [columns, rows] = stream.getWindowSize();
        if (columns > 0 && rows > 0) return { columns, rows };
      } catch {
        // not a terminal (any more): the last known size
      }
      return { columns: stream.columns || 80, rows: stream.rows || 24 };
    },
    onResize(listener) {
      stream.on('resize', listener);
      return () => { stream.off('resize', listener); };
    },
  };
}

/** A terminal in a UTF-8 locale shows '…'; another may not. */
function ellipsisFor(env: NodeJS.ProcessEnv): string {
  return /utf-?8/i.test(env.LC_ALL || env.LC_CTYPE || env.LANG || '') ? '…' : '...';
}

const HIDE_CURSOR = '\u001b[?25l';
const SHOW_CURSOR = '\u001b[?25h';

/**
 * The live view: the frame is repainted in place every 100 ms while a step runs, and at once on a
 * resize. Lines written through `out` while it is on (a note, the interrupt message) go above the
 * frame, which is drawn again below them.
 */
export function liveReporter(out: Out, steps: readonly { id: string; title: string; kind: 'read' | 'mutation' }[], now: () => number = Date.now, term: LiveTerminal = stdoutTerminal()): ProgressReporter {
  const model = liveModel(steps);
  const screen = new LiveScreen();
  const ellipsis = ellipsisFor(process.env);
  const write = out.raw.bind(out);
  const line = out.line.bind(out);
  const err = out.err.bind(out);
  let dirty = true;
  let tick = 0;
  let stopped = false;
  let cursorHidden = false;
  const showCursor = () => { if (cursorHidden) write(SHOW_CURSOR); cursorHidden = false; };
  const frame = (size: TermSize) => renderFrame(model, size, { paint: (style, text) => paint(out, style, text), now: now(), tick, ellipsis });
  const draw = (force: boolean) => {
    if (stopped) return;
    if (!force && !dirty && ![...model.rows.values()].some((r) => r.state === 'running')) return;
    dirty = false;
    tick++;
    const size = term.size();
    write(`${cursorHidden ? '' : HIDE_CURSOR}${screen.paint(frame(size), size)}`);
    cursorHidden = true;
  };
  const above = (print: (text?: string) => void) => (text = '') => {
    if (stopped) return print(text);
    write(screen.erase(term.size()));
    print(text);
    draw(true);
  };
  out.line = above(line);
  out.err = above((text = '') => err(text));
  const offResize = term.onResize(() => draw(true));
  process.on('exit', showCursor);
  const timer = setInterval(() => draw(false), 100);
  timer.unref();
  return {
    onEvent(e) {
      dirty = true;
      applyEvent(model, e, now());
    },
    stop() {
      if (stopped) return;
      clearInterval(timer);
      offResize();
      out.line = line;
      out.err = err;
      // The last frame whole: it is never repainted, so it may run into the scrollback. A step
      // still running is not: the run has stopped.
      for (const row of model.rows.values()) {
        if (row.state === 'running') {
          row.state = 'stopped';
          delete row.wait;
        }
      }
      const size = term.size();
      tick++;
      write(screen.paint(frame({ columns: size.columns, rows: Infinity }), size));
      stopped = true;
      showCursor();
      process.off('exit', showCursor);
    },
  };
}

/** ", 12/40 requests" (a shaped poll's budget), ", 4 requests, by watch" or ''. */
function requestsText(p: { requests?: number; budget?: number; mode?: string }): string {
  if (p.requests === undefined) return '';
  return `, ${p.requests}${p.budget !== undefined ? `/${p.budget}` : ''} requests${p.mode?.startsWith('watch') ? `, by ${p.mode.startsWith('watch,') ? 'poll (watch lost)' : 'watch'}` : ''}`;
}
