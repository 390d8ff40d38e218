"""Mechanical repairs of a Python reply, made by the coder before the syntax check.

Pure. Each repair is of a mistake with exactly one right fix, which the small model
repairs worst when shown it:

- An import it forgot. "undefined name 'sys'" is the 1.5B's commonest syntax-check
  failure; shown the error, it sent the same file back three times in a row on every rung
  (py-cli-dir-size, stop 22). A name that is a standard-library module used as
  ``sys.argv``, or one of a few well-known names (``Counter``, ``List``), has exactly one
  import that defines it; anything else stays an error for the model to fix.
- An attribute that hides a method. ``self.balance = 0`` in a class that defines
  ``balance()`` makes ``account.balance()`` call an int. Told so in plain words on five
  replies, the 1.5B kept it every time (py-bank-account, stop 22). The attribute is the
  method's state under another name: it becomes ``self._balance`` wherever it is not called.
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
class Repaired:
    """``source`` repaired, and what was done (an import line, a rename)."""

    source: str
    notes: tuple[str, ...]


def repair(source: str, filename: str = "<reply>") -> Repaired:
    """``source`` with every mechanical repair made, and what each did."""
    unshadowed = unshadow_methods(source)
    imported = add_missing_imports(unshadowed.source, filename)
    return Repaired(imported.source, unshadowed.notes + imported.notes)


def add_missing_imports(source: str, filename: str = "<reply>") -> Repaired:
    """``source`` with an import for each undefined name that has exactly one; unchanged
    (no imports) when it does not parse or lacks none."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError:
        return Repaired(source, ())
    undefined = {m.message_args[0] for m in Checker(tree, filename=filename).messages if isinstance(m, UndefinedName)}
    imports = sorted({_import_of(name, tree) for name in undefined} - {""})
    if not imports:
        return Repaired(source, ())
    lines = source.splitlines(keepends=True)
    at = _insert_line(tree)
    return Repaired("".join([*lines[:at], *(line + "\n" for line in imports), *lines[at:]]), tuple(imports))


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


def unshadow_methods(source: str) -> Repaired:
    """``source`` with each ``self.NAME`` that is not called renamed ``self._NAME``, in a
    class that defines a method NAME and assigns ``self.NAME`` (unchanged otherwise)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return Repaired(source, ())
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    used |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    spans: list[tuple[int, int, int, str]] = []  # (line, start byte, end byte, name) of an attribute name to rename
    hidden: set[str] = set()
    for cls in (node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)):
        methods = {n.name for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        selfs = [n for n in ast.walk(cls) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self"]
        called = {id(n.func) for n in ast.walk(cls) if isinstance(n, ast.Call)}
        here = {n.attr for n in selfs if isinstance(n.ctx, ast.Store) and n.attr in methods and f"_{n.attr}" not in used}
        hidden |= here
        spans += [(n.end_lineno or n.lineno, (n.end_col_offset or 0) - len(n.attr), n.end_col_offset or 0, n.attr)
                  for n in selfs if n.attr in here and id(n) not in called]
    if not spans:
        return Repaired(source, ())
    lines = source.splitlines(keepends=True)
    for line, start, end, name in sorted(spans, reverse=True):
        raw = lines[line - 1].encode()  # ast's columns count bytes
        if raw[start:end] != name.encode():
            return Repaired(source, ())  # a column that is not the name (an f-string's, before 3.12): leave it to the model
        lines[line - 1] = (raw[:start] + b"_" + raw[start:end] + raw[end:]).decode()
    fixed = "".join(lines)
    try:
        ast.parse(fixed)
    except SyntaxError:
        return Repaired(source, ())
    return Repaired(fixed, tuple(f"self.{name} (it hid the method {name}()) is now self._{name}" for name in sorted(hidden)))
