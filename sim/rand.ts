// Seeded randomness for ids and names (so a scenario replays the same world), and real
// randomness for secrets (passwords, tokens, app-cred secrets are never predictable).

import { randomBytes } from 'node:crypto';

export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = (seed >>> 0) || 0x9e3779b9;
  }

  /** mulberry32: a float in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(minInclusive: number, maxInclusive: number): number {
    return minInclusive + Math.floor(this.next() * (maxInclusive - minInclusive + 1));
  }

  hex(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += Math.floor(this.next() * 16).toString(16);
    return out;
  }

  /** A version-4 UUID built from the seeded stream. */
  uuid(): string {
    const h = this.hex(32).split('');
    h[12] = '4';
    h[16] = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
    const s = h.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }

  /** Lowercase letters and digits, as CAPI and Kubernetes name suffixes. */
  suffix(n: number): string {
    const abc = 'bcdfghjklmnpqrstvwxz2456789';
    let out = '';
    for (let i = 0; i < n; i++) out += abc[Math.floor(this.next() * abc.length)] ?? 'x';
    return out;
  }
}

/** A random seed in 1..2^31-1 for a run that was given none. */
export function freshSeed(): number {
  return (randomBytes(4).readUInt32BE(0) % 0x7ffffffe) + 1;
}

/** A secret: urlsafe base64 without padding, as Keystone generates app-cred secrets. */
export function secret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/** An alphanumeric password (safe inside shell files and cmd2-parsed batches). */
export function password(length = 20): string {
  const abc = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const b = randomBytes(length);
  let out = '';
  for (const x of b) out += abc[x % abc.length] ?? 'x';
  return out;
}

export const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}
