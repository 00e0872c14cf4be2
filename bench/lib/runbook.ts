// The runbook's own bash, taken from the runbook file and assembled into one script a person
// would run top to bottom: the scope preamble, then each step's fenced bash blocks verbatim, with
// `sleep N` scaled by the simulator's time scale. Where the runbook states a command in prose
// rather than a block (D-011.2 "repeat per core VIP", D-011.4 failover "watch ... -> ACTIVE",
// 8.5 "watch coe cluster list to gone", the interactive `kubectl get svc rr -w`), the script
// spells out the loop the operator runs, polling at the runbook's own 8.2 cadence (sleep 30).

import { readFileSync } from 'node:fs';

export interface RunbookPart {
  /** The capi-gate step(s) this part corresponds to. */
  readonly step: string;
  readonly source: 'runbook block' | 'runbook prose, spelled out';
  readonly bash: string;
}

interface Section {
  readonly title: string;
  readonly body: string;
}

function sections(md: string): Section[] {
  const out: Section[] = [];
  const re = /^##+ (.+)$/gm;
  const heads = [...md.matchAll(re)];
  heads.forEach((h, i) => {
    const start = (h.index ?? 0) + h[0].length;
    const end = heads[i + 1]?.index ?? md.length;
    out.push({ title: h[1] ?? '', body: md.slice(start, end) });
  });
  return out;
}

function blocks(body: string): string[] {
  return [...body.matchAll(/^\s*```bash\n([\s\S]*?)^\s*```/gm)].map((m) => m[1] ?? '');
}

function dedent(text: string): string {
  const lines = text.split('\n');
  const ind = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(Number.isFinite(ind) ? ind : 0)).join('\n');
}

export function scaleSleeps(bash: string, scale: number): string {
  return bash.replace(/\bsleep (\d+(?:\.\d+)?)\b/g, (_m, n: string) => `sleep ${Number((Number(n) * scale).toFixed(3))}`);
}

export interface RunbookScript {
  readonly parts: RunbookPart[];
  /** Runbook pieces the script does not run, and why. */
  readonly notRun: string[];
}

/** The parts for the given capi-gate steps, in runbook order. */
export function runbookParts(path: string, steps: ReadonlySet<string>, coreVipUrls: readonly string[], clusterName: string): RunbookScript {
  const md = readFileSync(path, 'utf8');
  const secs = sections(md);
  const sec = (prefix: string) => secs.find((s) => s.title.startsWith(prefix));
  const need = (title: string) => {
    const s = sec(title);
    if (!s) throw new Error(`runbook: no section "${title}"`);
    return s;
  };
  const parts: RunbookPart[] = [];
  const notRun: string[] = [];
  const has = (id: string) => steps.has(id) || [...steps].some((s) => s.startsWith(`${id}.`));
  const cap = (step: string, bash: string, source: RunbookPart['source'] = 'runbook block') => parts.push({ step, source, bash });

  const [tenantScope, adminScope] = blocks(need('Scope-hygiene preambles').body);
  if (!tenantScope || !adminScope) throw new Error('runbook: the scope preambles are not two bash blocks');
  cap('preamble', tenantScope);

  if (has('8.0')) for (const b of blocks(need('Step 8.0').body)) cap('8.0', b);
  if (has('8.1')) for (const b of blocks(need('Step 8.1').body)) cap('8.1', b);
  if (has('8.2')) for (const b of blocks(need('Step 8.2').body)) cap('8.2', b);
  if (has('8.3')) for (const b of blocks(need('Step 8.3').body)) cap('8.3', b);

  const bar = need('Step 8.4').body;
  const inline = (item: string) => {
    const m = new RegExp(`\\*\\*${item.replace('.', '\\.')} [\\s\\S]*?(?=\\n- \\*\\*D-011|$)`).exec(bar);
    return m?.[0] ?? '';
  };
  if (has('D-011.1')) {
    const cmd = /`(juju status[^`]+)`/.exec(inline('D-011.1'))?.[1];
    if (cmd) cap('D-011.1', cmd);
  }
  if (has('D-011.2')) {
    const cmd = /`(curl -sk \S+ -o \/dev\/null -w '[^']+')`/.exec(inline('D-011.2'))?.[1];
    if (cmd) cap('D-011.2', coreVipUrls.map((u) => cmd.replace(/https:\/\/\S+/, u)).join('\n'), 'runbook prose, spelled out');
  }
  if (has('D-011.3')) notRun.push('D-011.3 (ssh to the mgmt VM: needs the operator\'s key and known_hosts)');
  if (has('D-011.4')) {
    const item = inline('D-011.4');
    const [rr] = blocks(item).map(dedent);
    if (rr) {
      cap('D-011.4', rr.replace(/^kubectl get svc rr -w.*$/m,
        "for i in $(seq 1 60); do [ -n \"$(kubectl get svc rr -o jsonpath='{.status.loadBalancer.ingress[0].ip}')\" ] && break; sleep 5; done   # the operator's `kubectl get svc rr -w` + Ctrl-C"));
    }
    const fo = /`(openstack loadbalancer\s+failover) <api-lb-id>`/.exec(item.replace(/\s*\n\s*/g, ' '))?.[1];
    if (fo) {
      cap('D-011.4', [
        '( {',
        adminScope.trim(),
        `  LB=$(openstack loadbalancer list -f value -c id -c name | awk '/-${clusterName}-.*-kubeapi$/{print $1}')`,
        `  ${fo} "$LB"`,
        '  for i in $(seq 1 40); do',
        '    S=$(openstack loadbalancer show "$LB" -f value -c provisioning_status -c operating_status | tr "\\n" " ")',
        '    echo "[$i] $S"',
        '    case " $S" in *" ACTIVE "*) break;; esac   # the columns print in the resource\'s order',
        '    sleep 30',
        '  done',
        '} )',
      ].join('\n'), 'runbook prose, spelled out');
    }
  }
  if (has('D-011.6')) notRun.push('D-011.6 (the runbook gives no command: "confirm vault Sealed=false")');
  if (has('D-011.7')) notRun.push('D-011.7 (the runbook gives no command for the snapshot check)');
  if (has('8.5')) {
    const [del] = blocks(need('Step 8.5').body);
    if (del) {
      cap('8.5', del);
      cap('8.5', `while openstack coe cluster list -f value -c name | grep -qx ${clusterName}; do sleep 30; done   # "watch coe cluster list to gone"`, 'runbook prose, spelled out');
    }
  }
  return { parts, notRun };
}

/** One bash script from the parts, each bracketed by timing marks on stdout (no extra processes). */
export function runbookScript(parts: readonly RunbookPart[], scale: number): string {
  const out = ['#!/bin/bash', '# Generated by bench/: the runbook\'s own bash against the simulator; sleeps scaled by ' + scale, 'cd "$HOME"'];
  parts.forEach((p, i) => {
    out.push(`echo "@@mark ${i} ${p.step} start $EPOCHREALTIME"`);
    out.push(scaleSleeps(p.bash.trimEnd(), scale));
    out.push(`echo "@@mark ${i} ${p.step} end $EPOCHREALTIME"`);
  });
  return out.join('\n') + '\n';
}

/** Wall ms per step from the script's marks. */
export function stepTimes(stdout: string): Map<string, number> {
  const starts = new Map<string, number>();
  const took = new Map<string, number>();
  for (const m of stdout.matchAll(/^@@mark (\d+) (\S+) (start|end) ([\d.]+)$/gm)) {
    const key = `${m[1]} ${m[2]}`;
    const t = Number(m[4]) * 1000;
    if (m[3] === 'start') starts.set(key, t);
    else {
      const step = m[2] ?? '';
      took.set(step, (took.get(step) ?? 0) + t - (starts.get(key) ?? t));
    }
  }
  return took;
}
