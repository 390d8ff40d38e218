"""TypeScript: ``tsc --noEmit`` (the project's tsconfig.json when it has one)."""

from __future__ import annotations

from crewmux.workspace.validators.base import CheckResult, Context, findings_from_output, not_installed, run_tool, tail, tool_path
from crewmux.workspace.validators.javascript import NODE_ENV

SUFFIXES = (".ts", ".tsx")


def syntax(ctx: Context) -> CheckResult:
    files = ctx.existing(SUFFIXES)
    if not files:
        return CheckResult("tsc --noEmit", "not_checked", "not checked: no TypeScript files")
    tsc = tool_path("tsc")
    if tsc is None:
        return not_installed("tsc --noEmit", "tsc")
    if (ctx.root / "tsconfig.json").is_file():
        argv = [tsc, "--noEmit", "--pretty", "false", "-p", "."]
    else:
        argv = [tsc, "--noEmit", "--pretty", "false", "--skipLibCheck", "--target", "es2020", "--module", "nodenext",
                "--moduleResolution", "nodenext", "--esModuleInterop", *files]
    ok, output, _ = run_tool(ctx, "tsc", argv, env=NODE_ENV)
    if ok:
        return CheckResult("tsc --noEmit", "passed", f"{len(files)} file(s)")
    return CheckResult("tsc --noEmit", "failed", tail(output, 30), findings_from_output(output, files))
