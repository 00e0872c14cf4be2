export { defineStep } from './step.js';
export type { StepDef, StepContext, StepOutcome, StepRecord, StepKind, MutationSpec, MutationResult } from './step.js';
export { runWaiter, WaitError } from './waiter.js';
export type { Acceptor, WaiterSpec, WaitResult, Transition, WaiterHooks } from './waiter.js';
export { Journal, ensureDir, listRuns, newRunId } from './journal.js';
export type { DirRole, JournalRecord, RunMeta, RunListing } from './journal.js';
export { EvidenceStore } from './evidence.js';
export { runSteps, outcomeFromError } from './runner.js';
export type { RunOptions, RunResult, StepFailure, FailureReview } from './runner.js';
