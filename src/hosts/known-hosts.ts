// OpenSSH known_hosts matching, so the mgmt VM's host key is verified the way `ssh
// -o StrictHostKeyChecking=yes` would: plain and hashed (|1|salt|hash) host patterns, [host]:port
// for non-22 ports, comma lists, * ? wildcards, ! negation, @revoked. @cert-authority lines are
// not supported (skipped).

import { createHash, createHmac } from 'node:crypto';

export interface KnownHostKey {
  readonly type: string;
  /** The SSH wire-format public key blob. */
  readonly blob: Buffer;
  readonly revoked: boolean;
  readonly line: number;
}

function globToRegExp(glob: string): RegExp {
  const esc = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${esc}$`, 'i');
}

function hashedMatches(pattern: string, host: string): boolean {
  const parts = pattern.split('|'); // ['', '1', salt, hash]
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const mac = createHmac('sha1', Buffer.from(parts[2] ?? '', 'base64')).update(host).digest('base64');
  return mac === parts[3];
}

/** The name ssh looks up: `host` on port 22, `[host]:port` otherwise. */
export function hostEntryName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function patternListMatches(list: string, name: string): boolean {
  let matched = false;
  for (const p of list.split(',')) {
    if (p.startsWith('|')) {
      if (hashedMatches(p, name)) matched = true;
      continue;
    }
    const neg = p.startsWith('!');
    const glob = neg ? p.slice(1) : p;
    if (globToRegExp(glob).test(name)) {
      if (neg) return false;
      matched = true;
    }
  }
  return matched;
}

/** Every key known_hosts holds for host:port. */
export function findHostKeys(text: string, host: string, port: number): KnownHostKey[] {
  const name = hostEntryName(host, port);
  const out: KnownHostKey[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let revoked = false;
    if (fields[0]?.startsWith('@')) {
      const marker = fields.shift();
      if (marker === '@cert-authority') return;
      revoked = marker === '@revoked';
    }
    const [hosts, type, b64] = fields;
    if (!hosts || !type || !b64) return;
    if (!patternListMatches(hosts, name)) return;
    out.push({ type, blob: Buffer.from(b64, 'base64'), revoked, line: i + 1 });
  });
  return out;
}

/** The key type inside a wire-format blob (first string). */
export function blobKeyType(blob: Buffer): string {
  if (blob.length < 4) return '';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:...` as ssh-keygen -l prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Host key algorithms to offer for a known key type (RSA keys sign with SHA-2 first). */
export function algorithmsFor(type: string): string[] {
  return type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];
}

export type HostKeyVerdict =
  | { readonly ok: true; readonly fingerprint: string; readonly line: number }
  | { readonly ok: false; readonly reason: 'unknown' | 'mismatch' | 'revoked'; readonly fingerprint: string };

export function verifyHostKey(known: readonly KnownHostKey[], presented: Buffer): HostKeyVerdict {
  const fp = fingerprint(presented);
  if (known.some((k) => k.revoked && k.blob.equals(presented))) return { ok: false, reason: 'revoked', fingerprint: fp };
  const hit = known.find((k) => !k.revoked && k.blob.equals(presented));
  if (hit) return { ok: true, fingerprint: fp, line: hit.line };
  return { ok: false, reason: known.some((k) => !k.revoked) ? 'mismatch' : 'unknown', fingerprint: fp };
}
