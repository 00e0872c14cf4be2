// Plain-text tables for the terminal (and docs/benchmarks.md): a title, aligned columns, notes below.

export function table(title: string, headers: readonly string[], rows: readonly (readonly string[])[], notes: readonly string[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [title, line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), ...notes.map((n) => `  ${n}`), ''].join('\n');
}

export const s1 = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'n/a');
export const s2 = (sec: number | null) => (sec !== null && Number.isFinite(sec) ? `${sec.toFixed(2)} s` : 'n/a');
export const mb = (v: number | null) => (v !== null && Number.isFinite(v) ? `${v.toFixed(0)} MB` : 'n/a');
export const pct = (f: number) => (Number.isFinite(f) ? `${(f * 100).toFixed(1)} %` : 'n/a');
export const x = (f: number) => (Number.isFinite(f) ? `${f.toFixed(2)}x` : 'n/a');
export const verdict = (ok: boolean | undefined) => (ok === undefined ? 'n/a' : ok ? 'met' : 'NOT met');
