// The host side of the simulated site (issue 5): a `juju` stand-in, Vault units, the core VIPs,
// the tenant mgmt VM over SSH, the image CDN and the jumphost hypervisor -- every site address
// mapped into 127.0.0.0/8 (10.12.4.50 -> 127.12.4.50) and everything bound to loopback only.
// startHostSims() writes what the site file needs into outDir and returns `siteOverlay`: the
// site-file keys to merge over the simulated site (image, coreVips, outOfScopeEndpoints, tls,
// vault, juju, reservedHostMemoryMb, mgmtVm, hypervisor).

import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import type { Site, SiteInput } from '../../src/site/schema.js';
import { toLoopback } from '../loopback.js';
import type { SimCdn } from './cdn.js';
import { startCdn } from './cdn.js';
import type { JujuStandIn, JujuState } from './juju.js';
import { buildJujuState, novaConf, writeJujuStandIn } from './juju.js';
import type { HypervisorState } from './libvirt.js';
import { writeHypervisor } from './libvirt.js';
import type { SimMgmtVm } from './mgmt-vm.js';
import { startMgmtVm } from './mgmt-vm.js';
import type { HostScenario, HostScenarioInput } from './scenario.js';
import { loadHostScenario } from './scenario.js';
import { createSimPki } from './tls.js';
import type { SimVaultUnit } from './vault.js';
import { VaultCluster, startVaultUnit } from './vault.js';
import type { SimVip } from './vips.js';
import { startVip } from './vips.js';

export interface HostSimOptions {
  /** The site being simulated, with its real addresses (10.12.4.50 ...). */
  readonly site: Site;
  /** Where the CA bundle, keys, known_hosts, env file, bin/juju, juju state and the libvirt file go. */
  readonly outDir: string;
  /** A scenario name (sim/hosts/scenarios/NAME.json), a path, or an inline scenario. */
  readonly scenario?: string | HostScenarioInput;
  /** Snapshot 2 taken on every domain (the verdict can reach ACCEPTED). Overrides the scenario. */
  readonly snapshot2?: boolean;
  /** Maps a site IPv4 into loopback; default 10.a.b.c -> 127.a.b.c. */
  readonly mapAddress?: (ip: string) => string;
  /** The mgmt VM's FIP on the real site (per rebuild, DOCFIX-038); default 10.12.7.41. */
  readonly mgmtFip?: string;
  /** SSH port of the mgmt VM; default the site's (22); a busy port falls back to a free one. */
  readonly sshPort?: number;
  /** The image CDN's (real-site) address and port; default 10.12.9.80:443. */
  readonly cdnAddress?: string;
  readonly cdnPort?: number;
  /** Size of the generated image blob; default 3 MiB. */
  readonly imageBytes?: number;
  /** Start the core VIP listeners (default true). */
  readonly vips?: boolean;
}

export interface HostSimFiles {
  readonly caBundle: string;
  readonly jujuBinary: string;
  readonly jujuState: string;
  readonly fipEnvFile: string;
  readonly sshKey: string;
  readonly knownHosts: string;
  readonly libvirtXml: string;
  readonly stageDir: string;
}

export interface HostSimHandle {
  readonly scenario: HostScenario;
  /** Site-file keys (SiteInput shape) to merge over the simulated site. */
  readonly siteOverlay: Pick<SiteInput, 'image' | 'coreVips' | 'outOfScopeEndpoints' | 'tls' | 'vault' | 'juju' | 'reservedHostMemoryMb' | 'mgmtVm' | 'hypervisor'>;
  readonly files: HostSimFiles;
  /** Prepend to PATH so a plain `juju` finds the stand-in. */
  readonly binDir: string;
  readonly vips: ReadonlyMap<string, SimVip>;
  readonly vault: readonly SimVaultUnit[];
  readonly mgmtVm: SimMgmtVm;
  readonly cdn: SimCdn;
  readonly juju: JujuStandIn;
  /** What the simulated OpenStack should do (startSim({ image })). */
  readonly openstack: { readonly image: boolean | undefined };
  setVaultSealed(index: number, sealed: boolean): void;
  setVipUp(name: string, up: boolean): Promise<void>;
  setMgmtVmUp(up: boolean): Promise<void>;
  setSnapshot2(taken: boolean): void;
  setReservedMemory(unit: string, mb: number | null): void;
  setUnitStatus(unit: string, workload: string, message: string, agent?: string): void;
  close(): Promise<void>;
}

/**
 * The vault charm's unit status follows its Vault: blocked "Unit is sealed", or ready with
 * `active: true` on the active node and `active: false` on the standbys; `vault status` on each
 * unit shows the same. Units a scenario overrides keep the scenario's status.
 */
function syncVault(s: JujuState, cluster: VaultCluster, scenario?: HostScenario): void {
  const app = s.applications['vault'];
  if (!app?.units) return;
  s.vault = {};
  for (const [i] of cluster.members.entries()) {
    const name = `vault/${i}`;
    const u = app.units[name];
    const v = cluster.view(i);
    s.vault[name] = v;
    if (!u || scenario?.juju.units[name]) continue;
    u['workload-status'] = v.sealed
      ? { current: 'blocked', message: 'Unit is sealed', since: u['workload-status'].since }
      : { current: 'active', message: `Unit is ready (active: ${v.active}, mlock: disabled)`, since: u['workload-status'].since };
  }
  const worst = Object.values(app.units).map((u) => u['workload-status']).sort((x, y) => (x.current === 'active' ? 1 : 0) - (y.current === 'active' ? 1 : 0))[0];
  if (worst) app['application-status'] = { current: worst.current, ...(worst.message ? { message: worst.message } : {}), since: app['application-status'].since };
}

function mapUrl(url: string, map: (ip: string) => string): string {
  const u = new URL(url);
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(u.hostname)) u.hostname = map(u.hostname);
  return u.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
}

/**
 * OUT/bin/virsh: the jumphost's virsh, whose default connection is its hypervisor (here the
 * simulated one): real virsh with LIBVIRT_DEFAULT_URI set, so `virsh uri` and `virsh list --all`
 * answer what they would on the jumphost. Nothing is written when virsh is not installed.
 */
function writeVirshStandIn(binDir: string, uri: string): void {
  const real = (process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '' && resolve(d) !== resolve(binDir)).map((d) => join(d, 'virsh')).find((f) => existsSync(f));
  if (!real) return;
  mkdirSync(binDir, { recursive: true });
  const q = (x: string): string => `'${x.replace(/'/g, `'\\''`)}'`;
  const file = join(binDir, 'virsh');
  writeFileSync(file, `#!/bin/sh\n# capi-gate simulated jumphost (sim/hosts/index.ts): virsh whose default connection is the simulated hypervisor.\nLIBVIRT_DEFAULT_URI="\${LIBVIRT_DEFAULT_URI:-${uri}}" LIBVIRT_LOG_OUTPUTS="\${LIBVIRT_LOG_OUTPUTS:-4:stderr}" exec ${q(real)} "$@"\n`);
  chmodSync(file, 0o755);
}

export async function startHostSims(opts: HostSimOptions): Promise<HostSimHandle> {
  const site = opts.site;
  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  const map = opts.mapAddress ?? toLoopback;
  const scenario = loadHostScenario(opts.scenario);
  const closers: (() => Promise<void>)[] = [];
  try {
    const coreVips = site.coreVips.map((v) => ({ name: v.name, url: mapUrl(v.url, map) }));
    const vaultUrls = site.vault.units.map((u) => mapUrl(u, map));
    const cdnHost = map(opts.cdnAddress ?? '10.12.9.80');
    const fipReal = opts.mgmtFip ?? '10.12.7.41';
    const fip = map(fipReal);
    const ips = [...new Set([...coreVips, ...vaultUrls.map((url) => ({ url }))].map((x) => new URL(x.url).hostname).concat(cdnHost))];
    const pki = await createSimPki(ips, ['localhost']);
    const caBundle = join(outDir, 'ca.pem');
    writeFileSync(caBundle, pki.caPem);

    // Core VIPs: one listener per address:port.
    const vips = new Map<string, SimVip>();
    if (opts.vips !== false) {
      const seen = new Set<string>();
      for (const v of coreVips) {
        const key = new URL(v.url).host;
        if (seen.has(key)) continue;
        seen.add(key);
        const vip = await startVip(v.name, v.url, pki);
        closers.push(() => vip.close());
        vips.set(v.name, vip);
        if (scenario.vips.down.includes(v.name)) await vip.setUp(false);
      }
      for (const d of scenario.vips.down) if (!vips.has(d)) throw new Error(`host scenario ${scenario.name}: no core VIP named ${d}`);
    }

    // Vault units: one HA cluster.
    const sealed = new Set(scenario.vault.sealed);
    const vault: SimVaultUnit[] = [];
    const vaultCluster = new VaultCluster();
    for (const [i, url] of vaultUrls.entries()) {
      const u = new URL(url);
      const unit = await startVaultUnit(u.hostname, Number(u.port || 8200), pki, { sealed: sealed.has(i), progress: scenario.vault.progress, initialized: true }, vaultCluster);
      closers.push(() => unit.close());
      vault.push(unit);
    }

    // juju.
    const jujuState = buildJujuState(site, scenario, map);
    syncVault(jujuState, vaultCluster, scenario);
    const juju = writeJujuStandIn(outDir, jujuState, { computeApplication: site.juju.computeApplication });

    // The mgmt VM.
    const mgmtVm = await startMgmtVm({ host: fip, port: opts.sshPort ?? site.mgmtVm.sshPort, user: site.mgmtVm.user, vmName: site.mgmtVm.name, outDir });
    closers.push(() => mgmtVm.close());
    if (!scenario.mgmtVm.up) await mgmtVm.setUp(false);
    const fipEnvFile = join(outDir, 'capi-mgmt-net.env');
    writeFileSync(fipEnvFile, `# written by the network phase: the mgmt VM FIP for this rebuild (DOCFIX-038)\nexport ${site.mgmtVm.fipVariable}=${fip}\n`);

    // The image CDN.
    const fileName = new URL(site.image.url).pathname.split('/').pop() || `${site.image.name}.qcow2`;
    const cdn = await startCdn({
      host: cdnHost, port: opts.cdnPort ?? 443, pki, fileName, imageName: site.image.name, sizeBytes: opts.imageBytes ?? 3 * 1024 * 1024,
      corrupt: scenario.cdn.corrupt, ...(scenario.cdn.dropAfterBytes !== undefined ? { dropAfterBytes: scenario.cdn.dropAfterBytes } : {}),
    });
    closers.push(() => cdn.close());
    const stageDir = join(outDir, 'stage');
    mkdirSync(stageDir, { recursive: true });

    // The hypervisor.
    const libvirtXml = join(outDir, 'libvirt-node.xml');
    const hv: HypervisorState = {
      domains: [...site.hypervisor.domains], snapshot1: site.hypervisor.snapshot1, snapshot2: site.hypervisor.snapshot2,
      withSnapshot2: opts.snapshot2 ?? scenario.hypervisor.snapshot2, withoutSnapshot1: [...scenario.hypervisor.withoutSnapshot1],
    };
    const libvirtUri = writeHypervisor(libvirtXml, hv);
    writeVirshStandIn(join(outDir, 'bin'), libvirtUri);

    const probe = site.mgmtVm.probe.replace(/^([\d.]+):/, (_m, ip: string) => `${map(ip)}:`);
    const siteOverlay: HostSimHandle['siteOverlay'] = {
      image: { ...site.image, url: cdn.imageUrl, sha512: cdn.sha512, stageDir },
      coreVips,
      outOfScopeEndpoints: site.outOfScopeEndpoints.map((e) => ({ ...e, url: mapUrl(e.url, map) })),
      tls: { caBundle, insecure: false },
      vault: { units: vaultUrls },
      juju: { ...site.juju, binary: juju.binary },
      reservedHostMemoryMb: site.reservedHostMemoryMb,
      mgmtVm: { ...site.mgmtVm, fipEnvFile, sshPort: mgmtVm.port, sshKey: mgmtVm.files.privateKey, knownHosts: mgmtVm.files.knownHosts, probe },
      hypervisor: { ...site.hypervisor, libvirtUri },
    };

    const editJuju = (f: (s: JujuState) => void) => {
      const s = juju.read();
      f(s);
      juju.write(s);
    };
    const files: HostSimFiles = { caBundle, jujuBinary: juju.binary, jujuState: juju.stateFile, fipEnvFile, sshKey: mgmtVm.files.privateKey, knownHosts: mgmtVm.files.knownHosts, libvirtXml, stageDir };
    let closed = false;
    return {
      scenario, siteOverlay, files, binDir: join(outDir, 'bin'), vips, vault, mgmtVm, cdn, juju,
      openstack: { image: scenario.openstack.image },
      setVaultSealed(index, isSealed) {
        const unit = vault[index];
        if (!unit) throw new Error(`no vault unit ${index}`);
        unit.state.sealed = isSealed;
        editJuju((s) => syncVault(s, vaultCluster));
      },
      async setVipUp(name, up) {
        const v = vips.get(name);
        if (!v) throw new Error(`no core VIP named ${name}`);
        await v.setUp(up);
      },
      setMgmtVmUp: (up) => mgmtVm.setUp(up),
      setSnapshot2(taken) {
        hv.withSnapshot2 = taken;
        writeHypervisor(libvirtXml, hv);
      },
      setReservedMemory(unit, mb) {
        editJuju((s) => {
          if (!(unit in s.novaConf)) throw new Error(`no compute unit ${unit}`);
          s.novaConf[unit] = novaConf(mb);
        });
      },
      setUnitStatus(unit, workload, message, agent) {
        editJuju((s) => {
          const app = s.applications[unit.split('/')[0] ?? ''];
          const u = app?.units?.[unit];
          if (!app || !u) throw new Error(`no unit ${unit}`);
          u['workload-status'] = { current: workload, message, since: u['workload-status'].since };
          if (agent) u['juju-status'] = { ...u['juju-status'], current: agent };
          app['application-status'] = { current: workload, message, since: app['application-status'].since };
        });
      },
      async close() {
        if (closed) return;
        closed = true;
        await Promise.all(closers.map((c) => c()));
      },
    };
  } catch (e) {
    await Promise.all(closers.map((c) => c().catch(() => undefined)));
    throw e;
  }
}

export { loadHostScenario, listHostScenarios, hostScenarioSchema } from './scenario.js';
export type { HostScenario, HostScenarioInput } from './scenario.js';
export { isBlockedUserAgent, qcow2Blob } from './cdn.js';
export type { SimCdn, CdnRequest } from './cdn.js';
export type { SimVip } from './vips.js';
export type { SimVaultUnit } from './vault.js';
export type { SimMgmtVm } from './mgmt-vm.js';
export type { JujuStandIn, JujuState } from './juju.js';
