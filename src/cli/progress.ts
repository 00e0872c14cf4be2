// Two reporters of run events: a live view on a TTY (the step tree; for waits what is awaited,
// its state, elapsed time and deadline), plain timestamped lines otherwise (CI, pipes).

import { formatDuration } from '../core/duration.js';
import type { RunEvent, WaitProgress } from '../core/events.js';
import type { Out } from './output.js';
import { paint, statusColor } from './output.js';

interface Row {
  id: string;
  title: string;
  kind: 'read' | 'mutation';
  state: 'pending' | 'running' | 'done';
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
            out.line(`${ts()} ${p.stepId} waiting for ${p.what}: ${p.state} (${formatDuration(p.elapsedMs)} of ${formatDuration(p.deadlineMs)}, poll ${p.polls})`);
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

export function liveReporter(out: Out, steps: readonly { id: string; title: string; kind: 'read' | 'mutation' }[], now: () => number = Date.now): ProgressReporter {
  const rows = new Map<string, Row>(steps.map((s) => [s.id, { id: s.id, title: s.title, kind: s.kind, state: 'pending' }]));
  const logs: string[] = [];
  let drawn = 0;
  let dirty = true;
  const spinner = ['|', '/', '-', '\\'];
  let frame = 0;
  const draw = () => {
    if (!dirty && !([...rows.values()].some((r) => r.state === 'running'))) return;
    dirty = false;
    frame++;
    const lines: string[] = [];
    for (const r of rows.values()) {
      const mark = r.state === 'done' ? paint(out, statusColor(r.status ?? ''), (r.status ?? '').padEnd(11)) : r.state === 'running' ? paint(out, 'cyan', `${spinner[frame % 4]} running  `) : paint(out, 'dim', '  pending  ');
      const mut = r.kind === 'mutation' ? paint(out, 'yellow', 'M') : ' ';
      let tail = r.state === 'done' ? `${paint(out, 'dim', r.summary ?? '')}` : r.title;
      if (r.state === 'running' && r.startedAt !== undefined) tail += paint(out, 'dim', ` (${formatDuration(now() - r.startedAt)})`);
      lines.push(`${mark} ${mut} ${r.id.padEnd(22)} ${tail}`);
      if (r.state === 'running' && r.wait) {
        const w = r.wait;
        lines.push(`      ${paint(out, 'dim', 'waiting for')} ${w.what}: ${paint(out, 'bold', w.state)}  ${formatDuration(w.elapsedMs)} / ${formatDuration(w.deadlineMs)}  poll ${w.polls}`);
      }
    }
    for (const l of logs.slice(-4)) lines.push(paint(out, 'dim', `  ${l}`));
    const width = (process.stdout.columns || 120) - 1;
    let text = drawn > 0 ? `\u001b[${drawn}F` : '';
    text += lines.map((l) => `\u001b[2K${l.length > width + 40 ? l.slice(0, width + 40) : l}`).join('\n') + '\n';
    out.raw(text);
    drawn = lines.length;
  };
  const timer = setInterval(draw, 100);
  timer.unref();
  return {
    onEvent(e) {
      dirty = true;
      switch (e.type) {
        case 'step-start': { const r = rows.get(e.stepId); if (r) { r.state = 'running'; r.startedAt = now(); } break; }
        case 'step-end': { const r = rows.get(e.stepId); if (r) { r.state = 'done'; r.status = e.status; r.summary = e.summary; r.durationMs = e.durationMs; delete r.wait; } break; }
        case 'wait-progress': { const r = rows.get(e.progress.stepId); if (r) r.wait = e.progress; break; }
        case 'log': if (e.level !== 'info') logs.push(`${e.stepId ?? ''} ${e.message}`); break;
        case 'teardown': logs.push(`teardown ${e.name}: ${e.ok ? 'ok' : 'FAILED'} ${e.message}`); break;
        default: break;
      }
    },
    stop() {
      clearInterval(timer);
      dirty = true;
      draw();
    },
  };
}
