"""The command that attaches the user's terminal to one agent's tmux pane.

The tmux runtime (``crewmux.runtime.team.TeamRuntime``) owns the session layout and
knows which pane is which agent; this module only turns its refusal into AttachError.

The runtime is imported here, when the dashboard module loads, not when a key is pressed:
libtmux reads ``sys.stdout.encoding`` on import, and inside a running Textual app
stdout is Textual's capture object, which has none (the import would crash the app).
"""

from __future__ import annotations

from crewmux.protocol.rundir import RunDir, RunInfo
from crewmux.runtime.team import TeamError, runtime_for


class AttachError(Exception):
    pass


def attach_argv(run: RunDir, info: RunInfo, agent: str) -> list[str]:
    """The argv to run (with the dashboard suspended); AttachError says why there is none."""
    try:
        return list(runtime_for(run).attach_argv(run, agent))
    except TeamError as exc:
        raise AttachError(str(exc)) from None
