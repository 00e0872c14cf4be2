// --time-scale, shared by `sim` and `demo`.

import { CapiGateError } from '../core/errors.js';

export function parseTimeScale(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 100) throw new CapiGateError('CAPI_GATE_USAGE', `--time-scale must be a number in (0, 100], not ${JSON.stringify(v)}`, { hint: '0.01 makes a 10-minute create take 6 seconds.' });
  return n;
}
