// The management VM is a server in the real Nova (scripts/real-openstack.sh seeds capi-mgmt-v2):
// this watch reads its status as the cloud admin every few seconds and reports when it stops or
// starts being ACTIVE, so the simulated management API and SSH follow it (D-041: a host OOM
// SHUTOFF takes both away; `openstack server start` brings them back).

import type { OutboundCall } from '../cloud/http.js';
import { isLoopback } from '../loopback.js';

export interface MgmtVmWatchOptions {
  readonly authUrl: string;
  readonly username: string;
  readonly password: string;
  readonly userDomainName: string;
  readonly projectName: string;
  readonly projectDomainName: string;
  readonly vmName: string;
  readonly periodMs?: number;
  onChange(up: boolean): Promise<void> | void;
  onCall?(c: OutboundCall): void;
}

const DOWN_POLL_MS = 150;

export class MgmtVmWatch {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private token: string | undefined;
  private compute: string | undefined;
  private up: boolean | undefined;
  private busy = false;

  constructor(private readonly o: MgmtVmWatchOptions) {
    if (!isLoopback(new URL(o.authUrl).hostname)) throw new Error(`the mgmt VM watch talks to loopback only, not ${o.authUrl}`);
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      void this.poll().finally(() => {
        // While the VM is down, look often: a `server start` must bring SSH and the management API
        // back by the time Nova reports it ACTIVE (on the pure simulator they follow at once).
        if (!this.stopped) this.timer = setTimeout(tick, this.up === false ? DOWN_POLL_MS : (this.o.periodMs ?? 3000));
      });
    };
    tick();
  }

  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    return Promise.resolve();
  }

  private async auth(): Promise<void> {
    const t0 = Date.now();
    const res = await fetch(`${this.o.authUrl.replace(/\/+$/, '')}/auth/tokens`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: {
        identity: { methods: ['password'], password: { user: { name: this.o.username, domain: { name: this.o.userDomainName }, password: this.o.password } } },
        scope: { project: { name: this.o.projectName, domain: { name: this.o.projectDomainName } } },
      } }),
    });
    this.o.onCall?.({ at: t0, service: 'identity', method: 'POST', path: '/v3/auth/tokens', status: res.status, ms: Date.now() - t0 });
    const body = (await res.json().catch(() => ({}))) as { token?: { catalog?: { type: string; endpoints: { interface: string; url: string }[] }[] } };
    this.token = res.headers.get('x-subject-token') ?? undefined;
    this.compute = body.token?.catalog?.find((c) => c.type === 'compute')?.endpoints.find((e) => e.interface === 'public')?.url.replace(/\/+$/, '');
    if (this.compute && !isLoopback(new URL(this.compute).hostname)) this.compute = undefined;
  }

  /** Stops the VM through the real Nova (os-stop, as the cloud admin): the D-041 host OOM. */
  async stopServer(): Promise<void> {
    if (!this.token || !this.compute) await this.auth();
    if (!this.token || !this.compute) throw new Error('no compute endpoint in the real catalog');
    const list = await fetch(`${this.compute}/servers/detail?all_tenants=1&name=${encodeURIComponent(`^${this.o.vmName}$`)}`, { headers: { 'x-auth-token': this.token } });
    const s = (((await list.json()) as { servers?: { id: string; name: string; status: string }[] }).servers ?? []).find((x) => x.name === this.o.vmName);
    if (!s) throw new Error(`the real Nova has no server ${this.o.vmName}`);
    if (s.status === 'SHUTOFF') return;
    const t0 = Date.now();
    const res = await fetch(`${this.compute}/servers/${s.id}/action`, { method: 'POST', headers: { 'x-auth-token': this.token, 'content-type': 'application/json' }, body: JSON.stringify({ 'os-stop': null }) });
    this.o.onCall?.({ at: t0, service: 'compute', method: 'POST', path: '/servers/{id}/action', status: res.status, ms: Date.now() - t0 });
    if (res.status !== 202) throw new Error(`the real Nova refused to stop ${this.o.vmName}: HTTP ${res.status}`);
    for (let i = 0; i < 120; i++) {
      const r = await fetch(`${this.compute}/servers/${s.id}`, { headers: { 'x-auth-token': this.token } });
      const st = ((await r.json()) as { server?: { status?: string } }).server?.status;
      if (st === 'SHUTOFF') return;
      await new Promise((d) => setTimeout(d, 500));
    }
    throw new Error(`${this.o.vmName} did not reach SHUTOFF in 60 s`);
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      if (!this.token || !this.compute) await this.auth();
      if (!this.token || !this.compute) return;
      const t0 = Date.now();
      const res = await fetch(`${this.compute}/servers/detail?all_tenants=1&name=${encodeURIComponent(`^${this.o.vmName}$`)}`, { headers: { 'x-auth-token': this.token } });
      this.o.onCall?.({ at: t0, service: 'compute', method: 'GET', path: '/servers/detail', status: res.status, ms: Date.now() - t0 });
      if (res.status === 401) {
        this.token = undefined;
        return;
      }
      if (res.status !== 200) return;
      const servers = ((await res.json()) as { servers?: { name: string; status: string; 'OS-EXT-STS:task_state'?: string | null }[] }).servers ?? [];
      const s = servers.find((x) => x.name === this.o.vmName);
      // A VM the cloud does not have leaves the simulated side as it is (the site may name another).
      if (!s) return;
      // powering-on: Nova is starting it; it answers by the time Nova reports ACTIVE.
      const up = s.status === 'ACTIVE' || s['OS-EXT-STS:task_state'] === 'powering-on';
      if (up !== this.up) {
        const first = this.up === undefined;
        this.up = up;
        if (!first || !up) await this.o.onChange(up);
      }
    } catch {
      // the next poll tries again (a restarting service)
    } finally {
      this.busy = false;
    }
  }
}
