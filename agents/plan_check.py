"""Checks a plan before anyone builds it: ids, dependencies, cycles, file clashes; and
repairs what needs no model (paths the brief names, one file split over several tasks).

Pure logic. Each problem is one short sentence the CTO can act on when asked again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from crewmux.agents.brief_examples import (
    CallExample, CommandExample, declared_functions, examples_of, literal_examples, stdin_example_criteria)
from crewmux.agents.criteria import command_of
from crewmux.protocol.plan import MAX_ACCEPTANCE, MAX_FILES, Contract, FunctionContract, Plan, PlanTask


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


# -- repair: what can be fixed without asking the model again ------------------------------

# Extensions a brief's literal file names have; "e.g." or "v1.2" are not files.
FILE_EXTENSIONS = {"py", "js", "mjs", "cjs", "ts", "tsx", "jsx", "html", "htm", "css", "json", "go", "php", "md", "txt",
                   "toml", "yaml", "yml", "sh", "csv", "sql", "rb", "rs", "java", "c", "h", "cpp"}
# A task that builds nothing: the team runs the tests and commits by itself.
_CHORE = re.compile(r"^\s*(run|execute|submit|commit|push|deploy|verify|check|make sure|ensure)\b", re.IGNORECASE)
_BRIEF_PATH = re.compile(r"(?<![\w/.-])((?:[\w-]+/)*[\w-]+\.([A-Za-z0-9]{1,6}))(?![\w/-])")


@dataclass
class Repaired:
    """A plan after repair, what was changed (one sentence each) and what could not be."""

    plan: Plan
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def brief_paths(brief: str) -> list[str]:
    """File paths the brief names literally, in order (``python3 cli.py FILE`` names cli.py)."""
    found: list[str] = []
    for match in _BRIEF_PATH.finditer(brief):
        path, ext = match.group(1), match.group(2)
        # As written: "G.H." in a sentence is initials, not a C header.
        if ext in FILE_EXTENSIONS and path not in found:
            found.append(path)
    return found


def repair_plan(plan: Plan, brief: str = "") -> Repaired:
    """Fix what a plan gets wrong that needs no model: paths the brief names put elsewhere,
    one file written by several tasks (merged into one task), a one-file brief split into
    tasks (one task). Pure; what it cannot fix is in ``problems``, said so the CTO can act."""
    tasks = [t.model_copy(deep=True) for t in plan.tasks]
    notes: list[str] = []
    problems: list[str] = []
    _repair_paths(tasks, brief_paths(brief), notes)
    for task in tasks:
        task.files = list(dict.fromkeys(str(PurePosixPath(f)) for f in task.files if f.strip()))
    chores = [t for t in tasks if not t.files and _CHORE.match(t.title)]
    if chores and len(chores) < len(tasks):
        gone = {t.id for t in chores}
        tasks = [t for t in tasks if t.id not in gone]
        for task in tasks:
            task.depends_on = [d for d in task.depends_on if d not in gone]
        notes.append(f"left out {', '.join(sorted(gone))}: running, committing or submitting is not a task to build")
    ids = {t.id for t in tasks}
    if len(ids) == len(tasks):  # duplicate ids are the model's to fix
        tasks = _merge_shared_files(tasks, notes, problems)
        files = {f for t in tasks for f in t.files}
        if len(tasks) > 1 and len(files) <= 1:
            tasks = [_merge([t.id for t in tasks], tasks)]
            what = f"one file ({next(iter(files))})" if files else "no file"
            notes.append(f"the whole plan writes {what}: it is one task, {tasks[0].id}")
    for task in tasks:
        if not task.files:
            # The plan said where the code goes in its contract and criteria but not in
            # `files` (the 1.5B model's Fibonacci plan: fib.py in the contract and in
            # "python3 fib.py 5"); without files the coder chooses, and chose src/fib.py.
            own = [fn.module for fn in task.contract.functions if fn.module]
            own += brief_paths("\n".join([*task.acceptance, task.description]))
            if own:
                task.files = list(dict.fromkeys(own))[:MAX_FILES]
                notes.append(f"task {task.id} names no file; it writes {', '.join(task.files)}, as its contract and criteria say")
    named = brief_paths(brief)
    if len(tasks) == 1 and not tasks[0].files and named:
        # A plan that names no file, for a brief that does: the brief's files are the task's.
        tasks[0].files = named[:MAX_FILES]
        notes.append(f"task {tasks[0].id} names no file; it writes {', '.join(tasks[0].files)}, as the brief names them")
    _attach_examples(tasks, brief, notes)
    repaired = plan.model_copy(update={"tasks": tasks})
    return Repaired(repaired, notes, problems)


def _attach_examples(tasks: list[PlanTask], brief: str, notes: list[str]) -> None:
    """The brief's examples join the criteria of the task that builds what they call (by its
    contract's functions or its files), so QA runs them as written."""
    for example in examples_of(brief):
        if isinstance(example, CallExample):
            owners = [t for t in tasks if any(fn.name == example.function for fn in t.contract.functions)]
        else:
            script = example.command.split()[1]
            owners = [t for t in tasks if script in t.files]
        if len(owners) != 1:
            continue
        owner = owners[0]
        if example.criterion not in owner.acceptance and len(owner.acceptance) < MAX_ACCEPTANCE:
            owner.acceptance.append(example.criterion)
            notes.append(f"task {owner.id} is checked by the brief's example {example.criterion}")


def _repair_paths(tasks: list[PlanTask], named: list[str], notes: list[str]) -> None:
    by_name: dict[str, list[str]] = {}
    for path in named:
        by_name.setdefault(PurePosixPath(path).name, []).append(path)
    moved: dict[tuple[str, str], list[str]] = {}
    for task in tasks:
        for i, path in enumerate(task.files):
            same = by_name.get(PurePosixPath(path).name, [])
            if path in named or len(same) != 1:
                continue
            new = same[0]
            task.files[i] = new
            _rename_in_text(task, path, new)
            moved.setdefault((path, new), []).append(task.id)
    for (old, new), ids in moved.items():
        notes.append(f"{old} is {new}, as the brief names it (task{'s' if len(ids) > 1 else ''} {', '.join(ids)})")


def _rename_in_text(task: PlanTask, old: str, new: str) -> None:
    task.description = task.description.replace(old, new)
    task.acceptance = [a.replace(old, new) for a in task.acceptance]
    task.contract.cli = task.contract.cli.replace(old, new)
    for fn in task.contract.functions:
        if fn.module == old:
            fn.module = new


def _merge_shared_files(tasks: list[PlanTask], notes: list[str], problems: list[str]) -> list[PlanTask]:
    """Tasks writing one file become one task (a file belongs to one task), unless merging
    them would put a task that is not one of them both before and after the merged one."""
    parent = {t.id: t.id for t in tasks}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    owner: dict[str, str] = {}
    for task in tasks:
        for path in task.files:
            if path in owner:
                parent[root(task.id)] = root(owner[path])
            else:
                owner[path] = task.id
    groups: dict[str, list[str]] = {}
    for task in tasks:
        groups.setdefault(root(task.id), []).append(task.id)
    above = ancestors(tasks)
    for members in [g for g in groups.values() if len(g) > 1]:
        inside = set(members)
        between = sorted({a for m in members for a in above.get(m, set())
                          if a not in inside and any(m2 in above.get(a, set()) for m2 in inside)})
        shared = sorted({f for t in tasks if t.id in inside for f in t.files
                         if sum(f in u.files for u in tasks if u.id in inside) > 1})
        if between:
            problems.append(
                f"tasks {', '.join(members)} all write {', '.join(shared)}, but {', '.join(between)} sits between them; "
                "a file belongs to one task: give each file to one task and make the others depend on it")
            continue
        merged = _merge(members, tasks)
        tasks = [merged if t.id == members[0] else t for t in tasks if t.id not in inside or t.id == members[0]]
        for task in tasks:
            if set(task.depends_on) & inside and task.id != merged.id:
                task.depends_on = list(dict.fromkeys(merged.id if d in inside else d for d in task.depends_on))
        notes.append(f"tasks {', '.join(members)} all write {', '.join(shared)}: merged into one task, {merged.id}")
    return tasks


def _merge(ids: list[str], tasks: list[PlanTask]) -> PlanTask:
    """One task doing the work of ``ids`` (in plan order), keeping the first one's id."""
    parts = [t for t in tasks if t.id in ids]
    first = parts[0]
    inside = set(ids)
    titles = list(dict.fromkeys(t.title for t in parts))
    title = "; ".join(titles) if len("; ".join(titles)) <= 120 else titles[0]
    steps = [f"- {t}" for t in titles] if len(titles) > 1 else []
    description = "\n".join([*steps, *dict.fromkeys(t.description for t in parts if t.description)])
    acceptance = list(dict.fromkeys(a for t in parts for a in t.acceptance))
    functions: dict[str, FunctionContract] = {}
    for t in parts:
        for fn in t.contract.functions:
            functions.setdefault(fn.name, fn)
    contract = Contract(
        functions=list(functions.values())[:8],
        cli=next((t.contract.cli for t in parts if t.contract.cli), ""),
        element_ids=list(dict.fromkeys(e for t in parts for e in t.contract.element_ids))[:16],
        routes=list(dict.fromkeys(r for t in parts for r in t.contract.routes))[:8],
    )
    return PlanTask(
        id=first.id, title=title if len(title) <= 120 else title[:117] + "...",
        description=description[:800], files=list(dict.fromkeys(f for t in parts for f in t.files))[:MAX_FILES],
        language=next((t.language for t in parts if t.language), ""),
        depends_on=list(dict.fromkeys(d for t in parts for d in t.depends_on if d not in inside)),
        acceptance=acceptance[:MAX_ACCEPTANCE], contract=contract,
    )


# -- salvage: a reply that ran past the schema's bounds (no grammar on the server) ------------

def salvage_plan(text: str, schema: dict) -> dict | None:
    """A plan reply the server did not hold to the schema (a runaway list of tasks cut off
    by max_tokens, a title too long): its whole tasks, cut to the schema's bounds, as the
    grammar would have cut them. None when not even one task can be read."""
    start = text.find("{")
    if start < 0:
        return None
    try:
        data = json.loads(text[start:text.rfind("}") + 1])
    except json.JSONDecodeError:
        data = _whole_tasks(text[start:])
    if not isinstance(data, dict) or not isinstance(data.get("tasks"), list) or not data["tasks"]:
        return None
    return _cut(data, schema, schema.get("$defs", {}))


def _whole_tasks(text: str) -> dict | None:
    """The task objects of a JSON plan cut off mid-way."""
    at = text.find('"tasks"')
    bracket = text.find("[", at) if at >= 0 else -1
    if bracket < 0:
        return None
    decoder = json.JSONDecoder()
    tasks, pos = [], bracket + 1
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        try:
            task, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            break
        tasks.append(task)
    summary = re.search(r'"summary"\s*:\s*"((?:[^"\\]|\\.)*)"', text[:at])
    return {"summary": json.loads(f'"{summary.group(1)}"') if summary else "", "tasks": tasks}


def _cut(value, schema: dict, defs: dict):
    if "$ref" in schema:
        schema = defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
    if "anyOf" in schema:
        schema = next((s for s in schema["anyOf"] if s.get("type") != "null"), {})
    kind = schema.get("type")
    if kind == "object" and isinstance(value, dict):
        props = schema.get("properties", {})
        return {k: _cut(v, props[k], defs) for k, v in value.items() if k in props}
    if kind == "array" and isinstance(value, list):
        limit = schema.get("maxItems")
        return [_cut(v, schema.get("items", {}), defs) for v in (value[:limit] if limit else value)]
    if kind == "string" and isinstance(value, str) and "maxLength" in schema:
        return value[: schema["maxLength"]]
    return value


# -- a brief that fits one file: one task, planned without a model ---------------------------

LANGUAGES = {".py": "python", ".js": "javascript", ".mjs": "javascript", ".ts": "typescript", ".html": "html", ".htm": "html",
             ".php": "php", ".go": "go", ".css": "css"}


DATA_SUFFIXES = {".json", ".csv", ".txt", ".tsv", ".db", ".sqlite", ".log", ".dat"}


def one_file_plan(brief: str, existing: dict[str, str]) -> Plan | None:
    """The plan of a brief that names exactly one file to build: that file is one task.
    ``existing``: the brief's file's current text, when it exists (its functions become the
    contract: the names others, and hidden tests, call). None when the brief needs a CTO."""
    from crewmux.agents.context import file_signatures

    paths = brief_paths(brief)
    named = [p for p in paths if PurePosixPath(p).suffix.lower() in LANGUAGES]
    # Data files the program reads or keeps ("keeps its items in todo.json") are not built.
    if len(named) != 1 or any(PurePosixPath(p).suffix.lower() not in DATA_SUFFIXES for p in paths if p not in named):
        return None
    (path,) = named
    suffix = PurePosixPath(path).suffix.lower()
    first = next((line.strip(" #") for line in brief.strip().splitlines() if line.strip(" #")), path)
    usage = _usage_line(brief, path)
    functions = []
    if suffix == ".py" and path in existing:
        for line in file_signatures(path, existing[path]):
            found = re.match(r"^def (\w+)\((.*?)\)", line)
            if found and not found.group(1).startswith("_"):
                params = [p.split(":")[0].split("=")[0].strip() for p in found.group(2).split(",") if p.strip()]
                functions.append(FunctionContract(name=found.group(1), module=path, params=[p for p in params if p][:8]))
    elif suffix == ".py":
        functions = [FunctionContract(name=name, module=path, params=params[:8]) for name, params in declared_functions(brief)]
    contract = Contract(functions=functions[:8], cli=usage[:400])
    task = PlanTask(id="t1", title=(first if len(first) <= 120 else first[:117] + "..."), description=brief[:800],
                    files=[path], language=LANGUAGES[suffix], acceptance=_one_file_criteria(brief, path, usage, functions),
                    contract=contract)
    return Plan(summary=f"one task: the brief names one file, {path}", tasks=[task])


def _usage_line(brief: str, path: str) -> str:
    """How the brief says the file is run ("python3 calc.py A OP B"), or ""."""
    program = rf"\b(?:python3?|node|php|go run)\s+{re.escape(path)}\b"
    for ticked in re.findall(r"`([^`]+)`", brief):
        if re.match(program, ticked.strip()):
            return " ".join(ticked.split())
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", brief):
        start = re.search(program, sentence)
        if start:
            return sentence[start.start():].strip()
    return ""


def _one_file_criteria(brief: str, path: str, usage: str, functions: list[FunctionContract]) -> list[str]:
    """What QA checks a one-file task by: the brief's own examples (calls with their
    results, runs with their output), else its usage line run on a sample input, when the
    only placeholder is the input file. A usage line with other placeholders ("A OP B")
    is not run: as written it would fail every right answer."""
    stem = PurePosixPath(path).name
    examples = [e for e in examples_of(brief) if isinstance(e, CallExample) or stem in e.command.split()[1:2]]
    if len(functions) == 1 and len(functions[0].params) == 1:
        # The file's one function of one parameter: "`[]` gives `[]`" is a call of it.
        examples += [e for e in literal_examples(brief, functions[0].name) if e not in examples]
    criteria = [e.criterion for e in examples]
    if PurePosixPath(path).suffix == ".py":
        criteria += stdin_example_criteria(brief, path)
    if usage and not any(isinstance(e, CommandExample) for e in examples) and not criteria[len(examples):]:
        command = command_of(usage)
        if command is not None:
            if command.fixtures and re.search(r"\bJSON\b", brief):
                usage += " with the content '" + '{"name": "crewmux", "count": 2}' + "'"  # a made-up input must be one it reads
            criteria.append(usage)
    return [c[:300] for c in criteria][:MAX_ACCEPTANCE]
