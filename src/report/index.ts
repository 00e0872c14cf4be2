export { buildReport, REPORT_SCHEMA } from './model.js';
export type { Counts, LeftOutStep, ReportItem, RunReport, Session, Signoff, StepInfo, Tally, TimelineEvent, WaitSummary } from './model.js';
export { renderMarkdown, ITEM_LABELS, totalsText } from './markdown.js';
export { renderJunit } from './junit.js';
export { renderHtml } from './html.js';
export { renderReport, writeReports, REPORT_FILES } from './write.js';
export type { ReportFormat } from './write.js';
export { CAPTURED } from './captured-keys.js';
