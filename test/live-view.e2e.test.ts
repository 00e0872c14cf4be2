// The live terminal view under a real pseudo-terminal (tmux): a step tree with the wait's
// what / state / elapsed / deadline; NO_COLOR respected; plain lines when not a TTY or with
// --plain. A whole run at 80x24 and at 160x40, and one resized twice on the way, leave the frame
// once in the scrollback: every line fits the width, the repaint counts screen rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN, tempDir } from './helpers.js';
import { startSimProcess } from './sim-process.js';
import { requireTool } from './artifacts.js';
import { CATALOG } from '../src/phase08/index.js';

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
    assert.match(colored.plain, /waiting for cluster capi-test-1 to CREATE_COMPLETE: CREATE_IN_PROGRESS\s+\S+ \/ \d+m\d\ds \(expected ~\S+\)\s+poll \d+, \d+\/\d+ requests/, 'what, state, elapsed / deadline, the expected end, polls and requests against the budget');
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

interface Pane {
  readonly socket: string;
  readonly session: string;
  tmux(...args: string[]): string;
  /** The visible screen; joined: wrapped rows as one line. */
  screen(joined?: boolean): string;
  /** The whole scrollback and screen, as `capture-pane -S -` gives it (no trailing empty rows). */
  everything(joined?: boolean): string[];
}

/**
 * Runs `command` in a new tmux server of its own at columns x rows until it prints EXIT=<code>;
 * `during` acts on the pane meanwhile. Returns the pane's whole scrollback then, and the exit code.
 */
async function inTmux(dir: string, name: string, columns: number, rows: number, command: string, during: (p: Pane) => Promise<void> = async () => undefined): Promise<{ rows: string[]; joined: string[]; exitCode: number }> {
  const socket = join(dir, `tmux-${name}`);
  const session = `cg-${name}-${process.pid}`;
  const pane: Pane = {
    socket,
    session,
    tmux: (...args) => tmux(socket, ...args),
    screen: (joined = false) => tmux(socket, 'capture-pane', '-p', ...(joined ? ['-J'] : []), '-t', session),
    everything: (joined = false) => tmux(socket, 'capture-pane', '-p', ...(joined ? ['-J'] : []), '-S', '-', '-t', session).replace(/\n+$/, '').split('\n'),
  };
  tmux(socket, 'new-session', '-d', '-s', session, '-x', String(columns), '-y', String(rows), `${command}; echo EXIT=$?; sleep 600`);
  try {
    await during(pane);
    for (let i = 0; i < 1200; i++) {
      const all = pane.everything();
      const exit = all.map((l) => /^EXIT=(\d+)$/.exec(l)).find(Boolean);
      if (exit) return { rows: all, joined: pane.everything(true), exitCode: Number(exit[1]) };
      await sleep(100);
    }
    throw new Error(`no EXIT= in 120 s:\n${pane.everything().join('\n')}`);
  } finally {
    spawnSync('tmux', ['-S', socket, 'kill-server']);
  }
}

async function waitForScreen(p: Pane, re: RegExp, what: string): Promise<string> {
  const screen = await screenMatching(p, re);
  if (screen === undefined) throw new Error(`never saw ${what}:\n${p.screen()}`);
  return screen;
}

async function screenMatching(p: Pane, re: RegExp): Promise<string | undefined> {
  for (let i = 0; i < 600; i++) {
    const screen = p.screen();
    if (re.test(screen)) return screen;
    if (/^EXIT=/m.test(screen)) return undefined;
    await sleep(50);
  }
  return undefined;
}

const HEADER = /^capi-gate run \d{8}-\d{6}-\w+ +site /;
// A tree row: a status or state in 11 columns, the mutation mark, the step id.
const stepRow = (id: string) => new RegExp(`^.{11} [M ] ${id.replace(/\./g, '\\.')}(\\s|$)`);
const count = (rows: readonly string[], re: RegExp) => rows.filter((r) => re.test(r)).length;

/**
 * The frame of a finished run, once: each step's row once, nothing running or waiting, at most a
 * frame's worth of lines before the verdict, every line narrower than the terminal.
 */
function assertOneFrame(rows: readonly string[], joined: readonly string[], columns: number, label: string): void {
  const dump = `${label}: ${rows.length} rows\n${rows.slice(0, 80).join('\n')}`;
  for (const s of CATALOG) assert.equal(count(rows, stepRow(s.id)), 1, `the row of ${s.id} once; ${dump}`);
  assert.equal(count(rows, /^[|/\\-] running |^ +waiting for /), 0, `no stale frame (nothing runs at the end); ${dump}`);
  // Log lines printed before the view starts (the pre-flight line) wrap as any log line does; the
  // frame is from its header to the verdict.
  const header = rows.findIndex((r) => HEADER.test(r));
  const verdict = rows.findIndex((r) => r.startsWith('Verdict: '));
  assert.ok(header >= 0 && verdict > header && verdict - header <= 1 + CATALOG.length + 4 + 2, `before the verdict, one frame (the header, ${CATALOG.length} steps, at most 4 notes): ${verdict - header} rows; ${dump}`);
  assert.equal(count(rows, HEADER), 1, `the header once; ${dump}`);
  const frame = joined.slice(joined.findIndex((r) => HEADER.test(r)), joined.findIndex((r) => r.startsWith('Verdict: ')));
  for (const line of frame) assert.ok([...line].length < columns, `a frame line wider than ${columns - 1} columns wrapped: ${JSON.stringify(line)}`);
}

test('a whole run at 80x24 and at 160x40 leaves the frame once in the scrollback, every line within the width', async (t) => {
  if (!requireTool(t, hasTmux, 'tmux')) return;
  const dir = tempDir();
  const sim = await startSimProcess(join(dir.dir, 'sim'), ['--time-scale', '0.02']);
  try {
    for (const [columns, rows] of [[80, 24], [160, 40]] as const) {
      const cmd = `env -u CI OS_CLIENT_CONFIG_FILE=${join(sim.dir, 'clouds.yaml')} TERM=xterm-256color ${process.execPath} ${BIN} run --site ${sim.site} --runs-dir ${join(dir.dir, `runs-${columns}`)}`;
      let whileWaiting: string | undefined;
      const r = await inTmux(dir.dir, `whole-${columns}`, columns, rows, cmd, async (p) => {
        whileWaiting = await screenMatching(p, /running +8\.2 [^]*waiting for cluster capi-/);
      });
      assert.equal(r.exitCode, 0, r.rows.join('\n'));
      assertOneFrame(r.rows, r.joined, columns, `${columns}x${rows}`);
      // While it ran: one frame on the screen, within the screen.
      assert.ok(whileWaiting !== undefined, 'the screen showed 8.2 waiting');
      assert.ok(whileWaiting.split('\n').filter(Boolean).length <= rows - 1, whileWaiting);
      assert.equal(count(whileWaiting.split('\n'), HEADER), 1, whileWaiting);
    }
  } finally {
    await sim.stop();
    dir.cleanup();
  }
});

test('a resize mid-run takes effect at the next frame: wider and taller leaves nothing behind; narrower leaves a clean screen', async (t) => {
  if (!requireTool(t, hasTmux, 'tmux')) return;
  const dir = tempDir();
  const sim = await startSimProcess(join(dir.dir, 'sim'), ['--time-scale', '0.02']);
  try {
    const cmd = `env -u CI OS_CLIENT_CONFIG_FILE=${join(sim.dir, 'clouds.yaml')} TERM=xterm-256color ${process.execPath} ${BIN} run --site ${sim.site} --runs-dir ${join(dir.dir, 'runs')}`;
    let beforeNarrowing = 0;
    const r = await inTmux(dir.dir, 'resize', 160, 40, cmd, async (p) => {
      await waitForScreen(p, /waiting for cluster capi-test-1 to CREATE_COMPLETE/, 'the 8.2 wait');
      p.tmux('resize-window', '-t', p.session, '-x', '200', '-y', '50');
      await sleep(400);
      const all = p.everything();
      assert.equal(count(all, stepRow('8.0.prereqs')), 1, `wider and taller: nothing left behind\n${all.join('\n')}`);
      assert.equal(count(all, HEADER), 1, `wider and taller: nothing left behind\n${all.join('\n')}`);
      assert.ok(p.screen(true).split('\n').every((l) => [...l].length < 200), 'the frame is drawn at the new width');
      // Narrower: the terminal re-wraps the rows already drawn (a 150-column row becomes two) and
      // pushes those that no longer fit into its scrollback before the program hears of the
      // resize; what is on the screen is repainted from its first row.
      await waitForScreen(p, /running +(M )?(D-011|8\.5)/, 'a later step');
      beforeNarrowing = p.screen().split('\n').filter(Boolean).length;
      p.tmux('resize-window', '-t', p.session, '-x', '80', '-y', '24');
      await sleep(400);
      const screen = p.screen().split('\n');
      assert.equal(count(screen, HEADER), 1, `narrower: one frame on the screen\n${screen.join('\n')}`);
      assert.ok(p.screen(true).split('\n').every((l) => [...l].length < 80), `the frame is drawn at the new width:\n${p.screen(true)}`);
    });
    assert.equal(r.exitCode, 0, r.rows.join('\n'));
    // What the narrowing pushed out is there once, at most the old frame re-wrapped (two rows a
    // line) less the new screen; the final frame follows, whole and once.
    const last = r.rows.findLastIndex((l) => HEADER.test(l));
    assert.ok(last >= 0 && last <= 2 * beforeNarrowing, `${last} rows before the final frame (a frame of ${beforeNarrowing} before the narrowing)\n${r.rows.join('\n')}`);
    const lastJoined = r.joined.findLastIndex((l) => HEADER.test(l));
    assertOneFrame(r.rows.slice(last), r.joined.slice(lastJoined), 80, 'after the resizes');
  } finally {
    await sim.stop();
    dir.cleanup();
  }
});

test('--plain prints plain timestamped lines on a terminal, for run and for demo', async (t) => {
  if (!requireTool(t, hasTmux, 'tmux')) return;
  const dir = tempDir();
  try {
    const env = 'env -u CI TERM=xterm-256color';
    const run = await inTmux(dir.dir, 'plain-run', 80, 24, `${env} ${process.execPath} ${BIN} run --plain --site ${join(process.cwd(), 'docs', 'site.example.yaml')} --runs-dir ${join(dir.dir, 'runs')} --only D-011.8`);
    assert.equal(run.exitCode, 5, run.rows.join('\n'));
    assert.match(run.rows.join('\n'), /^\d\d:\d\d:\d\d D-011\.8 DEFERRED/m);
    assert.equal(count(run.rows, HEADER), 0, 'no live view');
    const demo = await inTmux(dir.dir, 'plain-demo', 80, 24, `${env} ${process.execPath} ${BIN} --runs-dir ${join(dir.dir, 'runs')} demo --plain --time-scale 0.02`, async (p) => {
      await waitForScreen(p, /^\d\d:\d\d:\d\d 8\.2 waiting for cluster capi-test-1/m, 'a plain wait line');
      assert.ok(!p.tmux('capture-pane', '-p', '-e', '-t', p.session).includes(ESC), 'no escape codes (no colour, no cursor moves)');
    });
    assert.match(demo.rows.join('\n'), /^\d\d:\d\d:\d\d run \S+ site sim: 18 steps$/m);
    assert.match(demo.rows.join('\n'), /^\d\d:\d\d:\d\d EXIT-GATE /m);
    assert.equal(count(demo.rows, HEADER), 0, 'no live view');
    assert.equal(count(demo.rows, /^.{11} [M ] 8\.1\s/), 0, 'no step tree');
  } finally {
    dir.cleanup();
  }
});
