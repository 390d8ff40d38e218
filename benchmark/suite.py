"""Bench suites: a directory of tasks in one of two formats, detected per task directory.

- Exercism practice exercises as the exercism tracks lay them out: ``.docs/instructions.md``
  (+ ``instructions.append.md``), the stub, the test file, ``.meta/config.json`` naming
  ``files.solution`` / ``files.test`` / ``files.example``. Python, JavaScript, Go, PHP.
- crewmux tasks: ``task.toml`` (id, category, language, timeout, brief, files, checks),
  ``hidden/`` (copied in only to score), ``stub/`` (starting files), ``solution/`` (a
  reference answer for the suite's own tests; never shown to a model).

Loading reads files only; nothing here runs anything.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crewmux.protocol.validation import error_lines

BUILTIN = Path(__file__).with_name("suites")
Category = Literal["function", "cli", "page", "api", "app"]
Language = Literal["python", "javascript", "typescript", "php", "go", "html"]
LANGUAGE_OF_SUFFIX = {".py": "python", ".js": "javascript", ".mjs": "javascript", ".ts": "typescript",
                      ".go": "go", ".php": "php", ".html": "html"}
# Files of an exercise's directory that are the track's tooling, not the exercise.
_TOOLING = {"README.md", "HELP.md", "HINTS.md", "LICENSE", ".gitignore", ".eslintrc", "babel.config.js", ".npmrc"}


class CheckSpec(BaseModel):
    """One hidden acceptance check (the ``[[checks]]`` of task.toml)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["tests", "command", "page", "server"]
    command: str = ""  # for "server": how to start it, {port} standing for the port (default: found from the files)
    stdin: str | None = None
    expect_exit: int | None = None
    expect_stdout: str | None = None
    expect_contains: list[str] = Field(default_factory=list)
    path: str = "index.html"
    expect_selectors: list[str] = Field(default_factory=list)
    routes: list[str] = Field(default_factory=list, description='"server": HTTP checks, e.g. "POST /books {title} -> 201 {id: int}"')
    timeout: float | None = None


class TaskToml(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    category: Category = "function"
    language: Language = "python"
    timeout: float = Field(default=120.0, gt=0)
    brief: str
    files: list[str] = Field(min_length=1)
    checks: list[CheckSpec] = Field(min_length=1)


@dataclass
class Task:
    """One task, whatever its format: what a model is shown and how it is scored."""

    id: str
    category: str
    language: str
    brief: str
    files: list[str]  # the files the answer should create or change
    checks: list[CheckSpec]
    timeout: float
    stub: dict[str, str] = field(default_factory=dict)  # path -> content the model starts from
    support: dict[str, str] = field(default_factory=dict)  # visible files that are not the answer (go.mod)
    hidden: dict[str, bytes] = field(default_factory=dict)  # copied into the tree only to score
    solution: dict[str, str] = field(default_factory=dict)  # reference answer: the suite's own tests only
    source: str = ""  # the task's directory
    format: Literal["exercism", "crewmux"] = "crewmux"


@dataclass
class Suite:
    name: str
    path: Path
    tasks: list[Task]
    skipped: list[str] = field(default_factory=list)  # "dir: why" for directories that are no task


class SuiteError(Exception):
    pass


def task_format(path: Path) -> str | None:
    if (path / "task.toml").is_file():
        return "crewmux"
    if (path / ".meta" / "config.json").is_file() and (path / ".docs" / "instructions.md").is_file():
        return "exercism"
    return None


def load_suite(path: Path, name: str | None = None) -> Suite:
    """Every task directory under ``path`` (one level), sorted by name; or ``path`` itself
    when it is one task."""
    path = Path(path)
    if not path.is_dir():
        raise SuiteError(f"no suite at {path}: give a built-in suite's name (crewmux bench --list) or a directory")
    dirs = [path] if task_format(path) else sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    tasks: list[Task] = []
    skipped: list[str] = []
    for d in dirs:
        kind = task_format(d)
        if kind is None:
            skipped.append(f"{d.name}: neither task.toml nor an exercism exercise (.meta/config.json + .docs/instructions.md)")
            continue
        tasks.append(load_crewmux_task(d) if kind == "crewmux" else load_exercism(d))
    ids = [t.id for t in tasks]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise SuiteError(f"{path}: task ids must be unique in a suite; repeated: {', '.join(dupes)}")
    return Suite(name or path.name, path, tasks, skipped)


def _read_tree(root: Path) -> dict[str, bytes]:
    if not root.is_dir():
        return {}
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _text_tree(root: Path) -> dict[str, str]:
    return {k: v.decode("utf-8") for k, v in _read_tree(root).items()}


def load_crewmux_task(path: Path) -> Task:
    source = path / "task.toml"
    try:
        spec = TaskToml.model_validate(tomllib.loads(source.read_text()))
    except tomllib.TOMLDecodeError as exc:
        raise SuiteError(f"{source}: not valid TOML: {exc}") from None
    except ValidationError as exc:
        raise SuiteError(f"{source}: {'; '.join(error_lines(exc, 5))}") from None
    for check in spec.checks:
        if check.kind in ("tests", "command") and not check.command.strip():
            raise SuiteError(f"{source}: a {check.kind} check needs a command")
    return Task(
        id=spec.id, category=spec.category, language=spec.language, brief=spec.brief.strip(), files=spec.files,
        checks=spec.checks, timeout=spec.timeout, stub=_text_tree(path / "stub"), hidden=_read_tree(path / "hidden"),
        solution=_text_tree(path / "solution"), source=str(path), format="crewmux",
    )


def exercism_test_command(language: str, tests: list[str]) -> str:
    """How the track's own tests run, as aider's benchmark runs them."""
    if language == "python":
        return "python3 -m pytest -q -p no:cacheprovider --no-header -rf --color=no " + " ".join(tests)
    if language == "go":
        return "go test ./..."
    if language == "php":
        return "phpunit " + " ".join(tests)
    if language in ("javascript", "typescript"):
        return "npx --no-install jest " + " ".join(tests)
    raise SuiteError(f"no test command known for {language}")


def load_exercism(path: Path) -> Task:
    meta_path = path / ".meta" / "config.json"
    try:
        files = json.loads(meta_path.read_text())["files"]
        solution_files: list[str] = list(files["solution"])
        test_files: list[str] = list(files["test"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SuiteError(f"{meta_path}: needs files.solution and files.test ({exc})") from None
    examples: list[str] = list(files.get("example", []))
    language = next((LANGUAGE_OF_SUFFIX[Path(f).suffix] for f in solution_files if Path(f).suffix in LANGUAGE_OF_SUFFIX), None)
    if language is None:
        raise SuiteError(f"{meta_path}: no known language in files.solution {solution_files}")
    docs = path / ".docs"
    brief = (docs / "instructions.md").read_text().strip()
    if (docs / "instructions.append.md").is_file():
        brief += "\n\n" + (docs / "instructions.append.md").read_text().strip()
    stub = {f: (path / f).read_text() if (path / f).is_file() else "" for f in solution_files}
    hidden = {f: (path / f).read_bytes() for f in test_files if (path / f).is_file()}
    # A track's other visible files (go.mod, package.json, a test helper) are neither the
    # answer nor hidden: they are set up in both modes.
    support = {
        str(p.relative_to(path)): p.read_text()
        for p in sorted(path.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
        and str(p.relative_to(path)) not in (*solution_files, *test_files) and p.name not in _TOOLING
    }
    solution: dict[str, str] = {}
    for target, example in zip(solution_files, examples):
        if (path / example).is_file():
            solution[target] = (path / example).read_text()
    check = CheckSpec(kind="tests", command=exercism_test_command(language, test_files))
    return Task(
        id=path.name, category="function", language=language, brief=brief, files=solution_files, checks=[check],
        timeout=180.0, stub=stub, support=support, hidden=hidden, solution=solution, source=str(path), format="exercism",
    )


def builtin_suites() -> dict[str, Path]:
    if not BUILTIN.is_dir():
        return {}
    return {p.name: p for p in sorted(BUILTIN.iterdir()) if p.is_dir() and not p.name.startswith(("_", "."))}


def resolve_suite(name_or_dir: str) -> Suite:
    builtin = builtin_suites()
    if name_or_dir in builtin and not Path(name_or_dir).is_dir():
        return load_suite(builtin[name_or_dir], name_or_dir)
    path = Path(name_or_dir).expanduser()
    if path.is_dir():
        return load_suite(path)
    known = ", ".join(builtin) or "none yet"
    raise SuiteError(f"no suite {name_or_dir!r}: give a directory or a built-in suite ({known})")
