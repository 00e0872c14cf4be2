// A body that a later issue implements reports ERROR "not implemented" -- never PASS.

import { CapiGateError } from '../core/errors.js';

export function notImplemented(stepId: string, issue: string): never {
  throw new CapiGateError('CAPI_GATE_NOT_IMPLEMENTED', `not implemented yet (${stepId})`, {
    hint: `This check is built by ${issue}; until then it cannot be evaluated and the run cannot be ACCEPTED.`,
  });
}
