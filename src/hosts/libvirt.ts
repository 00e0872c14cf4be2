// D-011.7 (D-012): the KVM snapshot baseline on the jumphost hypervisor, read with
// `virsh -c URI snapshot-list DOMAIN --name` per domain (one name per line).

import { CapiGateError } from '../core/errors.js';
import type { CommandRunner } from './exec.js';
import { lastErrorLine } from './exec.js';

export type DomainSnapshots =
  | { readonly domain: string; readonly ok: true; readonly snapshots: readonly string[] }
  | { readonly domain: string; readonly ok: false; readonly error: string };

export interface LibvirtClient {
  readonly uri: string;
  snapshots(domains: readonly string[], signal: AbortSignal): Promise<DomainSnapshots[]>;
}

export function parseSnapshotNames(stdout: string): string[] {
  return stdout.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
}

/**
 * Whether a domain holds the named snapshot: the exact name, or the name followed by '-' and a
 * label (snapshot-1 matches snapshot-1-post-deploy, never snapshot-10).
 */
export function hasSnapshot(names: readonly string[], wanted: string): string | undefined {
  return names.find((n) => n === wanted) ?? names.find((n) => n.startsWith(`${wanted}-`));
}

export function createLibvirtClient(o: { virsh: string; uri: string; run: CommandRunner; env: NodeJS.ProcessEnv; timeoutMs: number }): LibvirtClient {
  return {
    uri: o.uri,
    snapshots(domains, signal) {
      return Promise.all(
        domains.map(async (domain): Promise<DomainSnapshots> => {
          try {
            const r = await o.run(o.virsh, ['-c', o.uri, 'snapshot-list', domain, '--name'], { env: o.env, timeoutMs: o.timeoutMs }, signal);
            if (r.code !== 0) return { domain, ok: false, error: `virsh snapshot-list ${domain} exited ${r.code}: ${lastErrorLine(r.stderr) || '(no message)'}` };
            return { domain, ok: true, snapshots: parseSnapshotNames(r.stdout) };
          } catch (e) {
            if (signal.aborted || (e instanceof CapiGateError && e.code === 'CAPI_GATE_TRANSPORT')) throw e;
            return { domain, ok: false, error: e instanceof Error ? e.message : String(e) };
          }
        }),
      );
    },
  };
}
