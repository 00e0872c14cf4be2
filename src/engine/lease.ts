// A lease on a site: the lock that keeps two canaries from running the acceptance against one
// site at once, kept as a file in the runs directory. It survives a crash by expiring: the holder
// renews it while it runs; a holder that was killed stops renewing, and its lease is taken over
// once it has expired (at once when the holder was a process of this host that is gone). Taking
// it is atomic: a new lease is linked into place (link(2) fails when the name exists), an expired
// one is first renamed away (one rename wins).

import { hostname } from 'node:os';
import { join } from 'node:path';
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

export interface LeaseHolder {
  readonly id: string;
  readonly site: string;
  readonly pid: number;
  readonly host: string;
  readonly acquiredAt: number;
  readonly renewedAt: number;
  readonly expiresAt: number;
  /** When the holder's process started (Linux: /proc/PID/stat), so a reused pid is not taken for it. */
  readonly procStart?: string;
}

export type LeaseAttempt =
  | { readonly ok: true; readonly tookOver?: LeaseHolder }
  | { readonly ok: false; readonly holder: LeaseHolder };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The start time of a process (clock ticks since boot, /proc/PID/stat field 22); undefined off Linux or when it is gone. */
function procStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function read(path: string): LeaseHolder | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<LeaseHolder>;
    if (typeof v.id !== 'string' || typeof v.expiresAt !== 'number' || typeof v.pid !== 'number' || typeof v.host !== 'string') return undefined;
    return v as LeaseHolder;
  } catch {
    return undefined;
  }
}

const MY_START = procStart(process.pid);

export class SiteLease {
  readonly path: string;
  readonly id = randomBytes(6).toString('hex');
  private readonly host = hostname();
  private acquiredAt = 0;

  constructor(dir: string, readonly site: string, readonly ttlMs: number) {
    this.path = join(dir, `.canary-lease-${site}.json`);
  }

  /** The current holder, if any (expired or not). */
  holder(): LeaseHolder | undefined {
    return read(this.path);
  }

  /** Why a holder no longer holds: its lease expired, or its process on this host is gone; undefined while it holds. */
  staleReason(h: LeaseHolder, now: number): string | undefined {
    if (now >= h.expiresAt) return `its lease expired at ${new Date(h.expiresAt).toISOString()}`;
    // On this host a holder whose process is gone (or whose pid another process has since, as
    // pid 1 in a restarted container) holds nothing.
    if (h.host === this.host && h.id !== this.id && (!alive(h.pid) || (h.procStart !== undefined && procStart(h.pid) !== h.procStart))) return `its process ${h.pid} on ${h.host} is gone`;
    return undefined;
  }

  private write(now: number): string {
    const tmp = `${this.path}.${this.id}.tmp`;
    const me: LeaseHolder = { id: this.id, site: this.site, pid: process.pid, host: this.host, acquiredAt: this.acquiredAt || now, renewedAt: now, expiresAt: now + this.ttlMs, ...(MY_START ? { procStart: MY_START } : {}) };
    writeFileSync(tmp, JSON.stringify(me) + '\n', { mode: 0o600 });
    return tmp;
  }

  /** Takes the lease if it is free or its holder is stale; otherwise says who holds it. */
  tryAcquire(now: number): LeaseAttempt {
    let tookOver: LeaseHolder | undefined;
    for (let i = 0; i < 5; i++) {
      this.acquiredAt = now;
      const tmp = this.write(now);
      try {
        linkSync(tmp, this.path);
        return { ok: true, ...(tookOver ? { tookOver } : {}) };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      } finally {
        rmSync(tmp, { force: true });
      }
      const h = read(this.path);
      if (h && !this.staleReason(h, now)) return { ok: false, holder: h };
      // Stale (or unreadable): rename it away; only one contender's rename finds it.
      const aside = `${this.path}.stale.${this.id}`;
      try {
        renameSync(this.path, aside);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      const moved = read(aside);
      if (h && moved && moved.id !== h.id) {
        // Another contender replaced it in between: put its fresh lease back and give way.
        try {
          linkSync(aside, this.path);
        } catch {
          // it is gone or replaced again; the next attempt reads what is there
        }
        rmSync(aside, { force: true });
        continue;
      }
      rmSync(aside, { force: true });
      if (h) tookOver = h;
    }
    // Contended on every attempt: give way this time; the caller tries again.
    const h = read(this.path);
    return { ok: false, holder: h ?? { id: 'unknown', site: this.site, pid: 0, host: 'unknown', acquiredAt: now, renewedAt: now, expiresAt: now } };
  }

  /** Extends the lease; false when it is no longer this process's (it expired and was taken). */
  renew(now: number): boolean {
    const h = read(this.path);
    if (!h || h.id !== this.id) return false;
    renameSync(this.write(now), this.path);
    return true;
  }

  /** Gives the lease up (only when it is still this process's). */
  release(): void {
    const h = read(this.path);
    if (h?.id === this.id) rmSync(this.path, { force: true });
  }
}
