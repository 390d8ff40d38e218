"""``crewmux completion bash|zsh|fish``: a shell completion script, made from the parser
itself, so every subcommand and flag completes as ``--help`` lists it. Run ids complete
from ``.crewmux/runs/`` of the current directory (a directory listing: no Python start)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field

SHELLS = ("bash", "zsh", "fish")
RUN_DIR = ".crewmux/runs"


@dataclass
class Flag:
    names: list[str]
    help: str
    takes_value: bool
    choices: list[str] = field(default_factory=list)


@dataclass
class Command:
    name: str
    help: str
    flags: list[Flag]
    takes_run: bool  # its first positional is a run id
    choices: list[str]  # its first positional's fixed values (models pull|rm, ...)


def commands_of(parser: argparse.ArgumentParser) -> list[Command]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {a.dest: a.help or "" for a in sub._choices_actions}
    out = []
    for name, p in sub.choices.items():
        flags = [Flag(list(a.option_strings), _plain(a.help), a.nargs != 0, [str(c) for c in a.choices or []])
                 for a in p._actions if a.option_strings and a.help != argparse.SUPPRESS]
        positionals = [a for a in p._actions if not a.option_strings]
        first = positionals[0] if positionals else None
        choices = [str(c) for c in first.choices or []] if first is not None else []  # a sub-subcommand's names too
        out.append(Command(name, _plain(helps.get(name, "")), flags, first is not None and first.dest == "run", choices))
    return out


def _plain(text: str | None) -> str:
    return " ".join((text or "").replace("%%", "%").split())


def script(shell: str, parser: argparse.ArgumentParser) -> str:
    commands = commands_of(parser)
    return {"bash": _bash, "zsh": _zsh, "fish": _fish}[shell](commands)


def _bash(commands: list[Command]) -> str:
    cases = []
    for c in commands:
        opts = " ".join(n for f in c.flags for n in f.names)
        words = " ".join(c.choices)
        cases.append(f'    {c.name}) opts="{opts}"; words="{words}"; runs={1 if c.takes_run else 0} ;;')
    names = " ".join(c.name for c in commands)
    return f"""# crewmux completion for bash. Load it with:
#   eval "$(crewmux completion bash)"     (in ~/.bashrc)
_crewmux() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} cmd=${{COMP_WORDS[1]}} opts="" words="" runs=0
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "{names} --help --version" -- "$cur"))
    return
  fi
  case "$cmd" in
{chr(10).join(cases)}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [ "$runs" = 1 ] && [ "$COMP_CWORD" -eq 2 ]; then
    COMPREPLY=($(compgen -W "$(ls {RUN_DIR} 2>/dev/null)" -- "$cur"))
  elif [ -n "$words" ] && [ "$COMP_CWORD" -eq 2 ]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}}
complete -o filenames -F _crewmux crewmux
"""


def _zsh_quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "'\\''").replace(":", "\\:")


def _zsh(commands: list[Command]) -> str:
    described = "\n".join(f"    '{c.name}:{_zsh_quote(c.help)}'" for c in commands)
    cases = []
    for c in commands:
        flags = " ".join(f"'{n}:{_zsh_quote(f.help)}'" for f in c.flags for n in f.names)
        words = " ".join(c.choices)
        cases.append(f"    {c.name}) flags=({flags}); values=({words}); runs={1 if c.takes_run else 0} ;;")
    return f"""#compdef crewmux
# crewmux completion for zsh. Load it with:
#   eval "$(crewmux completion zsh)"      (in ~/.zshrc, after compinit)
_crewmux() {{
  local -a commands flags values  # not "words": zsh's own array of the command line
  local runs=0
  commands=(
{described}
  )
  if (( CURRENT == 2 )); then
    _describe 'crewmux command' commands
    return
  fi
  case $words[2] in
{chr(10).join(cases)}
  esac
  if [[ $PREFIX == -* ]]; then
    _describe 'option' flags
  elif (( runs && CURRENT == 3 )); then
    compadd -- ${{(f)"$(ls {RUN_DIR} 2>/dev/null)"}}
  elif (( ${{#values}} && CURRENT == 3 )); then
    compadd -- $values
  else
    _files
  fi
}}
compdef _crewmux crewmux
"""


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish(commands: list[Command]) -> str:
    names = " ".join(c.name for c in commands)
    lines = [
        "# crewmux completion for fish. Load it with:",
        "#   crewmux completion fish > ~/.config/fish/completions/crewmux.fish",
        "complete -c crewmux -f",
        f"complete -c crewmux -n 'not __fish_seen_subcommand_from {names}' -l version -d 'print the version'",
    ]
    for c in commands:
        lines.append(f"complete -c crewmux -n 'not __fish_seen_subcommand_from {names}' -a {c.name} -d {_fish_quote(c.help)}")
        when = f"-n '__fish_seen_subcommand_from {c.name}'"
        for f in c.flags:
            parts = [f"-s {n[1:]}" if len(n) == 2 else f"-l {n[2:]}" for n in f.names]
            value = (f" -x -a {_fish_quote(' '.join(f.choices))}" if f.choices else " -r -F") if f.takes_value else ""
            lines.append(f"complete -c crewmux {when} {' '.join(parts)}{value} -d {_fish_quote(f.help)}")
        if c.takes_run:
            lines.append(f"complete -c crewmux {when} -a '(ls {RUN_DIR} 2>/dev/null)' -d 'run'")
        if c.choices:
            lines.append(f"complete -c crewmux {when} -a {_fish_quote(' '.join(c.choices))}")
        if c.name in ("run", "bench", "serve", "schema", "fake-llm", "init", "episodes", "models"):
            lines.append(f"complete -c crewmux {when} -F")
    return "\n".join(lines) + "\n"


def cmd_completion(args: argparse.Namespace) -> int:
    from crewmux.cli import build_parser

    sys.stdout.write(script(args.shell, build_parser()))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("completion", help="print a shell completion script (bash, zsh or fish)",
                       description="Print a completion script for your shell: subcommands, their flags and run ids. "
                                   "bash: eval \"$(crewmux completion bash)\" in ~/.bashrc; zsh: the same with zsh in ~/.zshrc; "
                                   "fish: crewmux completion fish > ~/.config/fish/completions/crewmux.fish.")
    p.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    p.set_defaults(func=cmd_completion)
