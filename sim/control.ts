// The control API under /_sim/ (DESIGN: tests inspect and steer the site), plus the image CDN
// that stage-and-verify downloads from: it answers 403 to Python-urllib user agents, as the
// azimuth CDN does (FINDING-3).

import type { SimContext } from './context.js';
import type { Reply, SimRequest } from './http.js';
import { HttpError, Router, dispatch, fail, ok } from './http.js';
import { OpError } from './ops.js';
import { snapshot } from './snapshot.js';

export interface ControlDeps {
  readonly ctx: SimContext;
  readonly applyOp: (op: unknown) => string;
  readonly cdn: ReadonlyMap<string, Buffer>;
}

export function createControl(d: ControlDeps): (req: SimRequest) => Promise<Reply> {
  const { ctx } = d;
  const num = (v: string | null) => (v === null || v === '' ? undefined : Number(v));
  const clock = () => ({ now: ctx.clock.now(), iso: new Date(ctx.clock.now()).toISOString(), timeScale: ctx.clock.timeScale, pending: ctx.clock.pending() });

  const router = new Router()
    .on('GET', /^\/_sim\/?$/, () => ok({ endpoints: ['/_sim/state', '/_sim/timeline', '/_sim/requests', '/_sim/faults', '/_sim/clock', '/_sim/ops', '/cdn/<file>'] }))
    .on('GET', /^\/_sim\/health$/, () => ok({ ok: true }))
    .on('GET', /^\/_sim\/state$/, () => ok(snapshot(ctx)))
    .on('GET', /^\/_sim\/timeline$/, (req) => {
      const since = num(req.query.get('since')) ?? 0;
      const kind = req.query.get('kind');
      return ok({ timeline: ctx.world.timeline.filter((e) => e.seq > since && (kind === null || e.kind.startsWith(kind))) });
    })
    .on('GET', /^\/_sim\/requests$/, (req) => {
      const since = num(req.query.get('since'));
      const service = req.query.get('service') ?? undefined;
      return ok({ requests: ctx.log.list({ ...(since !== undefined ? { since } : {}), ...(service ? { service } : {}) }), last: ctx.log.lastSeq });
    })
    .on('GET', /^\/_sim\/faults$/, () => ok({ faults: ctx.faults.list() }))
    .on('POST', /^\/_sim\/faults$/, (req) => {
      const body = req.json();
      const rules = body !== null && typeof body === 'object' && !Array.isArray(body) && 'rules' in body ? (body as { rules: unknown }).rules : body;
      try {
        return ok({ ids: ctx.faults.add(rules) }, 201);
      } catch (err) {
        throw new HttpError({ status: 400, json: { error: err instanceof Error ? err.message : String(err) } });
      }
    })
    .on('DELETE', /^\/_sim\/faults$/, () => {
      ctx.faults.clear();
      return { status: 204 };
    })
    .on('DELETE', /^\/_sim\/faults\/([^/]+)$/, (_req, [id]) => {
      if (!ctx.faults.remove(id ?? '')) throw new HttpError({ status: 404, json: { error: `no fault rule ${id ?? ''}` } });
      return { status: 204 };
    })
    .on('GET', /^\/_sim\/clock$/, () => ok(clock()))
    .on('POST', /^\/_sim\/clock$/, (req) => {
      const b = req.json() as { advanceMs?: unknown; timeScale?: unknown };
      try {
        if (b.timeScale !== undefined) ctx.clock.setTimeScale(Number(b.timeScale));
        if (b.advanceMs !== undefined) ctx.clock.advance(Number(b.advanceMs));
      } catch (err) {
        throw new HttpError({ status: 400, json: { error: err instanceof Error ? err.message : String(err) } });
      }
      return ok(clock());
    })
    .on('POST', /^\/_sim\/ops$/, (req) => {
      const body = req.json();
      const list = Array.isArray(body) ? body : [body];
      try {
        return ok({ results: list.map((op) => d.applyOp(op)) });
      } catch (err) {
        if (err instanceof OpError) throw new HttpError({ status: 400, json: { error: err.message } });
        throw err;
      }
    })
    .on('GET', /^\/cdn\/([^/]+)$/, (req, [file]) => {
      const data = d.cdn.get(file ?? '');
      if (!data) throw new HttpError({ status: 404, text: 'Not Found' });
      if (/python-urllib/i.test(req.header('user-agent') ?? '')) throw new HttpError({ status: 403, text: 'Forbidden' });
      return { status: 200, raw: data, headers: { 'Content-Type': 'application/octet-stream' } };
    });

  return (req) => dispatch(router, req);
}

/** The core VIPs the simulator does not run a service for (barbican, cinder, horizon, placement). */
export function createVipStub(): (req: SimRequest) => Promise<Reply> {
  return (req) => {
    const name = req.path.split('/')[1] ?? '';
    if (!name) fail('vip', 404, 'no such VIP');
    return Promise.resolve(ok({ versions: [{ id: 'v1', status: 'CURRENT' }], service: decodeURIComponent(name) }));
  };
}
