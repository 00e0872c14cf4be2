// The workload kubeconfig in the evidence keeps the cluster, the CA and the client certificate,
// not the client key: that key is the cluster admin's credential. The usable text stays in this
// process's memory, keyed by the evidence path, so the steps of one run share one key; a resumed
// run (a new process) finds the file without its key and asks Magnum for a new one.

import { existsSync, readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

export const CLIENT_KEY_MARKER = 'REDACTED: the client key is not kept';

const live = new Map<string, string>();

/** The kubeconfig text with every user's client-key-data / client-key replaced by the marker. */
export function withoutClientKey(text: string): string {
  const doc = parse(text) as { users?: { user?: Record<string, unknown> }[] } | null;
  for (const u of doc?.users ?? []) {
    for (const k of ['client-key-data', 'client-key']) if (u.user && k in u.user) u.user[k] = CLIENT_KEY_MARKER;
  }
  return stringify(doc);
}

/** Keeps the usable text of the key-less file at `path` for this process. */
export function keepUsableKubeconfig(path: string, text: string): void {
  live.set(path, text);
}

/** The usable text of `path` when this process wrote it without its key. */
export function keptKubeconfig(path: string): string | undefined {
  return live.get(path);
}

/** Whether `path` can give a client: the kept text, or a file that is not a key-less evidence copy. */
export function kubeconfigUsable(path: string): boolean {
  if (live.has(path)) return true;
  if (!existsSync(path)) return false;
  return !readFileSync(path, 'utf8').includes(CLIENT_KEY_MARKER);
}
