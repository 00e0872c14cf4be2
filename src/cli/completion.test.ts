import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, tempDir } from '../../test/helpers.js';
import { stepSelectors } from './cmd-completion.js';
import { CATALOG } from '../phase08/index.js';

test('step selectors are every step id and every group a prefix selects', () => {
  assert.deepEqual(stepSelectors(['8.0.a', '8.0.b', '8.1', 'D-011.1', 'EXIT-GATE']), ['8', '8.0', 'D-011', '8.0.a', '8.0.b', '8.1', 'D-011.1', 'EXIT-GATE']);
  for (const s of CATALOG) assert.ok(stepSelectors().includes(s.id), s.id);
});

/**
 * Loads `capi-gate completion bash` into a real bash, finds the function `complete -p capi-gate`
 * registered, and calls it as bash does on TAB (COMP_WORDS, COMP_CWORD, COMP_LINE, COMP_POINT).
 * Each case prints its COMPREPLY sorted, one line per case.
 */
function bashComplete(dir: string, cases: string[][], env: NodeJS.ProcessEnv = {}): string[] {
  const script = join(dir, 'capi-gate.bash');
  const gen = spawnSync(process.execPath, [BIN, 'completion', 'bash'], { encoding: 'utf8' });
  assert.equal(gen.status, 0, gen.stderr);
  writeFileSync(script, gen.stdout);
  const driver = [
    `source ${JSON.stringify(script)}`,
    'spec=$(complete -p capi-gate) || exit 3',
    'fn=${spec#*-F }; fn=${fn%% *}',
    'comp() {',
    '  COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()',
    '  "$fn" capi-gate "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"',
    '  printf "%s\\n" "${COMPREPLY[@]}" | sort | tr "\\n" " "; echo',
    '}',
    ...cases.map((words) => `comp ${words.map((w) => `'${w}'`).join(' ')}`),
  ].join('\n');
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', driver], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir, ...env } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  return r.stdout.split('\n').slice(0, cases.length).map((l) => l.trim());
}

function runsDir(parent: string, ids: string[]): void {
  for (const id of ids) {
    mkdirSync(join(parent, id), { recursive: true });
    writeFileSync(join(parent, id, 'journal.jsonl'), '');
  }
  // Not runs: the demo's sites, cleanup's log.
  mkdirSync(join(parent, 'demo-sites', '20261206-120000'), { recursive: true });
  mkdirSync(join(parent, 'doctor'), { recursive: true });
}

test('bash completion (real bash, through `complete`): commands, options, step ids for --only/--skip, run ids for report, signoff and --resume', () => {
  const t = tempDir();
  try {
    runsDir(join(t.dir, 'runs'), ['20261206-101500-ab12', '20261206-111500-cd34']);
    runsDir(join(t.dir, 'elsewhere'), ['20261207-090000-ef56']);
    const got = bashComplete(t.dir, [
      ['capi-gate', ''],
      ['capi-gate', 'ru'],
      ['capi-gate', 'run', '--sk'],
      ['capi-gate', 'run', '--only', '8.0.'],
      ['capi-gate', 'run', '--only', '8.1,D-011.'],
      ['capi-gate', 'plan', '--skip', 'EX'],
      ['capi-gate', 'report', ''],
      ['capi-gate', 'report', '20261206-101500-ab12', '--format', ''],
      ['capi-gate', 'signoff', '2026'],
      ['capi-gate', 'signoff', '20261206-101500-ab12', ''],
      ['capi-gate', 'run', '--site', 'x.yaml', '--resume', ''],
      ['capi-gate', '--runs-dir', 'elsewhere', 'report', ''],
      ['capi-gate', 'completion', ''],
      ['capi-gate', 'demo', '--scenario', 'stuck'],
    ]);
    // The commands, sorted (a command added later shows up among them by itself).
    const words = got[0]!.split(' ');
    for (const c of ['cleanup', 'completion', 'demo', 'doctor', 'history', 'plan', 'report', 'run', 'runbook', 'signoff', 'sim']) {
      assert.ok(words.includes(c), `${c} in: ${got[0]}`);
    }
    assert.deepEqual(words, [...words].sort());
    assert.equal(got[1], 'run runbook');
    assert.equal(got[2], '--skip');
    assert.equal(got[3], '8.0.image 8.0.prereqs 8.0.reserved-memory 8.0.stage-and-verify 8.0.template');
    assert.equal(got[4], '8.1,D-011.1 8.1,D-011.2 8.1,D-011.3 8.1,D-011.4 8.1,D-011.5 8.1,D-011.6 8.1,D-011.7 8.1,D-011.8');
    assert.equal(got[5], 'EXIT-GATE');
    assert.equal(got[6], '20261206-101500-ab12 20261206-111500-cd34', 'run ids: directories with a journal, not demo-sites/ or doctor/');
    assert.equal(got[7], 'html json junit md');
    assert.equal(got[8], '20261206-101500-ab12 20261206-111500-cd34');
    assert.equal(got[9], 'D-011.6 D-011.7');
    assert.equal(got[10], '20261206-101500-ab12 20261206-111500-cd34');
    assert.equal(got[11], '20261207-090000-ef56', '--runs-dir on the line');
    assert.equal(got[12], 'bash zsh');
    assert.equal(got[13], 'stuck-delete');
    assert.deepEqual(bashComplete(t.dir, [['capi-gate', 'report', '']], { CAPI_GATE_RUNS_DIR: join(t.dir, 'elsewhere') }), ['20261207-090000-ef56'], '$CAPI_GATE_RUNS_DIR');
  } finally {
    t.cleanup();
  }
});

test('zsh completion (real zsh, when installed): registers capi-gate and completes step ids and run ids', (ctx) => {
  if (spawnSync('zsh', ['-c', 'true']).error) {
    ctx.skip('zsh is not installed (scripts/setup.sh installs it)');
    return;
  }
  const t = tempDir();
  try {
    runsDir(join(t.dir, 'runs'), ['20261206-101500-ab12']);
    const gen = spawnSync(process.execPath, [BIN, 'completion', 'zsh'], { encoding: 'utf8' });
    assert.equal(gen.status, 0, gen.stderr);
    writeFileSync(join(t.dir, '_capi-gate'), gen.stdout);
    // bashcompinit's `complete` records the function in $_comps; _bash_complete then sets the
    // COMP_ variables from the line (words, CURRENT) and calls `compgen -F FUNCTION`, as here.
    const comp = (label: string, words: string[]) => [
      `words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}`,
      'COMP_WORDS=("${words[@]}"); COMP_CWORD=$((CURRENT - 1)); COMP_LINE="$words"',
      `print -r -- "${label}: $(compgen -F _capi_gate -- "\${words[CURRENT]}" | sort | tr '\\n' ' ')"`,
    ].join('\n');
    const driver = [
      `source ${JSON.stringify(join(t.dir, '_capi-gate'))}`,
      'print -r -- "registered: ${_comps[capi-gate]}"',
      comp('only', ['capi-gate', 'run', '--only', '8.0.st']),
      comp('list', ['capi-gate', 'run', '--skip', '8.1,D-011.']),
      comp('report', ['capi-gate', 'report', '']),
    ].join('\n');
    const r = spawnSync('zsh', ['-f', '-c', driver], { cwd: t.dir, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: t.dir } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^registered: _bash_complete/m);
    // zsh's compadd keeps the candidates that start with the word on the line.
    const got = (label: string, word: string) => (new RegExp(`^${label}: (.*)$`, 'm').exec(r.stdout)?.[1] ?? '').split(' ').filter((w) => w && w.startsWith(word));
    assert.deepEqual(got('only', '8.0.st'), ['8.0.stage-and-verify']);
    assert.deepEqual(got('list', '8.1,D-011.'), ['8.1,D-011.1', '8.1,D-011.2', '8.1,D-011.3', '8.1,D-011.4', '8.1,D-011.5', '8.1,D-011.6', '8.1,D-011.7', '8.1,D-011.8']);
    assert.deepEqual(got('report', ''), ['20261206-101500-ab12']);
  } finally {
    t.cleanup();
  }
});

test('completion: an unknown or missing shell is a usage error (exit 2) with a hint', () => {
  const fish = spawnSync(process.execPath, [BIN, 'completion', 'fish'], { encoding: 'utf8' });
  assert.equal(fish.status, 2);
  assert.match(fish.stderr, /CAPI_GATE_USAGE: completion: unknown shell "fish"\n {2}Hint: Give one of: bash, zsh/);
  assert.equal(spawnSync(process.execPath, [BIN, 'completion'], { encoding: 'utf8' }).status, 2);
});
