"""Imports a Python reply uses and forgot, added by the coder before the syntax check.

Pure. "undefined name 'sys'" is the small model's commonest syntax-check failure, and the
one it repairs worst: shown the error, the 1.5B sent the same file back three times in a
row on every rung (py-cli-dir-size, stop 22), and the task failed on a missing line that
has one right answer. A name that is a standard-library module used as ``sys.argv``, or
one of a few well-known names (``Counter``, ``List``), has exactly one import that defines
it; anything else stays an error for the model to fix.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass

from pyflakes.checker import Checker
from pyflakes.messages import UndefinedName

# Names that one standard module defines and small models use without importing.
FROM_IMPORTS = {
    **{name: "typing" for name in ("Any", "Callable", "Dict", "Iterable", "Iterator", "List", "Optional", "Set",
                                   "Tuple", "Union")},
    **{name: "collections" for name in ("Counter", "OrderedDict", "defaultdict", "deque", "namedtuple")},
    "dataclass": "dataclasses", "field": "dataclasses", "Path": "pathlib", "reduce": "functools",
}
# ``datetime.now()`` wants ``from datetime import datetime``, ``datetime.date`` the module: no one answer.
AMBIGUOUS = {"datetime"}


@dataclass(frozen=True)
class Added:
    """``source`` with the imports it lacked, and those import lines."""

    source: str
    imports: tuple[str, ...]


def add_missing_imports(source: str, filename: str = "<reply>") -> Added:
    """``source`` with an import for each undefined name that has exactly one; unchanged
    (no imports) when it does not parse or lacks none."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError:
        return Added(source, ())
    undefined = {m.message_args[0] for m in Checker(tree, filename=filename).messages if isinstance(m, UndefinedName)}
    imports = sorted({_import_of(name, tree) for name in undefined} - {""})
    if not imports:
        return Added(source, ())
    lines = source.splitlines(keepends=True)
    at = _insert_line(tree)
    return Added("".join([*lines[:at], *(line + "\n" for line in imports), *lines[at:]]), tuple(imports))


def _import_of(name: str, tree: ast.Module) -> str:
    """The one import that defines ``name`` as the code uses it, or ''."""
    if name in AMBIGUOUS:
        return ""
    if name in sys.stdlib_module_names and not name.startswith("_") and _used_as_module(name, tree):
        return f"import {name}"
    module = FROM_IMPORTS.get(name)
    return f"from {module} import {name}" if module else ""


def _used_as_module(name: str, tree: ast.Module) -> bool:
    """Every use of ``name`` is an attribute of it (``sys.argv``): the name is a module."""
    uses = [node for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id == name]
    parents = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)}
    return bool(uses) and all(id(use) in parents for use in uses)


def _insert_line(tree: ast.Module) -> int:
    """The line index after the module's docstring and ``from __future__`` imports."""
    at = 0
    for node in tree.body:
        docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
        if (docstring and at == 0) or future:
            at = node.end_lineno or at
        else:
            break
    return at
