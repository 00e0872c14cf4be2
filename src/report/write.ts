// Writes every report format into the run directory; each passes through the redactor.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redactor } from '../core/redact.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import type { RunReport } from './model.js';

export type ReportFormat = 'json' | 'md' | 'junit' | 'html';

export const REPORT_FILES: Readonly<Record<ReportFormat, string>> = {
  json: 'report.json',
  md: 'report.md',
  junit: 'junit.xml',
  html: 'report.html',
};

export function renderReport(report: RunReport, format: ReportFormat): string {
  const text =
    format === 'json' ? JSON.stringify(report, null, 2) + '\n'
    : format === 'md' ? renderMarkdown(report)
    : format === 'html' ? renderHtml(report)
    : renderJunit(report);
  return redactor.redact(text);
}

export function writeReports(report: RunReport, runDir: string, formats: readonly ReportFormat[] = ['json', 'md', 'junit', 'html']): Record<string, string> {
  const written: Record<string, string> = {};
  for (const f of formats) {
    const path = join(runDir, REPORT_FILES[f]);
    writeFileSync(path, renderReport(report, f));
    written[f] = path;
  }
  return written;
}
