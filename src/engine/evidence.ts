// Evidence per step under runs/<id>/evidence/<step>/. Ordinary evidence is redacted before it is
// written; sensitive files (kubeconfigs) are written mode 0600. Neither keeps a private key: a
// PEM private key block, raw or base64-encoded (a kubeconfig's client-key-data), is replaced by
// a marker whatever the caller passed, so a key that slipped past its owner never reaches disk.

import { mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { redactor } from '../core/redact.js';

export interface EvidenceFile {
  readonly name: string;
  readonly path: string;
  readonly sensitive: boolean;
}

/** What replaces a private key found in evidence. */
export const PRIVATE_KEY_MARKER = 'REDACTED: a private key is not kept in evidence';

const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----(?:[\s\S]*?-----END \1PRIVATE KEY-----|[\s\S]*$)/g;
// A base64 run long enough to hold a PEM header ("-----BEGIN ... PRIVATE KEY-----" is 27+ bytes).
const BASE64_RUN = /[A-Za-z0-9+/]{40,}={0,2}/g;
const DECODED_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/** The text with every PEM private key (raw or base64-encoded) replaced by a marker, and how many there were. */
export function withoutPrivateKeys(text: string): { text: string; removed: number } {
  let removed = 0;
  let out = text.replace(PEM_PRIVATE_KEY, () => {
    removed++;
    return PRIVATE_KEY_MARKER;
  });
  if (out.length >= 40) {
    out = out.replace(BASE64_RUN, (run) => {
      if (!DECODED_KEY.test(Buffer.from(run, 'base64').toString('latin1'))) return run;
      removed++;
      return PRIVATE_KEY_MARKER;
    });
  }
  return { text: out, removed };
}

export class EvidenceStore {
  readonly dir: string;
  readonly files: EvidenceFile[] = [];

  constructor(runDir: string, stepId: string) {
    this.dir = join(runDir, 'evidence', stepId.replace(/[^A-Za-z0-9._-]/g, '_'));
  }

  private target(name: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`evidence name ${JSON.stringify(name)} is not a plain file name`);
    mkdirSync(this.dir, { recursive: true });
    return join(this.dir, name);
  }

  write(name: string, content: string | object): string {
    const text = typeof content === 'string' ? content : JSON.stringify(content, null, 2) + '\n';
    const path = this.target(name);
    writeFileSync(path, withoutPrivateKeys(redactor.redact(text)).text, { mode: 0o644 });
    this.files.push({ name, path, sensitive: false });
    return path;
  }

  writeSensitive(name: string, content: string | Buffer): string {
    const path = this.target(name);
    let data: string | Buffer = content;
    if (typeof content === 'string') data = withoutPrivateKeys(content).text;
    else if (withoutPrivateKeys(content.toString('latin1')).removed > 0) throw new Error(`evidence ${name} holds a private key; evidence keeps none`);
    writeFileSync(path, data, { mode: 0o600 });
    chmodSync(path, 0o600); // an existing file keeps its old mode on write
    this.files.push({ name, path, sensitive: true });
    return path;
  }
}
