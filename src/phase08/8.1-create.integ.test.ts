// 8.1 finding a cluster whose node groups Magnum has not written yet (a resume right after an
// earlier attempt's create, or another run's): the lookup reads it again until they are, so the
// gate compares the cluster's shape, not a half-written row. Against the simulated Magnum
// in-process, the lookup's first answers replayed as real Zed gave them mid-create.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../http/errors.js';
import type { OpenStack } from '../openstack/index.js';
import { step as template } from './8.0-template.js';
import { step as create } from './8.1-create.js';
import { runGateSteps, servicesWith } from './site-gates.test-support.js';
import { withInProcessSim } from './sim-in-process.test-support.js';

/** Real Zed, a GET between the row's commit and the master node group's (measured on the real control plane). */
const noNodegroupYet = () => new ApiError({
  service: 'magnum', operation: 'get cluster', method: 'GET', url: 'http://127.0.0.1:9511/v1/clusters/x', attempts: 1, lastCalls: '', status: 400, requestId: undefined,
  serverMessage: 'Invalid input for field/attribute master_count. Value: None. Value should be greater or equal to 1',
});

/** A client whose first cluster lookups see the create half-written: a 400, then the master's node group only. */
function halfWritten(os: OpenStack): { os: OpenStack; calls: () => number } {
  let n = 0;
  const findCluster: OpenStack['magnum']['findCluster'] = async (s, ref, sg) => {
    n++;
    if (n === 1) throw noNodegroupYet();
    const c = await os.magnum.findCluster(s, ref, sg);
    return n === 2 && c ? { ...c, status: 'CREATE_IN_PROGRESS', nodeCount: 0 } : c;
  };
  return { os: { ...os, magnum: { ...os.magnum, findCluster }, close: () => os.close() }, calls: () => n };
}

test('8.1: a cluster found while Magnum writes its node groups is read until they are written, then taken as present (not a different shape, not a second create)', async () => {
  await withInProcessSim('capi-gate-nodegroups-', async ({ sim, site, connect }) => {
    const first = await connect();
    const runA = await runGateSteps(site, [template, create], servicesWith({}, { openstack: () => Promise.resolve(first) }));
    const b = halfWritten(await connect());
    const runB = await runGateSteps(site, [template, create], servicesWith({}, { openstack: () => Promise.resolve(b.os) }));
    try {
      assert.equal(runA.rec('8.1').status, 'PASS', runA.rec('8.1').summary);
      const r = runB.rec('8.1');
      assert.equal(r.status, 'PASS', r.summary);
      assert.match(r.summary, /already present; not created again/);
      assert.ok(b.calls() >= 3, `the lookup read past the 400 and the half-written counts (${b.calls()} reads)`);
      assert.equal([...sim.world.clusters.values()].filter((c) => c.name === site.site.cluster.name).length, 1, 'exactly one cluster');
    } finally {
      runA.cleanup();
      runB.cleanup();
    }
  });
});
