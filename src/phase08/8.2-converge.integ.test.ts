// 8.2 and the API LB's first heartbeat: real Octavia shows a fresh (or rebuilt) load balancer
// ACTIVE/OFFLINE until the health manager takes its amphora's first heartbeat (the parity tier,
// real Zed). 8.2 seeing the cluster CREATE_COMPLETE with its API LB still OFFLINE waits for ONLINE
// within the failover deadline instead of failing it. Against the simulated cloud in-process; the
// Octavia reads replay the OFFLINE answers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadBalancer, OpenStack } from '../openstack/index.js';
import { step as template } from './8.0-template.js';
import { step as create } from './8.1-create.js';
import { step as converge } from './8.2-converge.js';
import { runGateSteps, servicesWith } from './site-gates.test-support.js';
import { withInProcessSim } from './sim-in-process.test-support.js';

/** Octavia reads that show the LB ACTIVE/OFFLINE for the first `offline` answers (before the first heartbeat), or always. */
function beforeHeartbeat(os: OpenStack, offline: number): { os: OpenStack; reads: () => number } {
  let n = 0;
  const dim = (lb: LoadBalancer | undefined): LoadBalancer | undefined => (lb && n++ < offline ? { ...lb, operatingStatus: 'OFFLINE' } : lb);
  const octavia: OpenStack['octavia'] = {
    ...os.octavia,
    findLoadBalancer: async (s, id, sg) => dim(await os.octavia.findLoadBalancer(s, id, sg)),
    listLoadBalancers: async (s, q, sg) => (await os.octavia.listLoadBalancers(s, q, sg)).map((lb) => dim(lb)!),
  };
  return { os: { ...os, octavia, close: () => os.close() }, reads: () => n };
}

test('8.2: an API LB still ACTIVE/OFFLINE when the cluster is CREATE_COMPLETE (before its first heartbeat) is waited for, then PASS; one that never comes ONLINE FAILs', async () => {
  await withInProcessSim('capi-gate-heartbeat-', async ({ sim, site, connect }) => {
    const a = await connect();
    const made = await runGateSteps(site, [template, create], servicesWith({}, { openstack: () => Promise.resolve(a) }));
    made.cleanup();
    assert.equal(made.rec('8.1').status, 'PASS', made.rec('8.1').summary);
    // The simulated cloud finishes the create and syncs its health in real time (time scale 0.001).
    const cluster = () => [...sim.world.clusters.values()].find((c) => c.name === site.site.cluster.name);
    for (let i = 0; i < 200 && cluster()?.healthStatus !== 'HEALTHY'; i++) await sleep(50);
    assert.equal(cluster()?.healthStatus, 'HEALTHY', 'the simulated create completed');

    const late = beforeHeartbeat(await connect(), 2);
    const run = await runGateSteps(site, [converge], servicesWith({}, { openstack: () => Promise.resolve(late.os) }));
    try {
      const r = run.rec('8.2');
      assert.equal(r.status, 'PASS', r.summary);
      assert.match(r.summary, /ACTIVE\/ONLINE/);
      assert.ok(late.reads() >= 3, `read past the OFFLINE answers (${late.reads()} reads)`);
      assert.ok(run.events.some((e) => JSON.stringify(e).includes('API LB') && JSON.stringify(e).includes('ACTIVE/ONLINE')), 'the grace wait for ACTIVE/ONLINE ran');
    } finally {
      run.cleanup();
    }

    const dead = beforeHeartbeat(await connect(), Number.POSITIVE_INFINITY);
    const never = await runGateSteps(site, [converge], servicesWith({}, { openstack: () => Promise.resolve(dead.os) }));
    try {
      const r = never.rec('8.2');
      assert.equal(r.status, 'FAIL', r.summary);
      assert.match(r.summary, /is ACTIVE\/OFFLINE, not ACTIVE\/ONLINE/);
    } finally {
      never.cleanup();
    }
  });
});
