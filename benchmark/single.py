"""Single mode, aider's protocol: one chat call per try with the instructions and the stub,
whole files back (crewmux's whole-file reply format, agents/edit_format.py's parser), the
hidden tests run, their output fed back for the next try. The conversation is kept across
tries, as aider keeps it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from crewmux.agents.edit_format import parse_reply
from crewmux.agents.llm.client import LLMClient
from crewmux.agents.llm.prompt_template import fill_file
from crewmux.agents.llm.types import ChatMessage, ChatRequest, LLMError, RequestMeta
from crewmux.benchmark.checks import Checker
from crewmux.benchmark.episodes import Episode
from crewmux.benchmark.figures import TaskResult, TryRecord
from crewmux.benchmark.scoring import error_signature, feedback_text
from crewmux.benchmark.suite import Task

PROMPTS = Path(__file__).with_name("prompts")
FENCE_WORDS = {"python": "python", "javascript": "javascript", "typescript": "typescript", "go": "go", "php": "php",
               "html": "html"}


def prompt(name: str, **values: object) -> str:
    """``prompts/<name>.md`` filled in; a name missing or unused is an error (the one syntax
    of every crewmux prompt)."""
    return fill_file(PROMPTS / f"{name}.md", **values)


def whole_file(path: str, content: str, language: str) -> str:
    return f"{path}\n```{FENCE_WORDS.get(language, '')}\n{content.rstrip()}\n```\n"


def first_messages(task: Task) -> list[ChatMessage]:
    files = "\n".join(whole_file(p, c, task.language) for p, c in task.stub.items()) or "(no files yet)"
    return [
        ChatMessage("system", prompt("single_system", language=task.language, example_path=task.files[0])),
        ChatMessage("user", prompt("single", instructions=task.brief, file_list=", ".join(task.files),
                                   language=task.language, files=files)),
    ]


def answer_files(task: Task, reply: str) -> dict[str, str]:
    """The task's files in a reply. A path naming one of them by its base name counts (small
    models drop or add a directory); paths outside the tree and other files are left out."""
    wanted = {PurePosixPath(f).name: f for f in task.files}
    found: dict[str, str] = {}
    for path, content in parse_reply(reply).files:
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts:
            continue
        target = path if path in task.files else wanted.get(pure.name)
        if target:
            found[target] = content
    return found


@dataclass
class SingleRun:
    """One task, one model, up to ``tries`` tries."""

    task: Task
    client: LLMClient
    checker: Checker
    model_label: str
    tries: int = 2
    suite: str = ""
    episodes: list[Episode] = field(default_factory=list)
    group: str = ""

    def run(self) -> TaskResult:
        result = TaskResult(task=self.task.id, model=self.model_label, mode="single", suite=self.suite,
                            category=self.task.category, language=self.task.language)
        messages = first_messages(self.task)
        files = dict(self.task.stub)
        for number in range(1, self.tries + 1):
            record, reply, feedback = self._try(number, messages, files)
            result.tries.append(record)
            if record.passed or record.failure == "infrastructure":
                break
            messages = [*messages, ChatMessage("assistant", reply), ChatMessage("user", feedback)]
        return result

    def _try(self, number: int, messages: list[ChatMessage], files: dict[str, str]) -> tuple[TryRecord, str, str]:
        record = TryRecord(number=number)
        started = time.monotonic()
        request = ChatRequest(messages=messages, meta=RequestMeta(run="bench", role="coder", agent="bench",
                                                                  task=self.task.id, attempt=number))
        try:
            chat = self.client.chat(request, purpose="bench")
        except LLMError as exc:
            record.failure, record.well_formed, record.output = "infrastructure", True, f"the model call failed: {exc}"
            record.seconds = round(time.monotonic() - started, 2)
            return record, "", ""
        record.prompt_tokens, record.completion_tokens = chat.stats.prompt_tokens, chat.stats.completion_tokens
        record.cost = chat.stats.cost
        got = answer_files(self.task, chat.text)
        if not got:
            record.well_formed, record.failure, record.signature = False, "malformed", "malformed"
            record.output = "the reply had no file block for " + ", ".join(self.task.files)
            feedback = prompt("single_malformed", file_list=", ".join(self.task.files))
        else:
            files.update(got)
            score = self.checker.score_files(self.task, files)
            record.passed, record.failure = score.passed, score.failure
            record.output = feedback_text(score.output, 200)
            record.signature = "" if score.passed else error_signature(score.output)
            feedback = prompt("single_fix", output=feedback_text(score.output), file_list=", ".join(self.task.files))
        record.seconds = round(time.monotonic() - started, 2)
        outcome = "pass" if record.passed else ("malformed" if not record.well_formed else
                                                "infrastructure" if record.failure == "infrastructure" else "fail")
        self.episodes.append(Episode(
            source="bench", group=self.group, task=self.task.id, model=self.model_label, mode="single", attempt=number,
            prompt=[{"role": m.role, "content": m.content} for m in messages], reply=chat.text,
            check_output=record.output, outcome=outcome, failure=record.failure,
        ))
        return record, chat.text, feedback
