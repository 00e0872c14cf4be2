// `capi-gate init --check`: the site file against what the cloud shows now, one line per
// difference. Only facts are compared (choices are the operator's; local paths and the clouds
// are what the check itself used).

import type { Draft, Entry } from './rules.js';

const NOT_COMPARED = new Set(['site', 'openstack.clouds.admin', 'openstack.clouds.tenant', 'openstack.cloudsFile', 'juju.binary', 'mgmtVm.fipEnvFile', 'mgmtVm.sshKey',
  'mgmtVm.knownHosts', 'tls.caBundle', 'managementCluster.kubeconfig', 'image.sha512', 'image.url', 'template.masterLbEnabled']);

export interface Drift {
  readonly path: string;
  readonly message: string;
}

function at(obj: unknown, path: readonly (string | number)[]): unknown {
  let cur = obj;
  for (const k of path) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[k] : undefined;
  return cur;
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function compareEntry(site: unknown, e: Entry): Drift[] {
  const key = e.path.join('.');
  const have = at(site, e.path);
  const want = e.value;
  if (key === 'coreVips' && Array.isArray(want)) {
    const siteVips = new Map((Array.isArray(have) ? have : []).map((v: { name?: string; url?: string }) => [String(v.name), String(v.url)]));
    const out: Drift[] = [];
    for (const v of want as { name: string; url: string }[]) {
      const s = siteVips.get(v.name);
      if (s === undefined) out.push({ path: key, message: `VIP ${v.name} ${v.url} is not in the site file (${e.from})` });
      else if (s.replace(/\/$/, '') !== v.url.replace(/\/$/, '')) out.push({ path: key, message: `VIP ${v.name} moved: the site has ${s}, juju now ${v.url}` });
      siteVips.delete(v.name);
    }
    for (const [name, url] of siteVips) out.push({ path: key, message: `VIP ${name} ${url} is in the site file but juju shows no such VIP` });
    return out;
  }
  if (Array.isArray(want) && want.every((x) => typeof x === 'string')) {
    const s = new Set((Array.isArray(have) ? have : []).map(String));
    const w = new Set(want as string[]);
    const added = [...w].filter((x) => !s.has(x));
    const removed = [...s].filter((x) => !w.has(x));
    const what = key === 'vault.units' ? 'Vault unit' : key === 'hypervisor.domains' ? 'domain' : 'value';
    return [
      ...added.map((x) => ({ path: key, message: `a ${what} was added: ${x} (${e.from})` })),
      ...removed.map((x) => ({ path: key, message: `a ${what} is gone: ${x} is in the site file, not in the cloud` })),
    ];
  }
  if (JSON.stringify(have) === JSON.stringify(want)) return [];
  if (key === 'image.name') return [{ path: key, message: `the site names image ${show(have)}; the cloud's newest image with kube_version is ${show(want)} (${e.from})` }];
  return [{ path: key, message: `the site has ${have === undefined ? '(nothing)' : show(have)}; the cloud shows ${show(want)} (${e.from})` }];
}

/** Differences between the site file (as parsed YAML) and a fresh draft; what the cloud cannot show now (a TODO) is not compared. */
export function drift(site: unknown, draft: Draft): { compared: number; drifts: Drift[] } {
  let compared = 0;
  const drifts: Drift[] = [];
  for (const e of draft.entries) {
    const key = e.path.join('.');
    if (NOT_COMPARED.has(key) || e.kind === 'choice') continue;
    if (e.kind === 'todo') continue;
    compared++;
    drifts.push(...compareEntry(site, e));
  }
  return { compared, drifts };
}
