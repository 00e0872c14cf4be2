import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { CapiGateError } from '../core/errors.js';
import { exampleSite } from '../../test/helpers.js';
import type { DomainSnapshots, ImageStore, JujuStatus, StagedImage, StoredImage, VaultUnitResult, VipFromVmResult, VipProbeReport } from '../hosts/index.js';
import { parseJujuStatus } from '../hosts/index.js';
import { step as reservedMemory } from './8.0-reserved-memory.js';
import { step as stage } from './8.0-stage-and-verify.js';
import { step as charms } from './d011-1-charms.js';
import { step as coreVips } from './d011-2-core-vips.js';
import { step as tenantVip } from './d011-3-tenant-vip.js';
import { step as vault } from './d011-6-vault.js';
import { step as snapshots } from './d011-7-snapshots.js';
import { runGateSteps, servicesWith } from './site-gates.test-support.js';

const site = exampleSite();
const SINCE = '09 Jun 2026 10:14:02Z';
const u = (w: string, a: string, msg = 'Unit is ready') => ({ 'workload-status': { current: w, message: msg, since: SINCE }, 'juju-status': { current: a, since: SINCE }, machine: '0', 'public-address': '127.12.4.11' });
const jujuStatus = (units: Record<string, ReturnType<typeof u>>): JujuStatus => parseJujuStatus(JSON.stringify({
  model: { name: 'openstack' },
  applications: Object.fromEntries(Object.entries(units).map(([n, x]) => [n.split('/')[0], { charm: n.split('/')[0], 'application-status': { current: x['workload-status'].current, message: x['workload-status'].message, since: SINCE }, units: { [n]: x } }])),
}));

test('D-011.1: all active/idle passes; a blocked unit fails with its name and status message', async () => {
  const ok = await runGateSteps(site, [charms], servicesWith({ juju: { model: 'openstack', status: async () => jujuStatus({ 'keystone/0': u('active', 'idle'), 'vault/0': u('active', 'executing') }), reservedHostMemory: async () => { throw new Error('unused'); } } }));
  assert.equal(ok.rec('D-011.1').status, 'PASS');
  assert.match(ok.rec('D-011.1').summary, /all active\/idle: 2 applications, 2 units in model openstack/);
  assert.match(ok.evidence('D-011.1', 'juju-status-short.txt'), /^- keystone\/0: 127\.12\.4\.11 \(agent:idle, workload:active\)$/m);
  ok.cleanup();
  const bad = await runGateSteps(site, [charms], servicesWith({ juju: { model: 'openstack', status: async () => jujuStatus({ 'keystone/0': u('active', 'idle'), 'ceph-osd/2': u('blocked', 'idle', 'No block devices detected using current configuration') }), reservedHostMemory: async () => { throw new Error('unused'); } } }));
  const r = bad.rec('D-011.1');
  assert.equal(r.status, 'FAIL');
  assert.match(r.summary, /ceph-osd\/2 \(workload:blocked, agent:idle\): "No block devices detected using current configuration"/);
  assert.match(r.hint ?? '', /juju status -m openstack ceph-osd/);
  bad.cleanup();
});

const mem = (values: (number | undefined)[]) => servicesWith({
  juju: {
    model: 'openstack', status: async () => { throw new Error('unused'); },
    reservedHostMemory: async () => ({ application: 'nova-compute', units: values.map((v, i) => (v === undefined
      ? { unit: `nova-compute/${i}`, valueMb: undefined, source: 'error' as const, raw: '', error: 'juju ssh nova-compute/' + i + ' exited 255: ERROR cannot connect' }
      : { unit: `nova-compute/${i}`, valueMb: v, source: 'nova.conf' as const, raw: `reserved_host_memory_mb = ${v}\n` })) }),
  },
});

test('8.0.reserved-memory: every unit reported; one unit at 512 fails with the D-040 hint and exit 3 (nothing changed)', async () => {
  const ok = await runGateSteps(site, [reservedMemory], mem([8192, 8192, 16384]));
  assert.equal(ok.rec('8.0.reserved-memory').status, 'PASS');
  assert.match(ok.rec('8.0.reserved-memory').summary, /all 3 nova-compute units: nova-compute\/0=8192, nova-compute\/1=8192, nova-compute\/2=16384/);
  ok.cleanup();
  const low = await runGateSteps(site, [reservedMemory], mem([8192, 512, 8192]));
  const r = low.rec('8.0.reserved-memory');
  assert.equal(r.status, 'FAIL');
  assert.match(r.summary, /below 8192 on 1 of 3 nova-compute units: nova-compute\/1=512/);
  assert.match(r.hint ?? '', /^D-040: set it to 8192 on every compute host/);
  assert.equal(r.playbook, 'reserved-host-memory');
  assert.equal(low.result.exitCode, 3);
  low.cleanup();
  const unread = await runGateSteps(site, [reservedMemory], mem([8192, undefined, 8192]));
  assert.equal(unread.rec('8.0.reserved-memory').status, 'ERROR');
  assert.match(unread.rec('8.0.reserved-memory').summary, /nova-compute\/1: juju ssh nova-compute\/1 exited 255/);
  unread.cleanup();
});

const vips = (r: Partial<VipProbeReport>) => servicesWith({ vips: { probeAll: async () => ({ probes: [], outOfScope: [{ name: 'gss', url: 'http://127.12.8.196/', reason: 'DOCFIX-039', probed: false }], insecure: false, ...r }) } });
const probe = (name: string, status: number | undefined, error?: string) => ({ name, url: `https://127.12.4.50:5000/${name}`, ok: status !== undefined && status < 400, status, error, elapsedMs: 3, insecure: false });

test('D-011.2: 2xx/3xx pass, gss listed as out of scope; a refused VIP fails; insecure is said', async () => {
  const ok = await runGateSteps(site, [coreVips], vips({ probes: [probe('keystone', 200), probe('nova', 300), probe('horizon', 302)] }));
  assert.equal(ok.rec('D-011.2').status, 'PASS');
  assert.match(ok.rec('D-011.2').summary, /all 3 core VIPs answered 2xx\/3xx; out of scope, not probed: gss \(DOCFIX-039\)/);
  ok.cleanup();
  const bad = await runGateSteps(site, [coreVips], vips({ probes: [probe('keystone', undefined, 'connect ECONNREFUSED 127.12.4.50:5000'), probe('nova', 503)] }));
  const r = bad.rec('D-011.2');
  assert.equal(r.status, 'FAIL');
  assert.match(r.summary, /2 of 2 core VIPs failed: keystone .* -> connect ECONNREFUSED 127\.12\.4\.50:5000.*; nova .* -> HTTP 503/);
  assert.match(r.hint ?? '', /hacluster/);
  bad.cleanup();
  const tls = await runGateSteps(site, [coreVips], vips({ probes: [probe('keystone', undefined, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate')] }));
  assert.match(tls.rec('D-011.2').hint ?? '', /tls\.caBundle must hold the CA/);
  tls.cleanup();
  const insecure = await runGateSteps(site, [coreVips], vips({ probes: [probe('keystone', 200)], insecure: true }));
  assert.match(insecure.rec('D-011.2').summary, /INSECURE: TLS not verified/);
  insecure.cleanup();
});

test('D-011.2: probes the jumphost could not time (stalled twice) are ERROR, inconclusive; with a real failure beside them it is FAIL', async () => {
  const stalled = { ...probe('keystone', undefined, 'ETIMEDOUT: no answer within 6000ms'), inconclusive: true, stalledMs: 4200, retriedAfter: 'ETIMEDOUT: no answer within 6000ms while this machine stalled 3900ms' };
  const inc = await runGateSteps(site, [coreVips], vips({ probes: [probe('nova', 200), stalled] }));
  const r = inc.rec('D-011.2');
  assert.equal(r.status, 'ERROR');
  assert.match(r.summary, /^inconclusive: 1 of 2 core VIP probes timed out while this machine stalled \(twice each\): keystone .*INCONCLUSIVE: this machine stalled 4200ms of it.*retried: the first try ETIMEDOUT/);
  assert.match(r.hint ?? '', /too busy to measure.*capi-gate run --only D-011\.2/);
  assert.doesNotMatch(r.hint ?? '', /hacluster/, 'no hint that sends the operator after the VIP');
  inc.cleanup();
  const mixed = await runGateSteps(site, [coreVips], vips({ probes: [probe('nova', 503), stalled] }));
  assert.equal(mixed.rec('D-011.2').status, 'FAIL');
  assert.match(mixed.rec('D-011.2').summary, /^1 of 2 core VIPs failed: nova .* HTTP 503.*; inconclusive \(this machine stalled\): keystone/);
  mixed.cleanup();
  const retried = await runGateSteps(site, [coreVips], vips({ probes: [{ ...probe('keystone', 200), retriedAfter: 'ETIMEDOUT while this machine stalled 3900ms' }] }));
  assert.equal(retried.rec('D-011.2').status, 'PASS');
  retried.cleanup();
});

const vm = (r: Partial<VipFromVmResult> | Error) => servicesWith({
  mgmtVm: {
    probeVip: async () => {
      if (r instanceof Error) throw r;
      return { fip: '127.12.7.41', sshPort: 22, user: 'ubuntu', target: '127.12.4.50:5000', hostKeyFingerprint: 'SHA256:x', method: 'exec', command: 'timeout 6 ...', outcome: 'VIP-OK', error: undefined, stdout: 'VIP-OK\n', stderr: '', elapsedMs: 5, ...r };
    },
  },
});

test('D-011.3: VIP-OK passes (FIP captured); VIP-FAIL fails with the reason; SSH trouble is ERROR with the D-041 hint', async () => {
  const ok = await runGateSteps(site, [tenantVip], vm({}));
  assert.equal(ok.rec('D-011.3').status, 'PASS');
  assert.equal(ok.result.captured.get('mgmt.fip'), '127.12.7.41');
  ok.cleanup();
  const bad = await runGateSteps(site, [tenantVip], vm({ outcome: 'VIP-FAIL', error: '/dev/tcp/127.12.4.50/5000: Connection refused', stdout: 'VIP-FAIL rc=1\n' }));
  assert.equal(bad.rec('D-011.3').status, 'FAIL');
  assert.match(bad.rec('D-011.3').summary, /VIP-FAIL: the mgmt VM \(127\.12\.7\.41\) cannot reach 127\.12\.4\.50:5000: \/dev\/tcp\/127\.12\.4\.50\/5000: Connection refused/);
  bad.cleanup();
  const down = await runGateSteps(site, [tenantVip], vm(new CapiGateError('CAPI_GATE_TRANSPORT', 'SSH to ubuntu@127.12.7.41 failed: connect ECONNREFUSED', { hint: 'D-041: start it', playbook: 'oom-manual-start' })));
  assert.equal(down.rec('D-011.3').status, 'ERROR');
  assert.equal(down.rec('D-011.3').playbook, 'oom-manual-start');
  down.cleanup();
});

const seal = (sealed: boolean, url: string): VaultUnitResult => ({ url, ok: true, insecure: false, elapsedMs: 2, seal: { type: 'shamir', initialized: true, sealed, t: 3, n: 5, progress: sealed ? 1 : 0, version: '1.15.6' } });
const vaultWith = (units: VaultUnitResult[]) => servicesWith({ vault: { units: units.map((x) => x.url), sealStatus: async () => units } });

test('D-011.6: unsealed everywhere passes (drill operator-attested); sealed fails with the manual 3-of-5 hint; unreachable is ERROR', async () => {
  const ok = await runGateSteps(site, [vault], vaultWith([seal(false, 'https://127.12.4.61:8200'), seal(false, 'https://127.12.4.62:8200')]));
  assert.equal(ok.rec('D-011.6').status, 'PASS');
  assert.match(ok.rec('D-011.6').summary, /unsealed on all 2 units \(Sealed=false\).*operator-attested/);
  assert.match(ok.rec('D-011.6').summary, /capi-gate signoff r1 D-011\.6\)/);
  ok.cleanup();
  const bad = await runGateSteps(site, [vault], vaultWith([seal(false, 'https://127.12.4.61:8200'), seal(true, 'https://127.12.4.62:8200')]));
  const r = bad.rec('D-011.6');
  assert.equal(r.status, 'FAIL');
  assert.match(r.summary, /sealed on 1 of 2 units: https:\/\/127\.12\.4\.62:8200 \(sealed, unseal progress 1\/3\)/);
  assert.match(r.hint ?? '', /phase-02.*vault operator unseal.*3 of the 5 key shares.*never handles unseal keys/);
  bad.cleanup();
  const err = await runGateSteps(site, [vault], vaultWith([{ url: 'https://127.12.4.63:8200', ok: false, error: 'ECONNREFUSED', insecure: false }]));
  assert.equal(err.rec('D-011.6').status, 'ERROR');
  err.cleanup();
  const inc = await runGateSteps(site, [vault], vaultWith([seal(false, 'https://127.12.4.61:8200'), { url: 'https://127.12.4.63:8200', ok: false, error: 'ETIMEDOUT: no answer within 6000ms', insecure: false, inconclusive: true, stalledMs: 3100 }]));
  assert.equal(inc.rec('D-011.6').status, 'ERROR');
  assert.match(inc.rec('D-011.6').summary, /^inconclusive: seal status not read on https:\/\/127\.12\.4\.63:8200 \(ETIMEDOUT.*this machine stalled 3100ms of it, twice\)/);
  assert.match(inc.rec('D-011.6').hint ?? '', /too busy.*--only D-011\.6/);
  inc.cleanup();
});

const snaps = (lists: Record<string, string[] | Error>) => servicesWith({
  libvirt: { uri: 'qemu:///system', snapshots: async (domains) => domains.map((d): DomainSnapshots => { const l = lists[d] ?? []; return l instanceof Error ? { domain: d, ok: false, error: l.message } : { domain: d, ok: true, snapshots: l }; }) },
});
const DOMAINS = site.site.hypervisor.domains;

test('D-011.7: both snapshots PASS; Snapshot 2 missing is OUTSTANDING (operator, sign-off); Snapshot 1 missing FAILs', async () => {
  const all = (l: string[]) => Object.fromEntries(DOMAINS.map((d) => [d, l]));
  const pass = await runGateSteps(site, [snapshots], snaps(all(['snapshot-1-post-deploy', 'snapshot-2'])));
  assert.equal(pass.rec('D-011.7').status, 'PASS');
  assert.equal(pass.result.verdict, 'ACCEPTED');
  pass.cleanup();
  const out = await runGateSteps(site, [snapshots], snaps(all(['snapshot-1'])));
  const r = out.rec('D-011.7');
  assert.equal(r.status, 'OUTSTANDING');
  assert.match(r.summary, /Snapshot 1 present on all 4 domains; Snapshot 2 \(snapshot-2, post-tenant-setup\) outstanding on juju-controller, infra-1, infra-2, infra-3/);
  assert.match(r.hint ?? '', /capi-gate signoff r1 D-011\.7/);
  assert.equal(out.result.verdict, 'FUNCTIONALLY ACCEPTED');
  assert.equal(out.result.exitCode, 0);
  out.cleanup();
  const fail = await runGateSteps(site, [snapshots], snaps({ ...all(['snapshot-1', 'snapshot-2']), 'infra-2': ['snapshot-10'] }));
  assert.equal(fail.rec('D-011.7').status, 'FAIL');
  assert.match(fail.rec('D-011.7').summary, /Snapshot 1 \(snapshot-1\) missing on 1 of 4 domains: infra-2/);
  fail.cleanup();
  const err = await runGateSteps(site, [snapshots], snaps({ ...all(['snapshot-1']), 'infra-3': new Error("virsh snapshot-list infra-3 exited 1: error: failed to get domain 'infra-3'") }));
  assert.equal(err.rec('D-011.7').status, 'ERROR');
  err.cleanup();
});

class FakeStore implements ImageStore {
  images = new Map<string, StoredImage & { data?: number }>();
  calls: string[] = [];
  constructor(private readonly methods: string[] = ['glance-direct', 'web-download']) {}
  async find(name: string) {
    this.calls.push(`find ${name}`);
    return [...this.images.values()].find((i) => i.name === name);
  }
  async create(spec: { name: string; properties: Readonly<Record<string, string>> }) {
    this.calls.push(`create ${spec.name}`);
    const image = { id: `id-${this.images.size + 1}`, name: spec.name, status: 'queued', properties: { ...spec.properties } };
    this.images.set(image.id, image);
    return { image, importMethods: this.methods };
  }
  async stage(id: string, data: Readable, size: number) {
    let n = 0;
    for await (const c of data) n += (c as Buffer).length;
    this.calls.push(`stage ${id} ${n}/${size}`);
    this.images.set(id, { ...this.images.get(id)!, status: 'uploading' });
  }
  async importStaged(id: string) {
    this.calls.push(`import ${id}`);
    this.images.set(id, { ...this.images.get(id)!, status: 'importing' });
  }
  async get(id: string) {
    const i = this.images.get(id)!;
    if (i.status === 'importing') this.images.set(id, { ...i, status: 'active' });
    return i;
  }
}

test('8.0.stage-and-verify: present -> PASS "present, skipped" with nothing downloaded', async () => {
  const store = new FakeStore();
  store.images.set('x', { id: 'x', name: site.site.image.name, status: 'active', properties: { kube_version: 'v1.34.8', os_distro: 'ubuntu' } });
  let staged = 0;
  const run = await runGateSteps(site, [stage], servicesWith({ imageStore: store, imageStager: { stage: async () => { staged++; throw new Error('must not download'); } } }));
  assert.equal(run.rec('8.0.stage-and-verify').status, 'PASS');
  assert.match(run.rec('8.0.stage-and-verify').summary, /present \(active\), skipped/);
  assert.equal(staged, 0);
  run.cleanup();
});

test('8.0.stage-and-verify: absent -> verified file staged with glance-direct, imported, active, properties re-checked', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-stage-'));
  const file = join(dir, 'img.qcow2');
  writeFileSync(file, Buffer.alloc(4096, 7));
  const stagedImage: StagedImage = { path: file, sizeBytes: 4096, sha512: site.site.image.sha512, reused: false, downloadedBytes: 4096, resumedFromBytes: 0, attempts: 1, userAgent: 'curl/8', setAside: undefined };
  try {
    const store = new FakeStore();
    const run = await runGateSteps(site, [stage], servicesWith({ imageStore: store, imageStager: { stage: async (_s, onProgress) => { onProgress?.({ receivedBytes: 4096, totalBytes: 4096, resumedFromBytes: 0, elapsedMs: 1 }); return stagedImage; } } }));
    const r = run.rec('8.0.stage-and-verify');
    assert.equal(r.status, 'PASS', r.summary);
    assert.match(r.summary, /seeded: downloaded 4096 B, sha512 verified, glance-direct import active; kube_version=v1\.34\.8 os_distro=ubuntu/);
    assert.deepEqual(store.calls.filter((c) => !c.startsWith('find')), [`create ${site.site.image.name}`, 'stage id-1 4096/4096', 'import id-1']);
    assert.ok(run.events.some((e) => e.type === 'log' && /downloading ubuntu-jammy-kube-v1\.34\.8: 4096 B of 4096 B \(100%\)/.test(e.message)));
    run.cleanup();
    // No glance-direct offered: the queued image is named and the hint says what to do.
    const noDirect = await runGateSteps(site, [stage], servicesWith({ imageStore: new FakeStore(['web-download']), imageStager: { stage: async () => stagedImage } }));
    assert.equal(noDirect.rec('8.0.stage-and-verify').status, 'FAIL');
    assert.match(noDirect.rec('8.0.stage-and-verify').hint ?? '', /CORRECTION-1.*openstack image delete id-1/);
    noDirect.cleanup();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('8.0.stage-and-verify: a sha512 mismatch FAILs with both hashes and uploads nothing', async () => {
  const store = new FakeStore();
  const got = 'b'.repeat(128);
  const run = await runGateSteps(site, [stage], servicesWith({
    imageStore: store,
    imageStager: { stage: async () => { throw new CapiGateError('CAPI_GATE_PRECONDITION', `sha512 mismatch for img.qcow2: expected ${site.site.image.sha512}, got ${got}`, { hint: 'Nothing was uploaded.', blocks: { Expected: site.site.image.sha512, Got: got } }); } },
  }));
  const r = run.rec('8.0.stage-and-verify');
  assert.equal(r.status, 'FAIL');
  assert.match(r.summary, new RegExp(`expected ${site.site.image.sha512}, got ${got}`));
  assert.deepEqual(store.calls, [`find ${site.site.image.name}`]);
  assert.equal(run.result.exitCode, 3);
  run.cleanup();
});

test('8.0.stage-and-verify: without an image store or OpenStack it is ERROR, never PASS', async () => {
  const run = await runGateSteps(site, [stage], servicesWith({ imageStager: { stage: async () => { throw new Error('unused'); } } }));
  assert.equal(run.rec('8.0.stage-and-verify').status, 'ERROR');
  run.cleanup();
});
