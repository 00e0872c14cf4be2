// The appendix-A playbooks, in the order `doctor` reports them.

import { apiLbError } from './api-lb-error.js';
import { appCredRoles, flannelTemplate, imageProps } from './config-checks.js';
import { mgmtOom } from './mgmt-oom.js';
import type { Playbook } from './playbook.js';

export const PLAYBOOKS: readonly Playbook[] = [mgmtOom, apiLbError, appCredRoles, flannelTemplate, imageProps];

export { runDoctor } from './doctor.js';
export type { DoctorResult } from './doctor.js';
export type { Playbook, PlaybookContext, Diagnosis, RemediationAction } from './playbook.js';
