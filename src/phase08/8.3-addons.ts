// 8.3: Kubeconfig via Magnum (`openstack coe cluster config`); nodes Ready at the image's
// kube_version; Calico, CCM (not crash-looping: D-011 item 5), Cinder CSI, CoreDNS Running;
// no stuck pods. Runbook section STEP_8_3; decisions DOCFIX-037, DOCFIX-032, D-011.

import { WaitError, defineStep } from '../engine/index.js';
import type { StepContext } from '../engine/index.js';
import { obtainWorkloadKubeconfig } from './kube-access.js';
import { kubeWaitBackoff } from './kube-poll.js';
import { watchedWait } from '../kube/watch-wait.js';
import { addonsState, ccmCrashLooping, ccmRunning, evaluateAddons, nodeRow, nodesTable, podRow, podsTable } from '../kube/addons.js';
import { DEFAULT_KUBE_TUNING } from '../kube/services.js';
import { openKubeClient } from '../kube/open.js';
import type { KubeClient } from '../kube/client.js';
import type { AddonExpectation, AddonResult, AddonsObservation, PodRow } from '../kube/index.js';
import { CAPTURED } from '../report/captured-keys.js';
import { formatDuration } from '../core/duration.js';
import type { Phase08Services } from './services.js';
import { STEP_8_3 } from './runbook-text.js';

export interface AddonsObserved {
  readonly kubeconfig: { readonly path: string; readonly source: 'given' | 'magnum' | 'reused' };
  readonly expect: AddonExpectation;
  readonly baseline: AddonsObservation | undefined;
  readonly last: AddonsObservation;
  readonly outcome: 'success' | 'failure' | 'timeout';
  readonly waitedMs: number;
}

/** The CCM hint, naming the namespace its pods were found in (openstack-system under the capi-helm-charts). */
function hintCcm(pods: readonly PodRow[]): string {
  const ns = [...new Set(pods.map((p) => p.namespace))][0] ?? 'openstack-system';
  const pod = pods[0]?.name ?? 'POD';
  return `D-011 item 5: the OpenStack cloud-controller-manager must run without crash-looping. Read its log (kubectl -n ${ns} logs ${pod} --previous) and events (kubectl -n ${ns} describe pod ${pod}): usually the cloud-config/app-cred (Secret ${ns}/cloud-config) cannot reach Keystone or Octavia (D-039 roles). Until it runs, nodes keep the uninitialized taint and CoreDNS / Cinder CSI stay Pending.`;
}

/** Where each add-on was found: namespace(s) and what identified it. */
function whereFound(a: AddonResult): string {
  return `${a.namespaces.join('+') || '-'}, by ${a.foundBy.join(' / ') || '-'}`;
}

function describe(p: PodRow): string {
  return `${p.namespace}/${p.name} ${p.status}, ${p.restarts} restarts`;
}

// Every watch event re-reads the cache: one collator and one key per object, not a
// localeCompare of two built strings per comparison. Made on first use: the first Intl object
// loads ICU (~6 ms of CPU), which every start would otherwise pay at module load.
let collator: Intl.Collator | undefined;
function sortedByName<T extends { metadata?: { name?: string; namespace?: string } }>(xs: T[]): T[] {
  const c = (collator ??= new Intl.Collator());
  return xs.map((x) => ({ x, k: `${x.metadata?.namespace ?? ''}/${x.metadata?.name ?? ''}` })).sort((a, b) => c.compare(a.k, b.k)).map((e) => e.x);
}

/** Nodes and pods by watch (list once, then the API's events): the wait wakes on every change. */
function observer(client: KubeClient, ctx: StepContext<Phase08Services>) {
  const nodes = client.reflectNodes({ clock: ctx.clock });
  const pods = client.reflectPods({ clock: ctx.clock });
  const watched = watchedWait([nodes, pods]);
  return {
    ...watched,
    observe: async (signal: AbortSignal): Promise<AddonsObservation> => {
      const [n, p] = await Promise.all([nodes.items(signal), pods.items(signal)]);
      return { at: ctx.clock.now(), nodes: sortedByName(n).map(nodeRow), pods: sortedByName(p).map(podRow) };
    },
  };
}

export const step = defineStep<Phase08Services, AddonsObserved>({
  id: '8.3',
  title: 'Kubeconfig via Magnum; nodes Ready; Calico, CCM, Cinder CSI, CoreDNS Running',
  kind: 'read',
  needs: ['8.2'],
  decisions: ['DOCFIX-037', 'DOCFIX-032', 'D-011'],
  runbook: STEP_8_3,
  deadlines: ['nodesReady'],
  body: async (ctx) => {
    const site = ctx.site.site;
    const kube = ctx.services.kube;
    const tuning = { ...DEFAULT_KUBE_TUNING, ...kube.tuning };
    const access = await obtainWorkloadKubeconfig({
      services: kube,
      clusterName: site.cluster.name,
      ...(ctx.captured(CAPTURED.clusterUuid) ? { clusterUuid: ctx.captured(CAPTURED.clusterUuid)! } : {}),
      ...(ctx.captured(CAPTURED.apiAddress) ? { apiAddress: ctx.captured(CAPTURED.apiAddress)! } : {}),
      ...(ctx.captured(CAPTURED.kubeconfig) ? { writtenPath: ctx.captured(CAPTURED.kubeconfig)! } : {}),
      writeSensitive: (name, text) => ctx.evidence.writeSensitive(name, text),
      signal: ctx.signal,
    });
    ctx.capture(CAPTURED.kubeconfig, access.path);
    ctx.log(`workload kubeconfig (${access.source}): ${access.path}`);
    const client = await openKubeClient(access.path);
    const expect: AddonExpectation = { masterCount: site.cluster.masterCount, nodeCount: site.cluster.nodeCount, kubeVersion: site.image.kubeVersion };

    let baseline: AddonsObservation | undefined;
    let last: AddonsObservation | undefined;
    let outcome: AddonsObserved['outcome'] = 'success';
    const started = ctx.clock.now();
    const watch = observer(client, ctx);
    try {
      await ctx.wait<AddonsObservation>({
        name: 'nodes-and-addons',
        what: `${expect.masterCount + expect.nodeCount} nodes Ready at ${expect.kubeVersion} and Calico, CCM, Cinder CSI, CoreDNS Running`,
        wake: watch.wake,
        requests: watch.requests,
        mode: watch.mode,
        poll: async (signal) => {
          const o = await watch.observe(signal);
          if (!baseline && ccmRunning(o)) baseline = o;
          last = o;
          return o;
        },
        state: (o) => addonsState(o, evaluateAddons(o, expect, baseline)),
        acceptors: [
          { state: 'failure', matcher: (o) => ccmCrashLooping(evaluateAddons(o, expect, baseline)).length > 0, message: (o) => `the OpenStack CCM is crash-looping: ${ccmCrashLooping(evaluateAddons(o, expect, baseline)).map(describe).join('; ')}`, hint: hintCcm(last ? evaluateAddons(last, expect, baseline).crashLooping : []) },
          { state: 'success', matcher: (o) => evaluateAddons(o, expect, baseline).ok },
        ],
        deadlineMs: ctx.deadlineMs('nodesReady'),
        backoff: kubeWaitBackoff(tuning),
        timeoutHint: 'Nodes or add-ons did not converge; see the pods table in the evidence (a node holding the uninitialized taint means the CCM has not initialized it).',
      });
    } catch (e) {
      if (!(e instanceof WaitError) || (e.result.outcome !== 'timeout' && e.result.outcome !== 'failure') || !last) throw e;
      outcome = e.result.outcome;
    } finally {
      watch.close();
    }
    const final = last!;
    const now = ctx.clock.now();
    ctx.evidence.write('nodes.txt', nodesTable(final.nodes, now));
    ctx.evidence.write('pods.txt', podsTable(final.pods, now));
    ctx.evidence.write('pods-not-running.txt', podsTable(final.pods.filter((p) => p.phase !== 'Running' && p.phase !== 'Succeeded'), now));
    const verdict = evaluateAddons(final, expect, baseline);
    ctx.evidence.write('addons.json', { expect, outcome, verdict });
    const found = verdict.addons.map((a) => `${a.addon.padEnd(11)} ${a.pods.length ? whereFound(a) : 'not found'}`).join('\n');
    ctx.evidence.write('addons-found.txt', `${found}\n`);
    for (const a of verdict.addons) if (a.pods.length) ctx.log(`${a.addon}: ${a.pods.length} pods in ${whereFound(a)}`);
    const cps = final.nodes.filter((n) => n.controlPlane);
    ctx.capture(CAPTURED.nodes, `${cps.length} control-plane + ${final.nodes.length - cps.length} workers, ${final.nodes.filter((n) => n.ready).length}/${final.nodes.length} Ready (${final.nodes.map((n) => n.name).join(', ')})`);
    const versions = [...new Set(final.nodes.map((n) => n.version))];
    if (versions.length) ctx.capture(CAPTURED.kubeVersion, versions.join(', '));
    return { kubeconfig: access, expect, baseline, last: final, outcome, waitedMs: now - started };
  },
  gate: (o) => {
    const v = evaluateAddons(o.last, o.expect, o.baseline);
    const ccm = v.addons.find((a) => a.addon === 'ccm');
    const ccmRestarts = (ccm?.pods ?? []).reduce((n, p) => n + p.restarts, 0);
    const details = {
      nodes: o.last.nodes.map((n) => ({ name: n.name, status: n.status, roles: n.roles, version: n.version })),
      addons: Object.fromEntries(v.addons.map((a) => [a.addon, a.pods.map((p) => `${p.namespace}/${p.name} ${p.status} ${p.ready} restarts=${p.restarts}`)])),
      foundIn: Object.fromEntries(v.addons.map((a) => [a.addon, { namespaces: a.namespaces, by: a.foundBy }])),
      notRunning: v.stuck.map((p) => ({ namespace: p.namespace, name: p.name, phase: p.phase, status: p.status })),
      kubeconfig: o.kubeconfig.source,
    };
    if (v.crashLooping.length > 0) {
      return {
        status: 'FAIL',
        summary: `CCM crash-looping (D-011 item 5): ${v.crashLooping.map(describe).join('; ')}`,
        hint: hintCcm(v.crashLooping),
        playbook: 'uninitialized-taint',
        details,
      };
    }
    if (!v.ok) {
      const waited = o.outcome === 'timeout' ? ` (not converged within ${formatDuration(o.waitedMs)})` : '';
      const tainted = v.nodeProblems.some((p) => p.includes('uninitialized'));
      return {
        status: 'FAIL',
        summary: `${v.problems.join('; ')}${waited}`,
        hint: tainted ? hintCcm(ccm?.pods ?? []) : 'Compare the nodes and pods tables in the evidence with the runbook gate: nodes Ready, Calico, CCM, Cinder CSI and CoreDNS Running, no pods outside Running/Succeeded.',
        ...(tainted ? { playbook: 'uninitialized-taint' } : {}),
        details,
      };
    }
    const cps = o.last.nodes.filter((n) => n.controlPlane).length;
    const at = (name: AddonResult['addon']) => { const a = v.addons.find((x) => x.addon === name); return a ? a.namespaces.join('+') : '-'; };
    return {
      status: 'PASS',
      summary: `${o.last.nodes.length} nodes Ready at ${o.expect.kubeVersion} (${cps} control-plane + ${o.last.nodes.length - cps} workers); Calico (${at('calico')}), CCM (${at('ccm')}, ${ccmRestarts} restarts, not crash-looping), Cinder CSI (${at('cinder-csi')}), CoreDNS (${at('coredns')}) Running; no pods outside Running/Succeeded`,
      details,
    };
  },
});
