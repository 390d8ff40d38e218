"""chart.png: pass rate per model and mode (aider's figures beside them), and time and
completion tokens per task. Drawn with matplotlib (the ``bench`` extra); without it the
bench says so and writes the rest."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from crewmux.benchmark.report import aider_figures

MODE_COLOURS = {"single": ("#9ecae1", "#3182bd"), "team": ("#fdae6b", "#e6550d")}


def chart_available() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def task_points(results: list[Any]) -> list[dict[str, Any]]:
    """One point per task result for the per-task panel: mode, seconds, tokens, passed."""
    return [{"model": r.model, "mode": r.mode, "task": r.task, "passed": r.passed,
             "seconds": sum(t.seconds for t in r.tries), "tokens": sum(t.completion_tokens for t in r.tries)}
            for r in results if not r.infrastructure]


def draw_chart(path: Path, summary: list[dict[str, Any]], title: str, points: list[dict[str, Any]] | None = None) -> bool:
    """Write the chart; False when matplotlib is missing (pip install 'crewmux[bench]')."""
    if not summary or not chart_available():
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = list(dict.fromkeys(s["model"] for s in summary))
    modes = list(dict.fromkeys(s["mode"] for s in summary))
    by = {(s["model"], s["mode"]): s for s in summary}
    fig, ((ax_pass, ax_tasks), (ax_time, ax_tok)) = plt.subplots(2, 2, figsize=(13, 9),
                                                                 gridspec_kw={"height_ratios": [3, 2]})
    fig.suptitle(title, fontsize=13, fontweight="bold")
    width = 0.8 / (len(modes) + 1)
    for m_i, model in enumerate(models):
        for k, mode in enumerate(modes):
            s = by.get((model, mode))
            if not s:
                continue
            x = m_i + (k - (len(modes) - 1) / 2) * width
            light, dark = MODE_COLOURS.get(mode, ("#cccccc", "#666666"))
            last = s["pass_rate_3"] or s["pass_rate_2"] or s["pass_rate_1"]
            ax_pass.bar(x, last, width * 0.95, color=light, label=f"{mode}: later tries" if m_i == 0 else None)
            ax_pass.bar(x, s["pass_rate_1"], width * 0.95, color=dark, label=f"{mode}: try 1" if m_i == 0 else None)
            ax_pass.text(x, last + 1.5, f"{last:g}%", ha="center", fontsize=9)
            ax_pass.text(x, -7, f"n={s['tasks']}", ha="center", fontsize=7, color="#555555")
            ax_time.barh(f"{model}\n{mode}", s["seconds_per_task"], color=dark)
            ax_tok.barh(f"{model}\n{mode}", s["completion_tokens_per_task"], color=dark)
        aider = aider_figures(model)
        if aider:
            ax_pass.hlines([aider[1], aider[2]], m_i - 0.42, m_i + 0.42, colors=["#555555", "#999999"], linestyles=["--", ":"], zorder=3,
                           label="aider: dashed try 1, dotted try 2" if m_i == 0 else None)
    ax_pass.set_xticks(range(len(models)), models)
    ax_pass.set_ylim(-10, 110)
    ax_pass.set_ylabel("tasks passed (%)")
    ax_pass.set_title("pass rate (dark: first try)")
    ax_pass.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, frameon=False)
    ax_pass.spines[["top", "right"]].set_visible(False)
    for ax, what in ((ax_time, "average seconds per task"), (ax_tok, "average completion tokens per task")):
        ax.set_title(what)
        ax.tick_params(axis="y", labelsize=8)
        ax.invert_yaxis()
        ax.spines[["top", "right"]].set_visible(False)
        for bar in ax.patches:
            ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {bar.get_width():g}", va="center", fontsize=8)
    _task_panel(ax_tasks, points or [], models)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _task_panel(ax: Any, points: list[dict[str, Any]], models: list[str]) -> None:
    """Every task as a dot: its completion tokens against its seconds; hollow when it failed."""
    markers = "os^Dv"
    for point in points:
        light, dark = MODE_COLOURS.get(point["mode"], ("#cccccc", "#666666"))
        marker = markers[models.index(point["model"]) % len(markers)] if point["model"] in models else "o"
        ax.scatter(point["tokens"], point["seconds"], s=46, marker=marker, edgecolors=dark, linewidths=1.4,
                   facecolors=dark if point["passed"] else "none", alpha=0.85)
    for mode, (light, dark) in MODE_COLOURS.items():
        if any(p["mode"] == mode for p in points):
            ax.scatter([], [], color=dark, label=f"{mode}: passed")
            ax.scatter([], [], facecolors="none", edgecolors=dark, label=f"{mode}: failed")
    if len(models) > 1:
        for i, model in enumerate(models):
            ax.scatter([], [], marker=markers[i % len(markers)], color="#555555", label=model)
    ax.set_title("each task: time and completion tokens")
    ax.set_xlabel("completion tokens")
    ax.set_ylabel("seconds")
    if points:
        ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
