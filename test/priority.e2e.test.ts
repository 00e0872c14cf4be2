// `run --nice-after-create`: the process's CPU priority drops when 8.1 has sent the create, not
// before; 0 leaves it; a bad value is a usage error. Read from /proc, as `ps -o ni` would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { BIN, tempDir } from './helpers.js';
import { startSimProcess } from './sim-process.js';

/** The nice value of a live process (field 19 of /proc/PID/stat). */
function niceOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

test('run lowers its priority once 8.1 has sent the create, and not before', { skip: !existsSync('/proc/self/stat') && 'needs /proc' }, async () => {
  const dir = tempDir();
  const sim = await startSimProcess(join(dir.dir, 'sim'), ['--time-scale', '0.01']);
  try {
    const base = getPriority();
    const want = Math.min(19, base + 4);
    const child = spawn(process.execPath, [BIN, 'run', '--site', sim.site, '--runs-dir', join(dir.dir, 'runs'), '--only', '8.0.prereqs,8.0.image,8.0.template,8.1,8.2', '--nice-after-create', String(want)], { env: { ...sim.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const samples: { line: string; nice: number }[] = [];
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => { err += String(d); });
    child.stdout.on('data', (d) => {
      out += String(d);
      // The priority at each line the run prints, sampled when the line arrives.
      for (const line of String(d).split('\n').filter(Boolean)) {
        try {
          samples.push({ line, nice: niceOf(child.pid!) });
        } catch {
          // exited between the line and the read
        }
      }
    });
    const code = await new Promise<number | null>((r) => child.once('close', r));
    assert.equal(code, 5, `partial run, the selected steps passed: ${out}\n${err}`);
    const said = samples.findIndex((s) => /8\.1 the create is out; .*CPU priority lowered to nice (\d+)/.test(s.line));
    assert.ok(said > 0, `the run says it lowered its priority:\n${out}`);
    assert.match(samples[said]!.line, new RegExp(`nice ${want} `));
    const before = samples.slice(0, said).filter((s) => /^\d\d:\d\d:\d\d 8\.0\./.test(s.line));
    assert.ok(before.length > 0 && before.every((s) => s.nice === base), `8.0 ran at the priority it started with (${base}): ${JSON.stringify(before)}`);
    assert.ok(samples.slice(0, said).every((s) => !/^\d\d:\d\d:\d\d 8\.2 /.test(s.line)), '8.2 starts after the priority line');
    const after = samples.slice(said).filter((s) => /^\d\d:\d\d:\d\d 8\.2 /.test(s.line));
    assert.ok(after.length > 0 && after.every((s) => s.nice === want), `8.2 waits at nice ${want}: ${JSON.stringify(after)}`);
  } finally {
    await sim.stop();
    dir.cleanup();
  }
});

test('--nice-after-create 0 leaves the priority alone; a value outside 0..19 is a usage error (exit 2)', async () => {
  const dir = tempDir();
  const sim = await startSimProcess(join(dir.dir, 'sim'), ['--time-scale', '0.01']);
  try {
    const r = spawnSync(process.execPath, [BIN, 'run', '--site', sim.site, '--runs-dir', join(dir.dir, 'runs'), '--only', '8.0.prereqs,8.0.image,8.0.template,8.1', '--nice-after-create', '0'], { env: { ...sim.env, NO_COLOR: '1' }, encoding: 'utf8' });
    assert.equal(r.status, 5, r.stdout + r.stderr);
    assert.match(r.stdout, /^\d\d:\d\d:\d\d 8\.1 PASS/m);
    assert.doesNotMatch(r.stdout, /CPU priority/);
    for (const bad of ['20', '-3', 'low']) {
      const u = spawnSync(process.execPath, [BIN, 'run', '--site', sim.site, '--runs-dir', join(dir.dir, 'runs'), '--nice-after-create', bad], { encoding: 'utf8' });
      assert.equal(u.status, 2, bad);
      assert.match(u.stderr, /--nice-after-create takes a whole number from 0 to 19/);
      assert.doesNotMatch(u.stderr, /\n\s+at /, 'no stack trace');
    }
  } finally {
    await sim.stop();
    dir.cleanup();
  }
});
