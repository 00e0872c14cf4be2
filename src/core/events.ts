// Typed events (STYLE 17): the library emits, reporters write. A reporter that throws is
// isolated from the others and from the run.

import type { ItemStatus, Verdict } from './results.js';

export interface WaitProgress {
  readonly stepId: string;
  readonly waiter: string;
  readonly what: string;
  readonly state: string;
  readonly elapsedMs: number;
  readonly deadlineMs: number;
  readonly polls: number;
  /** API requests so far; a shaped poll's budget, expected end and schedule; how it observes. */
  readonly requests?: number;
  readonly budget?: number;
  readonly expectedMs?: number;
  readonly schedule?: string;
  readonly mode?: string;
}

export type RunEvent =
  | { type: 'run-start'; runId: string; site: string; at: number; resumed: boolean; steps: string[] }
  | { type: 'step-start'; stepId: string; title: string; kind: 'read' | 'mutation'; at: number }
  | { type: 'step-end'; stepId: string; status: ItemStatus; summary: string; at: number; durationMs: number; reused: boolean }
  | { type: 'wait-progress'; at: number; progress: WaitProgress }
  | { type: 'wait-transition'; stepId: string; waiter: string; from: string | null; to: string; at: number }
  | { type: 'log'; stepId: string | null; level: 'info' | 'warn' | 'error'; message: string; at: number }
  | { type: 'teardown'; name: string; ok: boolean; message: string; at: number }
  | { type: 'run-end'; runId: string; verdict: Verdict; exitCode: number; at: number; interrupted: boolean };

export type Listener = (e: RunEvent) => void;

export class EventBus {
  private listeners: Listener[] = [];
  readonly listenerErrors: unknown[] = [];

  on(l: Listener): () => void {
    this.listeners.push(l);
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
    };
  }

  emit(e: RunEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.listenerErrors.push(err);
      }
    }
  }
}
