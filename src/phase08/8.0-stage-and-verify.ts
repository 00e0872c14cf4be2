// 8.0.stage-and-verify: when the image is absent, seed it -- curl the qcow2 to $HOME (FINDING-3:
// the CDN 403s Glance's Python-urllib web-download), verify sha512 against the manifest, then
// `openstack image create --file --import` (glance-direct; CORRECTION-1) and poll to active.
// Runbook section STEP_8_0_STAGE; decisions FINDING-3, CORRECTION-1, L7.
// Present -> PASS "present, skipped" (8.0.image checks its properties). The seeded image is made
// public: the template and the cluster are created in capi-mgmt scope, which cannot see an
// admin-owned image of Glance's default visibility (shared).

import { createReadStream } from 'node:fs';
import { CapiGateError } from '../core/errors.js';
import { defineStep } from '../engine/index.js';
import type { StepContext } from '../engine/index.js';
import type { ImageStore, StagedImage, StoredImage } from '../hosts/index.js';
import type { OpenStack } from '../openstack/index.js';
import type { Image } from '../openstack/index.js';
import type { Phase08Services } from './services.js';
import { STEP_8_0_STAGE } from './runbook-text.js';

export interface StageObserved {
  readonly mode: 'present' | 'seeded';
  readonly image: StoredImage;
  readonly staged: StagedImage | undefined;
  readonly kubeVersion: string;
  readonly osDistro: string;
}

/** The ImageStore port over the Glance v2 client, admin scope (the runbook sources admin-openrc). */
export function glanceImageStore(os: Pick<OpenStack, 'admin' | 'glance'>, uploadTimeoutMs: number): ImageStore {
  const stored = (i: Image): StoredImage => ({ id: i.id, name: i.name, status: i.status, properties: i.properties });
  return {
    find: async (name, signal) => {
      const i = await os.glance.findImageByName(os.admin, name, signal);
      return i ? stored(i) : undefined;
    },
    create: async (spec, signal) => {
      const r = await os.glance.createImage(os.admin, { name: spec.name, diskFormat: spec.diskFormat, containerFormat: spec.containerFormat, visibility: 'public', properties: spec.properties }, signal);
      return { image: stored(r.image), importMethods: r.importMethods };
    },
    stage: (id, data, sizeBytes, signal) => os.glance.stageImage(os.admin, id, data, { sizeBytes, timeoutMs: uploadTimeoutMs }, signal),
    importStaged: (id, signal) => os.glance.importImage(os.admin, id, signal),
    get: async (id, signal) => stored(await os.glance.getImage(os.admin, id, signal)),
  };
}

async function imageStoreFor(ctx: StepContext<Phase08Services>): Promise<ImageStore> {
  return ctx.services.hosts.imageStore ?? glanceImageStore(await ctx.services.openstack(ctx.signal), ctx.deadlineMs('imageActive'));
}

function size(n: number): string {
  return n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(2)} GiB` : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${n} B`;
}

const SEEDED_KEY = 'image.seeded.id';

async function waitActive(ctx: StepContext<Phase08Services>, store: ImageStore, image: StoredImage): Promise<StoredImage> {
  const r = await ctx.wait<StoredImage>({
    name: 'image-active',
    what: `image ${image.name} to active`,
    poll: (signal) => store.get(image.id, signal),
    state: (i) => i.status,
    acceptors: [
      { state: 'success', matcher: (i) => i.status === 'active' },
      { state: 'failure', matcher: (i) => ['killed', 'deleted', 'pending_delete', 'deactivated'].includes(i.status), message: (i) => `image ${i.name} (${i.id}) went ${i.status}`, hint: 'Glance rejected the data: check glance-api logs for the import task; delete the image and run again.' },
      {
        state: 'failure',
        matcher: (i) => i.status === 'queued' && (i.properties['os_glance_failed_import'] ?? '') !== '',
        message: (i) => `image ${i.name} (${i.id}): the import failed and the image went back to queued (os_glance_failed_import=${i.properties['os_glance_failed_import'] ?? ''})`,
        hint: 'FINDING-3: a web-download import from the azimuth CDN is refused (403 to Python-urllib) and leaves the image queued forever. Delete it and let stage-and-verify seed it with glance-direct.',
      },
    ],
    deadlineMs: ctx.deadlineMs('imageActive'),
    backoff: { initialMs: 2_000, maxMs: 15_000, factor: 2, jitter: 0.2 },
    timeoutHint: 'A multi-GB stage + image-conversion may take ~10 minutes; if it stays in importing, check the glance-api import task log.',
  });
  return r.value ?? image;
}

export const step = defineStep<Phase08Services, StageObserved>({
  id: '8.0.stage-and-verify',
  title: 'Seed the image when absent: curl-style download, sha512, glance-direct import',
  kind: 'mutation',
  needs: [],
  decisions: ['FINDING-3', 'CORRECTION-1', 'L7'],
  runbook: STEP_8_0_STAGE,
  deadlines: ['imageActive'],
  precondition: true,
  body: async (ctx) => {
    const want = ctx.site.site.image;
    const store = await imageStoreFor(ctx);
    const existing = await store.find(want.name, ctx.signal);
    const base = { kubeVersion: want.kubeVersion, osDistro: want.osDistro };
    if (existing && existing.id !== ctx.captured(SEEDED_KEY)) {
      ctx.evidence.write('image.json', existing);
      // The runbook polls to active after the skip too (an image left queued is FINDING-3's hang).
      const image = existing.status === 'active' ? existing : await waitActive(ctx, store, existing);
      return { mode: 'present', image, staged: undefined, ...base };
    }

    let lastLogged = -1;
    const staged = await ctx.services.hosts.imageStager.stage(ctx.signal, (p) => {
      const pct = p.totalBytes ? Math.floor((p.receivedBytes / p.totalBytes) * 100) : undefined;
      if (pct !== undefined && pct === lastLogged) return;
      lastLogged = pct ?? lastLogged;
      ctx.log(`downloading ${want.name}: ${size(p.receivedBytes)}${p.totalBytes ? ` of ${size(p.totalBytes)} (${pct}%)` : ''}${p.resumedFromBytes ? `, resumed at ${size(p.resumedFromBytes)}` : ''}`);
    });
    ctx.evidence.write('staged.json', { ...staged, manifestSha512: want.sha512 });
    ctx.log(staged.reused ? `[OK] staged image ${staged.path} present + sha512-valid; skipping download` : `[OK] sha512 verified: ${staged.path} (${size(staged.sizeBytes)})`);

    let importMethods: readonly string[] | undefined;
    const { value: created } = await ctx.mutate<StoredImage>({
      key: 'image',
      lookup: (signal) => store.find(want.name, signal),
      create: async (signal) => {
        const r = await store.create({ name: want.name, diskFormat: want.diskFormat, containerFormat: want.containerFormat, properties: { os_distro: want.osDistro, kube_version: want.kubeVersion } }, signal);
        importMethods = r.importMethods;
        return r.image;
      },
      record: (i) => ({ id: i.id, name: i.name }),
    });
    ctx.capture(SEEDED_KEY, created.id);
    if (importMethods && !importMethods.includes('glance-direct')) {
      throw new CapiGateError('CAPI_GATE_PRECONDITION', `Glance does not offer glance-direct (offered: ${importMethods.join(', ') || 'none'}); image ${created.id} was created and is left queued`, {
        hint: `CORRECTION-1: the seed uses glance-direct (stage, then import). Enable it in glance-api enabled_import_methods, delete the queued image (openstack image delete ${created.id}) and run again.`,
      });
    }
    let current = created.status === 'queued' ? created : await store.get(created.id, ctx.signal);
    if (current.status === 'queued') {
      ctx.log(`staging ${size(staged.sizeBytes)} into Glance (glance-direct)`);
      await store.stage(created.id, createReadStream(staged.path), staged.sizeBytes, ctx.signal);
      current = await store.get(created.id, ctx.signal);
    }
    if (current.status === 'uploading') {
      await store.importStaged(created.id, ctx.signal);
    }
    const image = await waitActive(ctx, store, current);
    ctx.evidence.write('image.json', image);
    return { mode: 'seeded', image, staged, ...base };
  },
  gate: (o) => {
    const kv = o.image.properties['kube_version'];
    const od = o.image.properties['os_distro'];
    const details = { mode: o.mode, id: o.image.id, status: o.image.status, kube_version: kv ?? null, os_distro: od ?? null, ...(o.staged ? { staged: o.staged.path, sha512: o.staged.sha512, reusedStagedFile: o.staged.reused, downloadedBytes: o.staged.downloadedBytes, resumedFromBytes: o.staged.resumedFromBytes } : {}) };
    if (o.mode === 'present') {
      return { status: 'PASS', summary: `image ${o.image.name} present (${o.image.status}), skipped; kube_version=${kv ?? '(unset)'} os_distro=${od ?? '(unset)'} are 8.0.image's to check`, details };
    }
    if (kv !== o.kubeVersion || od !== o.osDistro) {
      return {
        status: 'FAIL',
        summary: `image ${o.image.name} seeded and active, but its properties are kube_version=${kv ?? '(unset)'} os_distro=${od ?? '(unset)'} (want ${o.kubeVersion} / ${o.osDistro})`,
        hint: `The driver reads the Kubernetes version from the image (P6-CONTRACT): openstack image set --property kube_version=${o.kubeVersion} --property os_distro=${o.osDistro} ${o.image.name}`,
        details,
      };
    }
    return {
      status: 'PASS',
      summary: `image ${o.image.name} seeded: ${o.staged?.reused ? 'staged file reused' : `downloaded ${size(o.staged?.downloadedBytes ?? 0)}`}, sha512 verified, glance-direct import active; kube_version=${kv} os_distro=${od}`,
      details,
    };
  },
});
