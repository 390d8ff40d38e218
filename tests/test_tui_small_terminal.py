"""The dashboard at 80x24 (issue 15): the header keeps the run's status, the footer is not
cut, the help screen fits and scrolls; a finished run reads "stopped", not "stopped (building)"."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import pytest

from crewmux.tui.app import DashboardApp

pytestmark = [pytest.mark.timeout(120), pytest.mark.anyio]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"

_spec = importlib.util.spec_from_file_location("tui_app_tests", Path(__file__).with_name("test_tui_app.py"))
app_tests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(app_tests)


def make_app(tmp_path: Path, *, scripted: bool = False, status: str = "running") -> DashboardApp:
    project = tmp_path / "project"
    project.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=project, check=True)
    app_tests.commit_file(project, "README.md", "# project\n")
    run = app_tests.make_run(project, app_tests.FIXED_NOW)
    if scripted:
        config = run.info().config
        config["default"]["model"] = "crewmux-scripted-demo"
        run.update_info(config=config)
    run.update_info(status=status)
    return DashboardApp(run, clock=lambda: app_tests.FIXED_NOW)


async def header_line(app: DashboardApp, pilot) -> str:
    await app_tests.opened(app, pilot)
    await pilot.pause()
    header = app.main.query_one("#run-header")
    return header.render_line(0).text


@pytest.mark.parametrize("scripted", [False, True])
async def test_the_header_keeps_the_status_and_counts_at_80_columns(tmp_path: Path, scripted: bool) -> None:
    app = make_app(tmp_path, scripted=scripted)
    async with app.run_test(size=(80, 24)) as pilot:
        line = await header_line(app, pilot)
        assert "running" in line and "1 passed" in line and "2 left" in line, line
        if scripted:
            assert "SCRIPTED" in app.main.query_one("#run-header").render_line(1).text


async def test_a_finished_run_shows_no_phase(tmp_path: Path) -> None:
    app = make_app(tmp_path, status="stopped")
    async with app.run_test(size=(120, 30)) as pilot:
        line = await header_line(app, pilot)
        assert "stopped" in line and "(building)" not in line, line


async def test_the_footer_fits_80_columns_with_help_and_quit(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await app_tests.opened(app, pilot)
        await pilot.pause()
        keys = list(app.main.query_one("Footer").query("FooterKey"))
        assert keys
        cut = [k.key for k in keys if k.region.width == 0 or k.region.right > 80]
        assert not cut, f"footer keys cut off at 80 columns: {cut}"
        assert {"question_mark", "q"} <= {k.key for k in keys}


async def test_help_fits_80x24_and_scrolls(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await app_tests.opened(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        box = app.screen.query_one("#help")
        assert box.region.right <= 80 and box.region.bottom <= 24, box.region
        assert box.max_scroll_y > 0  # taller than the screen: it must scroll
        await pilot.press("end")
        await pilot.pause()
        assert box.scroll_y == box.max_scroll_y
