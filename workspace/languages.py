"""The languages crewmux knows, one entry each: which files are theirs, which are tests,
how QA checks them (syntax, imports, tests, build), what QA names to its model when it
writes tests and where it puts them, what the context shows of them.

Validators, QA and the agents' context all read this table: adding a language is one
entry here (and its validator module).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from crewmux.workspace.validators import go, javascript, php, python, rust, typescript
from crewmux.workspace.validators.base import CheckResult, Context
from crewmux.workspace.validators.imports import check_imports

Check = Callable[[Context], CheckResult]
TreeCheck = Callable[[Context, list[str]], CheckResult]
Build = Callable[[Context, list[str]], list[CheckResult]]


@dataclass(frozen=True)
class QARunner:
    """How QA writes tests for a language: the runner it names to its model, the tool
    that must be installed, and where a task's QA tests go (from the task id and files)."""

    describe: str
    tool: str
    test_file: Callable[[str, list[str]], str]


@dataclass(frozen=True)
class Language:
    name: str
    suffixes: tuple[str, ...]
    is_test: Callable[[str], bool] = lambda path: False
    syntax: Check | None = None
    imports: bool = False  # validators/imports.py knows this language's imports
    tests: TreeCheck | None = None
    build: Build | None = None
    qa: QARunner | None = None
    manifests: tuple[str, ...] = ()  # what the CTO is shown of the project's setup
    signature: re.Pattern[str] | None = None  # a line that declares something (context.py); None: the language's own
    page: bool = False  # checked by loading it in the browser
    tests_cover: tuple[str, ...] = ()  # languages whose tests this one's test run includes (TypeScript: JavaScript's)

    def import_check(self, ctx: Context) -> CheckResult:
        return check_imports(ctx, self.name)


def _folder_of(files: list[str], suffix: str) -> str:
    dirs = [str(PurePosixPath(f).parent) for f in files if f.endswith(suffix)]
    return dirs[0] + "/" if dirs and dirs[0] != "." else ""


_JS_SIG = re.compile(
    r"^\s*(export\s+(default\s+)?)?(async\s+)?(function\*?\s+\w+\s*\([^)]*\)|class\s+\w+.*?(?=\{|$)|"
    r"(const|let|var)\s+\w+\s*=\s*(async\s+)?(\([^)]*\)|\w+)\s*=>|(const|let|var)\s+\w+\s*=\s*require\(.*\)|"
    r"module\.exports\s*=.*|exports\.\w+\s*=.*|export\s+(interface|type|enum)\s+\w+.*?(?=\{|=|$))"
)
_GO_SIG = re.compile(r"^(func\s.*?)\s*\{?\s*$|^(type\s+\w+\s+\w+)")
_PHP_SIG = re.compile(r"^\s*((abstract\s+|final\s+)?class\s+\w+[^{]*|(public|private|protected|static|\s)*function\s+\w+\s*\([^)]*\)[^{]*)")
_RUST_SIG = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?((async\s+|const\s+|unsafe\s+)*fn\s+\w+.*?(?=\{|$)|(struct|enum|trait|type|mod)\s+\w+[^{;]*|impl\b[^{]*)")

LANGUAGES: tuple[Language, ...] = (
    Language(
        "python", (".py",), python.is_test_file, python.lint, True, python.tests,
        qa=QARunner("pytest (plain assert functions)", "pytest", lambda task_id, files: f"test_qa_{task_id}.py"),
        manifests=("pyproject.toml", "requirements.txt"),
    ),
    Language(
        "javascript", (".js", ".mjs", ".cjs"), javascript.is_test_file, javascript.syntax, True, javascript.tests,
        qa=QARunner("node:test with node:assert (node --test)", "node", lambda task_id, files: f"test/qa_{task_id}.test.js"),
        manifests=("package.json",), signature=_JS_SIG,
    ),
    Language(
        "typescript", (".ts", ".tsx"), typescript.is_test_file, typescript.syntax, True, typescript.tests,
        qa=QARunner("node:test with node:assert, in TypeScript (import test from 'node:test'; compiled by tsc, run by node --test)",
                    "tsc", lambda task_id, files: f"test/qa_{task_id}.test.ts"),
        manifests=("package.json", "tsconfig.json"), signature=_JS_SIG, tests_cover=("javascript",),
    ),
    Language(
        "php", (".php",), php.is_test_file, php.syntax, True, php.tests,
        qa=QARunner("PHPUnit style: class ...Test extends PHPUnit\\Framework\\TestCase, public test* methods with "
                    "$this->assertSame/assertEquals/assertTrue; require_once the code under test by its path from __DIR__",
                    "php", lambda task_id, files: f"{_folder_of(files, '.php')}Qa{task_id.replace('-', '_').title().replace('_', '')}Test.php"),
        manifests=("composer.json",), signature=_PHP_SIG,
    ),
    Language(
        "go", (".go",), lambda path: path.endswith("_test.go"), go.syntax, True, go.tests, go.build,
        qa=QARunner("go test (package testing)", "go", lambda task_id, files: f"{_folder_of(files, '.go')}qa_{task_id}_test.go"),
        manifests=("go.mod",), signature=_GO_SIG,
    ),
    Language(
        "rust", (".rs",), rust.is_test_file, rust.syntax, False, rust.tests, rust.build,
        qa=QARunner("cargo test: an integration test in tests/ that uses the crate by its name in Cargo.toml "
                    "(use NAME::item;), #[test] functions with assert_eq!", "cargo",
                    lambda task_id, files: f"tests/qa_{task_id.replace('-', '_')}.rs"),
        manifests=("Cargo.toml",), signature=_RUST_SIG,
    ),
    Language("web", (".html", ".htm", ".css"), page=True),
)

BY_NAME = {lang.name: lang for lang in LANGUAGES}
_BY_SUFFIX = {suffix: lang for lang in LANGUAGES for suffix in lang.suffixes}
MANIFESTS = tuple(dict.fromkeys(m for lang in LANGUAGES for m in lang.manifests))
CODE_SUFFIXES = tuple(s for lang in LANGUAGES if not lang.page for s in lang.suffixes)
QA_RUNNERS = {lang.name: lang.qa for lang in LANGUAGES if lang.qa}


def language(path: str) -> Language | None:
    return _BY_SUFFIX.get(Path(path).suffix.lower())


def language_of(path: str) -> str | None:
    found = language(path)
    return found.name if found else None


def languages(files: list[str]) -> list[str]:
    """The names of the languages of ``files``, in the order they first appear."""
    return list(dict.fromkeys(name for f in files if (name := language_of(f))))


def is_test_file(path: str) -> bool:
    return any(lang.is_test(path) for lang in LANGUAGES)


def qa_test_file(task_id: str, files: list[str], name: str) -> str:
    runner = QA_RUNNERS[name]
    return runner.test_file(task_id, files)


__all__ = ["BY_NAME", "CODE_SUFFIXES", "LANGUAGES", "Language", "MANIFESTS", "QARunner", "QA_RUNNERS", "is_test_file",
           "language", "language_of", "languages", "qa_test_file"]
