"""Structured replies: find the JSON in a model's text and check it against a pydantic model.

Servers that ignore the schema often wrap the JSON in a ```json fence or add a sentence
around it; both are accepted. No I/O here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from crewmux.agents.llm.prompt_template import fill_file
from crewmux.protocol.validation import error_lines

M = TypeVar("M", bound=BaseModel)

_FENCE = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\n(.*?)\n?```", re.DOTALL)
_PROMPTS = Path(__file__).with_name("prompts")


class ReplyInvalid(Exception):
    """The reply is not valid; the message is what the model is told in the repair round."""


def extract_json(text: str) -> str:
    """The JSON text inside a reply: the whole reply, a fenced block, or the outermost {...}."""
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        return stripped
    for block in _FENCE.findall(text):
        if block.strip()[:1] in ("{", "["):
            return block.strip()
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        return text[start : end + 1]
    return stripped


def parse_structured(text: str, model_cls: type[M]) -> M:
    """Validate a reply; ReplyInvalid says precisely what is wrong, for the repair round."""
    candidate = extract_json(text)
    if not candidate:
        raise ReplyInvalid("The reply was empty; a JSON object was expected.")
    try:
        data = json.loads(candidate)
    except json.JSONDecodeError as exc:
        raise ReplyInvalid(f"The reply is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.") from None
    try:
        return model_cls.model_validate(data)
    except ValidationError as exc:
        lines = [f"- {line}" for line in error_lines(exc, 10, top="(top level)")]
        raise ReplyInvalid("The JSON does not match the schema:\n" + "\n".join(lines)) from None


def repair_message(problem: str) -> str:
    """The user message of the repair round: what was wrong and what to send instead."""
    return fill_file(_PROMPTS / "structured_repair.md", problem=problem)


def schema_instruction(schema: dict[str, Any]) -> str:
    """For servers without a schema parameter: the schema, put into the system prompt."""
    return fill_file(_PROMPTS / "structured_schema.md", schema=json.dumps(schema, indent=2))
