"""Checks a plan before anyone builds it: ids, dependencies, cycles, file clashes.

Pure logic. Each problem is one short sentence the CTO can act on when asked again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from crewmux.protocol.plan import Plan, PlanTask


@dataclass
class PlanProblems:
    problems: list[str] = field(default_factory=list)
    cycle: list[str] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        return "\n".join(f"- {p}" for p in self.problems)


def check_plan(plan: Plan) -> PlanProblems:
    result = PlanProblems()
    ids: set[str] = set()
    for task in plan.tasks:
        if task.id in ids:
            result.problems.append(f"task id {task.id!r} is used twice; every task needs its own id")
        ids.add(task.id)
    for task in plan.tasks:
        for dep in task.depends_on:
            if dep == task.id:
                result.problems.append(f"task {task.id} depends on itself")
            elif dep not in ids:
                result.problems.append(f"task {task.id} depends on {dep!r}, which is not a task of this plan")
        for path in task.files:
            problem = _path_problem(path)
            if problem:
                result.problems.append(f"task {task.id}: file {path!r} {problem}")
    cycle = find_cycle(plan.tasks)
    if cycle:
        result.cycle = cycle
        result.problems.append(
            "the dependencies form a cycle: " + " -> ".join(cycle) + "; remove one of these dependencies"
        )
    else:
        result.problems.extend(_parallel_clashes(plan.tasks))
    return result


def _path_problem(path: str) -> str | None:
    if not path.strip():
        return "is empty"
    pure = PurePosixPath(path)
    if pure.is_absolute():
        return "must be relative to the project root"
    if ".." in pure.parts:
        return "must not contain '..'"
    return None


def find_cycle(tasks: list[PlanTask]) -> list[str] | None:
    """One dependency cycle as ``[a, b, ..., a]``, or None. Self-loops are left to the id check."""
    deps = {t.id: [d for d in t.depends_on if d != t.id] for t in tasks}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in deps:
        if state.get(start):
            continue
        path: list[str] = []
        stack = [(start, iter(deps[start]))]
        state[start] = 1
        path.append(start)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
                continue
            if child not in deps:
                continue
            if state.get(child) == 1:
                return path[path.index(child):] + [child]
            if not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(deps[child])))
    return None


def ancestors(tasks: list[PlanTask]) -> dict[str, set[str]]:
    """Every task's transitive dependencies (the plan must be acyclic)."""
    deps = {t.id: set(t.depends_on) for t in tasks}
    memo: dict[str, set[str]] = {}

    def visit(task_id: str) -> set[str]:
        if task_id in memo:
            return memo[task_id]
        memo[task_id] = set()
        found: set[str] = set()
        for dep in deps.get(task_id, ()):
            found.add(dep)
            found |= visit(dep)
        memo[task_id] = found
        return found

    for task_id in deps:
        visit(task_id)
    return memo


def _parallel_clashes(tasks: list[PlanTask]) -> list[str]:
    """Two tasks that may run at the same time (neither depends on the other) writing one file."""
    above = ancestors(tasks)
    writers: dict[str, list[str]] = {}
    for task in tasks:
        for path in task.files:
            writers.setdefault(str(PurePosixPath(path)), []).append(task.id)
    problems = []
    for path, ids in writers.items():
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                if a not in above.get(b, set()) and b not in above.get(a, set()):
                    problems.append(
                        f"tasks {a} and {b} can run in parallel and both write {path}; "
                        f"make one depend on the other or give the file to one task"
                    )
    return problems
