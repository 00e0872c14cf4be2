// The jumphost hypervisor for D-011.7 as a libvirt test-driver node file: real virsh reads it
// with `virsh -c test:///ABS/PATH.xml snapshot-list DOMAIN --name`. Each domain carries
// <test:domainsnapshot> entries (name, creationTime, state, memory, active); Snapshot 1 on
// every domain, Snapshot 2 only when the scenario says it was taken.

import { writeFileSync } from 'node:fs';

export interface HypervisorState {
  domains: string[];
  snapshot1: string;
  snapshot2: string;
  withSnapshot2: boolean;
  withoutSnapshot1: string[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');

export function libvirtNodeXml(s: HypervisorState): string {
  const snap = (name: string, t: number, active: boolean, description: string) => `    <test:domainsnapshot>
      <name>${esc(name)}</name>
      <description>${esc(description)}</description>
      <creationTime>${t}</creationTime>
      <state>running</state>
      <memory snapshot='no'/>
      <active>${active ? 1 : 0}</active>
    </test:domainsnapshot>
`;
  const domains = s.domains.map((d, i) => {
    const has1 = !s.withoutSnapshot1.includes(d);
    return `  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>${esc(d)}</name>
    <memory unit='KiB'>${(i === 0 ? 8 : 64) * 1024 * 1024}</memory>
    <vcpu>${i === 0 ? 2 : 16}</vcpu>
    <os><type arch='x86_64'>hvm</type></os>
${has1 ? snap(s.snapshot1, 1780999200 + i, !s.withSnapshot2, 'post-deploy, post-validation, pre-tenant-resources (D-012)') : ''}${s.withSnapshot2 ? snap(s.snapshot2, 1781085600 + i, true, 'post-tenant-setup (D-012)') : ''}  </domain>
`;
  }).join('');
  return `<?xml version='1.0'?>\n<!-- capi-gate simulated jumphost hypervisor (libvirt test driver) -->\n<node>\n${domains}</node>\n`;
}

export function writeHypervisor(file: string, s: HypervisorState): string {
  writeFileSync(file, libvirtNodeXml(s));
  return `test://${file}`;
}
