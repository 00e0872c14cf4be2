// `capi-gate init` as a new user runs it against `capi-gate sim`: only the sim's clouds.yaml and
// its juju (and virsh) on PATH. The default site: the file init writes gives the same verdict and
// item results as the sim's own site.yaml; --check reports drift made through the control API.
// A different site (`sim --site`, plus images, templates and networks added through the control
// API): init picks by the runbook's rules and says why. Bad cases: their messages and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { BIN, EXAMPLE_SITE, tempDir } from './helpers.js';
import { startSimProcess } from './sim-process.js';
import type { SimProcess } from './sim-process.js';

/** A string as a regular expression matching it literally. */
function re(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function cli(args: string[], env: NodeJS.ProcessEnv, cwd?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...env, NO_COLOR: '1' }, timeout: 300_000, ...(cwd ? { cwd } : {}) });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function op(sim: SimProcess, body: Record<string, unknown>): Promise<void> {
  const r = await fetch(`${sim.control}/_sim/ops`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(r.status, 200, await r.text());
}

function items(runs: string): { verdict: string; items: [string, string][] } {
  const [runId] = readdirSync(runs);
  const json = JSON.parse(readFileSync(join(runs, runId ?? '', 'report.json'), 'utf8')) as { verdict: string; items: { id: string; status: string }[] };
  return { verdict: json.verdict, items: json.items.map((i) => [i.id, i.status]) };
}

test('init against the default sim: a complete file whose run gives the same verdict and items as the sim\'s site.yaml; --check sees drift', async (tc) => {
  const t = tempDir('capi-gate-init-');
  const sim = await startSimProcess(join(t.dir, 'sim'), ['--time-scale', '0.02']);
  try {
    const work = join(t.dir, 'work');
    mkdirSync(work);
    const r = cli(['init', '--out', 'new.yaml', '--admin-cloud', 'sim-admin', '--tenant-cloud', 'sim-tenant'], sim.env, work);
    assert.equal(r.code, 0, r.out + r.err);
    for (const s of ['keystone', 'glance', 'magnum', 'nova', 'neutron', 'octavia', 'juju', 'libvirt']) assert.match(r.out, new RegExp(`^init: ${s} read in \\d+(ms|\\.\\ds): `, 'm'), s);
    assert.match(r.out, /0 TODOs/);
    const file = join(work, 'new.yaml');
    const text = readFileSync(file, 'utf8');
    assert.match(text, /name: ubuntu-jammy-kube-v1\.34\.8 # from: glance image list, kube_version=v1\.34\.8/);
    assert.match(text, /# from: juju config APP vip \(model openstack\)/);
    assert.match(text, /# from: virsh list --all/);
    assert.match(text, /# from: choice: runbook ENV\(cluster\)/);
    assert.doesNotMatch(text, /: "?TODO\(/);
    const secrets = readFileSync(join(t.dir, 'sim', 'clouds.yaml'), 'utf8').match(/(?:password|application_credential_secret): (\S+)/g)?.map((l) => l.split(': ')[1] ?? '') ?? [];
    assert.ok(secrets.length >= 2);
    for (const sec of secrets) assert.ok(!text.includes(sec), 'no secret from clouds.yaml in the site file');
    // Never over an existing file without --force.
    const again = cli(['init', '--out', 'new.yaml', '--admin-cloud', 'sim-admin', '--tenant-cloud', 'sim-tenant'], sim.env, work);
    assert.equal(again.code, 2);
    assert.match(again.err, /CAPI_GATE_USAGE: .*new\.yaml exists.*\n {2}Hint: Pass --force/);
    assert.equal(readFileSync(file, 'utf8'), text);
    assert.equal(cli(['plan', '--site', file], sim.env).code, 0);
    // --check on the cloud init just read: no drift (choices, such as the template 8.0 will create, are not compared).
    const same = cli(['init', '--check', '--site', file], sim.env);
    assert.equal(same.code, 0, same.out + same.err);
    assert.match(same.out, /^no drift: \d+ values of .* match the cloud$/m);
    // The time scale is the simulator's, not a fact of the cloud: the run's poll pacing and deadlines follow the sim's file.
    const simSite = parse(readFileSync(sim.site, 'utf8')) as Record<string, unknown>;
    const mine = parse(text) as Record<string, unknown>;
    const generated = Object.keys(mine).filter((k) => !(k in simSite));
    assert.deepEqual(generated, [], 'init writes only keys the sim\'s own file has');
    for (const k of Object.keys(simSite).filter((x) => !['polling', 'deadlines'].includes(x))) assert.ok(k in mine, `init wrote ${k}`);
    writeFileSync(join(work, 'scaled.yaml'), `${text}${stringify({ polling: simSite['polling'], deadlines: simSite['deadlines'] })}`);
    const a = cli(['run', '--site', sim.site, '--runs-dir', join(t.dir, 'runs-sim')], sim.env);
    const b = cli(['run', '--site', join(work, 'scaled.yaml'), '--runs-dir', join(t.dir, 'runs-init')], sim.env);
    const ra = items(join(t.dir, 'runs-sim'));
    const rb = items(join(t.dir, 'runs-init'));
    assert.equal(b.code, a.code, b.out);
    assert.equal(rb.verdict, ra.verdict);
    assert.deepEqual(rb.items, ra.items);
    assert.ok(ra.items.length >= 17 && ra.items.some(([, s]) => s === 'PASS'), JSON.stringify(ra));
    tc.diagnostic(`both runs: ${ra.verdict}, exit ${String(a.code)}; ${ra.items.map(([id, s]) => `${id} ${s}`).join(', ')}`);

    // --check after the runs: 8.0 created the template (from the sim's own site file, whose
    // fixed_subnet_cidr is the loopback-mapped one), so the template is now a fact init compares
    // against the runbook labels it chose when there was none: true drift, one line per key.
    const after = cli(['init', '--check', '--site', file], sim.env);
    assert.equal(after.code, 1, after.out + after.err);
    assert.match(after.out, new RegExp(`^drift: workloadCidr: the site has 10\\.20\\.16\\.0/24; the cloud shows ${re(sim.lo('10.20.16.0'))}/24 \\(magnum: capi-k8s-v1-34 label fixed_subnet_cidr\\)$`, 'm'));
    // A new image and a moved VIP through the control API.
    await op(sim, { op: 'image-create', name: 'ubuntu-jammy-kube-v1.35.1', kubeVersion: 'v1.35.1', osDistro: 'ubuntu' });
    await op(sim, { op: 'juju-set-config', application: 'keystone', key: 'vip', value: sim.lo('10.12.4.70') });
    const moved = cli(['init', '--check', '--site', file], sim.env);
    assert.equal(moved.code, 1, moved.out + moved.err);
    assert.match(moved.out, /^drift: image\.name: the site names image ubuntu-jammy-kube-v1\.34\.8; the cloud's newest image with kube_version is ubuntu-jammy-kube-v1\.35\.1/m);
    assert.match(moved.out, new RegExp(`^drift: coreVips: VIP keystone moved: the site has https://${re(sim.lo('10.12.4.50'))}:5000/v3, juju now https://${re(sim.lo('10.12.4.70'))}:5000/v3$`, 'm'));
    assert.ok(!existsSync(join(work, 'new.yaml.tmp')));
  } finally {
    await sim.stop();
    t.cleanup();
  }
});

test('init against a different site picks by the runbook rules and explains; bad cases exit with a hint', async () => {
  const t = tempDir('capi-gate-init-other-');
  const other = parse(readFileSync(EXAMPLE_SITE, 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  Object.assign(other, {
    site: 'lincoln', project: { name: 'k8s-tenant', domain: 'k8s' }, externalNetwork: 'public-net', keypair: 'ops-key',
    image: { ...other['image'], name: 'ubuntu-noble-kube-v1.34.8' },
    template: { ...other['template'], name: 'k8s-calico' },
    flavors: { master: { name: 'm1.large', minRamMb: 8192, minVcpus: 2 }, worker: { name: 'm1.medium', minRamMb: 4096, minVcpus: 2 } },
    vault: { units: [...other['vault'].units, 'https://127.12.4.64:8200'] },
    juju: { ...other['juju'], model: 'cloud' }, mgmtVm: { ...other['mgmtVm'], name: 'jump-vm' },
  });
  const otherFile = join(t.dir, 'other.yaml');
  writeFileSync(otherFile, stringify(other));
  // sim/scenarios/site-variety.yaml adds an older kube image, a flannel template beside the site's calico one and a second external network.
  const sim = await startSimProcess(join(t.dir, 'sim'), ['--site', otherFile, '--scenario', 'site-variety']);
  try {
    const work = join(t.dir, 'work');
    mkdirSync(work);
    const cloudsFlags = ['--admin-cloud', 'sim-admin', '--tenant-cloud', 'sim-tenant'];
    const r = cli(['init', '--out', 'new.yaml', ...cloudsFlags, '--juju-model', 'cloud'], sim.env, work);
    const file = join(work, 'new.yaml');
    const text = readFileSync(file, 'utf8');
    // The image is not the runbook's: its source URL is a TODO, so init exits 1 and says so.
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /new\.yaml:\d+: image\.url: TODO\(8\.0 stage-and-verify, FINDING-3\)/);
    assert.match(text, /name: ubuntu-noble-kube-v1\.34\.8 # from: glance image list, kube_version=v1\.34\.8 \(newest of 2; also: ubuntu-kube-v1\.33\.5-older v1\.33\.5\)/);
    assert.match(text, /name: k8s-calico # from: magnum cluster template list: coe kubernetes, image ubuntu-noble-kube-v1\.34\.8 present, network driver calico; not: k8s-flannel \(network driver flannel\)/);
    assert.match(text, new RegExp(`^externalNetwork: public-net # from: neutron network list --external: template k8s-calico external_network_id; subnets [\\d./]+; also: backup-ext \\(${re(sim.lo('10.12.9.0'))}/24\\)`, 'm'));
    assert.match(text, /^ {2}name: k8s-tenant # from: keystone/m);
    assert.match(text, /^keypair: ops-key # from: nova keypair list/m);
    assert.match(text, /^ {2}model: cloud # from: juju status/m);
    assert.match(text, /^ {2}name: jump-vm # from: nova server list/m);
    assert.match(text, /# from: juju status: the 4 units of vault/);
    assert.match(text, new RegExp(`units: \\[ https://${re(sim.lo('10.12.4.61'))}:8200, .*https://127\\.12\\.4\\.64:8200 \\]`));
    assert.match(text, /name: m1\.large # from: nova flavor list: template k8s-calico master_flavor_id/);
    // plan and run refuse the TODO, each with its line.
    for (const cmd of [['plan', '--site', file], ['run', '--site', file, '--runs-dir', join(t.dir, 'runs')]]) {
      const p = cli(cmd, sim.env);
      assert.equal(p.code, 2, p.out + p.err);
      assert.match(p.err, /CAPI_GATE_SITE_TODO: .*new\.yaml: 1 TODO left in the site file\n.*new\.yaml:\d+: image\.url: TODO\(8\.0 stage-and-verify, FINDING-3\)/);
      assert.match(p.err, /Hint: capi-gate init could not discover these values/);
      assert.doesNotMatch(p.err, /\n\s+at /);
    }

    // Bad cases. juju not on PATH: the juju parts are TODOs, the rest is written.
    const noJuju = { ...sim.env, PATH: (sim.env['PATH'] ?? '').split(':').filter((d) => !d.startsWith(join(t.dir, 'sim'))).join(':') };
    const nj = cli(['init', '--out', 'nojuju.yaml', ...cloudsFlags], noJuju, work);
    assert.equal(nj.code, 1, nj.out + nj.err);
    assert.match(nj.out, /warning: juju was not read \(juju is not on PATH\)/);
    assert.match(nj.out, /nojuju\.yaml:\d+: coreVips: TODO\(D-011\.1\/D-011\.2\/D-011\.6\/D-040\)/);
    assert.match(readFileSync(join(work, 'nojuju.yaml'), 'utf8'), /^ {2}name: k8s-tenant # from: keystone/m);
    // A juju model that is not there: the juju parts are TODOs naming juju's answer.
    const nm = cli(['init', '--out', 'nomodel.yaml', ...cloudsFlags, '--juju-model', 'no-such-model'], sim.env, work);
    assert.equal(nm.code, 1);
    assert.match(nm.out, /juju was not read \(juju status exited 1: ERROR model .*no-such-model not found/);
    // juju not logged in.
    const fakeBin = join(t.dir, 'fakebin');
    mkdirSync(fakeBin);
    writeFileSync(join(fakeBin, 'juju'), '#!/bin/sh\necho "ERROR not logged in (please use juju login)" >&2\nexit 1\n');
    chmodSync(join(fakeBin, 'juju'), 0o755);
    const nl = cli(['init', '--out', 'nologin.yaml', ...cloudsFlags], { ...noJuju, PATH: `${fakeBin}:${noJuju['PATH'] ?? ''}` }, work);
    assert.equal(nl.code, 1);
    assert.match(nl.out, /juju was not read \(juju status exited 1: ERROR not logged in/);
    // A creator without load-balancer_member: written, and D-039 will fail.
    await op(sim, { op: 'role-revoke', user: 'tenant', role: 'load-balancer_member' });
    const lb = cli(['init', '--out', 'nolb.yaml', ...cloudsFlags], sim.env, work);
    assert.equal(lb.code, 1);
    assert.match(lb.out, /warning: D-039 will fail: the cluster creator \(cloud sim-tenant\) lacks load-balancer_member on k8s-tenant/);
    assert.ok(existsSync(join(work, 'nolb.yaml')));
    // No image with kube_version: a TODO pointing at 8.0 stage-and-verify (FINDING-3).
    await op(sim, { op: 'image-unset-property', image: 'ubuntu-noble-kube-v1.34.8', property: 'kube_version' });
    await op(sim, { op: 'image-unset-property', image: 'ubuntu-kube-v1.33.5-older', property: 'kube_version' });
    const ni = cli(['init', '--out', 'noimage.yaml', ...cloudsFlags], sim.env, work);
    assert.equal(ni.code, 1);
    assert.match(ni.out, /noimage\.yaml:\d+: image\.name: TODO\(8\.0 stage-and-verify, FINDING-3\): no image in Glance carries kube_version/);
    // Keystone unreachable: exit 4, nothing written.
    const clouds = parse(readFileSync(join(t.dir, 'sim', 'clouds.yaml'), 'utf8')) as { clouds: Record<string, { auth: { auth_url: string } }> };
    for (const c of Object.values(clouds.clouds)) c.auth.auth_url = 'http://127.0.0.1:9/v3';
    writeFileSync(join(t.dir, 'dead-clouds.yaml'), stringify(clouds));
    const dead = cli(['init', '--out', 'dead.yaml', ...cloudsFlags], { ...sim.env, OS_CLIENT_CONFIG_FILE: join(t.dir, 'dead-clouds.yaml') }, work);
    assert.equal(dead.code, 4, dead.out + dead.err);
    assert.match(dead.err, /CAPI_GATE_TRANSPORT: .*\n {2}Hint: /);
    assert.ok(!existsSync(join(work, 'dead.yaml')));
    // Usage.
    const usage = cli(['init', '--out', 'x.yaml'], sim.env, work);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /needs --admin-cloud NAME, --tenant-cloud NAME/);
  } finally {
    await sim.stop();
    t.cleanup();
  }
});
