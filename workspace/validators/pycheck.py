"""Syntax and fatal pyflakes checks of Python files, run inside the sandbox.

A standalone script (no crewmux imports) so the sandbox only needs the interpreter:
``python pycheck.py [--flakes] FILE...`` prints one JSON object per problem;
``python pycheck.py --serve`` stays resident and answers requests (see `serve`).
"""

import json
import sys

# pyflakes messages that mean the code cannot work, not style.
FATAL = {
    "UndefinedName", "UndefinedLocal", "UndefinedExport", "DuplicateArgument",
    "ReturnOutsideFunction", "YieldOutsideFunction", "ContinueOutsideLoop", "BreakOutsideLoop",
    "TwoStarredExpressions", "TooManyExpressionsInStarredAssignment", "ForwardAnnotationSyntaxError",
}


def report(path, line, kind, message):
    print(json.dumps({"path": path, "line": line, "kind": kind, "message": message}))


def load_checker():
    try:
        from pyflakes import checker
    except ImportError:
        return None
    return checker


def missing():
    report("", None, "missing", "pyflakes not installed")


def check(paths, checker):
    """Report each problem of ``paths``; the number found. No ``checker``: syntax only."""
    problems = 0
    for path in paths:
        try:
            with open(path, "rb") as handle:
                source = handle.read()
            tree = compile(source, path, "exec", flags=1024, dont_inherit=True)  # ast.PyCF_ONLY_AST
        except SyntaxError as exc:
            report(path, exc.lineno, "syntax", f"{type(exc).__name__}: {exc.msg}")
            problems += 1
            continue
        except (OSError, ValueError) as exc:
            report(path, None, "syntax", str(exc))
            problems += 1
            continue
        if checker is None:
            continue
        for message in checker.Checker(tree, filename=path).messages:
            if type(message).__name__ in FATAL:
                report(path, message.lineno, "flakes", message.message % message.message_args)
                problems += 1
    return problems


def serve():
    """Resident mode: one JSON request per line, {"files": [...], "flakes": bool}; the
    answer is the problems, then {"kind": "end"}. pyflakes is imported once, at start,
    so the first request is as quick as the others."""
    checker = load_checker()
    for line in sys.stdin:
        request = json.loads(line)
        flakes = bool(request.get("flakes"))
        if flakes and checker is None:
            missing()
        problems = check(request["files"], checker if flakes else None)
        print(json.dumps({"kind": "end", "problems": problems}), flush=True)
    return 0


def main(argv):
    if argv == ["--serve"]:
        return serve()
    flakes = "--flakes" in argv
    paths = [a for a in argv if a != "--flakes"]
    checker = load_checker() if flakes else None
    if flakes and checker is None:
        missing()
    return 1 if check(paths, checker) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
