// Poll pacing of the waits that read the workload cluster's own API (8.3 add-ons, D-011.4's
// EXTERNAL-IP and teardown). A GET against a kube-apiserver costs the cloud's OpenStack APIs
// nothing, and these waits sit on the critical path between the cloud's own steps, so they poll
// at most 5 s apart (x polling.intervalScale) instead of the tuning's 10 s cap.

import type { KubeTuning } from '../kube/index.js';

export function kubeWaitBackoff(t: KubeTuning): { initialMs: number; maxMs: number; factor: number; jitter: number } {
  return { initialMs: t.pollMinMs, maxMs: Math.max(t.pollMinMs, Math.min(t.pollMaxMs, 5_000)), factor: 1.5, jitter: 0.2 };
}
