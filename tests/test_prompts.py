"""Prompt templates: one syntax (``$name``), filled strictly, and every call in the roles
names exactly the names its template uses (read from the source, so a typo fails here,
not in a run)."""

from __future__ import annotations

import ast
from pathlib import Path
from string import Template

import pytest

from crewmux.agents.llm.prompt_template import PromptError, fill, fill_file
from crewmux.agents.prompting import PROMPTS, prompt

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [PROMPTS, ROOT / "agents" / "llm" / "prompts"]


def test_a_template_is_filled_with_exactly_its_names() -> None:
    assert fill("Task $id: ${title}s; cost $$5; code {x: 1}", {"id": "t1", "title": "parser"}, "t") == "Task t1: parsers; cost $5; code {x: 1}"


@pytest.mark.parametrize(
    ("text", "values", "message"),
    [
        ("Task $id: $title", {"id": "t1"}, r"t: no value for \$title"),
        ("Task $id", {"id": "t1", "titel": "x"}, "t: titel given but not in the template"),
        ("Task $id", {"titel": "x"}, r"no value for \$id; titel given but not in the template"),
        ("costs 5$ a month", {}, "a '\\$' starts no name"),
    ],
)
def test_a_missing_an_unused_or_a_broken_name_is_an_error(text: str, values: dict, message: str) -> None:
    with pytest.raises(PromptError, match=message):
        fill(text, values, "t")


def test_prompt_names_the_file_in_its_error() -> None:
    with pytest.raises(PromptError, match=r"coder_fix\.md: no value for \$errors"):
        prompt("coder_fix")
    assert "E1: bad indent" in prompt("coder_fix", errors="E1: bad indent")


def test_the_structured_reply_prompts_use_the_same_syntax() -> None:
    path = ROOT / "agents" / "llm" / "prompts" / "structured_repair.md"
    assert "missing field" in fill_file(path, problem="missing field")
    with pytest.raises(PromptError):
        fill_file(path)


@pytest.mark.parametrize("path", sorted(p for d in TEMPLATE_DIRS for p in d.glob("*.md")), ids=lambda p: p.name)
def test_every_template_is_valid_and_uses_no_brace_placeholders(path: Path) -> None:
    text = path.read_text()
    assert Template(text).is_valid(), f"{path}: a '$' starts no name"
    names = set(Template(text).get_identifiers())
    assert not any(f"{{{n}}}" in text for n in names), f"{path}: a name in the other syntax"


def prompt_calls() -> list[tuple[str, int, str, set[str] | None]]:
    """(file, line, template, keyword names or None when the call passes **values) of
    every ``prompt("name", ...)`` call under agents/."""
    calls = []
    for path in sorted((ROOT / "agents").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "prompt"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                names = None if any(k.arg is None for k in node.keywords) else {k.arg for k in node.keywords if k.arg}
                calls.append((str(path.relative_to(ROOT)), node.lineno, node.args[0].value, names))
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "prompt"
                    and node.args and isinstance(node.args[0], ast.IfExp)):
                for branch in (node.args[0].body, node.args[0].orelse):
                    if isinstance(branch, ast.Constant):
                        calls.append((str(path.relative_to(ROOT)), node.lineno, branch.value, {k.arg for k in node.keywords if k.arg}))
    return calls


def test_every_prompt_call_in_the_roles_gives_exactly_its_templates_names() -> None:
    calls = prompt_calls()
    assert len(calls) >= 20  # the roles' prompts are found at all
    wrong = []
    for file, line, name, given in calls:
        path = PROMPTS / f"{name}.md"
        if not path.is_file():
            wrong.append(f"{file}:{line}: no template {path.name}")
            continue
        used = set(Template(path.read_text()).get_identifiers())
        if given is not None and given != used:
            wrong.append(f"{file}:{line}: {name} uses {sorted(used)}, the call gives {sorted(given)}")
    assert not wrong, "\n".join(wrong)


def test_no_role_keeps_prompt_sentences_in_python() -> None:
    """The sentences that moved into templates are not back in the roles' code."""
    moved = ["The previous attempt was rejected", "A note from the human steering the team", "Your reply held no files",
             "Your work passed QA", "What the tasks before yours", "Your task's contract"]
    for module in ("coder.py", "cto.py", "integration.py"):
        text = (ROOT / "agents" / module).read_text()
        assert not [s for s in moved if s in text], module
