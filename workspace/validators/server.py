"""A task whose contract has HTTP routes: its server started inside the sandbox and asked.

The server runs in the sandbox (its own loopback, no way out) under serve.py, which waits
for the port, sends the contract's requests in order, and stops the server's process
group; here the answers are judged against the routes (routes.py). A server that never
listens is a finding with its own output.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crewmux.workspace.validators import web
from crewmux.workspace.validators.base import (
    CheckResult, Context, Finding, not_installed, python_env, python_readable, run_tool, tail, tool_path,
)
from crewmux.workspace.validators.routes import RouteCheck, judge, route_checks

SERVE = Path(__file__).with_name("serve.py")
WAIT_SECONDS = 15.0
_PY_SERVER = re.compile(r"\b(HTTPServer|http\.server|socketserver|app\.run\(|uvicorn\.run\(|serve_forever|web\.run_app|\.listen\()")
_FLASK = re.compile(r"^\s*(\w+)\s*=\s*Flask\(", re.M)
_FASTAPI = re.compile(r"^\s*(\w+)\s*=\s*FastAPI\(", re.M)
_JS_SERVER = re.compile(r"\.listen\(|createServer\(")
_MAIN = re.compile(r"""^if\s+__name__\s*==\s*['"]__main__['"]""", re.M)
ENTRY_NAMES = ("app", "server", "main", "index", "api", "run")


@dataclass
class ServerSpec:
    """How to start a server: its command (``{port}`` stands for the port) and environment."""

    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    readable: list[str] = field(default_factory=list)


def _read(root: Path, rel: str) -> str:
    try:
        return (root / rel).read_text(errors="replace")
    except OSError:
        return ""


def _ranked(files: list[str], suffix: str) -> list[str]:
    """Candidate entry points, the likely names first (app.py, server.js, ...)."""
    found = [f for f in files if f.endswith(suffix) and "test" not in Path(f).name.lower()]
    return sorted(found, key=lambda f: (Path(f).stem not in ENTRY_NAMES, f.count("/"), f))


def server_command(root: Path, files: list[str]) -> list[str] | None:
    """The command that starts the project's server, from its files; None when none is a server.

    A script run directly gets the port as its argument and in PORT; a Flask or FastAPI
    app without a ``__main__`` block is run by flask or uvicorn."""
    package = _json(root / "package.json")
    start = package.get("scripts", {}).get("start", "") if isinstance(package.get("scripts"), dict) else ""
    if isinstance(start, str) and re.fullmatch(r"node\s+[\w./-]+\.(c|m)?js", start.strip()):
        return ["node", start.split()[1], "{port}"]
    for rel in _ranked(files, ".py"):
        source = _read(root, rel)
        module = rel[:-3].replace("/", ".")
        if _MAIN.search(source) and _PY_SERVER.search(source):
            return [sys.executable, rel, "{port}"]
        if flask := _FLASK.search(source):
            return [sys.executable, "-m", "flask", "--app", f"{module}:{flask.group(1)}", "run", "--port", "{port}"]
        if fastapi := _FASTAPI.search(source):
            return [sys.executable, "-m", "uvicorn", f"{module}:{fastapi.group(1)}", "--port", "{port}"]
    for suffix in (".js", ".mjs", ".cjs"):
        for rel in _ranked(files, suffix):
            if _JS_SERVER.search(_read(root, rel)):
                return ["node", rel, "{port}"]
    php = _ranked(files, ".php")
    if php:
        return ["php", "-S", "127.0.0.1:{port}", "-t", "."]
    return None


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def sent_values(checks: list[RouteCheck]) -> list[str]:
    """The texts the accepted requests send: what a database behind them should hold."""
    return [v for c in checks if c.status < 400 and isinstance(c.body, dict) for v in c.body.values()
            if isinstance(v, str) and len(v) > 3]


def serve(ctx: Context, spec: ServerSpec, requests: list[dict[str, Any]], page: dict[str, Any] | None = None,
          wait: float = WAIT_SECONDS, values: list[str] | None = None) -> tuple[dict[str, Any] | None, str]:
    """Run serve.py in the sandbox; (its report, or None when it could not run; its raw output).
    ``values``: texts looked for in the tree's SQLite files once the server has stopped."""
    payload = {"command": spec.command, "env": spec.env, "wait": wait, "requests": requests, "page": page,
               "own_network": bool(getattr(ctx.sandbox, "bwrap_ok", False)), "cwd": str(ctx.root), "values": values or []}
    env = {**python_env(), "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", **spec.env,
           "HOME": "/tmp", "XDG_CONFIG_HOME": "/tmp", "XDG_CACHE_HOME": "/tmp"}
    argv = [sys.executable, str(SERVE), json.dumps(payload)]
    shots = [str(ctx.artifacts.resolve())] if ctx.artifacts else []
    if ctx.artifacts:
        ctx.artifacts.mkdir(parents=True, exist_ok=True)
    budget = wait + 10 * len(requests) + (60 if page else 0) + 10
    ok, output, _ = run_tool(ctx, "server", argv, env=env, readable=[*python_readable(), str(SERVE.parent), *spec.readable],
                             writable=shots, timeout=max(ctx.timeout, budget))
    for line in reversed(output.splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line), output
            except ValueError:
                continue
    return None, output


def check(ctx: Context, routes: list[str], spec: ServerSpec | None = None, wait: float = WAIT_SECONDS,
          label: str = "review", page: bool | None = None) -> list[CheckResult]:
    """The server started, then one result per route the contract gives; then, when the app
    has a page (``page``; by default: an HTML file or a ``GET /`` route), its form driven in
    Chromium and the tree's SQLite files read back."""
    checks = route_checks(routes)
    if not checks:
        return []
    spec = spec or _default_spec(ctx)
    later = [f for f in ctx.pending if f.endswith((".py", ".js", ".mjs", ".cjs", ".php"))]
    if spec is None and later:
        return [CheckResult("server", "not_checked", f"not checked: the server is not there yet (other tasks make {', '.join(later)})")]
    if spec is None:
        return [CheckResult("server", "failed", "the contract has HTTP routes but no file starts a server "
                            "(a script that listens on the port in $PORT or its first argument, or a Flask/FastAPI app)")]
    if tool_path(spec.command[0]) is None and not Path(spec.command[0]).is_file():
        return [CheckResult("server", "not_checked", f"not checked: {spec.command[0]} not installed")]
    if page is None:
        page = any(c.method == "GET" and c.path in ("/", "/index.html") for c in checks) or \
            any(f.endswith((".html", ".htm")) for f in ctx.files)
    drive = _page_spec(ctx, label) if page else None
    before = _tree_files(ctx.root)
    try:
        report, output = serve(ctx, spec, [c.as_spec() for c in checks], page=drive, wait=wait, values=sent_values(checks))
    finally:
        _remove_new(ctx.root, before)  # what the app wrote while checked (its database) is not the code
    results = server_results(checks, report, output)
    if drive is None and page:
        results.append(not_installed("page in chromium", "chromium"))
    elif report and report.get("page"):
        results += page_results(report["page"], ctx.pending)
    if report and report.get("port") is not None:
        results += database_results(report.get("database"))
    return results


def _tree_files(root: Path) -> set[Path]:
    found: set[Path] = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        found.update(Path(folder, name) for name in files)
    return found


def _remove_new(root: Path, before: set[Path]) -> None:
    for path in _tree_files(root) - before:
        path.unlink(missing_ok=True)


def _page_spec(ctx: Context, label: str) -> dict[str, Any] | None:
    chromium = web.CHROMIUM if Path(web.CHROMIUM).exists() else tool_path("chromium")
    if chromium is None:
        return None
    shots = (ctx.artifacts or ctx.root / ".crewmux-artifacts").resolve()
    shots.mkdir(parents=True, exist_ok=True)
    return {"path": "/", "chromium": chromium, "screenshot": str(shots / f"{label}-server-page.png"),
            "token": secrets.token_hex(3)}


def page_results(page: dict[str, Any], pending: tuple[str, ...] = ()) -> list[CheckResult]:
    """The page driven in Chromium (pure)."""
    if page.get("missing"):
        return [not_installed("page in chromium", page["missing"])]
    name = "page: fill and submit the form" if page.get("form") else "page in chromium"
    verdict = web._verdict("/", True, json.dumps(page), pending)
    findings = list(verdict.findings)
    filled = page.get("filled", {})
    if page.get("submitted") and not page.get("changed"):
        findings.append(Finding("", None, f"submitting the form ({', '.join(filled) or 'no fields'}) changed nothing on the page"))
    shot = f"; screenshot {page['screenshot']}" if page.get("screenshot") else ""
    shown = f"; the page shows {', '.join(page['shows'])}" if page.get("shows") else ""
    what = f"filled {', '.join(filled)} and submitted{shown}" if page.get("submitted") else "loaded"
    if findings:
        return [CheckResult(name, "failed", f"{len(findings)} problem(s): {what}{shot}", findings)]
    return [CheckResult(name, "passed", f"{what}{shot}")]


def database_results(database: dict[str, Any] | None) -> list[CheckResult]:
    """Whether the tree's SQLite files hold what the requests and the form sent (pure);
    nothing when the app keeps no SQLite file."""
    if not database or not database.get("databases"):
        return []
    if database.get("stored_in"):
        return [CheckResult("database", "passed", f"what was sent is stored: {', '.join(database['stored_in'])}")]
    sent = ", ".join(database.get("sent", []))
    return [CheckResult("database", "failed", f"what was sent ({sent}) is in none of {', '.join(database['databases'])}",
                        [Finding(database["databases"][0], None, "the values sent by the form or the requests were not stored")])]


def _default_spec(ctx: Context) -> ServerSpec | None:
    command = server_command(ctx.root, ctx.files) or server_command(ctx.root, _all_files(ctx.root))
    return ServerSpec(command) if command else None


def _all_files(root: Path) -> list[str]:
    skip = {".git", "node_modules", ".venv", "venv", "__pycache__", "vendor"}
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not (set(rel.parts) & skip):
            found.append(rel.as_posix())
        if len(found) > 400:
            break
    return found


def server_results(checks: list[RouteCheck], report: dict[str, Any] | None, output: str) -> list[CheckResult]:
    """The report of serve.py as check results (pure)."""
    if report is None:
        return [CheckResult("server", "failed", "the server check could not run: " + tail(output, 12))]
    command = " ".join(report.get("command", []))
    server_output = tail(report.get("output", ""), 25)
    if report.get("port") is None:
        why = report.get("error") or "the server never listened"
        return [CheckResult("server", "failed", f"{why} ({command})\n--- the server's output:\n{server_output or '(none)'}",
                            [Finding(_entry(report), None, why + (": " + server_output.splitlines()[-1] if server_output else ""))])]
    results = [CheckResult("server", "passed", f"listened on port {report['port']} ({command}); stopped: {report.get('stopped')}")]
    for route, answer in zip(checks, report.get("answers", [])):
        name = f"HTTP {route.method} {route.path}"
        why = judge(route, answer)
        if why is None:
            results.append(CheckResult(name, "passed", f"{route.route}: {answer.get('status')}"))
        else:
            detail = f"{route.route}: {why}"
            if answer.get("error") or answer.get("status", 0) >= 500:
                detail += f"\n--- the server's output:\n{server_output or '(none)'}"
            results.append(CheckResult(name, "failed", detail, [Finding(_entry(report), None, f"{route.route}: {why}")]))
    return results


def _entry(report: dict[str, Any]) -> str:
    """The file the server was started from (the findings' path)."""
    for word in report.get("command", [])[1:]:
        if re.search(r"\.(py|js|mjs|cjs|php)$", word):
            return word
        if ":" in word and not word.startswith("127."):
            return word.split(":")[0].replace(".", "/") + ".py"
    return ""
