// Shared CLI plumbing: version, runs directory, site loading, services.

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Phase08Services } from '../phase08/index.js';
import type { LoadedSite } from '../site/load.js';
import { realClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { connectOpenStack } from '../openstack/index.js';
import { createHostServices } from '../hosts/index.js';
import type { OpenStack } from '../openstack/index.js';

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function version(): string {
  try {
    return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export function runsDir(opt: string | undefined): string {
  return resolve(opt ?? process.env.CAPI_GATE_RUNS_DIR ?? 'runs');
}

export interface BuiltServices {
  readonly services: Phase08Services;
  close(): Promise<void>;
}

/** The real clients, each connected lazily and once; a failed connect is retried on the next use. */
export function buildServices(site: LoadedSite, env: NodeJS.ProcessEnv, clock: Clock = realClock): BuiltServices {
  let os: Promise<OpenStack> | undefined;
  const services: Phase08Services = {
    env,
    hosts: createHostServices(site, env),
    openstack: (signal) => {
      if (!os) {
        os = connectOpenStack({ site: site.site, env, clock, signal });
        os.catch(() => {
          os = undefined;
        });
      }
      return os;
    },
  };
  return {
    services,
    close: async () => {
      const o = await os?.catch(() => undefined);
      await o?.close();
    },
  };
}
