// One self-contained HTML file (no network fetches, no scripts): the verdict, the EXIT GATE
// summary, every item with its evidence, and a timeline (Gantt) of steps and waits that shows what
// ran concurrently and the state transitions seen, plus the failover duration against its
// expectation and, for failures, the diagnosis and remedy.

import { formatDuration } from '../core/duration.js';
import { CAPTURED } from './captured-keys.js';
import { ITEM_LABELS, totalsText, waitHow } from './markdown.js';
import type { ReportItem, RunReport, WaitSummary } from './model.js';

const esc = (s: unknown): string =>
  String(s ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const COLORS: Record<string, string> = {
  PASS: '#2e7d32', FAIL: '#c62828', ERROR: '#ad1457', DEFERRED: '#757575', OUTSTANDING: '#ef6c00', SKIPPED: '#9e9e9e',
  ACCEPTED: '#2e7d32', 'FUNCTIONALLY ACCEPTED': '#ef6c00', 'NOT ACCEPTED': '#c62828', PARTIAL: '#5c6bc0',
  'NOT RUN': '#ad1457', 'NOT SELECTED': '#bdbdbd',
};

const EVENT_COLORS: Record<string, string> = { interrupt: '#c62828', stop: '#c62828', resume: '#1565c0', remediation: '#ef6c00', start: '#555', end: '#555', signoff: '#2e7d32', amendment: '#2e7d32' };

/** A stable colour per observed state, so the same state looks the same on every bar. */
function stateColor(state: string): string {
  if (/COMPLETE|ACTIVE|ONLINE|Ready|HEALTHY|Running/i.test(state) && !/IN_PROGRESS|PENDING/i.test(state)) return '#66bb6a';
  if (/FAIL|ERROR|403|CrashLoop/i.test(state)) return '#ef5350';
  if (/PENDING|IN_PROGRESS|BUILD|queued|importing|uploading/i.test(state)) return '#42a5f5';
  let h = 0;
  for (const c of state) h = (h * 31 + c.charCodeAt(0)) % 360;
  return `hsl(${h},45%,60%)`;
}

interface Bar { row: string; start: number; end: number; color: string; label: string; title: string; kind: 'step' | 'wait' | 'state' }

function timelineBars(report: RunReport): Bar[] {
  const bars: Bar[] = [];
  for (const i of report.items) {
    if (i.startedAt === undefined || i.endedAt === undefined) continue;
    bars.push({ row: i.id, start: i.startedAt, end: Math.max(i.endedAt, i.startedAt + 1), color: COLORS[i.status] ?? '#999', label: i.status, title: `${i.id} ${i.status} ${formatDuration(i.endedAt - i.startedAt)}: ${i.summary}`, kind: 'step' });
    for (const w of i.waits) {
      const row = `${i.id} · ${w.name}`;
      const tl = w.timeline.length ? w.timeline : [{ at: w.startedAt, from: null, to: w.outcome }];
      tl.forEach((t, k) => {
        const end = k + 1 < tl.length ? tl[k + 1]!.at : w.endedAt;
        bars.push({ row, start: t.at, end: Math.max(end, t.at + 1), color: stateColor(t.to), label: t.to, title: `${w.what}: ${t.to} for ${formatDuration(end - t.at)}`, kind: 'state' });
      });
    }
  }
  return bars;
}

/**
 * Maps a time to the run's active time: the pauses between an interrupt (or stop) and its resume
 * are cut out of the axis, so a 41-minute pause does not squash the steps into slivers.
 */
function activeAxis(report: RunReport): (t: number) => number {
  const ss = report.sessions;
  return (t) => {
    let before = 0;
    for (const s of ss) {
      if (t <= s.endedAt) return before + Math.max(0, t - s.startedAt);
      before += s.endedAt - s.startedAt;
    }
    return before + (ss.length ? 0 : t);
  };
}

function gantt(report: RunReport): string {
  const bars = timelineBars(report);
  if (bars.length === 0) return '<p class="muted">No step ran, so there is no timeline.</p>';
  const active = activeAxis(report);
  const t0 = Math.min(...bars.map((b) => active(b.start)));
  const t1 = Math.max(...bars.map((b) => active(b.end)));
  const span = Math.max(1, t1 - t0);
  const rows = [...new Set(bars.map((b) => b.row))];
  const labelW = 230;
  const plotW = 900;
  const rowH = 22;
  const top = 28;
  const pausedNote = report.pausedMs > 0 ? 16 : 0;
  const height = top + rows.length * rowH + 10 + pausedNote;
  const x = (t: number) => labelW + ((active(t) - t0) / span) * plotW;
  const ticks: string[] = [];
  for (let k = 0; k <= 6; k++) {
    const a = t0 + (span * k) / 6;
    const px = labelW + ((a - t0) / span) * plotW;
    ticks.push(`<line x1="${px}" y1="${top - 6}" x2="${px}" y2="${height}" class="grid"/><text x="${px}" y="${top - 10}" class="tick">+${esc(formatDuration(a - t0))}</text>`);
  }
  const rowSvg = rows.map((r, k) => {
    const y = top + k * rowH;
    const sub = r.includes(' · ');
    return `<text x="${sub ? 18 : 6}" y="${y + 15}" class="${sub ? 'rowlabel sub' : 'rowlabel'}">${esc(r)}</text>`;
  });
  const barSvg = bars.map((b) => {
    const y = top + rows.indexOf(b.row) * rowH + (b.kind === 'state' ? 5 : 3);
    const w = Math.max(2, x(b.end) - x(b.start));
    const h = b.kind === 'state' ? 12 : 16;
    const text = w > 60 ? `<text x="${x(b.start) + 4}" y="${y + h - 4}" class="barlabel">${esc(b.label)}</text>` : '';
    return `<g class="bar ${b.kind}"><title>${esc(b.title)}</title><rect x="${x(b.start)}" y="${y}" width="${w}" height="${h}" rx="3" fill="${b.color}"/>${text}</g>`;
  });
  // Interrupts, stops, resumes and remediations during the run, as marked lines.
  const runEnd = report.sessions[report.sessions.length - 1]?.endedAt ?? report.startedAt;
  const marks = report.timeline.filter((e) => ['interrupt', 'stop', 'resume', 'remediation'].includes(e.kind) && e.at <= runEnd).map((e) => {
    const px = Math.min(labelW + plotW, Math.max(labelW, x(e.at)));
    const k = report.sessions.findIndex((ss) => ss.startedAt === e.at);
    const pause = e.kind === 'resume' && k > 0 ? report.sessions[k]!.startedAt - report.sessions[k - 1]!.endedAt : undefined;
    const label = pause !== undefined ? `<text x="${px + 4}" y="${height - 4}" class="pause">${esc(`resumed after a ${formatDuration(pause)} pause (cut out)`)}</text>` : '';
    return `<g class="event ${e.kind}"><title>${esc(`${new Date(e.at).toISOString()} ${e.kind}: ${e.text}`)}</title><line x1="${px}" y1="${top - 4}" x2="${px}" y2="${height - pausedNote}" stroke="${EVENT_COLORS[e.kind] ?? '#555'}" stroke-width="2" stroke-dasharray="4 3"/>${label}</g>`;
  });
  const paused = report.pausedMs > 0 ? ` The pauses between an interrupt and its resume (${esc(formatDuration(report.pausedMs))}) are cut out of the time axis; dashed lines mark interrupts, resumes and remediations.` : '';
  return `<svg id="timeline" role="img" aria-label="Timeline of steps and waits" viewBox="0 0 ${labelW + plotW + 20} ${height}" width="100%">${ticks.join('')}${rowSvg.join('')}${barSvg.join('')}${marks.join('')}</svg>
<p class="muted">Bars overlapping in time ran concurrently. Step bars are coloured by result; the thin bars under a step are the states its waits observed, one segment per state.${paused}</p>`;
}

function eventsList(report: RunReport): string {
  return `<ol id="events">${report.timeline.map((e) => `<li class="ev ev-${esc(e.kind)}"><span class="badge" style="background:${EVENT_COLORS[e.kind] ?? '#555'}">${esc(e.kind)}</span> ${esc(new Date(e.at).toISOString())}: ${esc(e.text)}</li>`).join('')}</ol>`;
}

function waitBlock(w: WaitSummary): string {
  const hist = Object.entries(w.histogram).map(([k, v]) => `${esc(k)} ×${v}`).join(', ');
  const tl = w.timeline.map((t) => `<li>+${esc(formatDuration(t.at - w.startedAt))}: ${esc(t.from ?? '(start)')} → <b>${esc(t.to)}</b></li>`).join('');
  return `<div class="wait"><div><b>Waited for</b> ${esc(w.what)}: <b>${esc(w.outcome)}</b> after ${esc(formatDuration(w.endedAt - w.startedAt))} (${w.polls} polls)</div>${waitHow(w) ? `<div class="muted">${esc(waitHow(w))}</div>` : ''}<div class="muted">Seen: ${hist || 'nothing'}</div>${tl ? `<ol class="transitions">${tl}</ol>` : ''}</div>`;
}

function itemBlock(i: ReportItem): string {
  const details = i.details ? `<details><summary>Evidence</summary><pre>${esc(JSON.stringify(i.details, null, 2))}</pre></details>` : '';
  const remedy = i.status === 'PASS' || i.status === 'DEFERRED' ? '' : `${i.hint ? `<div class="hint"><b>Remedy:</b> ${esc(i.hint)}</div>` : ''}${i.playbook ? `<div class="hint"><b>Playbook:</b> ${esc(i.playbook)}</div>` : ''}`;
  const signoffs = i.signoffs.map((s) => `<div class="signoff">${s.amendment ? 'Sign-off amended' : 'Signed off'} by <b>${esc(s.by)}</b> at ${esc(new Date(s.at).toISOString())}: ${esc(s.note)}</div>`).join('');
  const took = i.startedAt !== undefined && i.endedAt !== undefined ? formatDuration(i.endedAt - i.startedAt) : '-';
  const shown = i.ran ? i.status : 'NOT RUN';
  return `<section class="item" id="item-${esc(i.id)}"><h3><span class="badge" style="background:${COLORS[shown] ?? '#999'}">${esc(shown)}</span> ${esc(i.id)} — ${esc(i.title)}</h3>
<div class="meta">${i.kind === 'mutation' ? 'MUTATION' : 'read-only'} · took ${esc(took)} · decisions ${esc(i.decisions.join(', ') || '-')}${i.code ? ` · <code>${esc(i.code)}</code>` : ''}</div>
<p>${esc(i.summary)}</p>${remedy}${signoffs}${i.waits.map(waitBlock).join('')}${details}</section>`;
}

function failoverBlock(report: RunReport): string {
  const measured = report.captured[CAPTURED.failoverDuration];
  const item = report.items.find((i) => i.id === 'D-011.4');
  const expected = item?.details?.['failoverExpectedMs'];
  if (!measured && !item) return '';
  return `<section><h2>Failover</h2><p>Admin-scope failover of the workload API LB: measured <b>${esc(measured ?? 'not measured in this run')}</b>${typeof expected === 'number' ? `, expected about ${esc(formatDuration(expected))}` : ' (expectation ~100 s for a STANDALONE amphora)'}.</p></section>`;
}

export function renderHtml(report: RunReport): string {
  const c = report.captured;
  const by = (id: string) => report.items.find((i) => i.id === id);
  const summary = Object.entries(ITEM_LABELS).map(([id, label]) => {
    const i = by(id);
    const s = !i ? 'NOT SELECTED' : i.ran ? i.status : 'NOT RUN';
    return `<tr><td>${esc(id)}</td><td>${esc(label)}</td><td><span class="badge" style="background:${COLORS[s] ?? '#999'}">${esc(s)}</span></td><td>${esc(i?.summary ?? 'not selected in this run')}</td></tr>`;
  }).join('');
  const asBuilt = [
    ['cluster uuid', CAPTURED.clusterUuid], ['CAPI suffix', CAPTURED.capiSuffix], ['nodes', CAPTURED.nodes], ['kube_version', CAPTURED.kubeVersion],
    ['API LB id', CAPTURED.apiLbId], ['API LB VIP', CAPTURED.apiLbVip], ['API FIP', CAPTURED.apiFip], ['endpoint', CAPTURED.apiAddress],
    ['amphora topology', CAPTURED.amphoraTopology], ['health_status', CAPTURED.healthStatus],
  ].map(([label, key]) => `<tr><th>${esc(label)}</th><td>${esc(c[key!] ?? 'not captured')}</td></tr>`).join('');
  const gate = by('EXIT-GATE');
  const incidents = report.remediations.length
    ? `<ul>${report.remediations.map((r) => `<li>${esc(new Date(r.at).toISOString())} ${esc(r.playbook)}${r.step ? ` (after ${esc(r.step)} failed)` : ''}: ${esc(r.action)} (${r.ok ? 'done' : 'FAILED'})</li>`).join('')}</ul>`
    : '<p class="muted">No incidents recorded.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>capi-gate ${esc(report.site)} ${esc(report.runId)}: ${esc(report.verdict)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1200px;padding:16px 24px;color:#222}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:28px}h3{font-size:15px;margin:6px 0}
.verdict{font-size:20px;font-weight:700;padding:10px 14px;border-radius:6px;color:#fff;display:inline-block}
.badge{color:#fff;border-radius:4px;padding:1px 6px;font-size:12px;font-weight:600}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:4px 6px;text-align:left;vertical-align:top}
.muted{color:#777}.meta{color:#666;font-size:12px}.hint{background:#fff8e1;border-left:3px solid #ef6c00;padding:4px 8px;margin:4px 0}
.signoff{background:#e8f5e9;border-left:3px solid #2e7d32;padding:4px 8px;margin:4px 0}
.item{border:1px solid #e5e5e5;border-radius:6px;padding:8px 12px;margin:10px 0}.wait{margin:6px 0;padding:4px 8px;background:#f7f9fc;border-radius:4px}
pre{background:#f5f5f5;padding:8px;overflow:auto;font-size:12px}
svg .grid{stroke:#eee}svg .tick{font-size:10px;fill:#888;text-anchor:middle}svg .rowlabel{font-size:12px;fill:#222}svg .rowlabel.sub{fill:#666;font-size:11px}
svg .barlabel{font-size:10px;fill:#fff;pointer-events:none}svg .pause{font-size:11px;fill:#1565c0}
</style></head><body>
<h1>Phase-08 acceptance — site <code>${esc(report.site)}</code>, run <code>${esc(report.runId)}</code></h1>
<div class="verdict" id="verdict" style="background:${COLORS[report.verdict] ?? '#555'}">${esc(report.verdict)}</div>
<p id="verdict-text">Verdict: ${esc(report.verdictText)}. Exit code ${report.exitCode}.</p>
<p id="totals">${esc(totalsText(report))}.</p>
<p>Started ${esc(new Date(report.startedAt).toISOString())}, took <span id="duration">${esc(report.durationText)}</span>. capi-gate ${esc(report.version)}.</p>
<h2>EXIT GATE — ACCEPTANCE SUMMARY</h2>
${gate ? `<p id="exit-gate"><span class="badge" style="background:${COLORS[gate.ran ? gate.status : 'NOT RUN'] ?? '#999'}">${esc(gate.ran ? gate.status : 'NOT RUN')}</span> EXIT-GATE: ${esc(gate.summary)}</p>` : ''}
<table id="summary"><tr><th>item</th><th>what</th><th>status</th><th>result</th></tr>${summary}</table>
${report.leftOut.length ? `<p class="muted" id="not-selected">Not selected in this run (--only/--skip), so no result: ${esc(report.leftOut.map((s) => s.id).join(', '))}.</p>` : ''}
<h2>Timeline</h2>
${gantt(report)}
${eventsList(report)}
${failoverBlock(report)}
<h2>Items and evidence</h2>
${report.items.map(itemBlock).join('\n')}
<h2>As-built record</h2>
<table>${asBuilt}</table>
<h3>Incidents met and how they were recovered</h3>
${incidents}
</body></html>
`;
}
