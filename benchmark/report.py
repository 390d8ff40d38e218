"""report.md and the side-by-side comparison of two result directories. Pure: figures in,
markdown out."""

from __future__ import annotations

from typing import Any

from crewmux.benchmark.figures import TaskResult, mode_ratios

# aider's published code-editing figures (Exercism Python, 133 exercises, whole-file edits),
# pass_rate_1 / pass_rate_2 in percent, for the models crewmux users run locally.
AIDER = {
    "qwen2.5-coder:0.5b": ("Qwen2.5-Coder-0.5B-Instruct", 14.3, 14.3),
    "qwen2.5-coder:1.5b": ("Qwen2.5-Coder-1.5B-Instruct", 28.6, 31.6),
    "qwen2.5-coder:3b": ("Qwen2.5-Coder-3B-Instruct", 33.8, 39.1),
    "qwen2.5-coder:7b": ("Qwen2.5-Coder-7B-Instruct", 51.9, 57.9),
}


def aider_figures(model: str) -> tuple[str, float, float] | None:
    """aider's figures for a model label such as ``qwen2.5-coder:1.5b`` or ``cfg:qwen2.5-coder:1.5b-instruct-q4``."""
    name = model.lower()
    for key, value in AIDER.items():
        size = key.split(":")[1]
        if "qwen2.5-coder" in name and (f":{size}" in name or f"-{size}" in name):
            return value
    return None


def _fmt(value: Any, suffix: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:g}{suffix}"
    return f"{value}{suffix}"


def table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_report(suite: str, summary: list[dict[str, Any]], results: list[TaskResult], *, tries: int,
                  machine: str = "", chart: str | None = "chart.png") -> str:
    out = [f"# crewmux bench: {suite}", ""]
    if machine:
        out += [machine, ""]
    out += [f"Up to {tries} tr{'y' if tries == 1 else 'ies'} per task. A single-mode try is one model call with the "
            "instructions and the files, the hidden tests' output fed back for the next; a team-mode try is one whole "
            "`crewmux run`. Rates are percent of the tasks the model decided (infrastructure failures are counted apart).", ""]
    if chart:
        out += [f"![pass rates, time and tokens]({chart})", ""]
    shown = range(1, max(1, min(tries, 3)) + 1)  # a pass rate past the last try says nothing new
    rows = []
    for s in summary:
        rows.append([s["model"], s["mode"], s["tasks"], *[_fmt(s[f"pass_rate_{k}"], "%") for k in shown],
                     _fmt(s["well_formed"], "%"), s["seconds_per_task"],
                     s["completion_tokens_per_task"], s.get("completion_tokens_per_passed_task"), s["prompt_tokens"], _fmt(s["cost"]) if s["cost"] else "–",
                     s["steps_to_green"], _fmt(s["repeat_error_rate"], "%"), s["infrastructure_failures"]])
    out += ["## Summary", "", table(["model", "mode", "tasks", *[f"pass {k}" for k in shown], "well-formed", "s/task",
                                     "completion tok/task", "completion tok/pass", "prompt tok", "cost $", "steps to green", "repeat errors",
                                     "infra fails"], rows), ""]
    ratios = mode_ratios(summary)
    if ratios:
        out += ["## Team against one call", "",
                table(["model", "single passed", "team passed", "team / single", "single %", "team %", "time team / single",
                       "completion tokens per pass, team / single"],
                      [[r["model"], r["single_passed"], r["team_passed"], r["ratio"], _fmt(r["single_pass_rate"], "%"),
                        _fmt(r["team_pass_rate"], "%"), r["seconds_ratio"], r["tokens_per_pass_ratio"]] for r in ratios]), ""]
        losses = [r for r in results if r.mode == "team" and not r.passed and not r.infrastructure and any(
            s.task == r.task and s.model == r.model and s.mode == "single" and s.passed for s in results)]
        if losses:
            out += ["Where the team lost to one call: " + ", ".join(f"{r.task} ({r.model}: {r.failure})" for r in losses), ""]
    team = [s for s in summary if s["mode"] == "team"]
    if team:
        out += ["## Inside the team runs", "",
                table(["model", "retries", "escalations", "first coder reply passed but the task failed"],
                      [[s["model"], s.get("team_retries"), s.get("team_escalations"), s.get("first_reply_passed_but_failed")]
                       for s in team]), ""]
    failures = [[s["model"], s["mode"], *[s["failures"].get(k, 0) for k in ("syntax", "test_failure", "timeout", "malformed")],
                 s["infrastructure_failures"]] for s in summary]
    out += ["## Failures by class", "", table(["model", "mode", "syntax", "test failure", "timeout", "malformed",
                                                "infrastructure"], failures), ""]
    refs = [(s["model"], found, s) for s in summary if s["mode"] == "single" and (found := aider_figures(s["model"]))]
    out += ["## Next to aider's published figures", "",
            "aider's code-editing benchmark: Exercism Python, 133 exercises, whole-file replies, pass_rate_1 / pass_rate_2.", ""]
    if refs:
        out += [table(["model", "aider model", "aider pass 1", "aider pass 2", "ours pass 1", "ours pass 2", "our tasks"],
                      [[m, a[0], _fmt(a[1], "%"), _fmt(a[2], "%"), _fmt(s["pass_rate_1"], "%"), _fmt(s["pass_rate_2"], "%"),
                        s["tasks"]] for m, a, s in refs]), ""]
    else:
        out += [table(["aider model", "pass 1", "pass 2"], [[v[0], _fmt(v[1], "%"), _fmt(v[2], "%")] for v in AIDER.values()]), ""]
    out += ["## Per task", "", table(
        ["task", "model", "mode", "result", "try", "failure", "s", "completion tok", "team retries", "first reply passed"],
        [[r.task, r.model, r.mode, "passed" if r.passed else ("infrastructure" if r.infrastructure else "failed"),
          r.passed_on_try, r.failure, round(sum(t.seconds for t in r.tries), 1), sum(t.completion_tokens for t in r.tries),
          r.team.get("retries") if r.mode == "team" else None,
          r.first_reply_passed_but_failed if r.mode == "team" else None] for r in sorted(results, key=lambda r: (r.task, r.model, r.mode))]), ""]
    return "\n".join(out)


COMPARE_FIELDS = ("tasks", "pass_rate_1", "pass_rate_2", "pass_rate_3", "well_formed", "seconds_per_task",
                  "completion_tokens_per_task", "completion_tokens_per_passed_task", "repeat_error_rate")


def render_compare(name_a: str, a: list[dict[str, Any]], name_b: str, b: list[dict[str, Any]]) -> str:
    """Two summaries side by side, per (model, mode) found in either, with B - A."""
    index_a = {(s["model"], s["mode"]): s for s in a}
    index_b = {(s["model"], s["mode"]): s for s in b}
    keys = list(dict.fromkeys([*index_a, *index_b]))
    out = [f"# {name_a}  vs  {name_b}", ""]
    for key in keys:
        sa, sb = index_a.get(key, {}), index_b.get(key, {})
        rows = []
        for f in COMPARE_FIELDS:
            va, vb = sa.get(f), sb.get(f)
            delta = round(vb - va, 1) if isinstance(va, (int, float)) and isinstance(vb, (int, float)) else None
            rows.append([f, va, vb, f"{delta:+g}" if delta is not None else "–"])
        out += [f"## {key[0]} · {key[1]}", "", table(["figure", name_a, name_b, "B − A"], rows), ""]
    return "\n".join(out)
