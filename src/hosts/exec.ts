// Runs a program with arguments, never through a shell (names from the site file are data, not
// code). A non-zero exit is an answer, returned to the caller; a program that cannot be started
// (ENOENT, EACCES) or that outlives its budget is an error.

import { execFile } from 'node:child_process';
import { CapiGateError, isAbortError } from '../core/errors.js';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CommandOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  /** Passed on stdin; stdin is closed either way (the runbook's `</dev/null`). */
  readonly input?: string;
}

/** The injectable seam: tests give the clients a fake runner. */
export type CommandRunner = (file: string, args: readonly string[], options: CommandOptions, signal: AbortSignal) => Promise<CommandResult>;

const MAX_OUTPUT = 32 * 1024 * 1024;

export const runCommand: CommandRunner = (file, args, options, signal) =>
  new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new CapiGateError('CAPI_GATE_ABORTED', `interrupted before running ${file}`));
      return;
    }
    const child = execFile(
      file,
      [...args],
      { env: options.env ?? process.env, timeout: options.timeoutMs ?? 0, maxBuffer: MAX_OUTPUT, signal, encoding: 'utf8', windowsHide: true },
      (err, stdout, stderr) => {
        if (!err) return resolve({ code: 0, stdout, stderr });
        const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean; signal?: string | null };
        if (isAbortError(e) || signal.aborted) {
          reject(new CapiGateError('CAPI_GATE_ABORTED', `interrupted while running ${file}`, { cause: e }));
        } else if (e.code === 'ENOENT' || e.code === 'EACCES') {
          reject(new CapiGateError('CAPI_GATE_TRANSPORT', `cannot run ${file}: ${e.code === 'ENOENT' ? 'not found' : 'permission denied'}`, {
            hint: `Install ${file} on the jumphost or set its path in the site file.`,
            cause: e,
          }));
        } else if (e.killed && options.timeoutMs) {
          reject(new CapiGateError('CAPI_GATE_TIMEOUT', `${file} ${args[0] ?? ''} did not finish within ${options.timeoutMs}ms`, { cause: e }));
        } else if (typeof e.code === 'number') {
          resolve({ code: e.code, stdout, stderr });
        } else if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          reject(new CapiGateError('CAPI_GATE_BAD_RESPONSE', `${file} printed more than ${MAX_OUTPUT} bytes`, { cause: e }));
        } else {
          resolve({ code: 128, stdout, stderr: stderr || `${file} ended by signal ${e.signal ?? '?'}` });
        }
      },
    );
    // A program that exits without reading its stdin (juju does) closes the pipe: writing then
    // fails with EPIPE on the stdin stream, which must not bring the run down. The program's own
    // exit status and output are what count.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });

/** The last meaningful line of a program's stderr, for messages ("ERROR model not found"). */
export function lastErrorLine(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const err = lines.filter((l) => /^(error|ERROR)\b/.test(l));
  return (err[err.length - 1] ?? lines[lines.length - 1] ?? '').slice(0, 400);
}
