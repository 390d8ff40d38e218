"""Validators per language, and the short findings a coder gets back.

``syntax_checks``: what a coder runs on its own files before reporting (Python: fatal
pyflakes errors too, so the coder fixes an undefined name with the error in front of it).
``review_checks``: what QA runs on a task (syntax, fatal lint, imports, tests, build, page).
``suite_checks``: what the coordinator runs on the merged branch (tests and build).
"""

from __future__ import annotations

from pathlib import Path

from crewmux.workspace import deps
from crewmux.workspace import languages as table  # the table reads this package's modules: use it inside functions only
from crewmux.workspace.validators import server, web
from crewmux.workspace.validators.base import CheckResult, Context, Finding

__all__ = ["CheckResult", "Context", "Finding", "language_of", "languages", "syntax_checks", "review_checks", "suite_checks",
           "format_findings", "is_test_file", "install_deps"]


def language_of(path: str) -> str | None:
    return table.language_of(path)


def languages(files: list[str]) -> list[str]:
    return table.languages(files)


def is_test_file(path: str) -> bool:
    return table.is_test_file(path)


def syntax_checks(ctx: Context) -> list[CheckResult]:
    """Does the code parse (for Python: and has no fatal pyflakes error, such as an undefined name)."""
    return [lang.syntax(ctx) for name in languages(ctx.files) if (lang := table.BY_NAME[name]).syntax]


def review_checks(ctx: Context, all_files: list[str], label: str = "review") -> list[CheckResult]:
    """Everything QA checks for a task whose files are ``ctx.files`` in a tree of ``all_files``."""
    results: list[CheckResult] = []
    if ctx.deps is not None:
        installed = install_deps(ctx)
        if installed is not None:
            results.append(installed)
            if installed.status == "failed":
                return results  # the code cannot run without what it declared
    langs = languages(ctx.files)
    for name in langs:
        lang = table.BY_NAME[name]
        if lang.syntax:
            results.append(lang.syntax(ctx))
        if lang.imports:
            results.append(lang.import_check(ctx))
    if any(r.status == "failed" for r in results):
        return results  # no point running tests on code that does not parse
    results += suite_checks(ctx, all_files, langs)
    served = server.check(ctx, list(ctx.routes), label=label) if ctx.routes else []
    results += served
    if any(r.name.startswith("page") for r in served):
        return results  # the page was loaded with its backend running: serving it as static files would only break its calls
    if any(table.BY_NAME[name].page for name in langs) or ("javascript" in langs and (ctx.root / "index.html").is_file()):
        results += web.check(ctx, label)
    return results


def install_deps(ctx: Context) -> CheckResult | None:
    """Install what the tree's manifests declare (outside the sandbox: workspace/deps.py) and
    make it the environment of every later tool; None when nothing is declared."""
    assert ctx.deps is not None
    found = deps.install(ctx.root, ctx.deps.run_dir, ctx.deps.policy, ctx.deps.cache)
    if found.problems:
        return CheckResult("dependencies", "failed", f"{len(found.problems)} declared package(s) cannot be installed",
                           [Finding(p.manifest, p.line, p.message) for p in found.problems])
    if found.infrastructure:
        return CheckResult("dependencies", "not_checked", f"not checked: {found.infrastructure}")
    if found.environment is None:
        return None
    ctx.environment = found.environment
    return CheckResult("dependencies", "passed", "installed: " + ", ".join(r.spec for r in found.requirements))


def suite_checks(ctx: Context, all_files: list[str], langs: list[str] | None = None) -> list[CheckResult]:
    """The builds and test suites of the tree, for the languages present."""
    langs = langs if langs is not None else languages(all_files)
    results: list[CheckResult] = []
    covered = {other for name in langs for other in table.BY_NAME[name].tests_cover}
    for name in langs:
        lang = table.BY_NAME[name]
        if lang.build:
            results += lang.build(ctx, all_files)
        if lang.tests and name not in covered:
            results.append(lang.tests(ctx, all_files))
    return results


def excerpt(root: Path, path: str, line: int, radius: int = 2) -> list[str]:
    """The code around ``line`` with a marker on it, numbered like an editor."""
    try:
        lines = (root / path).read_text(errors="replace").splitlines()
    except OSError:
        return []
    lo, hi = max(1, line - radius), min(len(lines), line + radius)
    return [f"{'>' if n == line else ' '}{n:4d} | {lines[n - 1]}" for n in range(lo, hi + 1)]


def format_findings(results: list[CheckResult], root: Path, max_lines: int = 50) -> str:
    """What failed, short (about ``max_lines``), with the code around each error."""
    out: list[str] = []
    for result in results:
        if result.status != "failed":
            continue
        out.append(f"FAILED {result.name}: {result.detail.splitlines()[0] if result.detail else ''}".rstrip())
        detail_rest = result.detail.splitlines()[1:] if result.detail else []
        for finding in result.findings[:6]:
            where = f"{finding.path}:{finding.line}" if finding.line else finding.path
            out.append(f"  {where}: {finding.message.splitlines()[0] if finding.message else ''}")
            out += [f"    {m}" for m in finding.message.splitlines()[1:6]]
            if finding.line:
                out += ["    " + line for line in excerpt(root, finding.path, finding.line)]
        if detail_rest:
            out += ["  " + line for line in detail_rest[-15:]]
    if len(out) > max_lines:
        out = out[: max_lines - 1] + [f"... ({len(out) - max_lines + 1} more lines)"]
    return "\n".join(out)
