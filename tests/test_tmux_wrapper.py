"""The tmux wrapper's guards against tmux quirks, and one real batched call."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from crewmux.runtime.tmux import PANE_FORMAT, PaneState, Tmux, TmuxError, session_name, shell_command

pytestmark = pytest.mark.timeout(30)


def test_session_names_hold_no_characters_tmux_cannot_target() -> None:
    assert session_name("20261122-163012-bakery-3f9a") == "crewmux-20261122-163012-bakery-3f9a"
    assert session_name("a.b:c d") == "crewmux-a-b-c-d"
    with pytest.raises(ValueError):
        session_name("...")


def test_arguments_that_would_split_a_tmux_command_are_refused(tmp_path: Path) -> None:
    tmux = Tmux(f"crewmux-test-{uuid.uuid4().hex[:8]}")
    with pytest.raises(ValueError, match="ends with ';'"):
        tmux.run("display-message", "-p", "oops;")
    # A command line is one shell-quoted string, so a path ending in ';' is safe inside it.
    assert shell_command(["/bin/echo", "a;"]) == "exec /bin/echo 'a;'"
    with pytest.raises(TmuxError, match="does not exist"):
        Tmux.split_cmd("=s:team", ["true"], cwd=tmp_path / "missing", env={})
    with pytest.raises(ValueError, match="not valid"):
        Tmux.split_cmd("=s:team", ["true"], cwd=tmp_path, env={"BAD NAME": "x"})
    with pytest.raises(ValueError):
        Tmux("no/slashes")


def test_pane_lines_parse_and_missing_servers_have_no_panes(tmp_path: Path) -> None:
    pane = PaneState.parse("s\tteam\t%3\t123\t1\t\t9\tcoder-1\tcoder-1 (coder)")
    assert (pane.pane_id, pane.pid, pane.dead, pane.exit_status, pane.exit_signal, pane.agent) == ("%3", 123, True, None, 9, "coder-1")
    with pytest.raises(TmuxError):
        PaneState.parse("too\tfew")
    assert PANE_FORMAT.count("\t") == 8
    tmux = Tmux(f"crewmux-test-{uuid.uuid4().hex[:8]}")
    assert tmux.list_panes() == [] and tmux.list_panes("nope") == []
    assert not tmux.has_session("nope")


def test_one_batch_builds_a_session_and_reports_each_pane(tmp_path: Path) -> None:
    tmux = Tmux(f"crewmux-test-{uuid.uuid4().hex[:8]}")
    try:
        ids = tmux.run_batch(
            [
                Tmux.new_session_cmd("s1", "team", ["sleep", "30"], cwd=tmp_path, env={"CREWMUX_X": "1"}),
                ["set-option", "-w", "-t", "=s1:team", "remain-on-exit", "on"],
                Tmux.split_cmd("=s1:team", ["sh", "-c", "sleep 0.3; exit 3"], cwd=tmp_path, env={}),
            ]
        )
        assert len(ids) == 2 and all(i.startswith("%") for i in ids)
        tmux.run_batch(Tmux.tag_pane_cmds(ids[1], "coder-1", "coder-1 (coder)"))
        deadline = time.monotonic() + 15
        while not (panes := {p.pane_id: p for p in tmux.list_panes("s1")})[ids[1]].dead:
            assert time.monotonic() < deadline, panes[ids[1]]
            time.sleep(0.05)
        time.sleep(0.5)
        pane = {p.pane_id: p for p in tmux.list_panes("s1")}[ids[1]]
        # tmux 3.3a loses the exit status of some dead panes (about one in five here, with
        # remain-on-exit): the supervisor falls back on the agent's own "stopped" event.
        assert pane.exit_status in (3, None) and pane.exit_signal is None
        assert (pane.agent, pane.title) == ("coder-1", "coder-1 (coder)")
        assert not panes[ids[0]].dead and panes[ids[0]].agent == ""
        assert tmux.display("=s1:", "#{pane_current_path}") == str(tmp_path)
    finally:
        tmux.kill_server()
    assert not tmux.is_alive()
