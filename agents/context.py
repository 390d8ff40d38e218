"""What an agent is shown of the project: a scan for the CTO, signatures for a coder.

A coder gets the signatures of the files its dependencies made, not the whole files:
small models do better with short prompts, and the signatures are what they must call.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

from crewmux.workspace import languages

SKIP_DIRS = {".git", ".crewmux", "node_modules", "__pycache__", ".venv", "venv", "vendor", "dist", "build", ".mypy_cache", ".pytest_cache"}
MANIFESTS = languages.MANIFESTS

_HTML_ID = re.compile(r"<(\w+)[^>]*\bid=[\"']([^\"']+)[\"']")
_HTML_REF = re.compile(r"<(script|link)[^>]*(src|href)=[\"']([^\"']+)[\"']")


def walk_files(root: Path, limit: int = 400) -> list[str]:
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            rel = os.path.relpath(os.path.join(dirpath, name), root)
            found.append(rel.replace(os.sep, "/"))
            if len(found) >= limit:
                return found
    return found


def python_signatures(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return [f"(does not parse: {exc.msg} at line {exc.lineno})"]
    lines: list[str] = []

    def describe(node: ast.AST, indent: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
            returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
            lines.append(f"{indent}{prefix} {node.name}({ast.unparse(node.args)}){returns}")
            doc = ast.get_docstring(node)
            if doc:
                lines.append(f'{indent}    """{doc.strip().splitlines()[0]}"""')
        elif isinstance(node, ast.ClassDef):
            bases = ", ".join(ast.unparse(b) for b in node.bases)
            lines.append(f"{indent}class {node.name}({bases}):" if bases else f"{indent}class {node.name}:")
            for child in node.body:
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.AnnAssign)):
                    if isinstance(child, ast.AnnAssign):
                        lines.append(f"{indent}    {ast.unparse(child)}")
                    else:
                        describe(child, indent + "    ")
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and indent == "":
            text = ast.unparse(node)
            if text.split("=")[0].strip().isupper() or isinstance(node, ast.AnnAssign):
                lines.append(text if len(text) < 120 else text[:117] + "...")

    for node in tree.body:
        describe(node, "")
    return lines


def regex_signatures(source: str, pattern: re.Pattern[str]) -> list[str]:
    return [m.group(0).strip().rstrip("{").strip() for line in source.splitlines() if (m := pattern.match(line))]


def html_outline(source: str) -> list[str]:
    lines = [f'<{tag} id="{ident}">' for tag, ident in _HTML_ID.findall(source)]
    lines += [f"<{tag} {attr}=\"{ref}\">" for tag, attr, ref in _HTML_REF.findall(source)]
    return lines


def file_signatures(path: str, source: str, max_lines: int = 60) -> list[str]:
    lang = languages.language(path)
    suffix = Path(path).suffix.lower()
    if lang is not None and lang.name == "python":
        lines = python_signatures(source)
    elif lang is not None and lang.signature is not None:
        lines = regex_signatures(source, lang.signature)
    elif suffix in (".html", ".htm"):
        lines = html_outline(source)
    elif suffix == ".css":
        lines = sorted({m.strip() for m in re.findall(r"([^{}]+)\{", source) if len(m.strip()) < 80})[:30]
    else:
        lines = source.splitlines()[:15]
    if len(lines) > max_lines:
        lines = lines[:max_lines] + [f"... ({len(lines) - max_lines} more)"]
    return lines


def signatures(root: Path, paths: list[str], max_chars: int = 60_000) -> str:
    """The signatures of ``paths`` under ``root``, each under its path. ``max_chars`` only
    bounds a message's size: the prompt that shows them budgets them to its model's
    context (prompt_budget.py)."""
    parts: list[str] = []
    used = 0
    for rel in paths:
        file = root / rel
        try:
            source = file.read_text(errors="replace")
        except OSError:
            continue
        block = f"{rel}:\n" + "\n".join(f"    {line}" for line in file_signatures(rel, source)) + "\n"
        if used + len(block) > max_chars:
            parts.append(f"... (signatures of {len(paths) - len(parts)} more files left out)")
            break
        parts.append(block)
        used += len(block)
    return "\n".join(parts)


def scan_project(root: Path, max_chars: int = 8000) -> str:
    """The project as the CTO sees it: file tree, manifests, signatures of existing code."""
    files = walk_files(root)
    if not files:
        return "The project is empty: no files yet."
    out = ["Files:", *(f"  {f}" for f in files[:200])]
    if len(files) > 200:
        out.append(f"  ... and {len(files) - 200} more")
    for name in MANIFESTS:
        manifest = root / name
        if manifest.is_file():
            text = manifest.read_text(errors="replace")
            out += [f"\n{name}:", text[:1500]]
    code = [f for f in files if Path(f).suffix in languages.CODE_SUFFIXES]
    if code:
        out += ["\nSignatures of existing code:", signatures(root, code, max_chars=max_chars // 2)]
    text = "\n".join(out)
    return text if len(text) <= max_chars else text[:max_chars] + "\n... (cut)"
