// The live terminal view under a real pseudo-terminal (tmux): a step tree with the wait's
// what / state / elapsed / deadline; NO_COLOR respected; plain lines when not a TTY.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN, tempDir } from './helpers.js';
import { startSimProcess } from './sim-process.js';
import { requireTool } from './artifacts.js';

// ESC [ 3x m: an ANSI foreground colour.
const COLOR = new RegExp(String.fromCharCode(27) + '\\[3[0-9]m');
const ESC = String.fromCharCode(27);
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Each session gets its own tmux server (-S, a socket in the test's temp dir): killing the
// last session of a shared server makes it exit, and a new-session that reaches it while it
// is going fails with "server exited unexpectedly" (seen once in CI).
function tmux(socket: string, ...args: string[]): string {
  return execFileSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
}

async function screenWhileWaiting(session: string, socket: string, noColor: boolean, simDir: string, runs: string, clouds: string): Promise<{ plain: string; escaped: string }> {
  const env = [`OS_CLIENT_CONFIG_FILE=${clouds}`, 'TERM=xterm-256color', ...(noColor ? ['NO_COLOR=1'] : [])].join(' ');
  // CI is unset inside the pane: under CI capi-gate prints plain lines on purpose.
  const cmd = `env -u CI ${env} ${process.execPath} ${BIN} run --site ${join(simDir, 'site.yaml')} --runs-dir ${runs} --only 8.0.prereqs,8.0.image,8.0.template,8.1,8.2; sleep 30`;
  tmux(socket, 'new-session', '-d', '-s', session, '-x', '160', '-y', '40', cmd);
  try {
    for (let i = 0; i < 120; i++) {
      await sleep(250);
      const plain = tmux(socket, 'capture-pane', '-p', '-t', session);
      if (/waiting for cluster capi-test-1 to CREATE_COMPLETE/.test(plain)) {
        return { plain, escaped: tmux(socket, 'capture-pane', '-p', '-e', '-t', session) };
      }
    }
    throw new Error(`never saw the wait:\n${tmux(socket, 'capture-pane', '-p', '-t', session)}`);
  } finally {
    spawnSync('tmux', ['-S', socket, 'kill-server']);
  }
}

test('on a TTY the live view shows the step tree and the wait (what, state, elapsed, deadline); NO_COLOR is respected', async (t) => {
  if (!requireTool(t, hasTmux, 'tmux')) return;
  const dir = tempDir();
  const sim = await startSimProcess(join(dir.dir, 'sim'), ['--time-scale', '0.05']);
  try {
    const clouds = join(sim.dir, 'clouds.yaml');
    const colored = await screenWhileWaiting(`cg-live-${process.pid}-a`, join(dir.dir, 'tmux-a'), false, sim.dir, join(dir.dir, 'runs-a'), clouds);
    assert.match(colored.plain, /PASS\s+M?\s*8\.1\s/, 'finished steps show their status in the tree');
    assert.match(colored.plain, /running\s+8\.2\s/, 'the running step is marked');
    assert.match(colored.plain, /waiting for cluster capi-test-1 to CREATE_COMPLETE: CREATE_IN_PROGRESS\s+\S+ \/ \d+m\d\ds\s+poll \d+/, 'what, state, elapsed / deadline');
    assert.match(colored.escaped, COLOR, 'colour on a TTY');
    assert.doesNotMatch(colored.plain, /^\d\d:\d\d:\d\d /m, 'not the plain timestamped lines');

    const mono = await screenWhileWaiting(`cg-live-${process.pid}-b`, join(dir.dir, 'tmux-b'), true, sim.dir, join(dir.dir, 'runs-b'), clouds);
    assert.match(mono.plain, /waiting for cluster capi-test-1/);
    assert.doesNotMatch(mono.escaped, COLOR, 'NO_COLOR: no colour codes');
  } finally {
    await sim.stop();
    dir.cleanup();
  }
});

test('when stdout is not a TTY, plain timestamped lines', async () => {
  const dir = tempDir();
  try {
    const r = spawnSync(process.execPath, [BIN, 'run', '--site', join(process.cwd(), 'docs', 'site.example.yaml'), '--runs-dir', join(dir.dir, 'runs'), '--only', 'D-011.8'], { encoding: 'utf8' });
    assert.match(r.stdout, /^\d\d:\d\d:\d\d D-011\.8 DEFERRED/m);
    assert.ok(!r.stdout.includes(ESC), 'no escape codes');
  } finally {
    dir.cleanup();
  }
});
