"""Rust: ``cargo check`` (or ``rustc`` on a lone file), ``cargo clippy`` when installed,
``cargo test``. Offline, with the run's own cargo home and target directory."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

from crewmux.workspace.validators.base import CheckResult, Context, Finding, failure_detail, findings_from_output, not_installed, run_tool, tail, tool_path

SUFFIXES = (".rs",)


@functools.cache
def sysroot() -> Path | None:
    """The toolchain's own directory: its ``bin/`` holds the real cargo and rustc (the
    ones in ~/.cargo/bin are rustup's proxies, which need the home directory)."""
    rustc = tool_path("rustc")
    if rustc is None:
        return None
    try:
        out = subprocess.run([rustc, "--print", "sysroot"], capture_output=True, text=True, timeout=30, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    root = Path(out)
    return root if (root / "bin" / "rustc").is_file() else None


def _tool(name: str) -> str | None:
    root = sysroot()
    if root is None:
        return None
    path = root / "bin" / name
    return str(path) if path.is_file() else None


def _cache(ctx: Context) -> Path:
    # Kept across checks of one run, like Go's: a cold target directory rebuilds everything.
    base = ctx.artifacts.parent if ctx.artifacts else ctx.root / ".."
    cache = base / "cache" / "rust"
    (cache / "home").mkdir(parents=True, exist_ok=True)
    return cache.resolve()


def _env(cache: Path) -> dict[str, str]:
    root = sysroot()
    return {
        "PATH": f"{root / 'bin' if root else '/usr/bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "CARGO_HOME": str(cache / "home"),
        "CARGO_TARGET_DIR": str(cache / "target"),
        "CARGO_NET_OFFLINE": "true",
        "CARGO_TERM_COLOR": "never",
        "CARGO_INCREMENTAL": "0",
    }


def is_test_file(path: str) -> bool:
    parts = Path(path).parts
    return path.endswith(".rs") and len(parts) > 1 and parts[0] == "tests"


def _cargo(ctx: Context, name: str, args: list[str], files: list[str]) -> CheckResult:
    cargo = _tool("cargo")
    if cargo is None:
        return not_installed(name, "cargo")
    cache = _cache(ctx)
    root = sysroot()
    ok, output, _ = run_tool(ctx, name, [cargo, *args], env=_env(cache), writable=[str(cache)],
                             readable=[str(root)] if root else None, timeout=max(ctx.timeout, 300))
    if ok:
        return CheckResult(name, "passed")
    detail = failure_detail(output) if "test" in args else tail(output, 30)
    return CheckResult(name, "failed", detail, findings_from_output(output, files))


def syntax(ctx: Context) -> CheckResult:
    files = ctx.existing(SUFFIXES)
    if not files:
        return CheckResult("cargo check", "not_checked", "not checked: no Rust files")
    if (ctx.root / "Cargo.toml").is_file():
        return _cargo(ctx, "cargo check", ["check", "--all-targets", "--quiet", "--message-format", "short"], files)
    rustc = _tool("rustc")
    if rustc is None:
        return not_installed("rustc", "rustc")
    findings: list[Finding] = []
    root = sysroot()
    for file in files:
        argv = [rustc, "--edition", "2021", "--crate-type", "lib", "--emit=metadata", "-o", "/tmp/check.rmeta",
                "--error-format", "short", file]
        ok, output, _ = run_tool(ctx, "rustc", argv, env=_env(_cache(ctx)), readable=[str(root)] if root else None)
        if not ok:
            found = findings_from_output(output, [file]) or [Finding(file, None, tail(output, 8))]
            findings += found
    if findings:
        return CheckResult("rustc", "failed", f"{len(findings)} error(s)", findings)
    return CheckResult("rustc", "passed", f"{len(files)} file(s)")


def build(ctx: Context, all_files: list[str]) -> list[CheckResult]:
    """Clippy's deny-level lints (its correctness group) fail; its warnings are style."""
    files = [f for f in all_files if f.endswith(SUFFIXES)]
    if not files or not (ctx.root / "Cargo.toml").is_file() or _tool("cargo-clippy") is None:
        return []
    return [_cargo(ctx, "cargo clippy", ["clippy", "--all-targets", "--quiet", "--message-format", "short"], files)]


def tests(ctx: Context, all_files: list[str]) -> CheckResult:
    files = [f for f in all_files if f.endswith(SUFFIXES) and (ctx.root / f).is_file()]
    has_tests = any(is_test_file(f) or "#[test]" in (ctx.root / f).read_text(errors="replace") for f in files)
    if not has_tests:
        return CheckResult("cargo test", "not_checked", "not checked: no Rust tests")
    if not (ctx.root / "Cargo.toml").is_file():
        return CheckResult("cargo test", "not_checked", "not checked: Rust tests need a Cargo.toml")
    return _cargo(ctx, "cargo test", ["test", "--quiet", "--no-fail-fast"], files)
