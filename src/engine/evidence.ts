// Evidence per step under runs/<id>/evidence/<step>/. Ordinary evidence is redacted before it is
// written; sensitive files (kubeconfigs, keys) are written as they are, mode 0600.

import { mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { redactor } from '../core/redact.js';

export interface EvidenceFile {
  readonly name: string;
  readonly path: string;
  readonly sensitive: boolean;
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
    writeFileSync(path, redactor.redact(text), { mode: 0o644 });
    this.files.push({ name, path, sensitive: false });
    return path;
  }

  writeSensitive(name: string, content: string | Buffer): string {
    const path = this.target(name);
    writeFileSync(path, content, { mode: 0o600 });
    chmodSync(path, 0o600); // an existing file keeps its old mode on write
    this.files.push({ name, path, sensitive: true });
    return path;
  }
}
