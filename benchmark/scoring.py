"""Scoring rules, pure: is a command's output what the check expects, which class a failure
is, what "the same error again" means, and the simple CSS selectors a page must have."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Literal

from crewmux.benchmark.suite import CheckSpec

FailureClass = Literal["syntax", "test_failure", "timeout", "malformed", "infrastructure"]
FEEDBACK_LINES = 50  # aider feeds back about this much of the test output

_SYNTAX = re.compile(
    r"\b(SyntaxError|IndentationError|TabError)\b|syntax error|Parse error|PHP Parse error|"
    r"SyntaxError:|expected declaration|unexpected token", re.I)
_FAILED_TEST = re.compile(r"^(?:FAILED|ERROR)\s+(\S+)|^--- FAIL: (\S+)|^\s*✕ (.+?)(?: \(\d+ ?ms\))?$|^not ok \d+ - (.+)$", re.M)
_ERROR_LINE = re.compile(r"^\s*(?:E\s+)?(\w*(?:Error|Exception))\b[: ]?(.*)$", re.M)


@dataclass
class CheckOutcome:
    """One check's result on one tree."""

    name: str
    passed: bool
    output: str = ""
    timed_out: bool = False
    infrastructure: str = ""  # why the check itself could not run (not the answer's fault)
    seconds: float = 0.0


@dataclass
class Score:
    """Every hidden check of a task on one tree."""

    passed: bool
    outcomes: list[CheckOutcome] = field(default_factory=list)
    failure: FailureClass | None = None

    @property
    def output(self) -> str:
        return "\n".join(f"== {o.name}: {'passed' if o.passed else 'FAILED'}\n{o.output}".rstrip() for o in self.outcomes)

    @property
    def infrastructure(self) -> str:
        return "; ".join(o.infrastructure for o in self.outcomes if o.infrastructure)


def command_verdict(check: CheckSpec, exit_code: int, stdout: str) -> tuple[bool, str]:
    """(passed, why not) for a ``command`` check's exit code and output."""
    problems = []
    want_exit = 0 if check.expect_exit is None else check.expect_exit
    if exit_code != want_exit:
        problems.append(f"exit code {exit_code}, expected {want_exit}")
    if check.expect_stdout is not None and _rstrip_lines(stdout) != _rstrip_lines(check.expect_stdout):
        problems.append(f"stdout differs; expected:\n{check.expect_stdout.rstrip()}")
    for piece in check.expect_contains:
        if piece not in stdout:
            problems.append(f"stdout lacks {piece!r}")
    return not problems, "; ".join(problems)


def _rstrip_lines(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.rstrip().splitlines())


def classify(outcomes: list[CheckOutcome]) -> FailureClass | None:
    """The class of a failed score (None when everything passed)."""
    failed = [o for o in outcomes if not o.passed]
    if not failed:
        return None
    if any(o.infrastructure for o in failed):
        return "infrastructure"
    if any(o.timed_out for o in failed):
        return "timeout"
    if any(_SYNTAX.search(o.output) for o in failed):
        return "syntax"
    return "test_failure"


def score(outcomes: list[CheckOutcome]) -> Score:
    passed = bool(outcomes) and all(o.passed for o in outcomes)
    return Score(passed, outcomes, None if passed else classify(outcomes))


def error_signature(output: str) -> str:
    """What identifies an error across tries: the failing tests' names, else the first
    exception line with its numbers and addresses blanked (they change between tries)."""
    tests = sorted({next(g for g in m.groups() if g) for m in _FAILED_TEST.finditer(output)})
    if tests:
        return "tests:" + ",".join(tests)
    match = _ERROR_LINE.search(output)
    if match:
        return "error:" + re.sub(r"0x[0-9a-f]+|\d+", "N", f"{match.group(1)} {match.group(2).strip()}".strip())[:200]
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    return "tail:" + re.sub(r"\d+(\.\d+)?", "N", lines[-1])[:200] if lines else ""


def feedback_text(output: str, lines: int = FEEDBACK_LINES) -> str:
    """The end of the check output, about ``lines`` long, as fed back for the next try."""
    parts = output.strip().splitlines()
    return "\n".join(parts if len(parts) <= lines else ["...", *parts[-lines:]])


# --- page selectors ----------------------------------------------------------------------

_SIMPLE_SELECTOR = re.compile(r"^(?P<tag>[a-zA-Z][\w-]*)?(?P<rest>(?:[#.][\w-]+|\[[\w-]+(?:=[\"']?[^\]\"']*[\"']?)?\])*)$")
_PART = re.compile(r"#(?P<id>[\w-]+)|\.(?P<cls>[\w-]+)|\[(?P<attr>[\w-]+)(?:=[\"']?(?P<val>[^\]\"']*)[\"']?)?\]")


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    handle_startendtag = handle_starttag


def missing_selectors(html: str, selectors: list[str]) -> list[str]:
    """The selectors no element of the page's markup matches. Compound simple selectors
    only (``form#contact``, ``input[name=email]``, ``.card``); a descendant selector
    (``form input``) matches when its last part does. Elements a script creates are not seen."""
    parser = _Elements()
    parser.feed(html)
    return [s for s in selectors if not any(_matches(tag, attrs, s.split()[-1]) for tag, attrs in parser.elements)]


def _matches(tag: str, attrs: dict[str, str], selector: str) -> bool:
    m = _SIMPLE_SELECTOR.match(selector)
    if not m:
        return False
    if m.group("tag") and m.group("tag").lower() != tag:
        return False
    for part in _PART.finditer(m.group("rest") or ""):
        if part.group("id") and attrs.get("id") != part.group("id"):
            return False
        if part.group("cls") and part.group("cls") not in attrs.get("class", "").split():
            return False
        if part.group("attr"):
            if part.group("attr") not in attrs:
                return False
            if part.group("val") is not None and attrs[part.group("attr")] != part.group("val"):
                return False
    return True
