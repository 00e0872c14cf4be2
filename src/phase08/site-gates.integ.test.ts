// The site-gate steps against the host simulator (sim/hosts) in-process: real HTTPS Vault and
// VIP listeners with the sim CA, the juju stand-in executable, the mgmt VM over real SSH (ssh2),
// the CDN. Each scenario asserts the item, its status and its hint. (D-011.7 needs the real virsh:
// see d011-7-snapshots.fidelity.test.ts.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_SITE, exampleSite } from '../../test/helpers.js';
import { startHostSims } from '../../sim/hosts/index.js';
import type { HostSimHandle, HostScenarioInput } from '../../sim/hosts/index.js';
import { writeHostSimSite } from '../../sim/hosts/site-file.js';
import { createHostServices } from '../hosts/index.js';
import type { ImageStore, StoredImage } from '../hosts/index.js';
import { loadSite } from '../site/load.js';
import type { LoadedSite } from '../site/load.js';
import { step as reservedMemory } from './8.0-reserved-memory.js';
import { step as stage } from './8.0-stage-and-verify.js';
import { step as charms } from './d011-1-charms.js';
import { step as coreVips } from './d011-2-core-vips.js';
import { step as tenantVip } from './d011-3-tenant-vip.js';
import { step as vault } from './d011-6-vault.js';
import { runGateSteps, servicesWith } from './site-gates.test-support.js';

// A second octet of our own, so this file never collides with another test file's simulator.
const map = (ip: string) => ip.replace(/^10\.12\./, '127.212.');
const GATES = [reservedMemory, charms, coreVips, tenantVip, vault];

async function withSim(scenario: string | HostScenarioInput | undefined, fn: (h: HostSimHandle, site: LoadedSite) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-hostsim-'));
  const h = await startHostSims({ site: exampleSite().site, outDir: dir, scenario, mapAddress: map, imageBytes: 256 * 1024 });
  try {
    await fn(h, loadSite(writeHostSimSite(EXAMPLE_SITE, h.siteOverlay, join(dir, 'site.yaml'))));
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('default simulated site: D-040 and D-011.1/.2/.3/.6 all PASS over the real protocols', async () => {
  await withSim(undefined, async (h, site) => {
    const run = await runGateSteps(site, GATES, servicesWith(createHostServices(site, process.env)));
    try {
      for (const id of ['8.0.reserved-memory', 'D-011.1', 'D-011.2', 'D-011.3', 'D-011.6']) assert.equal(run.rec(id).status, 'PASS', `${id}: ${run.rec(id).summary}`);
      assert.match(run.rec('8.0.reserved-memory').summary, /all 3 nova-compute units: nova-compute\/0=8192, nova-compute\/1=8192, nova-compute\/2=8192/);
      assert.match(run.rec('D-011.2').summary, /all 11 core VIPs answered 2xx\/3xx; out of scope, not probed: gss/);
      assert.match(run.rec('D-011.3').summary, /VIP-OK: the mgmt VM \(127\.212\.7\.41\) reaches 127\.212\.4\.50:5000/);
      assert.match(run.rec('D-011.6').summary, /unsealed on all 3 units/);
      // gss is listed but never contacted, and the VM ran the runbook's probe.
      assert.ok([...h.vips.values()].every((v) => v.requests.every((r) => !r.path.includes('10.12.8.196'))));
      assert.match(h.mgmtVm.commands[0] ?? '', /^timeout 6 bash -c 'exec 3<>\/dev\/tcp\/127\.212\.4\.50\/5000'/);
      // The evidence names the sshd that answered: Debian's OpenSSH when the simulator can run it (root), else the stand-in.
      assert.match(run.evidence('D-011.3', 'tenant-vip.txt'), h.mgmtVm.kind === 'openssh' ? /^server: SSH-2\.0-OpenSSH_/m : /^server: SSH-2\.0-capi-gate-sim-standin$/m);
      if (process.getuid?.() === 0) assert.equal(h.mgmtVm.kind, 'openssh', `as root the mgmt VM is a real sshd (${h.mgmtVm.fallbackReason ?? ''})`);
      assert.ok(h.vault.every((u) => u.requests.some((r) => r.path === '/v1/sys/seal-status')));
      assert.ok(h.vault.every((u) => u.requests.every((r) => r.method === 'GET')), 'read-only: never PUT /v1/sys/unseal');
      // The Vault units' addresses are the ones the site file names (what the client dials: loopback here).
      assert.match(run.evidence('D-011.1', 'juju-status-short.txt'), /^- vault\/0: 127\.212\.4\.61 \(agent:idle, workload:active\)$/m);
    } finally {
      run.cleanup();
    }
  });
});

test('scenario vault-standby-sealed: the active node serves, the sealed standby fails D-011.6 and D-011.1; the charm names the active and standby units', async () => {
  await withSim('vault-standby-sealed', async (h, site) => {
    const run = await runGateSteps(site, [vault, charms], servicesWith(createHostServices(site, process.env)));
    try {
      assert.equal(run.rec('D-011.6').status, 'FAIL');
      assert.match(run.rec('D-011.6').summary, /Vault sealed on 1 of 3 units: https:\/\/127\.212\.4\.63:8200 \(sealed, unseal progress 0\/3\)/);
      assert.match(run.rec('D-011.1').summary, /vault\/2 \(workload:blocked, agent:idle\): "Unit is sealed"/);
      assert.deepEqual(h.vault.map((u) => u.state.sealed), [false, false, true]);
      const status = run.evidence('D-011.1', 'juju-status.json');
      assert.match(status, /"vault\/0"[^}]*"Unit is ready \(active: true, mlock: disabled\)"/s);
      assert.match(status, /"vault\/1"[^}]*"Unit is ready \(active: false, mlock: disabled\)"/s);
    } finally {
      run.cleanup();
    }
  });
});

test('scenario vault-sealed: D-011.6 FAIL with the manual-unseal hint; the charm says "Unit is sealed" (D-011.1 FAIL)', async () => {
  await withSim('vault-sealed', async (_h, site) => {
    const run = await runGateSteps(site, [vault, charms], servicesWith(createHostServices(site, process.env)));
    try {
      const r = run.rec('D-011.6');
      assert.equal(r.status, 'FAIL');
      assert.match(r.summary, /Vault sealed on 1 of 3 units: https:\/\/127\.212\.4\.62:8200 \(sealed, unseal progress 1\/3\)/);
      assert.match(r.hint ?? '', /3 of the 5 key shares/);
      assert.match(run.rec('D-011.1').summary, /vault\/1 \(workload:blocked, agent:idle\): "Unit is sealed"/);
      assert.equal(run.result.exitCode, 1);
    } finally {
      run.cleanup();
    }
  });
});

test('scenario charm-blocked: D-011.1 FAIL naming ceph-osd/2 and its status message', async () => {
  await withSim('charm-blocked', async (_h, site) => {
    const run = await runGateSteps(site, [charms], servicesWith(createHostServices(site, process.env)));
    try {
      const r = run.rec('D-011.1');
      assert.equal(r.status, 'FAIL');
      assert.match(r.summary, /^2 not active\/idle in model openstack: ceph-osd \(application blocked\): "No block devices detected using current configuration"; ceph-osd\/2 \(workload:blocked, agent:idle\)/);
      assert.match(r.hint ?? '', /juju status -m openstack ceph-osd/);
    } finally {
      run.cleanup();
    }
  });
});

test('scenario vip-down: D-011.2 FAIL on keystone (refused) and D-011.3 VIP-FAIL from the VM', async () => {
  await withSim('vip-down', async (h, site) => {
    const run = await runGateSteps(site, [coreVips, tenantVip], servicesWith(createHostServices(site, process.env)));
    try {
      const r = run.rec('D-011.2');
      assert.equal(r.status, 'FAIL');
      assert.match(r.summary, /^1 of 11 core VIPs failed: keystone https:\/\/127\.212\.4\.50:5000\/v3 -> connect ECONNREFUSED/);
      const t = run.rec('D-011.3');
      assert.equal(t.status, 'FAIL');
      assert.match(t.summary, /VIP-FAIL: .* cannot reach 127\.212\.4\.50:5000: \/dev\/tcp\/127\.212\.4\.50\/5000: Connection refused/);
      assert.match(t.hint ?? '', /Option B/);
      // Back up: both pass again.
      await h.setVipUp('keystone', true);
      const again = await runGateSteps(site, [coreVips, tenantVip], servicesWith(createHostServices(site, process.env)));
      assert.equal(again.rec('D-011.2').status, 'PASS');
      assert.equal(again.rec('D-011.3').status, 'PASS');
      again.cleanup();
    } finally {
      run.cleanup();
    }
  });
});

test('scenario reserved-memory-512: FAIL on nova-compute/1 (not only /0) with the D-040 hint, exit 3', async () => {
  await withSim('reserved-memory-512', async (_h, site) => {
    const run = await runGateSteps(site, [reservedMemory], servicesWith(createHostServices(site, process.env)));
    try {
      const r = run.rec('8.0.reserved-memory');
      assert.equal(r.status, 'FAIL');
      assert.match(r.summary, /below 8192 on 1 of 3 nova-compute units: nova-compute\/1=512 \(all: nova-compute\/0=8192, nova-compute\/1=512, nova-compute\/2=8192\)/);
      assert.match(r.hint ?? '', /^D-040/);
      assert.equal(run.result.exitCode, 3);
    } finally {
      run.cleanup();
    }
  });
});

test('mgmt VM SHUTOFF (D-041): D-011.3 ERROR with the manual-start hint; a changed host key is refused', async () => {
  await withSim({ name: 'vm-down', mgmtVm: { up: false } }, async (h, site) => {
    const run = await runGateSteps(site, [tenantVip], servicesWith(createHostServices(site, process.env)));
    try {
      assert.equal(run.rec('D-011.3').status, 'ERROR');
      assert.match(run.rec('D-011.3').hint ?? '', /D-041/);
    } finally {
      run.cleanup();
    }
    await h.setMgmtVmUp(true);
    const { writeFileSync } = await import('node:fs');
    const other = 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
    writeFileSync(h.files.knownHosts, `${h.mgmtVm.port === 22 ? h.mgmtVm.host : `[${h.mgmtVm.host}]:${h.mgmtVm.port}`} ssh-ed25519 ${other}\n`);
    const mitm = await runGateSteps(site, [tenantVip], servicesWith(createHostServices(site, process.env)));
    try {
      const r = mitm.rec('D-011.3');
      assert.equal(r.status, 'FAIL');
      assert.match(r.summary, /HOST KEY MISMATCH/);
      assert.match(r.hint ?? '', /ssh-keygen -R/);
      assert.equal(h.mgmtVm.commands.length, 0, 'nothing ran on a host whose key did not match');
    } finally {
      mitm.cleanup();
    }
  });
});

class MemoryStore implements ImageStore {
  images = new Map<string, StoredImage>();
  staged = 0;
  async find(name: string) {
    return [...this.images.values()].find((i) => i.name === name);
  }
  async create(spec: { name: string; properties: Readonly<Record<string, string>> }) {
    const image = { id: 'img-1', name: spec.name, status: 'queued', properties: { ...spec.properties } };
    this.images.set(image.id, image);
    return { image, importMethods: ['glance-direct'] };
  }
  async stage(id: string, data: NodeJS.ReadableStream) {
    for await (const c of data) this.staged += (c as Buffer).length;
    this.images.set(id, { ...this.images.get(id)!, status: 'uploading' });
  }
  async importStaged(id: string) {
    this.images.set(id, { ...this.images.get(id)!, status: 'active' });
  }
  async get(id: string) {
    return this.images.get(id)!;
  }
}

test('scenario image-absent: the CDN image is downloaded with a curl UA, verified, staged and active', async () => {
  await withSim('image-absent', async (h, site) => {
    assert.equal(h.openstack.image, false);
    const store = new MemoryStore();
    const run = await runGateSteps(site, [stage], servicesWith({ ...createHostServices(site, process.env), imageStore: store }));
    try {
      const r = run.rec('8.0.stage-and-verify');
      assert.equal(r.status, 'PASS', r.summary);
      assert.match(r.summary, /seeded: downloaded 256\.0 KiB|seeded: downloaded 262144 B/);
      assert.equal(store.staged, 256 * 1024);
      assert.ok(h.cdn.requests.every((q) => /^curl\//.test(q.userAgent)));
      assert.ok(existsSync(join(site.site.image.stageDir, 'ubuntu-jammy-kube-v1.34.8-260518-1604.qcow2')));
    } finally {
      run.cleanup();
    }
  });
});

test('scenario sha512-mismatch: FAIL with both hashes; nothing created in Glance; the bad file kept', async () => {
  await withSim('sha512-mismatch', async (h, site) => {
    const store = new MemoryStore();
    const run = await runGateSteps(site, [stage], servicesWith({ ...createHostServices(site, process.env), imageStore: store }));
    try {
      const r = run.rec('8.0.stage-and-verify');
      assert.equal(r.status, 'FAIL');
      assert.match(r.summary, new RegExp(`sha512 mismatch for ubuntu-jammy-kube-v1\\.34\\.8-260518-1604\\.qcow2: expected ${h.cdn.sha512}, got [0-9a-f]{128}`));
      assert.match(r.hint ?? '', /Nothing was uploaded/);
      assert.equal(store.images.size, 0);
      assert.ok(existsSync(join(site.site.image.stageDir, 'ubuntu-jammy-kube-v1.34.8-260518-1604.qcow2.sha512-mismatch')));
      assert.equal(run.result.exitCode, 3);
    } finally {
      run.cleanup();
    }
  });
});

test('a download cut mid-body is resumed with a Range request in the same run', async () => {
  await withSim({ name: 'flaky-cdn', openstack: { image: false }, cdn: { dropAfterBytes: 100_000 } }, async (h, site) => {
    const store = new MemoryStore();
    const run = await runGateSteps(site, [stage], servicesWith({ ...createHostServices(site, process.env), imageStore: store }));
    try {
      assert.equal(run.rec('8.0.stage-and-verify').status, 'PASS', run.rec('8.0.stage-and-verify').summary);
      const img = h.cdn.requests.filter((q) => q.path.endsWith('.qcow2'));
      assert.equal(img.length, 2);
      assert.equal(img[1]?.status, 206);
      assert.match(img[1]?.range ?? '', /^bytes=\d+-$/);
    } finally {
      run.cleanup();
    }
  });
});
