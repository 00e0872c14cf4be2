// Fault rules: data, not code (DESIGN "Faults are declared in named scenarios"). A rule
// matches by service, method, path (a regex on the path without the query), who is calling,
// and whether the call comes from a client over HTTP or from the simulated driver; it acts
// after `after` matches, for `count` matches (or for ever), with an optional seeded
// probability. Delays add up; the first terminal action (status, drop, malformed) wins.

import { z } from 'zod';
import type { Rng } from './rand.js';

const service = z.enum(['keystone', 'magnum', 'glance', 'octavia', 'nova', 'neutron', 'vip', 'control']);
const principal = z.enum(['admin', 'tenant', 'appcred', 'anonymous']);

const action = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('status'),
    status: z.number().int().min(100).max(599),
    message: z.string().optional(),
    body: z.unknown().optional(),
    text: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  /** Slow response: waits `ms` of real time (or `simMs` of simulated time) and then answers normally. */
  z.strictObject({ type: z.literal('delay'), ms: z.number().min(0).optional(), simMs: z.number().min(0).optional() }),
  /** Closes the connection without an answer. */
  z.strictObject({ type: z.literal('drop') }),
  /** Answers normally but truncates the JSON body. */
  z.strictObject({ type: z.literal('malformed') }),
]);

export const faultRuleSchema = z.strictObject({
  id: z.string().min(1).optional(),
  description: z.string().optional(),
  service: z.union([service, z.array(service)]).optional(),
  method: z.union([z.string(), z.array(z.string())]).optional(),
  path: z.string().optional(),
  principals: z.array(principal).optional(),
  /** http: client calls; driver: calls the simulated magnum-capi-helm driver makes; default both. */
  phase: z.enum(['http', 'driver', 'both']).default('both'),
  after: z.number().int().min(0).default(0),
  count: z.number().int().min(1).optional(),
  probability: z.number().min(0).max(1).optional(),
  action,
});

export type FaultRuleInput = z.input<typeof faultRuleSchema>;
export type FaultRule = z.output<typeof faultRuleSchema>;
export type FaultAction = FaultRule['action'];
export type TerminalAction = Exclude<FaultAction, { type: 'delay' }>;

export interface FaultCall {
  readonly service: string;
  readonly method: string;
  readonly path: string;
  readonly principal: string;
  readonly phase: 'http' | 'driver';
}

export interface FaultDecision {
  /** Real milliseconds to wait before answering. */
  readonly delayMs: number;
  readonly action: TerminalAction | undefined;
  readonly ruleIds: string[];
}

interface Live {
  rule: FaultRule;
  id: string;
  re: RegExp | undefined;
  seen: number;
  applied: number;
}

export class FaultEngine {
  private rules: Live[] = [];
  private seq = 0;

  constructor(private readonly rng: Rng, private readonly timeScale: () => number) {}

  /** Validates and appends rules; returns their ids. Throws a readable error on a bad rule. */
  add(input: unknown): string[] {
    const list = Array.isArray(input) ? input : [input];
    const parsed = list.map((r, i) => {
      const res = faultRuleSchema.safeParse(r);
      if (!res.success) throw new Error(`fault rule ${i}: ${res.error.issues.map((x) => `${x.path.join('.') || '(rule)'}: ${x.message}`).join('; ')}`);
      if (res.data.path !== undefined) {
        try {
          new RegExp(res.data.path);
        } catch {
          throw new Error(`fault rule ${i}: path is not a valid regular expression: ${res.data.path}`);
        }
      }
      return res.data;
    });
    return parsed.map((rule) => {
      const id = rule.id ?? `rule-${++this.seq}`;
      this.rules.push({ rule, id, re: rule.path !== undefined ? new RegExp(rule.path) : undefined, seen: 0, applied: 0 });
      return id;
    });
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }

  list(): { id: string; rule: FaultRule; seen: number; applied: number; exhausted: boolean }[] {
    return this.rules.map((r) => ({ id: r.id, rule: r.rule, seen: r.seen, applied: r.applied, exhausted: r.rule.count !== undefined && r.applied >= r.rule.count }));
  }

  decide(call: FaultCall): FaultDecision {
    let delayMs = 0;
    let action: TerminalAction | undefined;
    const ruleIds: string[] = [];
    for (const live of this.rules) {
      const r = live.rule;
      if (!this.matches(live, call)) continue;
      live.seen++;
      if (live.seen <= r.after) continue;
      if (r.count !== undefined && live.applied >= r.count) continue;
      if (r.probability !== undefined && this.rng.next() >= r.probability) continue;
      if (r.action.type === 'delay') {
        live.applied++;
        ruleIds.push(live.id);
        delayMs += (r.action.ms ?? 0) + (r.action.simMs ?? 0) * this.timeScale();
        continue;
      }
      if (action) continue;
      live.applied++;
      ruleIds.push(live.id);
      action = r.action;
    }
    return { delayMs, action, ruleIds };
  }

  private matches(live: Live, call: FaultCall): boolean {
    const r = live.rule;
    if (r.phase !== 'both' && r.phase !== call.phase) return false;
    if (r.service !== undefined && !(Array.isArray(r.service) ? r.service : [r.service]).includes(call.service as never)) return false;
    if (r.method !== undefined && !(Array.isArray(r.method) ? r.method : [r.method]).some((m) => m.toUpperCase() === call.method)) return false;
    if (r.principals !== undefined && !r.principals.includes(call.principal as never)) return false;
    if (live.re && !live.re.test(call.path)) return false;
    return true;
  }
}
