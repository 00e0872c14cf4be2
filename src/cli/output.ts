// The CLI's sinks. Every line passes through the redactor; colour only on a TTY without NO_COLOR.

import { redactor } from '../core/redact.js';

export interface Out {
  readonly isTTY: boolean;
  readonly color: boolean;
  line(text?: string): void;
  err(text: string): void;
  raw(text: string): void;
}

export function makeOut(stream: NodeJS.WriteStream = process.stdout, errStream: NodeJS.WriteStream = process.stderr): Out {
  const isTTY = Boolean(stream.isTTY) && !process.env.CI;
  const color = isTTY && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
  return {
    isTTY,
    color,
    line: (text = '') => stream.write(redactor.redact(text) + '\n'),
    err: (text) => errStream.write(redactor.redact(text) + '\n'),
    raw: (text) => stream.write(redactor.redact(text)),
  };
}

const CODES: Record<string, [number, number]> = { red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39], dim: [2, 22], bold: [1, 22] };

export function paint(out: Out, style: keyof typeof CODES, text: string): string {
  const c = CODES[style];
  return out.color && c ? `\u001b[${c[0]}m${text}\u001b[${c[1]}m` : text;
}

export function statusColor(status: string): keyof typeof CODES {
  switch (status) {
    case 'PASS': case 'ACCEPTED': return 'green';
    case 'FAIL': case 'ERROR': case 'NOT ACCEPTED': return 'red';
    case 'OUTSTANDING': case 'FUNCTIONALLY ACCEPTED': return 'yellow';
    default: return 'dim';
  }
}
