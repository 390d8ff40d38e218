"""crewmux bench in single mode against scripted models over real HTTP, scored by the real
sandbox (pytest, commands, Chromium): the figures a model earns are the figures reported."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest

from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.benchmark.checks import Checker
from crewmux.benchmark.episodes import EpisodeStore
from crewmux.benchmark.suite import load_suite
from crewmux.cli import main

FIXTURES = Path(__file__).parent / "bench_fixtures" / "suite"
SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "bench-samples" / "exercism-python"
pytestmark = pytest.mark.timeout(300)


def whole(files: dict[str, str]) -> str:
    return "Here you go.\n\n" + "\n".join(f"{path}\n```\n{body.rstrip()}\n```\n" for path, body in files.items())


def solution_rules(suite_dir: Path, **when) -> list[dict]:
    """A rule per task answering its reference solution, picked by the task's brief."""
    return [{"contains": task.brief[:60], "reply": whole(task.solution), **when} for task in load_suite(suite_dir).tasks]


def bench(tmp_path: Path, url: str, suite: Path, *extra: str, out: str = "out") -> tuple[int, Path]:
    out_dir = tmp_path / out
    code = main(["bench", "--suite", str(suite), "--model", "fake-coder:7b", "--provider", "ollama", "--base-url", url,
                 "--mode", "single", "--tries", "2", "--out", str(out_dir), "--episodes", str(tmp_path / "episodes.sqlite"),
                 *extra])
    return code, out_dir


def results_of(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


def test_reference_answers_score_100_on_try_one_and_a_rerun_resumes(tmp_path: Path):
    with FakeLLMServer({"rules": solution_rules(FIXTURES), "tps": 0, "ttft": 0}) as fake:
        code, out = bench(tmp_path, fake.url, FIXTURES)
        assert code == 0
        [summary] = json.loads((out / "summary.json").read_text())
        assert summary["model"] == "fake-coder:7b" and summary["mode"] == "single" and summary["tasks"] == 3
        assert (summary["pass_rate_1"], summary["pass_rate_2"], summary["well_formed"]) == (100.0, 100.0, 100.0)
        assert summary["completion_tokens"] > 0 and summary["seconds"] > 0
        asked = len(fake.requests)
        assert asked == 3
        # The rerun finds every task decided and asks the model nothing.
        code, out = bench(tmp_path, fake.url, FIXTURES)
        assert code == 0 and len(fake.requests) == asked and len(results_of(out)) == 3
    md = (out / "report.md").read_text()
    assert "| fake-coder:7b | single | 3 | 100% | 100% |" in md
    assert (out / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The hidden test never reached the model.
    prompt = json.dumps(fake.requests[0]["body"]["messages"])
    assert "test_hidden_adder" not in prompt and "def add(a, b)" in prompt


def test_wrong_then_fixed_shows_in_pass_rate_2_with_the_test_output_fed_back(tmp_path: Path):
    task = load_suite(FIXTURES).tasks[0]  # add-numbers
    wrong = whole({"adder.py": "def add(a, b):\n    return a - b\n"})
    script = {"tps": 0, "ttft": 0, "rules": [
        {"attempt": 1, "reply": wrong},
        {"attempt": 2, "contains": "test_negative", "reply": whole(task.solution)},
    ]}
    with FakeLLMServer(script) as fake:
        code, out = bench(tmp_path, fake.url, FIXTURES, "--task", "add-numbers")
        assert code == 0
        second = fake.requests[1]["body"]["messages"]
    [summary] = json.loads((out / "summary.json").read_text())
    assert (summary["pass_rate_1"], summary["pass_rate_2"]) == (0.0, 100.0)
    assert summary["steps_to_green"] == 2 and summary["repeat_error_rate"] == 0.0
    # Try 2 carries the whole conversation: the first reply and the failing tests' output.
    assert [m["role"] for m in second] == ["system", "user", "assistant", "user"]
    assert "return a - b" in second[2]["content"] and "assert -1 == 5" in second[3]["content"]
    [result] = results_of(out)
    assert result["tries"][0]["failure"] == "test_failure" and result["passed_on_try"] == 2
    # The failed-then-fixed pair is what `crewmux episodes export --sft` writes.
    sft = tmp_path / "sft.jsonl"
    assert main(["episodes", "export", "--db", str(tmp_path / "episodes.sqlite"), "--sft", str(sft), "--all", str(tmp_path / "all.jsonl")]) == 0
    [pair] = [json.loads(line) for line in sft.read_text().splitlines()]
    assert "return a + b" in pair["messages"][-1]["content"] and pair["failed"]["failure"] == "test_failure"
    assert len((tmp_path / "all.jsonl").read_text().splitlines()) == 2


def test_malformed_replies_are_counted_as_not_well_formed(tmp_path: Path):
    script = {"tps": 0, "ttft": 0, "default": "You should return the sum of a and b, using the + operator."}
    with FakeLLMServer(script) as fake:
        code, out = bench(tmp_path, fake.url, FIXTURES, "--task", "add-numbers")
        assert code == 0
        retry = fake.requests[1]["body"]["messages"][-1]["content"]
    [summary] = json.loads((out / "summary.json").read_text())
    assert summary["tasks"] == 1 and summary["well_formed"] == 0.0 and summary["pass_rate_2"] == 0.0
    assert summary["failures"] == {"malformed": 1}
    assert "adder.py" in retry and "fenced code block" in retry


def test_a_dead_model_server_is_infrastructure_not_a_model_fail(tmp_path: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    code, out = bench(tmp_path, dead, FIXTURES, "--task", "add-numbers")
    assert code == 0
    [summary] = json.loads((out / "summary.json").read_text())
    assert summary["tasks"] == 0 and summary["infrastructure_failures"] == 1 and summary["pass_rate_1"] == 0.0
    [result] = results_of(out)
    assert result["infrastructure"] and "model call failed" in result["tries"][0]["output"]
    # Once the server is up, a rerun tries that task again (and only it).
    task = load_suite(FIXTURES).tasks[0]
    with FakeLLMServer({"tps": 0, "ttft": 0, "default": whole(task.solution)}) as fake:
        code, out = main(["bench", "--suite", str(FIXTURES), "--model", "fake-coder:7b", "--base-url", fake.url,
                          "--task", "add-numbers", "--out", str(out), "--episodes", "none"]), out
    [summary] = json.loads((out / "summary.json").read_text())
    assert summary["tasks"] == 1 and summary["pass_rate_1"] == 100.0 and summary["infrastructure_failures"] == 0


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"the exercism samples are not at {SAMPLES} (../shared/bench-samples)")
def test_exercism_samples_with_reference_answers_and_one_syntax_error(tmp_path: Path):
    suite = load_suite(SAMPLES)
    rules = [{"contains": "def leap_year(year):", "attempt": 1, "reply": whole({"leap.py": "def leap_year(year)\n    return True\n"})}]
    rules += solution_rules(SAMPLES)
    with FakeLLMServer({"tps": 0, "ttft": 0, "rules": rules}) as fake:
        code, out = bench(tmp_path, fake.url, SAMPLES)
        assert code == 0, (out / "report.md").read_text()
    [summary] = json.loads((out / "summary.json").read_text())
    assert summary["tasks"] == len(suite.tasks) == 10
    assert (summary["pass_rate_1"], summary["pass_rate_2"]) == (90.0, 100.0)
    leap = next(r for r in results_of(out) if r["task"] == "leap")
    assert leap["tries"][0]["failure"] == "syntax" and leap["passed_on_try"] == 2
    with EpisodeStore(tmp_path / "episodes.sqlite") as store:
        assert len(store.all()) == 11


GO_EXERCISE = Path(__file__).parent / "bench_fixtures" / "exercism-go"


@pytest.mark.skipif(shutil.which("go") is None, reason="go is not installed")
def test_go_track_exercise_scores_with_go_test_in_the_sandbox():
    [task] = load_suite(GO_EXERCISE).tasks
    assert task.language == "go" and task.support == {"go.mod": "module leap\n\ngo 1.19\n"}
    checker = Checker()
    assert checker.score_files(task, task.solution).passed
    broken = checker.score_files(task, {"leap.go": "package leap\n\nfunc IsLeapYear(year int) bool {\n\treturn year%4 == 0\n}\n"})
    assert not broken.passed and broken.failure == "test_failure" and "IsLeapYear(1900) = true" in broken.output
    syntax = checker.score_files(task, {"leap.go": "package leap\n\nfunc IsLeapYear(year int) bool {\n"})
    assert syntax.failure == "syntax"


def test_a_page_with_an_uncaught_error_or_a_missing_element_fails_in_chromium():
    task = next(t for t in load_suite(FIXTURES).tasks if t.id == "hello-page")
    checker = Checker()
    thrown = checker.score_files(task, {"index.html": task.solution["index.html"].replace(
        'document.querySelector("h1")', 'document.querySelector("#nothing")')})
    if thrown.failure == "infrastructure":
        pytest.skip(f"no browser check here: {thrown.infrastructure}")
    assert not thrown.passed and "uncaught error" in thrown.output
    missing = checker.score_files(task, {"index.html": task.solution["index.html"].replace('id="contact"', 'id="other"')})
    assert not missing.passed and "no element matches: form#contact" in missing.output


def test_a_config_file_is_one_model_entry_beside_a_named_model(tmp_path: Path):
    task = load_suite(FIXTURES).tasks[0]
    script = {"tps": 0, "ttft": 0, "rules": [{"model": "fake-big:70b", "reply": whole(task.solution)}],
              "default": whole({"adder.py": "def add(a, b):\n    return 0\n"})}
    with FakeLLMServer(script) as fake:
        cfg = tmp_path / "ladder.toml"
        cfg.write_text(f'[default]\nprovider = "ollama"\nmodel = "fake-small:1b"\nbase_urls = ["{fake.url}"]\n'
                       f'[roles.coder]\nmodel = "fake-big:70b"\n')
        code, out = bench(tmp_path, fake.url, FIXTURES, "--task", "add-numbers", "--config", str(cfg))
        assert code == 0
    summary = {s["model"]: s for s in json.loads((out / "summary.json").read_text())}
    assert set(summary) == {"fake-coder:7b", "ladder:fake-big:70b"}
    assert summary["ladder:fake-big:70b"]["pass_rate_1"] == 100.0 and summary["fake-coder:7b"]["pass_rate_2"] == 0.0


def test_hidden_files_replace_links_the_answer_left_in_their_place(tmp_path: Path):
    task = load_suite(FIXTURES).tasks[0]
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "adder.py").write_text(task.solution["adder.py"])
    (tree / "test_hidden_adder.py").symlink_to("/etc/hostname")
    assert Checker().score_tree(task, tree).passed
    assert (tree / "test_hidden_adder.py").is_symlink()  # the built tree itself is left as it was


def test_a_failure_of_the_bench_itself_is_infrastructure_and_the_bench_goes_on(tmp_path: Path, monkeypatch):
    from crewmux.benchmark import runner
    from crewmux.benchmark.models import ModelEntry

    real = runner._run_one

    def flaky(opts, entry, mode, task, checker):
        if task.id == "add-numbers":
            raise OSError("No space left on device")
        return real(opts, entry, mode, task, checker)

    monkeypatch.setattr(runner, "_run_one", flaky)
    task = load_suite(FIXTURES).tasks[1]
    with FakeLLMServer({"tps": 0, "ttft": 0, "default": whole(task.solution)}) as fake:
        entry = ModelEntry(label="fake-coder:7b", provider="ollama", model="fake-coder:7b", base_url=fake.url)
        opts = runner.BenchOptions(suite=load_suite(FIXTURES), entries=[entry], modes=["single"], out=tmp_path / "out",
                                   tasks=["add-numbers", "greet-cli"])
        [summary] = runner.run_bench(opts)
    assert summary["tasks"] == 1 and summary["passed"] == 1 and summary["infrastructure_failures"] == 1
    broken = next(r for r in results_of(tmp_path / "out") if r["task"] == "add-numbers")
    assert "the bench itself failed: OSError: No space left on device" in broken["tries"][0]["output"]


def test_an_unknown_task_id_is_refused_before_anything_runs(tmp_path: Path, capsys):
    code, out = bench(tmp_path, "http://127.0.0.1:9", FIXTURES, "--task", "add-numbrs")
    assert code == 2 and not out.exists()
    assert "no task add-numbrs in" in capsys.readouterr().err
