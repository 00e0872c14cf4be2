// `capi-gate completion bash|zsh`: a shell completion script, made from the command line itself
// (every command and option commander knows), the step catalog (ids and groups for --only and
// --skip) and the simulator's scenarios. Run ids (report, signoff, run --resume) are read when
// completing: the directories of the runs directory (--runs-dir on the line, else
// $CAPI_GATE_RUNS_DIR, else ./runs) that hold a journal.
//
//   source <(capi-gate completion bash)                      # ~/.bashrc
//   capi-gate completion zsh > "${fpath[1]}/_capi-gate"      # or: source <(capi-gate completion zsh)

import type { Command } from 'commander';
import { CapiGateError } from '../core/errors.js';
import { CATALOG } from '../phase08/index.js';
import { allScenarios } from '../../sim/site-sim.js';

export const SHELLS = ['bash', 'zsh'] as const;

/** Step ids and the groups they form (8, 8.0, D-011: every proper dotted prefix). */
export function stepSelectors(ids: readonly string[] = CATALOG.map((s) => s.id)): string[] {
  const groups = new Set<string>();
  for (const id of ids) {
    const parts = id.split('.');
    for (let i = 1; i < parts.length; i++) groups.add(parts.slice(0, i).join('.'));
  }
  return [...new Set([...groups, ...ids])];
}

interface CommandSpec { name: string; options: string[] }

function specs(program: Command): { global: string[]; commands: CommandSpec[]; valued: string[] } {
  const longs = (c: Command) => c.options.map((o) => o.long).filter((l): l is string => !!l);
  // Options that take a value (--site FILE): the word after them is not a positional argument.
  const valued = new Set([program, ...program.commands].flatMap((c) => c.options.filter((o) => o.required && o.long).map((o) => o.long as string)));
  return {
    global: [...new Set([...longs(program), '--help', '--version'])],
    commands: program.commands.map((c) => ({ name: c.name(), options: [...longs(c), '--help'] })),
    valued: [...valued].sort(),
  };
}

/** Options whose values the script completes itself (the rest of the valued ones complete nothing). */
const COMPLETED = ['--only', '--skip', '--resume', '--format', '--scenario', '--site', '--real-clouds', '--out', '--runs-dir'];

const q = (words: readonly string[]): string => `'${words.join(' ').replace(/'/g, `'\\''`)}'`;

export function bashCompletion(program: Command): string {
  const { global, commands, valued } = specs(program);
  const uncompleted = valued.filter((o) => !COMPLETED.includes(o));
  const all = allScenarios();
  const scenarios = [...all.openstack, ...all.hosts, ...all.kube].sort();
  const caseArms = commands.map((c) => `    ${c.name}) opts=${q(c.options)} ;;`).join('\n');
  return `# capi-gate completion for bash (capi-gate completion bash). Load it with:
#   source <(capi-gate completion bash)        # in ~/.bashrc
_capi_gate_runs() {
  local dir=\${CAPI_GATE_RUNS_DIR:-runs} i d
  for ((i = 1; i < \${#COMP_WORDS[@]}; i++)); do
    case \${COMP_WORDS[i]} in
      --runs-dir) dir=\${COMP_WORDS[i+1]} ;;
      --runs-dir=*) dir=\${COMP_WORDS[i]#--runs-dir=} ;;
    esac
  done
  for d in "$dir"/*/journal.jsonl; do
    [[ -e $d ]] || continue
    d=\${d%/journal.jsonl}
    printf '%s\\n' "\${d##*/}"
  done
}
_capi_gate() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local cmd='' cmdpos=0 i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      --runs-dir) ((i++)) ;;
      -*) ;;
      *) cmd=\${COMP_WORDS[i]}; cmdpos=$i; break ;;
    esac
  done
  COMPREPLY=()
  case $prev in
    --only|--skip)
      local pre=''
      [[ $cur == *,* ]] && pre=\${cur%,*},
      COMPREPLY=($(compgen -P "$pre" -W ${q(stepSelectors())} -- "\${cur##*,}"))
      return ;;
    --resume)
      COMPREPLY=($(compgen -W "$(_capi_gate_runs)" -- "$cur"))
      return ;;
    --format) COMPREPLY=($(compgen -W 'md json junit html' -- "$cur")); return ;;
    --scenario) COMPREPLY=($(compgen -W ${q(scenarios)} -- "$cur")); return ;;
    --site|--real-clouds) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --out|--runs-dir) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")); return ;;
${uncompleted.length ? `    ${uncompleted.join('|')}) return ;;` : ''}
  esac
  if [[ -z $cmd ]]; then
    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W ${q(global)} -- "$cur"))
    else COMPREPLY=($(compgen -W ${q(commands.map((c) => c.name))} -- "$cur")); fi
    return
  fi
  local opts=''
  case $cmd in
${caseArms}
  esac
  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); return; fi
  # Positional arguments: count the words after the command that are not options or their values.
  local n=0
  for ((i = cmdpos + 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      ${valued.join('|')}) ((i++)) ;;
      -*) ;;
      *) ((n++)) ;;
    esac
  done
  case $cmd:$n in
    report:0|signoff:0) COMPREPLY=($(compgen -W "$(_capi_gate_runs)" -- "$cur")) ;;
    signoff:1) COMPREPLY=($(compgen -W 'D-011.6 D-011.7' -- "$cur")) ;;
    completion:0) COMPREPLY=($(compgen -W ${q(SHELLS)} -- "$cur")) ;;
  esac
}
complete -F _capi_gate capi-gate capi-gate-linux-x64
`;
}

/** zsh: the same function through zsh's bash-completion layer (bashcompinit). */
export function zshCompletion(program: Command): string {
  return `#compdef capi-gate capi-gate-linux-x64
# capi-gate completion for zsh (capi-gate completion zsh). Load it with:
#   source <(capi-gate completion zsh)        # in ~/.zshrc, after compinit
# It runs the bash completion through zsh's bashcompinit.
autoload -U +X compinit && { (( $+functions[compdef] )) || compinit; }
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(program).split('\n').filter((l) => !l.startsWith('# capi-gate completion for bash') && !l.startsWith('#   source')).join('\n')}`;
}

export function completionScript(program: Command, shell: string | undefined): string {
  if (shell === 'bash') return bashCompletion(program);
  if (shell === 'zsh') return zshCompletion(program);
  throw new CapiGateError('CAPI_GATE_USAGE', `completion: unknown shell ${JSON.stringify(shell ?? '')}`, { hint: `Give one of: ${SHELLS.join(', ')} (e.g. source <(capi-gate completion bash)).` });
}
