// 8.0.template under concurrency, against the simulated Magnum in-process: acceptances racing the
// check-then-create on one cloud (a fleet, two operators) all settle on one template, the oldest
// of the name, and 8.1 can create a cluster from it although the name has become ambiguous.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OpenStack } from '../openstack/index.js';
import { CAPTURED } from '../report/captured-keys.js';
import { step as template } from './8.0-template.js';
import { step as create } from './8.1-create.js';
import { runGateSteps, servicesWith } from './site-gates.test-support.js';
import { withInProcessSim } from './sim-in-process.test-support.js';

/** A client whose first template lookup ran before another run's create landed (it saw nothing). */
function lateLookup(os: OpenStack): OpenStack {
  let first = true;
  const findTemplate: OpenStack['magnum']['findTemplate'] = async (s, ref, sg) => {
    if (first) {
      first = false;
      return undefined;
    }
    return os.magnum.findTemplate(s, ref, sg);
  };
  return { ...os, magnum: { ...os.magnum, findTemplate }, close: () => os.close() };
}

test('8.0.template: racing runs settle on the oldest template of the name; 8.1 creates from its uuid', async () => {
  await withInProcessSim('capi-gate-template-race-', async ({ sim, site, connect }) => {
    const named = () => [...sim.world.templates.values()].filter((t) => t.fields['name'] === site.site.template.name);
    assert.equal(named().length, 0, 'a fresh cloud has no template yet');

    // Run A creates the template; run B looked before A's create and creates a duplicate.
    const a = await connect();
    const runA = await runGateSteps(site, [template], servicesWith({}, { openstack: () => Promise.resolve(a) }));
    const b = lateLookup(await connect());
    const runB = await runGateSteps(site, [template, create], servicesWith({}, { openstack: () => Promise.resolve(b) }));
    try {
      assert.equal(named().length, 2, 'B made a duplicate (Magnum allows duplicate names)');
      // Magnum's created_at has whole seconds; a tie goes to the smaller uuid.
      const sec = (ms: number) => Math.floor(ms / 1000);
      const oldest = named().sort((x, y) => sec(x.createdAt) - sec(y.createdAt) || (x.uuid < y.uuid ? -1 : 1))[0]!;
      const uuidA = runA.result.captured.get(CAPTURED.templateUuid);
      const uuidB = runB.result.captured.get(CAPTURED.templateUuid);
      assert.equal(runA.rec('8.0.template').status, 'PASS', runA.rec('8.0.template').summary);
      assert.equal(runB.rec('8.0.template').status, 'PASS', runB.rec('8.0.template').summary);
      assert.equal(uuidA, oldest.uuid);
      assert.equal(uuidB, oldest.uuid, 'B uses the oldest, not its own duplicate');
      assert.match(runB.rec('8.0.template').summary, /present/);

      // The name is ambiguous now (Magnum answers 409 to GET by name); 8.1 created from the uuid.
      assert.equal(runB.rec('8.1').status, 'PASS', runB.rec('8.1').summary);
      const cluster = [...sim.world.clusters.values()].find((c) => c.name === site.site.cluster.name);
      assert.equal(cluster?.templateId, oldest.uuid);

      // A third run's plain lookup (no race) resolves the ambiguous name to the same template.
      const c = await connect();
      const runC = await runGateSteps(site, [template], servicesWith({}, { openstack: () => Promise.resolve(c) }));
      try {
        assert.equal(runC.rec('8.0.template').status, 'PASS', runC.rec('8.0.template').summary);
        assert.equal(runC.result.captured.get(CAPTURED.templateUuid), oldest.uuid);
        assert.equal(named().length, 2, 'no third template');
      } finally {
        runC.cleanup();
      }
    } finally {
      runA.cleanup();
      runB.cleanup();
    }
  });
});
