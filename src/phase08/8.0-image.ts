// 8.0 image present AND carrying kube_version and os_distro (P6-CONTRACT / L-P6-3): the driver
// reads the Kubernetes version from the IMAGE, not a template label; a missing property fails create.

import { defineStep } from '../engine/index.js';
import type { Image } from '../openstack/index.js';
import { CAPTURED } from '../report/captured-keys.js';
import type { Check } from './checks.js';
import { gateChecks } from './checks.js';
import type { Phase08Services } from './services.js';
import { STEP_8_0_CHECKS } from './runbook-text.js';

export const step = defineStep<Phase08Services, Check[]>({
  id: '8.0.image',
  title: 'Image present, active, carrying kube_version and os_distro',
  kind: 'read',
  needs: ['8.0.stage-and-verify'],
  decisions: ['P6-CONTRACT', 'L-P6-3', 'D1'],
  runbook: STEP_8_0_CHECKS,
  precondition: true,
  body: async (ctx) => {
    const os = await ctx.services.openstack(ctx.signal);
    const want = ctx.site.site.image;
    const img: Image | undefined = await os.glance.findImageByName(os.tenant, want.name, ctx.signal);
    if (!img) {
      return [{ name: 'image', ok: false, observed: `${want.name} not found`, hint: 'Seed it with 8.0.stage-and-verify (FINDING-3: curl + sha512 + glance-direct; web-download hangs in queued).', playbook: 'image-props' }];
    }
    ctx.capture(CAPTURED.imageId, img.id);
    if (img.kubeVersion) ctx.capture(CAPTURED.kubeVersion, img.kubeVersion);
    ctx.evidence.write('image.json', img);
    const propHint = `Set the properties: openstack image set ${want.name} --property kube_version=${want.kubeVersion} --property os_distro=${want.osDistro} (the driver reads them from the image).`;
    return [
      { name: 'image', ok: true, observed: `${img.name} ${img.id}` },
      { name: 'status', ok: img.status === 'active', observed: img.status, ...(img.status === 'active' ? {} : { hint: `The image must be active${img.failedImport ? ` (failed import: ${img.failedImport})` : ''}.` }) },
      { name: 'kube_version', ok: img.kubeVersion === want.kubeVersion, observed: `kube_version=${img.kubeVersion ?? '(missing)'} (expected ${want.kubeVersion})`, hint: propHint, playbook: 'image-props' },
      { name: 'os_distro', ok: img.osDistro === want.osDistro, observed: `os_distro=${img.osDistro ?? '(missing)'} (expected ${want.osDistro})`, hint: propHint, playbook: 'image-props' },
    ];
  },
  gate: (checks) => {
    const kv = checks.find((c) => c.name === 'kube_version')?.observed ?? '';
    const od = checks.find((c) => c.name === 'os_distro')?.observed ?? '';
    return gateChecks(checks, `image active; ${kv.split(' ')[0]}; ${od.split(' ')[0]}`);
  },
});
