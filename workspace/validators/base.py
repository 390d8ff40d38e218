"""What every validator shares: the check result, the context, running a tool in the sandbox.

Generated code is untrusted, so every tool that reads or runs it runs through the
sandbox. A tool that is not installed gives "not checked: X not installed", never a pass.
"""

from __future__ import annotations

import re
import shutil
import os
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from crewmux.workspace.deps import DepsPolicy, Environment

if TYPE_CHECKING:
    from crewmux.workspace.validators.resident import ResidentPyCheck

Status = Literal["passed", "failed", "not_checked"]


@dataclass
class Finding:
    path: str
    line: int | None
    message: str


@dataclass
class CheckResult:
    name: str
    status: Status
    detail: str = ""
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0


class SandboxLike(Protocol):
    def run(self, argv, cwd, timeout=..., env=None, writable=None, readable=None, network=False): ...


@dataclass(frozen=True)
class DepsSetup:
    """Where a run keeps its installed environments and what it may install."""

    run_dir: Path
    policy: DepsPolicy = DepsPolicy()
    cache: Path | None = None  # None: the shared cache under ~/.cache/crewmux/deps


@dataclass
class Context:
    """One validation: a worktree, the files the task touched, how to run tools."""

    root: Path
    files: list[str]
    sandbox: SandboxLike
    timeout: float = 120.0
    artifacts: Path | None = None
    pending: tuple[str, ...] = ()  # files other tasks have yet to make; a page may link them already
    pycheck: ResidentPyCheck | None = None  # the agent's resident Python checker for ``root``
    routes: tuple[str, ...] = ()  # the task's HTTP routes (its contract): its server is started and asked
    deps: DepsSetup | None = None  # install what the manifests declare before checking (None: install nothing)
    environment: Environment | None = None  # the installed packages every tool sees (set by the install)

    def existing(self, suffixes: tuple[str, ...]) -> list[str]:
        return [f for f in self.files if f.endswith(suffixes) and (self.root / f).is_file()]


def tool_path(name: str) -> str | None:
    return shutil.which(name)


def not_installed(check: str, tool: str) -> CheckResult:
    return CheckResult(check, "not_checked", f"not checked: {tool} not installed")


def python_env() -> dict[str, str]:
    """The environment generated Python code runs with inside the sandbox."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "LANG": "C.UTF-8",
    }


def script_argv(script: Path, *args: str) -> tuple[list[str], dict[str, str]]:
    """Run one of crewmux's own checker scripts with the interpreter, quickly.

    ``-S`` skips site initialisation (over 100 ms in the sandbox with many .pth files);
    the installed packages stay importable through PYTHONPATH.
    """
    env = {**python_env(), "PYTHONPATH": os.pathsep.join(site_dirs())}
    return [sys.executable, "-S", str(script), *args], env


def site_dirs() -> list[str]:
    """Where this interpreter finds installed packages: every site-packages on sys.path (a
    venv made with --system-site-packages finds pyflakes and playwright in the system's),
    else the interpreter's own."""
    found = [p for p in sys.path if p.rstrip("/").endswith(("site-packages", "dist-packages"))]
    return list(dict.fromkeys(found)) or [sysconfig.get_paths()["purelib"]]


def python_readable() -> list[str]:
    """The interpreter and its packages, so sandboxed Python finds pytest and pyflakes."""
    paths = {sys.prefix, sys.base_prefix, str(Path(sys.executable).resolve().parent.parent)}
    return sorted(p for p in paths if not p.startswith(("/usr", "/bin", "/lib")))


def run_tool(ctx: Context, name: str, argv: list[str], *, env: dict[str, str] | None = None,
             readable: list[str] | None = None, timeout: float | None = None,
             writable: list[str] | None = None, ok_codes: tuple[int, ...] = (0,)) -> tuple[bool, str, object]:
    """Run one tool in the sandbox; (ok, output, result). The run's installed packages, if
    any, are on its paths, read-only."""
    if ctx.environment is not None:
        env = ctx.environment.env(env)
        readable = [*(readable or []), *ctx.environment.readable()]
    result = ctx.sandbox.run(
        argv,
        cwd=ctx.root,
        timeout=timeout or ctx.timeout,
        env=env,
        writable=[str(ctx.root), *(writable or [])],
        readable=readable,
        network=False,
    )
    output = (result.stdout or "") + (("\n" + result.stderr) if result.stderr else "")
    if getattr(result, "stopped", False):
        output += f"\n(stopped after {timeout or ctx.timeout:.0f} s: timed out or over a limit)"
    return (result.exit_code in ok_codes and not getattr(result, "stopped", False)), output.strip(), result


def each_file(ctx: Context, name: str, what: str, suffixes: tuple[str, ...], tool: str, flags: list[str],
              env: dict[str, str], locate=lambda output: output) -> CheckResult:
    """Run ``tool *flags FILE`` on each of the task's files with these suffixes (a syntax check)."""
    files = ctx.existing(suffixes)
    if not files:
        return CheckResult(name, "not_checked", f"not checked: no {what} files")
    path = tool_path(tool)
    if path is None:
        return not_installed(name, tool)
    findings: list[Finding] = []
    for file in files:
        ok, output, _ = run_tool(ctx, name, [path, *flags, file], env=env)
        if not ok:
            found = findings_from_output(locate(output), [file]) or [Finding(file, None, "")]
            found[0].message = tail(output, 8)
            findings.append(found[0])
    if findings:
        return CheckResult(name, "failed", f"{len(findings)} file(s) do not parse", findings)
    return CheckResult(name, "passed", f"{len(files)} file(s)")


_LOCATION = re.compile(r"(?P<path>[\w./-]+\.\w+)[:(](?P<line>\d+)")


def findings_from_output(output: str, files: list[str], limit: int = 10) -> list[Finding]:
    """``path:line`` mentions of the task's files in a tool's output, as findings."""
    found: list[Finding] = []
    seen: set[tuple[str, int]] = set()
    for text_line in output.splitlines():
        for match in _LOCATION.finditer(text_line):
            path = match.group("path").lstrip("./")
            hit = next((f for f in files if path == f or path.endswith("/" + f) or f.endswith("/" + path)), None)
            if hit is None:
                continue
            key = (hit, int(match.group("line")))
            if key not in seen:
                seen.add(key)
                message = text_line[match.end():].lstrip(":) ").strip() or text_line.strip()
                found.append(Finding(hit, key[1], message[:300]))
            break
        if len(found) >= limit:
            break
    return found


_HEADLINE = re.compile(r"\bnot ok\b|\berror\b|\w*Error\b|\bFAILED\b|\bassert", re.IGNORECASE)


def failure_detail(output: str, lines: int = 40) -> str:
    """What a person reads first: the lines that say what failed (a test runner's
    ``not ok`` / ``error:`` / ``FAILED`` lines, e.g. node's TAP, whose last line is only
    a duration) and the last line (a summary such as pytest's); then the tail."""
    parts = [p.strip() for p in output.strip().splitlines() if p.strip()]
    if not parts:
        return "failed"
    errors = list(dict.fromkeys(p for p in parts if _HEADLINE.search(p)))[:3]
    head = "; ".join([*errors, parts[-1]] if parts[-1] not in errors else errors)
    return head[:400] + "\n" + tail(output, lines)


def tail(text: str, lines: int = 30) -> str:
    parts = text.strip().splitlines()
    if len(parts) <= lines:
        return "\n".join(parts)
    return "\n".join(["...", *parts[-lines:]])
