// --time-scale, shared by `sim` and `demo`.

import { CapiGateError } from '../core/errors.js';

export function parseTimeScale(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 100) throw new CapiGateError('CAPI_GATE_USAGE', `--time-scale must be a number in (0, 100], not ${JSON.stringify(v)}`, { hint: '0.01 makes a 10-minute create take 6 seconds.' });
  return n;
}

/** --seed: a whole number that reproduces a simulated site's ids and names. */
export function parseSeed(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1 || n > 0x7ffffffe) {
    throw new CapiGateError('CAPI_GATE_USAGE', `--seed must be a whole number from 1 to 2147483646, not ${JSON.stringify(v)}`, { hint: '`capi-gate sim` prints the seed it used ("seed N"); pass it again to get the same ids.' });
  }
  return n;
}
