// Test support: the simulated cloud in this process (time scale 0.001), its site file loaded, and
// OpenStack clients connected to it; every client closed and the simulator stopped afterwards.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim } from '../../sim/index.js';
import type { SimHandle } from '../../sim/index.js';
import { connectOpenStack } from '../openstack/index.js';
import type { OpenStack } from '../openstack/index.js';
import { loadSite } from '../site/load.js';
import type { LoadedSite } from '../site/load.js';

export interface InProcessSim {
  readonly sim: SimHandle;
  readonly site: LoadedSite;
  /** A fresh OpenStack client of the site (closed when the body ends). */
  connect(): Promise<OpenStack>;
}

export async function withInProcessSim(prefix: string, body: (s: InProcessSim) => Promise<void>): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), prefix));
  const sim = await startSim({ outDir: out, timeScale: 0.001 });
  const conns: OpenStack[] = [];
  const signal = AbortSignal.timeout(60_000);
  try {
    const site = loadSite(join(out, 'site.yaml'));
    const search = { cwd: out, homeDir: out, systemDir: out };
    await body({
      sim,
      site,
      async connect() {
        const os = await connectOpenStack({ site: site.site, env: {}, signal, search });
        conns.push(os);
        return os;
      },
    });
  } finally {
    for (const os of conns) await os.close().catch(() => undefined);
    await sim.close();
    rmSync(out, { recursive: true, force: true });
  }
}
