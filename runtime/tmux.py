"""A small typed wrapper over libtmux for crewmux's own tmux server (``tmux -L crewmux``).

Every call is one tmux process; callers batch several tmux commands into one call
(``Tmux.run_batch``) because starting tmux is the expensive part (bench/spawn.py measures it). Panes are
identified by a pane user option ``@crewmux_agent`` rather than by their title, which the
program in the pane could change.

tmux quirks handled here: an argument ending in ``;`` splits tmux commands (commands are
passed as one shell-quoted string, and batch arguments are checked); session names must
not hold ``.`` or ``:`` (``session_name``); ``-c`` with a missing directory silently
starts in ``$HOME`` (checked before); ``=NAME`` targets a session exactly, never by prefix.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import libtmux
import libtmux.exc

from crewmux.protocol.rundir import DEFAULT_SOCKET

AGENT_OPTION = "@crewmux_agent"  # pane user option naming the agent a pane hosts

# One format for every pane listing; fields are separated by a tab, which tmux never
# puts into these fields (agent names follow the message envelope's name pattern).
_PANE_FIELDS = (
    "#{session_name}",
    "#{window_name}",
    "#{pane_id}",
    "#{pane_pid}",
    "#{pane_dead}",
    "#{pane_dead_status}",
    "#{pane_dead_signal}",
    "#{" + AGENT_OPTION + "}",
    "#{pane_title}",
)
PANE_FORMAT = "\t".join(_PANE_FIELDS)


class TmuxError(Exception):
    """A tmux command failed; the message holds tmux's own words."""


@dataclass(frozen=True)
class PaneState:
    """One pane as one ``list-panes`` line reports it."""

    session: str
    window: str
    pane_id: str
    pid: int | None
    dead: bool
    exit_status: int | None  # set when the process exited
    exit_signal: int | None  # set when a signal killed it
    agent: str  # the @crewmux_agent option, "" for panes crewmux did not tag
    title: str

    @classmethod
    def parse(cls, line: str) -> "PaneState":
        parts = line.split("\t")
        if len(parts) != len(_PANE_FIELDS):
            raise TmuxError(f"unexpected list-panes line from tmux: {line!r}")
        session, window, pane_id, pid, dead, status, signal, agent, title = parts
        return cls(
            session=session,
            window=window,
            pane_id=pane_id,
            pid=int(pid) if pid.isdigit() else None,
            dead=dead == "1",
            exit_status=int(status) if status.lstrip("-").isdigit() else None,
            exit_signal=int(signal) if signal.isdigit() else None,
            agent=agent,
            title=title,
        )


def session_name(run_id: str) -> str:
    """A tmux session name for a run id: only characters tmux can target."""
    name = re.sub(r"[^A-Za-z0-9_-]", "-", run_id).strip("-")
    if not name:
        raise ValueError(f"run id {run_id!r} gives an empty tmux session name")
    return f"crewmux-{name}"


def shell_command(argv: Sequence[str]) -> str:
    """One shell command line that replaces the shell with ``argv`` (so the pane's pid
    is the program's pid, and its exit status is the pane's)."""
    return "exec " + shlex.join(argv)


def socket_path(socket_name: str, environ: Mapping[str, str] | None = None) -> Path:
    """Where tmux puts the socket of ``-L socket_name`` (what ``$TMUX`` starts with)."""
    environ = os.environ if environ is None else environ
    base = environ.get("TMUX_TMPDIR") or "/tmp"
    return Path(base) / f"tmux-{os.getuid()}" / socket_name


class Tmux:
    """crewmux's tmux server. Never the user's default server."""

    def __init__(self, socket_name: str = DEFAULT_SOCKET) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", socket_name):
            raise ValueError(f"tmux socket name {socket_name!r}: use letters, digits, '.', '_' or '-'")
        self.socket_name = socket_name
        self.server = libtmux.Server(socket_name=socket_name)

    # -- running tmux ---------------------------------------------------------------
    def run(self, *args: str) -> list[str]:
        """Run one tmux command; its stdout lines. Raises TmuxError on failure."""
        _check_args(args)
        proc = self.server.cmd(*args)
        if proc.returncode != 0:
            detail = " ".join(proc.stderr).strip() or f"exit {proc.returncode}"
            raise TmuxError(f"tmux -L {self.socket_name} {args[0]}: {detail}")
        return list(proc.stdout)

    def run_batch(self, commands: Sequence[Sequence[str]]) -> list[str]:
        """Run several tmux commands in ONE tmux process (joined by ``;``)."""
        args: list[str] = []
        for command in commands:
            _check_args(command)
            if args:
                args.append(";")
            args.extend(command)
        return self.run(*args) if args else []

    def is_alive(self) -> bool:
        return self.server.is_alive()

    def kill_server(self) -> None:
        """Kill this socket's server (only this one). No error if it is not running."""
        try:
            self.server.kill()
        except libtmux.exc.LibTmuxException:
            # "server exited unexpectedly": it was on its way out already (its last
            # session closed as we asked); only a server still alive is an error.
            if self.server.is_alive():
                raise

    # -- sessions ---------------------------------------------------------------------
    def has_session(self, name: str) -> bool:
        return self.server.cmd("has-session", "-t", f"={name}").returncode == 0

    def kill_session(self, name: str) -> None:
        if self.has_session(name):
            self.run("kill-session", "-t", f"={name}")

    # -- building blocks for run_batch -------------------------------------------------
    @staticmethod
    def new_session_cmd(
        name: str, window: str, command: Sequence[str], *, cwd: Path, env: Mapping[str, str], size: tuple[int, int] = (240, 80)
    ) -> list[str]:
        _check_dir(cwd)
        return [
            "new-session", "-d", "-P", "-F", "#{pane_id}", "-s", name, "-n", window,
            "-x", str(size[0]), "-y", str(size[1]), "-c", str(cwd), *_env_args(env), shell_command(command),
        ]  # fmt: skip

    @staticmethod
    def new_window_cmd(session: str, window: str, command: Sequence[str], *, cwd: Path, env: Mapping[str, str]) -> list[str]:
        _check_dir(cwd)
        return [
            "new-window", "-d", "-P", "-F", "#{pane_id}", "-t", f"={session}:", "-n", window,
            "-c", str(cwd), *_env_args(env), shell_command(command),
        ]  # fmt: skip

    @staticmethod
    def split_cmd(target: str, command: Sequence[str], *, cwd: Path, env: Mapping[str, str]) -> list[str]:
        _check_dir(cwd)
        return ["split-window", "-d", "-P", "-F", "#{pane_id}", "-t", target, "-c", str(cwd), *_env_args(env), shell_command(command)]

    @staticmethod
    def respawn_cmd(pane_id: str, command: Sequence[str], *, cwd: Path, env: Mapping[str, str], kill: bool = False) -> list[str]:
        _check_dir(cwd)
        return ["respawn-pane", *(["-k"] if kill else []), "-t", pane_id, "-c", str(cwd), *_env_args(env), shell_command(command)]

    @staticmethod
    def tag_pane_cmds(pane_id: str, agent: str, title: str) -> list[list[str]]:
        return [
            ["set-option", "-p", "-t", pane_id, AGENT_OPTION, agent],
            ["select-pane", "-t", pane_id, "-T", title],
        ]

    # -- reading state ------------------------------------------------------------------
    def list_panes(self, session: str | None = None) -> list[PaneState]:
        """Every pane of one session (all its windows), or of the whole server: ONE call.

        A server or session that does not exist has no panes.
        """
        args = ["list-panes", "-s", "-t", f"={session}"] if session else ["list-panes", "-a"]
        proc = self.server.cmd(*args, "-F", PANE_FORMAT)
        if proc.returncode != 0:
            text = " ".join(proc.stderr)
            if _means_absent(text):
                return []
            raise TmuxError(f"tmux -L {self.socket_name} list-panes: {text.strip()}")
        return [PaneState.parse(line) for line in proc.stdout if line]

    def display(self, target: str, fmt: str) -> str:
        lines = self.run("display-message", "-p", "-t", target, fmt)
        return lines[0] if lines else ""


def _env_args(env: Mapping[str, str]) -> list[str]:
    args: list[str] = []
    for key, value in sorted(env.items()):
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise ValueError(f"environment variable name {key!r} is not valid")
        args += ["-e", f"{key}={value}"]
    return args


def _check_args(args: Sequence[str]) -> None:
    for arg in args:
        if arg.endswith(";") and arg != ";":
            # tmux would split the command list here, even after "--".
            raise ValueError(f"tmux argument {arg!r} ends with ';', which tmux reads as a command separator")


def _check_dir(path: Path) -> None:
    if not Path(path).is_dir():
        # tmux would silently start the pane in $HOME instead.
        raise TmuxError(f"start directory {path} does not exist")


def _means_absent(stderr: str) -> bool:
    text = stderr.lower()
    return any(
        s in text
        for s in ("no server running", "can't find session", "no such file or directory", "error connecting", "can't find window")
    )
