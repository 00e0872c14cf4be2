// `capi-gate sim --keystone URL --glance URL`: the hybrid site. The simulated Magnum, Octavia,
// Nova and Neutron register in the REAL Keystone's catalog and validate tokens against it; images
// live in the real Glance. The real accounts come from a clouds.yaml (--real-clouds, default the
// one scripts/real-openstack.sh writes) with clouds real-admin and real-tenant.

import { readFileSync } from 'node:fs';
import { ensureDir } from '../engine/index.js';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { CapiGateError } from '../core/errors.js';
import { redactor } from '../core/redact.js';
import { startHybrid } from '../../sim/hybrid/index.js';
import type { RealAccount } from '../../sim/hybrid/index.js';
import type { Out } from './output.js';
import { waitForStop } from './wait-for-stop.js';

export interface HybridCommandOptions {
  readonly out: string;
  readonly keystone: string;
  readonly glance: string;
  readonly realClouds?: string;
  readonly timeScale: number;
}

function account(file: string, clouds: Record<string, { auth?: Record<string, string> }>, name: string): RealAccount {
  const a = clouds[name]?.auth;
  if (!a?.username || !a.password) {
    throw new CapiGateError('CAPI_GATE_CREDENTIALS', `${file}: cloud ${name} has no username/password`, { hint: 'bash scripts/real-openstack.sh ensure writes real-admin and real-tenant.' });
  }
  redactor.add(a.password);
  return {
    username: a.username,
    password: a.password,
    userDomainName: a['user_domain_name'] ?? 'Default',
    projectName: a['project_name'] ?? '',
    projectDomainName: a['project_domain_name'] ?? 'Default',
  };
}

export async function hybridCommand(out: Out, o: HybridCommandOptions): Promise<number> {
  for (const [flag, url] of [['--keystone', o.keystone], ['--glance', o.glance]] as const) {
    let host = '';
    try {
      host = new URL(url).hostname;
    } catch {
      throw new CapiGateError('CAPI_GATE_USAGE', `${flag} is not a URL: ${JSON.stringify(url)}`);
    }
    if (!(host.startsWith('127.') || host === 'localhost' || host === '[::1]')) {
      throw new CapiGateError('CAPI_GATE_USAGE', `${flag} ${url} is not a loopback address`, { hint: 'The hybrid site talks to a real Keystone/Glance on this machine only (bash scripts/real-openstack.sh ensure).' });
    }
  }
  const file = resolve(o.realClouds ?? join(process.env['REAL_OPENSTACK_DIR'] ?? '/tmp/capi-gate-real-openstack', 'clouds.yaml'));
  let clouds: Record<string, { auth?: Record<string, string> }>;
  try {
    clouds = ((parse(readFileSync(file, 'utf8')) ?? {}) as { clouds?: typeof clouds }).clouds ?? {};
  } catch (e) {
    throw new CapiGateError('CAPI_GATE_CREDENTIALS', `cannot read ${file}: ${(e as Error).message.split('\n')[0]}`, { hint: 'Pass --real-clouds FILE, or run bash scripts/real-openstack.sh ensure.' });
  }
  const outDir = resolve(o.out);
  ensureDir(outDir, { name: 'the --out directory', hint: 'Pass --out a directory this user can write (it is made if missing).' });
  const h = await startHybrid({ keystone: o.keystone, glance: o.glance, admin: account(file, clouds, 'real-admin'), tenant: account(file, clouds, 'real-tenant'), outDir, timeScale: o.timeScale });
  out.line(`keystone ${h.urls.keystone} (real)`);
  out.line(`glance   ${h.urls.glance} (real)`);
  out.line(`magnum   ${h.urls.magnum} (simulated, in the real catalog)`);
  if (h.files) out.line(`site     ${h.files.site}`);
  out.line('ready');
  await waitForStop();
  await h.close();
  out.line('stopped');
  return 0;
}
