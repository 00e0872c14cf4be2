// Writes every report format into the run directory; each passes through the redactor.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redactor } from '../core/redact.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import type { RunReport } from './model.js';

export type ReportFormat = 'json' | 'md' | 'junit';

export const REPORT_FILES: Readonly<Record<ReportFormat, string>> = {
  json: 'report.json',
  md: 'report.md',
  junit: 'junit.xml',
};

export function renderReport(report: RunReport, format: ReportFormat): string {
  const text = format === 'json' ? JSON.stringify(report, null, 2) + '\n' : format === 'md' ? renderMarkdown(report) : renderJunit(report);
  return redactor.redact(text);
}

export function writeReports(report: RunReport, runDir: string, formats: readonly ReportFormat[] = ['json', 'md', 'junit']): Record<string, string> {
  const written: Record<string, string> = {};
  for (const f of formats) {
    const path = join(runDir, REPORT_FILES[f]);
    writeFileSync(path, renderReport(report, f));
    written[f] = path;
  }
  return written;
}
