"""Syntax and fatal pyflakes checks of Python files, run inside the sandbox.

A standalone script (no crewmux imports) so the sandbox only needs the interpreter:
``python pycheck.py [--flakes] FILE...``. Prints one JSON object per problem.
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


def main(argv):
    flakes = "--flakes" in argv
    paths = [a for a in argv if a != "--flakes"]
    checker = None
    if flakes:
        try:
            from pyflakes import checker
        except ImportError:
            report("", None, "missing", "pyflakes not installed")
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
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
