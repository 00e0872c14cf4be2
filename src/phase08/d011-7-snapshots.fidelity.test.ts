// D-011.7 with the real virsh (libvirt-clients, test driver, no daemon) reading the simulated
// hypervisor's node file: `virsh -c test:///ABS/PATH.xml snapshot-list DOMAIN --name`.

import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_SITE, exampleSite } from '../../test/helpers.js';
import { startHostSims } from '../../sim/hosts/index.js';
import type { HostSimHandle } from '../../sim/hosts/index.js';
import { writeHostSimSite } from '../../sim/hosts/site-file.js';
import { createHostServices } from '../hosts/index.js';
import { loadSite } from '../site/load.js';
import type { LoadedSite } from '../site/load.js';
import { step as snapshots } from './d011-7-snapshots.js';
import { runGateSteps, servicesWith } from './site-gates.test-support.js';

function need(t: TestContext, tool: string): boolean {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0) return true;
  const why = `${tool} not installed (apt-get install -y libvirt-clients)`;
  if (process.env['CI']) assert.fail(`CI must install it: ${why}`);
  t.skip(why);
  return false;
}

const map = (ip: string) => ip.replace(/^10\.12\./, '127.217.');

async function withHypervisor(scenario: string | undefined, fn: (h: HostSimHandle, site: LoadedSite) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-virsh-'));
  // Only the hypervisor file matters here; the listeners still start (cheap) on their own octet.
  const h = await startHostSims({ site: exampleSite().site, outDir: dir, scenario, mapAddress: map, imageBytes: 1024 });
  try {
    await fn(h, loadSite(writeHostSimSite(EXAMPLE_SITE, h.siteOverlay, join(dir, 'site.yaml'))));
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('real virsh: default hypervisor -> OUTSTANDING (Snapshot 2 pending) and the verdict FUNCTIONALLY ACCEPTED; Snapshot 2 taken -> PASS, ACCEPTED', async (t) => {
  if (!need(t, 'virsh')) return;
  await withHypervisor(undefined, async (h, site) => {
    assert.match(site.site.hypervisor.libvirtUri, /^test:\/\/\/.*libvirt-node\.xml$/);
    const listed = spawnSync('virsh', ['-c', site.site.hypervisor.libvirtUri, 'list', '--all', '--name'], { encoding: 'utf8' });
    assert.deepEqual(listed.stdout.split('\n').filter(Boolean), site.site.hypervisor.domains);
    const run = await runGateSteps(site, [snapshots], servicesWith(createHostServices(site, process.env)));
    try {
      const r = run.rec('D-011.7');
      assert.equal(r.status, 'OUTSTANDING', r.summary);
      assert.match(r.summary, /Snapshot 1 present on all 4 domains; Snapshot 2 \(snapshot-2, post-tenant-setup\) outstanding/);
      assert.match(r.hint ?? '', /capi-gate signoff r1 D-011\.7/);
      assert.equal(run.result.verdict, 'FUNCTIONALLY ACCEPTED');
      assert.match(run.evidence('D-011.7', 'snapshot-list.txt'), /snapshot-list juju-controller --name\nsnapshot-1\n/);
    } finally {
      run.cleanup();
    }
    h.setSnapshot2(true);
    const again = await runGateSteps(site, [snapshots], servicesWith(createHostServices(site, process.env)));
    try {
      assert.equal(again.rec('D-011.7').status, 'PASS');
      assert.equal(again.result.verdict, 'ACCEPTED');
    } finally {
      again.cleanup();
    }
  });
});

test('real virsh: scenario snapshot1-missing -> FAIL naming the domain; an unknown domain -> ERROR with virsh\'s message', async (t) => {
  if (!need(t, 'virsh')) return;
  await withHypervisor('snapshot1-missing', async (_h, site) => {
    const run = await runGateSteps(site, [snapshots], servicesWith(createHostServices(site, process.env)));
    try {
      assert.equal(run.rec('D-011.7').status, 'FAIL');
      assert.match(run.rec('D-011.7').summary, /Snapshot 1 \(snapshot-1\) missing on 1 of 4 domains: infra-2/);
      assert.match(run.rec('D-011.7').hint ?? '', /D-012/);
    } finally {
      run.cleanup();
    }
    const wrong = { ...site, site: { ...site.site, hypervisor: { ...site.site.hypervisor, domains: [...site.site.hypervisor.domains.filter((d) => d !== 'infra-2'), 'infra-9'] } } };
    const err = await runGateSteps(wrong, [snapshots], servicesWith(createHostServices(wrong, process.env)));
    try {
      assert.equal(err.rec('D-011.7').status, 'ERROR');
      assert.match(err.rec('D-011.7').summary, /infra-9 \(virsh snapshot-list infra-9 exited 1: error: failed to get domain 'infra-9'\)/);
    } finally {
      err.cleanup();
    }
  });
});

test('real virsh: scenario snapshots-complete -> PASS', async (t) => {
  if (!need(t, 'virsh')) return;
  await withHypervisor('snapshots-complete', async (_h, site) => {
    const run = await runGateSteps(site, [snapshots], servicesWith(createHostServices(site, process.env)));
    try {
      assert.equal(run.rec('D-011.7').status, 'PASS');
      assert.match(run.rec('D-011.7').summary, /Snapshot 1 and Snapshot 2 present on all 4 domains/);
    } finally {
      run.cleanup();
    }
  });
});
