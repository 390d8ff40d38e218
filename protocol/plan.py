"""The CTO's plan: a DAG of tasks, as the CTO returns it (structured output).

Every list and string is bounded. The schema goes to the server's grammar (llama.cpp
enforces maxItems and maxLength), so a small model cannot run away into twenty
near-identical tasks or a description that never ends: the grammar stops it.

Each task carries a small interface contract: what the other tasks (and QA) may rely on.
The coder builds to it, QA tests against it, later tasks are shown it instead of guessing.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

TASK_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$"
MAX_TASKS = 6  # what the CTO may plan in one reply
MAX_FILES = 8
MAX_ACCEPTANCE = 6
MAX_STORED_TASKS = 64  # a run's plan once failing tasks were split

Path_ = Annotated[str, Field(min_length=1, max_length=160)]
Criterion = Annotated[str, Field(min_length=1, max_length=300)]
Name = Annotated[str, Field(min_length=1, max_length=80)]
Short = Annotated[str, Field(max_length=200)]


class FunctionContract(BaseModel):
    """One function (or method, or class) others may call."""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="As it is called, e.g. count_words or Stack.push")
    module: Annotated[str, Field(max_length=160)] = Field(default="", description="The file that defines it, e.g. wordcount.py")
    params: list[Name] = Field(default_factory=list, max_length=8, description="Parameter names in order, e.g. ['path']")
    returns: Short = Field(default="", description="What it returns, e.g. 'list of (word, count) pairs, most frequent first'")


class Contract(BaseModel):
    """What a task promises: names with parameters and return values, a CLI's usage and
    output, a page's element ids, HTTP routes. Empty parts promise nothing."""

    model_config = ConfigDict(extra="forbid")

    functions: list[FunctionContract] = Field(default_factory=list, max_length=8)
    cli: Annotated[str, Field(max_length=400)] = Field(
        default="", description="Usage and output format, e.g. 'python3 cli.py FILE: prints word: count lines, most frequent first; exit 0'")
    element_ids: list[Name] = Field(default_factory=list, max_length=16, description="Ids of page elements others use")
    routes: list[Short] = Field(default_factory=list, max_length=8, description="e.g. 'POST /api/contact {name, email} -> 200 {ok: true}'")

    def empty(self) -> bool:
        return not (self.functions or self.cli or self.element_ids or self.routes)


class PlanTask(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=TASK_ID_PATTERN, description="Short unique id, e.g. t1")
    title: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=800)
    files: list[Path_] = Field(default_factory=list, max_length=MAX_FILES, description="Files this task creates or edits; a file belongs to one task")
    language: str = Field(default="", max_length=20, description="python, javascript, typescript, html, php, go, ...")
    depends_on: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=MAX_TASKS)
    acceptance: list[Criterion] = Field(default_factory=list, max_length=MAX_ACCEPTANCE, description="Checkable acceptance criteria")
    contract: Contract = Field(default_factory=Contract, description="What other tasks and QA may rely on")


class Plan(BaseModel):
    """A plan as the team holds it (``plan.json``, plan messages): it may grow past one
    reply's bound when failing tasks are split into smaller ones."""

    model_config = ConfigDict(extra="forbid")

    summary: str = Field(default="", max_length=400)
    tasks: list[PlanTask] = Field(min_length=1, max_length=MAX_STORED_TASKS)

    def task(self, task_id: str) -> PlanTask:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise KeyError(task_id)


class PlanReply(Plan):
    """The CTO's reply: the schema its model answers against, at most MAX_TASKS tasks."""

    tasks: list[PlanTask] = Field(min_length=1, max_length=MAX_TASKS)
