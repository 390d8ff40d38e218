"""The CTO's plan: a DAG of tasks, as the CTO returns it (structured output)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

TASK_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$"


class PlanTask(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=TASK_ID_PATTERN, description="Short unique id, e.g. t1")
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    files: list[str] = Field(default_factory=list, description="Files this task creates or edits")
    language: str = Field(default="", description="python, javascript, typescript, html, php, go, ...")
    depends_on: list[str] = Field(default_factory=list)
    acceptance: list[str] = Field(default_factory=list, description="Checkable acceptance criteria")


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    summary: str = ""
    tasks: list[PlanTask] = Field(min_length=1)

    def task(self, task_id: str) -> PlanTask:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise KeyError(task_id)
