"""TypeScript: ``tsc --noEmit`` (the project's tsconfig.json when it has one); the tests
compiled by tsc into the sandbox's /tmp and run with ``node --test`` (node 20 has no
type stripping)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from crewmux.workspace.validators import javascript
from crewmux.workspace.validators.base import CheckResult, Context, failure_detail, findings_from_output, not_installed, run_tool, tail, tool_path
from crewmux.workspace.validators.javascript import NODE_ENV

SUFFIXES = (".ts", ".tsx")
OUT_DIR = "/tmp/crewmux-ts"  # the sandbox's private /tmp: nothing compiled lands in the worktree
# tsc's errors when @types/node is missing: what is missing is Node's declarations, not the code.
_NO_NODE_TYPES = re.compile(r"error TS(2591|2580|2503): .*(node|require|process|Buffer|__dirname|module|NodeJS)"
                            r"|error TS2307: Cannot find module 'node:")
COMPILE_FLAGS = ["--pretty", "false", "--skipLibCheck", "--target", "es2020", "--module", "commonjs",
                 "--moduleResolution", "node", "--esModuleInterop", "--sourceMap"]


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
    errors = [line for line in output.splitlines() if ": error TS" in line]
    real = [line for line in errors if not _NO_NODE_TYPES.search(line)]
    if errors and not real:
        return CheckResult("tsc --noEmit", "passed", f"{len(files)} file(s); Node's type definitions (@types/node) are not "
                           "installed, so its built-ins (node:test, require, process) are not type-checked")
    return CheckResult("tsc --noEmit", "failed", tail("\n".join(real) or output, 30), findings_from_output("\n".join(real) or output, files))


def is_test_file(path: str) -> bool:
    p = Path(path)
    return p.suffix in SUFFIXES and (".test." in p.name or ".spec." in p.name)


def tests(ctx: Context, all_files: list[str]) -> CheckResult:
    """TypeScript tests, with the tree's JavaScript tests in the same run (a TS project's
    tests may be JS); a tree with no TypeScript test runs its JavaScript tests alone."""
    test_files = [f for f in all_files if is_test_file(f) and (ctx.root / f).is_file()]
    if not test_files:
        return javascript.tests(ctx, all_files)
    tsc, node = tool_path("tsc"), tool_path("node")
    if tsc is None or node is None:
        return not_installed("node --test (TypeScript)", "tsc" if tsc is None else "node")
    sources = [f for f in all_files if f.endswith(SUFFIXES) and not f.endswith(".d.ts") and (ctx.root / f).is_file()]
    compiled = [f"{OUT_DIR}/{Path(f).with_suffix('.js').as_posix()}" for f in test_files]
    compiled += [f for f in all_files if javascript.is_test_file(f) and (ctx.root / f).is_file()]
    # Type errors are tsc --noEmit's finding; here tsc emits whatever it can and the tests judge.
    script = (f"{shlex.join([tsc, *COMPILE_FLAGS, '--rootDir', '.', '--outDir', OUT_DIR, *sources])} >/tmp/tsc.log 2>&1; "
              f"{shlex.join([node, '--enable-source-maps', '--test', *compiled])}")
    ok, output, _ = run_tool(ctx, "node --test (TypeScript)", ["/bin/sh", "-c", script], env=NODE_ENV)
    if ok:
        return CheckResult("node --test (TypeScript)", "passed", f"{len(test_files)} test file(s)")
    output = output.replace(f"{OUT_DIR}/", "")
    return CheckResult("node --test (TypeScript)", "failed", failure_detail(output), findings_from_output(output, all_files))
