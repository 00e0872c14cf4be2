// The appendix-A playbooks, in the order `doctor` reports them (and remediates: the mgmt VM
// first, since the API LB and the uninitialized taint wait on it).

import { apiLbError } from './api-lb-error.js';
import { appCredRoles, flannelTemplate, imageProps } from './config-checks.js';
import { mgmtOom } from './mgmt-oom.js';
import { cniLabel, reservedHostMemory, uninitializedTaint } from './node-checks.js';
import type { Playbook } from './playbook.js';
import { stuckDelete } from './stuck-delete.js';

export const PLAYBOOKS: readonly Playbook[] = [mgmtOom, uninitializedTaint, apiLbError, stuckDelete, appCredRoles, flannelTemplate, cniLabel, imageProps, reservedHostMemory];

export { runDoctor } from './doctor.js';
export type { DoctorResult } from './doctor.js';
export type { Playbook, PlaybookContext, Diagnosis, RemediationAction } from './playbook.js';
export { stuckDelete, managementOf, DELETE_WEDGED } from './stuck-delete.js';
export type { CapiManagement } from './stuck-delete.js';
export { listLeftovers, leftoverCount, describeLeftovers, deleteLoadBalancers, deleteNeutronLeftovers, serviceLbPrefix } from './leftovers.js';
export type { Leftovers, LeftoverScope, SweepAction } from './leftovers.js';
export { diagnosticsSources } from './diagnostics-sources.js';
export { failureReviewer } from './on-failure.js';
export type { FailureReviewerOptions } from './on-failure.js';
