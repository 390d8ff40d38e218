"""Web pages: load each page in headless Chromium (in the sandbox) and report what broke.

Console errors, uncaught page errors and failed requests are findings; a screenshot of
each page is saved under the run's ``artifacts/`` for a human to look at.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from crewmux.workspace.validators.base import CheckResult, Context, Finding, not_installed, python_readable, run_tool, script_argv, tail, tool_path

WEBCHECK = Path(__file__).with_name("webcheck.py")
CHROMIUM = "/usr/bin/chromium"
_STACK_LINE = re.compile(r"/([\w./-]+\.(?:html?|js|mjs)):(\d+)")


def pages(ctx: Context) -> list[str]:
    found = ctx.existing((".html", ".htm"))
    if not found and any(f.endswith((".js", ".css")) for f in ctx.files) and (ctx.root / "index.html").is_file():
        found = ["index.html"]  # a script or stylesheet task is checked through the page using it
    return found


def check(ctx: Context, label: str = "page") -> list[CheckResult]:
    targets = pages(ctx)
    if not targets:
        return []
    chromium = CHROMIUM if Path(CHROMIUM).exists() else tool_path("chromium")
    if chromium is None:
        return [not_installed("chromium page check", "chromium")]
    shots = (ctx.artifacts or ctx.root / ".crewmux-artifacts").resolve()
    shots.mkdir(parents=True, exist_ok=True)
    results = []
    for page in targets:
        shot = shots / f"{label}-{page.replace('/', '_')}.png"
        argv, env = script_argv(WEBCHECK, str(ctx.root), page, str(shot), chromium)
        env.update({"HOME": "/tmp", "XDG_CONFIG_HOME": "/tmp", "XDG_CACHE_HOME": "/tmp"})
        ok, output, _ = run_tool(ctx, "chromium", argv, env=env, readable=[*python_readable(), str(WEBCHECK.parent)],
                                 writable=[str(shots)], timeout=max(ctx.timeout, 60))
        results.append(_verdict(page, ok, output, ctx.pending))
    return results


def _pending(url: str, origin: str, pending: tuple[str, ...]) -> bool:
    return bool(origin) and url.startswith(origin) and url[len(origin):].lstrip("/").split("?")[0] in pending


def _verdict(page: str, ok: bool, output: str, pending: tuple[str, ...] = ()) -> CheckResult:
    name = f"chromium {page}"
    report = None
    for line in reversed(output.splitlines()):
        if line.startswith("{"):
            try:
                report = json.loads(line)
                break
            except ValueError:
                continue
    if report is None:
        return CheckResult(name, "failed" if ok else "not_checked", f"the browser check could not run: {tail(output, 12)}")
    if report.get("missing"):
        return not_installed(name, report["missing"])
    origin = report.get("origin", "")
    later = sorted({r["url"][len(origin):].lstrip("/") for r in report["failed_requests"] if _pending(r["url"], origin, pending)})
    report["failed_requests"] = [r for r in report["failed_requests"] if not _pending(r["url"], origin, pending)]
    report["console_errors"] = [e for e in report["console_errors"] if not _pending(e.get("url", ""), origin, pending)]
    findings: list[Finding] = []
    for err in report["page_errors"]:
        findings.append(_finding(page, "uncaught error: " + err["text"], err.get("stack", "")))
    for err in report["console_errors"]:
        findings.append(_finding(page, "console error: " + err["text"], f"{err.get('url', '')}:{(err.get('line') or 0) + 1}"))
    for req in report["failed_requests"]:
        url = req["url"].replace(report.get("origin", ""), "")
        findings.append(Finding(page, None, f"request failed: {url} ({req['error']})"))
    shot = f"; screenshot {report['screenshot']}" if report.get("screenshot") else ""
    if later:
        shot += f"; not there yet (other tasks make them): {', '.join(later)}"
    if findings:
        return CheckResult(name, "failed", f"{len(findings)} problem(s) loading {page}{shot}", findings)
    return CheckResult(name, "passed", f"loaded with no errors{shot}")


def _finding(page: str, message: str, where: str) -> Finding:
    match = _STACK_LINE.search(where or "")
    if match:
        return Finding(match.group(1), int(match.group(2)), message)
    return Finding(page, None, message)
