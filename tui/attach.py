"""The command that attaches the user's terminal to one agent's tmux pane.

The tmux runtime (``crewmux.workspace.runtime.TeamRuntime``) owns the session layout and
knows which pane is which agent. :func:`fallback_attach_argv` is used only when that
runtime is not part of this build: it attaches to the run's session and selects the
window named after the agent, if there is one.

The runtime is imported here, when the dashboard module loads, not when a key is pressed:
libtmux reads ``sys.stdout.encoding`` on import, and inside a running Textual app
stdout is Textual's capture object, which has none (the import would crash the app).
"""

from __future__ import annotations

from crewmux.protocol.rundir import RunDir, RunInfo

try:
    from crewmux.workspace import runtime as team_runtime
except ImportError:  # a build without the tmux runtime
    team_runtime = None

DEFAULT_SOCKET = "crewmux"


class AttachError(Exception):
    pass


def attach_argv(run: RunDir, info: RunInfo, agent: str) -> list[str]:
    """The argv to run (with the dashboard suspended); AttachError says why there is none."""
    if team_runtime is None:
        return fallback_attach_argv(info, agent)
    try:
        return list(team_runtime.TeamRuntime(_socket(info)).attach_argv(run, agent))
    except team_runtime.TeamError as exc:
        raise AttachError(str(exc)) from None


def _socket(info: RunInfo) -> str:
    return info.tmux_socket or str(info.config.get("tmux_socket") or DEFAULT_SOCKET)


def fallback_attach_argv(info: RunInfo, agent: str) -> list[str]:
    socket = _socket(info)
    if not info.tmux_session:
        raise AttachError(f"run {info.run_id} has no tmux session recorded in run.json: it was not started in tmux")
    session = f"={info.tmux_session}"
    # ";" as its own argument is tmux's command separator: attach, then pick the window.
    return ["tmux", "-L", socket, "attach-session", "-t", session, ";", "select-window", "-t", f"{session}:{agent}"]
