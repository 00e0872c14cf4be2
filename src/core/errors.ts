// One error class with a stable string code, a one-line hint, an optional playbook id and a cause
// (STYLE 5-7). Users and tests match on `code`.

export const ERROR_CODES = {
  CAPI_GATE_USAGE: { exit: 2, summary: 'The command line is wrong.' },
  CAPI_GATE_SITE_INVALID: { exit: 2, summary: 'The site file does not match the schema.' },
  CAPI_GATE_SITE_UNREADABLE: { exit: 2, summary: 'The site file cannot be read or parsed.' },
  CAPI_GATE_SITE_TODO: { exit: 2, summary: 'The site file still holds a TODO that `capi-gate init` could not discover; fill it in first.' },
  CAPI_GATE_CREDENTIALS: { exit: 2, summary: 'No usable credentials for a scope: no clouds.yaml, the cloud is not in it, or Keystone refused them (clouds.yaml / OS_* variables).' },
  CAPI_GATE_PRECONDITION: { exit: 3, summary: 'A precondition is not met; nothing was changed.' },
  CAPI_GATE_UNREACHABLE: { exit: 3, summary: 'Pre-flight: the cloud\'s Keystone cannot be reached or does not answer; nothing was run or recorded.' },
  CAPI_GATE_TIMEOUT: { exit: 1, summary: 'A wait passed its deadline.' },
  CAPI_GATE_STALLED: { exit: 1, summary: 'A wait saw no progress for too long.' },
  CAPI_GATE_TERMINAL_STATE: { exit: 1, summary: 'A resource reached a failure state.' },
  CAPI_GATE_FORBIDDEN: { exit: 4, summary: 'The API refused the call (403) repeatedly.' },
  CAPI_GATE_API: { exit: 4, summary: 'An API answered with an error.' },
  CAPI_GATE_TRANSPORT: { exit: 4, summary: 'A network or TLS error reached no answer.' },
  CAPI_GATE_BAD_RESPONSE: { exit: 4, summary: 'An API answered with something that is not what it documents.' },
  CAPI_GATE_NOT_IMPLEMENTED: { exit: 4, summary: 'This check is not implemented yet; it cannot be evaluated.' },
  CAPI_GATE_ABORTED: { exit: 130, summary: 'The run was interrupted.' },
  CAPI_GATE_JOURNAL: { exit: 2, summary: 'The run journal cannot be used (missing, corrupt, or for another site).' },
  CAPI_GATE_INTERNAL: { exit: 4, summary: 'A bug in capi-gate.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorDetails {
  readonly hint?: string;
  readonly playbook?: string;
  readonly cause?: unknown;
  /** Labelled blocks shown after the first line, e.g. { Observed: 'CREATE_IN_PROGRESS x 40' }. */
  readonly blocks?: Readonly<Record<string, string>>;
}

export class CapiGateError extends Error {
  override readonly name = 'CapiGateError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly playbook: string | undefined;
  readonly blocks: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.hint = details.hint;
    this.playbook = details.playbook;
    this.blocks = details.blocks ?? {};
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
}

export function isCapiGateError(e: unknown, code?: ErrorCode): e is CapiGateError {
  return e instanceof CapiGateError && (code === undefined || e.code === code);
}

/** Wraps anything thrown into a CapiGateError without losing the original as cause. */
export function toCapiGateError(e: unknown): CapiGateError {
  if (e instanceof CapiGateError) return e;
  if (isAbortError(e)) return new CapiGateError('CAPI_GATE_ABORTED', 'interrupted', { cause: e });
  const message = e instanceof Error ? e.message : String(e);
  return new CapiGateError('CAPI_GATE_INTERNAL', message, {
    cause: e,
    hint: 'This is a bug in capi-gate; please report it with the run directory attached.',
  });
}

export function isAbortError(e: unknown): boolean {
  return (
    (e instanceof Error && (e.name === 'AbortError' || (e as { code?: unknown }).code === 'ABORT_ERR')) ||
    (e instanceof CapiGateError && e.code === 'CAPI_GATE_ABORTED')
  );
}

/** Renders the STYLE.md shape: short line, then Hint, Playbook and labelled blocks. */
export function formatError(e: CapiGateError): string {
  const lines = [`${e.code}: ${e.message}`];
  if (e.hint) lines.push(`  Hint: ${e.hint}`);
  if (e.playbook) lines.push(`  Playbook: ${e.playbook}`);
  for (const [label, text] of Object.entries(e.blocks)) {
    const body = text.split('\n');
    lines.push(`  ${label}: ${body[0] ?? ''}`);
    for (const more of body.slice(1)) lines.push(`    ${more}`);
  }
  return lines.join('\n');
}
