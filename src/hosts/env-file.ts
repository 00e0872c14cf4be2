// DOCFIX-038: the mgmt VM's FIP is per rebuild and lives in an env file the network phase writes
// (`MGMT_FIP=...` or `export MGMT_FIP=...`); it is read at run time, never hardcoded.

import { readFileSync } from 'node:fs';
import { CapiGateError } from '../core/errors.js';

/** The value of VAR in shell-style assignment lines; the last assignment wins. */
export function parseEnvAssignment(text: string, variable: string): string | undefined {
  let found: string | undefined;
  const re = new RegExp(`^\\s*(?:export\\s+)?${variable.replace(/[^A-Za-z0-9_]/g, '')}=(.*)$`);
  for (const line of text.split(/\r?\n/)) {
    const m = re.exec(line);
    if (!m) continue;
    let v = (m[1] ?? '').trim();
    const q = v[0];
    if ((q === '"' || q === "'") && v.indexOf(q, 1) > 0) v = v.slice(1, v.indexOf(q, 1));
    else v = v.replace(/\s+#.*$/, '').trim();
    found = v;
  }
  return found;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/;

export function isHostLiteral(s: string): boolean {
  return IPV4.test(s) || HOSTNAME.test(s);
}

export function readFip(file: string, variable: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CapiGateError('CAPI_GATE_PRECONDITION', `mgmtVm.fipEnvFile: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, {
      hint: `DOCFIX-038: the mgmt FIP is per rebuild; the network phase writes it to ${file} as ${variable}=<fip>. Never hardcode the old 10.12.7.40.`,
      cause: e,
    });
  }
  const v = parseEnvAssignment(text, variable);
  if (!v) {
    throw new CapiGateError('CAPI_GATE_PRECONDITION', `mgmtVm.fipEnvFile: ${file} does not set ${variable}`, {
      hint: `Add a line ${variable}=<fip of the mgmt VM> (or export ${variable}=...).`,
    });
  }
  if (!isHostLiteral(v)) {
    throw new CapiGateError('CAPI_GATE_PRECONDITION', `mgmtVm.fipEnvFile: ${variable} in ${file} is not an address: ${JSON.stringify(v)}`, {
      hint: 'The value must be a literal IPv4 address or host name; shell expansions are not evaluated.',
    });
  }
  return v;
}
