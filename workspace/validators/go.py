"""Go: ``gofmt`` (syntax; formatting noted), ``go vet``, ``go build``, ``go test``. Offline."""

from __future__ import annotations

from pathlib import Path

from crewmux.workspace.validators.base import CheckResult, Context, Finding, findings_from_output, not_installed, run_tool, tail, failure_detail, tool_path


def _env(cache: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/local/go/bin:/usr/lib/go/bin:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "GOCACHE": str(cache / "build"),
        "GOPATH": str(cache / "path"),
        "GOPROXY": "off",
        "GOFLAGS": "-mod=mod",
        "GOTOOLCHAIN": "local",
        "CGO_ENABLED": "0",
        "GOTELEMETRY": "off",
    }


def _cache(ctx: Context) -> Path:
    # Kept across checks of one run: a cold build cache recompiles the standard library.
    base = ctx.artifacts.parent if ctx.artifacts else ctx.root / ".."
    cache = base / "cache" / "go"
    cache.mkdir(parents=True, exist_ok=True)
    return cache.resolve()


def syntax(ctx: Context) -> CheckResult:
    files = ctx.existing((".go",))
    if not files:
        return CheckResult("gofmt", "not_checked", "not checked: no Go files")
    gofmt = tool_path("gofmt")
    if gofmt is None:
        return not_installed("gofmt", "gofmt")
    ok, output, _ = run_tool(ctx, "gofmt", [gofmt, "-l", "-e", *files], env=_env(_cache(ctx)), writable=[str(_cache(ctx))])
    if not ok:
        return CheckResult("gofmt", "failed", tail(output, 20), findings_from_output(output, files) or [Finding(files[0], None, tail(output, 8))])
    unformatted = [line for line in output.splitlines() if line.strip()]
    note = f"; not gofmt-formatted (style only): {', '.join(unformatted)}" if unformatted else ""
    return CheckResult("gofmt", "passed", f"{len(files)} file(s) parse{note}")


def _targets(ctx: Context, files: list[str]) -> list[str]:
    return ["./..."] if (ctx.root / "go.mod").is_file() else files


def build(ctx: Context, all_files: list[str]) -> list[CheckResult]:
    files = [f for f in all_files if f.endswith(".go") and (ctx.root / f).is_file()]
    if not files:
        return []
    go = tool_path("go")
    if go is None:
        return [not_installed("go vet", "go"), not_installed("go build", "go")]
    cache = _cache(ctx)
    results = []
    sources = [f for f in files if not f.endswith("_test.go")]
    for name, argv in (("go vet", [go, "vet", *_targets(ctx, files)]), ("go build", [go, "build", "-o", "/dev/null", *_targets(ctx, sources)])):
        ok, output, _ = run_tool(ctx, name, argv, env=_env(cache), writable=[str(cache)], timeout=max(ctx.timeout, 300))
        if ok:
            results.append(CheckResult(name, "passed"))
        else:
            results.append(CheckResult(name, "failed", tail(output, 30), findings_from_output(output, files)))
    return results


def tests(ctx: Context, all_files: list[str]) -> CheckResult:
    files = [f for f in all_files if f.endswith(".go") and (ctx.root / f).is_file()]
    if not any(f.endswith("_test.go") for f in files):
        return CheckResult("go test", "not_checked", "not checked: no Go tests")
    go = tool_path("go")
    if go is None:
        return not_installed("go test", "go")
    cache = _cache(ctx)
    ok, output, _ = run_tool(ctx, "go test", [go, "test", *_targets(ctx, files)], env=_env(cache), writable=[str(cache)], timeout=max(ctx.timeout, 300))
    if ok:
        return CheckResult("go test", "passed")
    return CheckResult("go test", "failed", failure_detail(output), findings_from_output(output, files))
