// What a Kubernetes wait needs from its reflectors (src/kube/watch.ts): the waiter's wake (any
// reflector's next change), its request count and how it observed (watch, or the poll fallback).

import type { Reflector } from './watch.js';

export interface WatchedWait {
  wake(signal: AbortSignal): Promise<void>;
  requests(): number;
  mode(): string;
  close(): void;
}

export function watchedWait(reflectors: readonly Reflector<object>[]): WatchedWait {
  return {
    wake: (signal) => Promise.race(reflectors.map((r) => r.changed(signal))),
    requests: () => reflectors.reduce((n, r) => n + r.requests, 0),
    mode: () => {
      const poll = reflectors.filter((r) => r.mode === 'poll');
      const s = reflectors.reduce((a, r) => ({ events: a.events + r.stats.events, bookmarks: a.bookmarks + r.stats.bookmarks, relists: a.relists + r.stats.relists, reconnects: a.reconnects + r.stats.reconnects }), { events: 0, bookmarks: 0, relists: 0, reconnects: 0 });
      const detail = `${s.events} events, ${s.bookmarks} bookmarks${s.reconnects ? `, ${s.reconnects} reconnects` : ''}${s.relists ? `, ${s.relists} re-lists after 410` : ''}`;
      if (poll.length) return `watch, then poll (the watch could not be held: ${poll[0]!.fallbackReason ?? 'unknown'}; ${detail})`;
      return `watch (${detail})`;
    },
    close: () => {
      for (const r of reflectors) r.close();
    },
  };
}
