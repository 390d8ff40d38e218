"""crewmux bench's pure parts: loading suites, scoring rules, rates, resume bookkeeping,
report rendering, the SFT pairs. No model, no sandbox."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from crewmux.benchmark.episodes import Episode, sft_pairs
from crewmux.benchmark.figures import TaskResult, TryRecord, finished_keys, mode_ratios, summarise
from crewmux.benchmark.models import write_toml
from crewmux.benchmark.report import aider_figures, render_compare, render_report
from crewmux.benchmark.scoring import CheckOutcome, classify, command_verdict, error_signature, feedback_text, missing_selectors
from crewmux.benchmark.single import answer_files
from crewmux.benchmark.suite import CheckSpec, SuiteError, load_suite
from crewmux.benchmark.team import first_attempt_commits, team_figures

FIXTURES = Path(__file__).parent / "bench_fixtures" / "suite"
SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "bench-samples" / "exercism-python"


def test_crewmux_tasks_load_with_stub_hidden_and_solution():
    suite = load_suite(FIXTURES)
    assert [t.id for t in suite.tasks] == ["add-numbers", "greet-cli", "hello-page"]
    add = suite.tasks[0]
    assert add.format == "crewmux" and add.files == ["adder.py"] and "pass" in add.stub["adder.py"]
    assert set(add.hidden) == {"test_hidden_adder.py"} and "return a + b" in add.solution["adder.py"]
    greet = suite.tasks[1]
    assert greet.checks[1].stdin == "cy\n" and greet.checks[0].expect_stdout == "hello, ada\nhello, bob"
    assert suite.tasks[2].checks[0].expect_selectors == ["h1", "form#contact"]


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"the exercism samples are not at {SAMPLES} (../shared/bench-samples)")
def test_exercism_exercises_load_as_aider_runs_them():
    suite = load_suite(SAMPLES)
    assert len(suite.tasks) == 10 and suite.skipped == []
    series = next(t for t in suite.tasks if t.id == "series")
    assert series.format == "exercism" and series.language == "python" and series.files == ["series.py"]
    assert "def slices(series, length)" in series.stub["series.py"]
    assert "Instructions append" in series.brief and "ValueError" in series.brief  # append.md is part of it
    assert list(series.hidden) == ["series_test.py"] and "series_test.py" in series.checks[0].command
    assert "def slices" in series.solution["series.py"]  # from .meta/example.py
    assert "series_test.py" not in series.stub and not series.support


def test_bad_task_toml_names_the_file_and_key(tmp_path: Path):
    task = tmp_path / "t1"
    task.mkdir()
    (task / "task.toml").write_text('id = "x"\nbrief = "b"\nfiles = ["a.py"]\n[[checks]]\nkind = "tests"\n')
    with pytest.raises(SuiteError, match="needs a command"):
        load_suite(tmp_path)
    (task / "task.toml").write_text('id = "x"\nbrief = "b"\nfiles = []\n')
    with pytest.raises(SuiteError, match=r"task.toml.*files"):
        load_suite(tmp_path)


def test_command_verdict_compares_exit_stdout_and_pieces():
    check = CheckSpec(kind="command", command="x", expect_stdout="a: 1\nb: 2", expect_contains=["b: 2"])
    assert command_verdict(check, 0, "a: 1   \nb: 2\n\n") == (True, "")
    ok, why = command_verdict(check, 1, "a: 1\n")
    assert not ok and "exit code 1, expected 0" in why and "stdout differs" in why and "'b: 2'" in why
    assert command_verdict(CheckSpec(kind="command", command="x", expect_exit=2), 2, "")[0]


def test_failure_classes():
    assert classify([CheckOutcome("t", True)]) is None
    assert classify([CheckOutcome("t", False, "E   SyntaxError: invalid syntax")]) == "syntax"
    assert classify([CheckOutcome("t", False, "(timed out)", timed_out=True)]) == "timeout"
    assert classify([CheckOutcome("t", False, "not checked", infrastructure="go is not installed")]) == "infrastructure"
    assert classify([CheckOutcome("t", False, "FAILED x_test.py::T::test_a - AssertionError")]) == "test_failure"


def test_error_signature_is_stable_across_tries_and_tells_errors_apart():
    one = "....\nFAILED leap_test.py::LeapTest::test_a - AssertionError: 1 != 2\n1 failed in 0.02s"
    again = "....\nFAILED leap_test.py::LeapTest::test_a - AssertionError: 3 != 2\n1 failed in 0.05s"
    other = "FAILED leap_test.py::LeapTest::test_b - AssertionError\n1 failed in 0.02s"
    assert error_signature(one) == error_signature(again) == "tests:leap_test.py::LeapTest::test_a"
    assert error_signature(one) != error_signature(other)
    assert error_signature("Traceback\n  File x, line 3\nNameError: name 'y' is not defined") == "error:NameError name 'y' is not defined"
    assert error_signature("--- FAIL: TestLeap (0.00s)") == "tests:TestLeap"


def test_feedback_keeps_the_end_of_long_output():
    text = "\n".join(f"line {i}" for i in range(200))
    fed = feedback_text(text)
    assert fed.splitlines()[0] == "..." and fed.splitlines()[-1] == "line 199" and len(fed.splitlines()) == 51


def test_page_selectors():
    html = '<html><body><h1 class="big title">Hi</h1><form id="contact"><input name="email"></form></body></html>'
    assert missing_selectors(html, ["h1", "form#contact", "h1.title", "input[name=email]", "form input", "#contact"]) == []
    assert missing_selectors(html, ["form#other", "h2", "input[name=phone]", "h1.small"]) == ["form#other", "h2", "input[name=phone]", "h1.small"]


def test_answer_files_take_the_tasks_files_only():
    from crewmux.benchmark.suite import Task

    task = Task(id="t", category="function", language="python", brief="", files=["pkg/leap.py"], checks=[], timeout=1)
    reply = "leap.py\n```python\ndef leap():\n    return 1\n```\n\nother.py\n```python\nx = 1\n```\n../../etc/leap.py\n```\nbad\n```\n"
    assert answer_files(task, reply) == {"pkg/leap.py": "def leap():\n    return 1\n"}
    assert answer_files(task, "Sure! Just return True.") == {}


def _result(task, mode, *tries, model="m", **extra):
    return TaskResult(task=task, model=model, mode=mode, tries=list(tries), **extra)


def test_pass_rates_well_formed_repeats_and_infrastructure_apart():
    results = [
        _result("a", "single", TryRecord(1, passed=True, completion_tokens=10, seconds=1.0)),
        _result("b", "single", TryRecord(1, failure="test_failure", signature="tests:x", completion_tokens=10, seconds=1.0),
                TryRecord(2, passed=True, completion_tokens=10, seconds=1.0)),
        _result("c", "single", TryRecord(1, failure="test_failure", signature="tests:y", seconds=1.0),
                TryRecord(2, failure="test_failure", signature="tests:y", seconds=1.0)),
        _result("d", "single", TryRecord(1, well_formed=False, failure="malformed", signature="malformed", seconds=1.0),
                TryRecord(2, well_formed=False, failure="malformed", signature="malformed", seconds=1.0)),
        _result("e", "single", TryRecord(1, failure="infrastructure", output="connection refused")),
    ]
    [s] = summarise(results)
    assert s["tasks"] == 4 and s["infrastructure_failures"] == 1
    assert (s["pass_rate_1"], s["pass_rate_2"], s["pass_rate_3"]) == (25.0, 50.0, 50.0)
    assert s["well_formed"] == round(100 * 5 / 7, 1)  # 7 tries of decided tasks, 2 malformed
    assert s["repeat_error_rate"] == 50.0  # b changed its error (fixed), c repeated it; d's malformed tries do not count
    assert s["steps_to_green"] == 1.5 and s["failures"] == {"malformed": 1, "test_failure": 1}
    assert s["completion_tokens"] == 30 and s["seconds_per_task"] == round(7 / 4, 1)
    assert s["completion_tokens_per_passed_task"] == 15  # 30 tokens, failed tasks' included, over 2 passes


def test_resume_skips_decided_tasks_and_retries_infrastructure_failures():
    decided = _result("a", "single", TryRecord(1, failure="test_failure"))
    broken = _result("b", "single", TryRecord(1, failure="infrastructure"))
    assert finished_keys([decided, broken]) == {("a", "m", "single")}
    fixed = _result("b", "single", TryRecord(1, passed=True))
    assert finished_keys([decided, broken, fixed]) == {("a", "m", "single"), ("b", "m", "single")}
    [s] = summarise([decided, broken, fixed])
    assert s["tasks"] == 2 and s["passed"] == 1  # the later line for b replaces the earlier one


def test_results_round_trip_through_json():
    r = _result("a", "team", TryRecord(1, failure="test_failure", output="x"), TryRecord(2, passed=True),
                team={"retries": 2, "coder_replies_to_green": 5}, first_reply_passed_but_failed=True)
    back = TaskResult.from_json(r.to_json())
    assert back == r and r.to_json()["passed_on_try"] == 2 and back.steps_to_green == 5


def test_team_against_single_ratio_and_team_counts():
    results = [
        _result("a", "single", TryRecord(1, passed=True, completion_tokens=100)),
        _result("b", "single", TryRecord(1, failure="test_failure", completion_tokens=100), TryRecord(2, failure="test_failure")),
        _result("a", "team", TryRecord(1, passed=True, completion_tokens=300), team={"retries": 1, "escalations": 0}),
        _result("b", "team", TryRecord(1, passed=True, completion_tokens=500), team={"retries": 2, "escalations": 1},
                first_reply_passed_but_failed=False),
    ]
    summary = summarise(results)
    [ratio] = mode_ratios(summary)
    assert (ratio["single_passed"], ratio["team_passed"], ratio["ratio"]) == (1, 2, 2.0)
    assert ratio["tokens_per_pass_ratio"] == 2.0  # team 800 / 2 passes against single 200 / 1
    team = next(s for s in summary if s["mode"] == "team")
    assert team["team_retries"] == 3 and team["team_escalations"] == 1 and team["first_reply_passed_but_failed"] == 0
    md = render_report("samples", summary, results, tries=2)
    assert "| m | single | 2 | 50% | 50% |" in md and "Team against one call" in md


def test_report_puts_aider_figures_beside_the_same_model():
    assert aider_figures("qwen2.5-coder:1.5b") == ("Qwen2.5-Coder-1.5B-Instruct", 28.6, 31.6)
    assert aider_figures("cfg:qwen2.5-coder:0.5b-instruct-q4_K_M")[1:] == (14.3, 14.3)
    assert aider_figures("llama3:8b") is None
    results = [_result("a", "single", TryRecord(1, passed=True), model="qwen2.5-coder:7b")]
    md = render_report("s", summarise(results), results, tries=2)
    assert "| qwen2.5-coder:7b | Qwen2.5-Coder-7B-Instruct | 51.9% | 57.9% | 100% | 100% | 1 |" in md


def test_team_loss_is_named_in_the_report():
    results = [_result("a", "single", TryRecord(1, passed=True)), _result("a", "team", TryRecord(1, failure="test_failure"))]
    assert "Where the team lost to one call: a (m: test_failure)" in render_report("s", summarise(results), results, tries=1)


def test_compare_shows_both_and_the_difference():
    a = [{"model": "m", "mode": "single", "tasks": 10, "pass_rate_1": 20.0, "pass_rate_2": 30.0}]
    b = [{"model": "m", "mode": "single", "tasks": 10, "pass_rate_1": 35.0, "pass_rate_2": 30.0}]
    md = render_compare("before", a, "after", b)
    assert "| pass_rate_1 | 20 | 35 | +15 |" in md and "| pass_rate_2 | 30 | 30 | +0 |" in md


def test_sft_pairs_are_failed_then_fixed_within_a_group():
    def ep(group, attempt, outcome, reply):
        return Episode("bench", group, "t", "m", "single", attempt, [{"role": "user", "content": f"prompt {attempt}"}], reply,
                       check_output=f"out {attempt}", outcome=outcome)

    episodes = [ep("g1", 1, "fail", "bad"), ep("g1", 2, "pass", "good"), ep("g2", 1, "pass", "first"),
                ep("g3", 1, "infrastructure", "x"), ep("g3", 2, "pass", "y"), ep("g4", 1, "malformed", "prose"),
                ep("g4", 2, "pass", "fixed")]
    pairs = sft_pairs(episodes)
    assert [p["messages"][-1]["content"] for p in pairs] == ["good", "fixed"]
    assert pairs[0]["messages"][0]["content"] == "prompt 2" and pairs[0]["failed"]["check_output"] == "out 1"


def test_team_figures_and_first_attempts_from_run_files():
    report = {"run_id": "r", "status": "failed", "tasks_total": 2, "tasks_passed": 1, "escalations": 1, "coder_replies": 5,
              "tasks": [{"id": "t1", "attempts": 1}, {"id": "t2", "attempts": 3}]}
    figures = team_figures(report)
    assert (figures["attempts"], figures["retries"], figures["escalations"]) == (4, 2, 1)
    state = {"tasks": {"t1": {"attempts": [{"attempt": 1, "commit": "abc"}, {"attempt": 2, "commit": "def"}]},
                       "t2": {"attempts": [{"attempt": 1, "commit": None}]}}}
    assert first_attempt_commits(state) == [("t1", "abc")]


def test_team_config_toml_round_trips(tmp_path: Path):
    data = {"coders": 1, "default": {"provider": "openai", "model": "m", "base_urls": ["http://127.0.0.1:9/v1"], "think": False,
                                     "api_key": 'k"ey'}, "budgets": {"wall_seconds": 300.0}}
    write_toml(tmp_path / "c.toml", data)
    assert tomllib.loads((tmp_path / "c.toml").read_text()) == data
    assert (tmp_path / "c.toml").stat().st_mode & 0o077 == 0


def _exercise(root: Path, name: str, solution: str, test: str, extra: dict[str, str] | None = None) -> Path:
    d = root / name
    (d / ".meta").mkdir(parents=True)
    (d / ".docs").mkdir()
    (d / ".docs" / "instructions.md").write_text("# Instructions\n\nDo it.\n")
    (d / ".meta" / "config.json").write_text(
        f'{{"files": {{"solution": ["{solution}"], "test": ["{test}"], "example": [".meta/example"]}}}}')
    (d / solution).write_text("stub\n")
    (d / test).write_text("test\n")
    for rel, text in (extra or {}).items():
        (d / rel).write_text(text)
    return d


def test_php_and_javascript_track_layouts(tmp_path: Path):
    _exercise(tmp_path, "leap-php", "Leap.php", "LeapTest.php")
    _exercise(tmp_path, "leap-js", "leap.js", "leap.spec.js", {"package.json": "{}", "babel.config.js": "x"})
    php, js = sorted(load_suite(tmp_path).tasks, key=lambda t: t.id, reverse=True)
    assert (php.language, php.checks[0].command, list(php.hidden)) == ("php", "phpunit LeapTest.php", ["LeapTest.php"])
    assert js.language == "javascript" and "jest leap.spec.js" in js.checks[0].command
    assert js.support == {"package.json": "{}"}  # the track's tooling (babel.config.js) is not the exercise's


def test_a_missing_toolchain_is_named(tmp_path: Path):
    from crewmux.benchmark.checks import missing_tool

    assert missing_tool("npx --no-install jest leap.spec.js", tmp_path).startswith("jest is not installed")
    assert missing_tool("no-such-program-xyz --version", tmp_path) == "no-such-program-xyz is not installed"
    assert missing_tool("python3 -m pytest -q", tmp_path) is None


def test_compare_command_reads_two_result_dirs(tmp_path: Path, capsys):
    import json

    from crewmux.cli import main

    for name, rate in (("a", 10.0), ("b", 40.0)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "summary.json").write_text(json.dumps([{"model": "m", "mode": "single", "pass_rate_1": rate}]))
    assert main(["bench", "compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    assert "| pass_rate_1 | 10 | 40 | +30 |" in capsys.readouterr().out
    assert main(["bench", "compare", str(tmp_path / "a"), str(tmp_path / "nope")]) == 2


def test_progress_draws_a_bar_on_a_terminal_and_lines_elsewhere():
    import io

    from crewmux.benchmark.runner import Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    bar = Progress(2, tty)
    bar.start("leap · m · single")
    bar.finish("leap · m · single", "passed on try 1")
    assert "\r\x1b[2K[##############..............] 1/2" in tty.getvalue()
    plain = io.StringIO()
    log = Progress(2, plain)
    log.finish("leap · m · single", "failed (syntax)")
    assert plain.getvalue() == "[1/2] leap · m · single: failed (syntax)\n"


def test_team_brief_names_the_files_and_says_which_exist():
    from crewmux.benchmark.team import TeamRun

    suite = load_suite(FIXTURES)
    with_stub = TeamRun(suite.tasks[0], {}, None, "m", Path("/nonexistent"))
    assert "The answer goes in: adder.py (adder.py exists already: complete it" in with_stub.brief("")
    fresh = TeamRun(suite.tasks[1], {}, None, "m", Path("/nonexistent")).brief("\\n\\nretry")
    assert "The answer goes in: greet.py. Use only" in fresh and fresh.endswith("retry")
    assert "hidden" not in suite.tasks[0].brief and "test_hidden_adder" not in with_stub.brief("")
