"""SVG snapshots of the dashboard's main screen, a task's details and the help screen.

Deterministic: the run is written with fixed timestamps, the app gets a fixed clock,
the feed's times are shown in UTC, and git commits have fixed dates (so fixed hashes).
Update after a deliberate change with ``pytest --snapshot-update tests/test_tui_snapshots.py``.
"""

from __future__ import annotations

import importlib.util
import subprocess
import time
from pathlib import Path

import pytest

from crewmux.tui.app import DashboardApp

pytestmark = pytest.mark.timeout(120)

# The run fixture is shared with the Pilot tests (loaded by path: tests are no package).
_spec = importlib.util.spec_from_file_location("tui_app_tests", Path(__file__).with_name("test_tui_app.py"))
app_tests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(app_tests)

SIZE = (140, 40)
SMALL = (80, 24)  # the smallest terminal the dashboard is laid out for
LARGE = (200, 50)


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def app(tmp_path: Path, utc) -> DashboardApp:
    project = tmp_path / "project"
    project.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=project, check=True)
    app_tests.commit_file(project, "README.md", "# project\n")  # fixed dates: fixed hashes
    run = app_tests.make_run(project, app_tests.FIXED_NOW)
    return DashboardApp(run, clock=lambda: app_tests.FIXED_NOW)


async def loaded(pilot) -> None:
    app = pilot.app
    await app_tests.opened(app, pilot)
    await app_tests.until(pilot, lambda: app.main.query_one("#output").agent == "coordinator")
    await app_tests.until(pilot, lambda: len(app_tests.feed_lines(app)) == 4)
    await app_tests.until(pilot, lambda: app.main.query_one("#output").line_count >= 3)


def test_main_screen(app: DashboardApp, snap_compare) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=loaded)


def test_task_details_screen(app: DashboardApp, snap_compare) -> None:
    async def open_details(pilot) -> None:
        await loaded(pilot)
        await app_tests.select(pilot, pilot.app, "tasks", "t1")
        await pilot.press("d")
        await app_tests.until(pilot, lambda: "loading" not in str(pilot.app.screen.query_one("#details-diff").content))
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=open_details)


def test_help_screen(app: DashboardApp, snap_compare) -> None:
    async def open_help(pilot) -> None:
        await loaded(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=open_help)


def test_main_screen_80x24(app: DashboardApp, snap_compare) -> None:
    assert snap_compare(app, terminal_size=SMALL, run_before=loaded)


def test_main_screen_200x50(app: DashboardApp, snap_compare) -> None:
    assert snap_compare(app, terminal_size=LARGE, run_before=loaded)


def test_help_screen_80x24_scrolled_to_its_end(app: DashboardApp, snap_compare) -> None:
    async def open_help(pilot) -> None:
        await loaded(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        await pilot.press("end")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SMALL, run_before=open_help)
