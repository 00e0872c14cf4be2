// src/hosts: what the jumphost itself talks to -- juju, Vault, the core VIPs, the mgmt VM over
// SSH, libvirt, the image CDN. Imports core and site only.

import { homedir } from 'node:os';
import type { LoadedSite } from '../site/load.js';
import type { CommandRunner } from './exec.js';
import { runCommand } from './exec.js';
import type { TlsTrust } from './http-get.js';
import { readTrust, withSystemRoots } from './http-get.js';
import type { ImageStore } from './image-store.js';
import type { StagedImage, DownloadProgress } from './image-download.js';
import { stageImage } from './image-download.js';
import type { JujuClient } from './juju.js';
import { createJujuClient } from './juju.js';
import type { LibvirtClient } from './libvirt.js';
import { createLibvirtClient } from './libvirt.js';
import type { VipProber } from './probes.js';
import { createVipProber } from './probes.js';
import type { MgmtVmClient } from './ssh.js';
import { createMgmtVmClient } from './ssh.js';
import type { VaultClient } from './vault.js';
import { createVaultClient } from './vault.js';

export interface ImageStager {
  /** Downloads (or reuses) and verifies the site image; throws on a sha512 mismatch. */
  stage(signal: AbortSignal, onProgress?: (p: DownloadProgress) => void): Promise<StagedImage>;
}

export interface HostServices {
  readonly juju: JujuClient;
  readonly vault: VaultClient;
  readonly vips: VipProber;
  readonly mgmtVm: MgmtVmClient;
  readonly libvirt: LibvirtClient;
  readonly imageStager: ImageStager;
  /** Glance for stage-and-verify; absent until the integrator wires it (the step then reports ERROR). */
  readonly imageStore: ImageStore | undefined;
}

export interface HostServicesOptions {
  readonly imageStore?: ImageStore;
  /** Tests inject a fake runner; production uses execFile. */
  readonly run?: CommandRunner;
  /** Budget of one juju / virsh call (default 2 minutes: juju status on a big model is slow). */
  readonly commandTimeoutMs?: number;
}

export function createHostServices(loaded: LoadedSite, env: NodeJS.ProcessEnv, options: HostServicesOptions = {}): HostServices {
  const site = loaded.site;
  const run = options.run ?? runCommand;
  const commandTimeoutMs = options.commandTimeoutMs ?? 120_000;
  const probeMs = loaded.deadlinesMs.probe;
  // Read lazily: a missing bundle fails the checks that need it, not the whole run.
  let trust: TlsTrust | undefined;
  const siteTrust = (): TlsTrust => (trust ??= readTrust(site.tls.caBundle, site.tls.insecure));
  return {
    juju: createJujuClient({ binary: site.juju.binary, model: site.juju.model, computeApplication: site.juju.computeApplication, run, env, timeoutMs: commandTimeoutMs }),
    vault: createVaultClient({ units: site.vault.units, trust: siteTrust, timeoutMs: probeMs }),
    vips: createVipProber({ vips: site.coreVips, outOfScope: site.outOfScopeEndpoints, trust: siteTrust, timeoutMs: probeMs }),
    mgmtVm: createMgmtVmClient({
      settings: site.mgmtVm,
      env,
      probeTimeoutMs: probeMs,
      // SSH handshake budget: three probe deadlines (a cold VM answers slowly).
      connectTimeoutMs: probeMs * 3,
    }),
    libvirt: createLibvirtClient({ virsh: site.hypervisor.virsh, uri: site.hypervisor.libvirtUri, run, env, timeoutMs: commandTimeoutMs }),
    imageStager: {
      stage: (signal, onProgress) =>
        stageImage(
          {
            url: site.image.url,
            sha512: site.image.sha512,
            dir: site.image.stageDir === '~' ? homedir() : site.image.stageDir,
            // The CDN is public; a site mirror may be signed by the site CA, so both are trusted.
            trust: site.tls.caBundle ? withSystemRoots(readTrust(site.tls.caBundle, false)) : { ca: undefined, insecure: false },
            headTimeoutMs: 60_000,
            idleTimeoutMs: 120_000,
            ...(onProgress ? { onProgress } : {}),
          },
          signal,
        ),
    },
    imageStore: options.imageStore,
  };
}

export { runCommand, lastErrorLine } from './exec.js';
export type { CommandRunner, CommandResult, CommandOptions } from './exec.js';
export { parseJujuStatus, charmProblems, shortFormat, parseReservedMemory, NOVA_DEFAULT_RESERVED_MB, RESERVED_MEMORY_COMMAND, createJujuClient } from './juju.js';
export type { JujuClient, JujuStatus, JujuApplication, JujuUnit, CharmProblem, ReservedMemory } from './juju.js';
export { createVaultClient, sealStatusUrl } from './vault.js';
export type { VaultClient, VaultUnitResult, SealStatus } from './vault.js';
export { createVipProber, isPassingStatus } from './probes.js';
export type { VipProber, VipProbe, VipProbeReport, OutOfScope } from './probes.js';
export { createMgmtVmClient, probeCommand, interpretProbe, parseHostPort } from './ssh.js';
export type { MgmtVmClient, MgmtVmSettings, VipFromVmResult } from './ssh.js';
export { parseEnvAssignment, readFip } from './env-file.js';
export { findHostKeys, verifyHostKey, fingerprint, hostEntryName } from './known-hosts.js';
export { createLibvirtClient, hasSnapshot, parseSnapshotNames } from './libvirt.js';
export type { LibvirtClient, DomainSnapshots } from './libvirt.js';
export { stageImage, sha512OfFile, DOWNLOAD_USER_AGENT, stagedFileName, parseContentRange } from './image-download.js';
export type { StagedImage, DownloadProgress, StageImageOptions } from './image-download.js';
export type { ImageStore, StoredImage, NewImage } from './image-store.js';
export { readTrust, httpGet, describeNetError } from './http-get.js';
export type { TlsTrust } from './http-get.js';
