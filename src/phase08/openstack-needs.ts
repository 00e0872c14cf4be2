// The OpenStack services each step calls, for the run's pre-flight: a selection is checked for
// exactly what it will use (a selection of host-only checks needs no cloud credentials at all).
// Identity is implied by any other service (the project id is resolved by name first).

import type { ServiceType } from '../openstack/index.js';

export const OPENSTACK_NEEDS: Readonly<Record<string, readonly ServiceType[]>> = {
  '8.0.prereqs': ['identity', 'network', 'compute', 'load-balancer'],
  '8.0.reserved-memory': [],
  '8.0.stage-and-verify': ['image'],
  '8.0.image': ['image'],
  '8.0.template': ['container-infra'],
  '8.1': ['container-infra'],
  '8.2': ['container-infra', 'load-balancer', 'network'],
  // The workload kubeconfig is signed by Magnum.
  '8.3': ['container-infra'],
  'D-011.1': [],
  'D-011.2': [],
  'D-011.3': [],
  'D-011.4': ['container-infra', 'load-balancer'],
  'D-011.5': [],
  'D-011.6': [],
  'D-011.7': [],
  'D-011.8': [],
  '8.5': ['container-infra', 'load-balancer'],
  'EXIT-GATE': [],
};

/** The services a selection calls; empty when it calls no OpenStack API. Unknown ids count as needing everything. */
export function openstackNeeds(selected: Iterable<string>): ServiceType[] {
  const all: ServiceType[] = ['identity', 'image', 'container-infra', 'load-balancer', 'compute', 'network'];
  const need = new Set<ServiceType>();
  for (const id of selected) for (const s of OPENSTACK_NEEDS[id] ?? all) need.add(s);
  if (need.size) need.add('identity');
  return all.filter((s) => need.has(s));
}
