"""A contract's HTTP routes as checks: what to send and what the answer must hold. Pure.

A route is written the way a CTO writes it, e.g.
``POST /api/books {title, author} -> 201 {id, title: "Dune"}``: a method, a path, an
optional body, an arrow, a status, an optional body the answer must match, then optional
headers it must have (``Location: /; Content-Type: json``: the value contains the text). Bodies are
loose JSON (``form {name, message}`` sends a form instead): bare keys, a key without a value (sent with a sample value; in an answer it
must be there), bare words as strings, ``int``/``string``/... as types.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_ROUTE = re.compile(r"^\s*(?P<method>[A-Za-z]+)\s+(?P<path>/\S*)\s*(?P<body>.*?)\s*(?:->|→|=>)\s*(?P<status>\d{3})\b\s*(?P<answer>.*)$", re.S)
_PLACEHOLDER = re.compile(r"\{(\w+)\}|:(\w+)|<(?:\w+:)?(\w+)>")
TYPES: dict[str, type | tuple[type, ...]] = {"int": int, "integer": int, "number": (int, float), "float": (int, float), "string": str, "str": str,
         "bool": bool, "boolean": bool, "list": list, "array": list, "object": dict, "dict": dict}


class Present:
    """A key an answer must have, whatever its value."""

    def __repr__(self) -> str:
        return "PRESENT"


PRESENT = Present()


@dataclass(frozen=True)
class TypeOf:
    name: str


@dataclass
class RouteCheck:
    route: str  # as the contract says it
    method: str
    path: str  # may hold placeholders ({id}, :id): filled from earlier answers
    body: Any = None  # what is sent (JSON), None for nothing
    status: int = 200
    expect: Any = None  # what the answer's JSON must match; None: anything
    placeholders: list[str] = field(default_factory=list)
    form: bool = False  # the body goes as a form (application/x-www-form-urlencoded), not JSON
    headers: dict[str, str] = field(default_factory=dict)  # lower-case name -> what its value must contain

    def as_spec(self) -> dict[str, Any]:
        return {"route": self.route, "method": self.method, "path": self.path, "body": self.body,
                "placeholders": self.placeholders, "form": self.form}


class _Loose:
    """A small parser for loose JSON (keys without quotes or values, bare words)."""

    def __init__(self, text: str, sending: bool) -> None:
        self.text, self.at, self.sending = text, 0, sending

    def parse(self) -> Any:
        value = self.value()
        self.space()
        if self.at != len(self.text):
            raise ValueError(f"unexpected {self.text[self.at:]!r}")
        return value

    def space(self) -> None:
        while self.at < len(self.text) and self.text[self.at] in " \t\r\n":
            self.at += 1

    def peek(self) -> str:
        self.space()
        return self.text[self.at] if self.at < len(self.text) else ""

    def value(self) -> Any:
        char = self.peek()
        if char == "{":
            return self.obj()
        if char == "[":
            return self.array()
        if char in "\"'":
            return self.string()
        word = self.word()
        if word in ("true", "false", "null"):
            return json.loads(word)
        if re.fullmatch(r"-?\d+(\.\d+)?", word):
            return json.loads(word)
        if word.lower() in TYPES:
            return TypeOf(word.lower())
        return word

    def word(self) -> str:
        start = self.at
        while self.at < len(self.text) and self.text[self.at] not in ",}]:":
            self.at += 1
        return self.text[start:self.at].strip()

    def string(self) -> str:
        quote = self.text[self.at]
        end = self.at + 1
        while end < len(self.text) and self.text[end] != quote:
            end += 2 if self.text[end] == "\\" else 1
        raw = self.text[self.at + 1:end]
        self.at = end + 1
        return json.loads('"' + raw.replace('"', '\\"') + '"') if quote == "'" else json.loads(f'"{raw}"')

    def obj(self) -> dict[str, Any]:
        self.at += 1
        out: dict[str, Any] = {}
        while self.peek() not in ("}", ""):
            key = self.string() if self.peek() in "\"'" else self.word()
            if self.peek() == ":":
                self.at += 1
                out[key] = self.value()
            elif key and key != "...":
                out[key] = sample(key) if self.sending else PRESENT
            if self.peek() == ",":
                self.at += 1
        self.at += 1
        return out

    def array(self) -> list[Any]:
        self.at += 1
        out: list[Any] = []
        while self.peek() not in ("]", ""):
            if self.text.startswith("...", self.at):
                self.at += 3
            else:
                out.append(self.value())
            if self.peek() == ",":
                self.at += 1
        self.at += 1
        return out


def sample(key: str) -> Any:
    """A plausible value for a field the route names without one."""
    low = key.lower()
    if "email" in low:
        return "ada@example.com"
    if low in ("age", "count", "quantity", "qty", "amount", "price", "year", "n", "number") or low.endswith("_id"):
        return 3
    return f"test {key}"


def loose_json(text: str, sending: bool = False) -> Any:
    text = text.strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return _Loose(text, sending).parse()


def parse_route(route: str) -> RouteCheck | None:
    """The check a route line describes, or None when it is not one (prose, no status)."""
    match = _ROUTE.match(route)
    if not match or match["method"].upper() not in METHODS:
        return None
    body_text = match["body"]
    form = bool(re.match(r"^\(?form\)?\b", body_text.strip(), re.I))
    if form:
        body_text = re.sub(r"^\(?form\)?\s*", "", body_text.strip(), flags=re.I)
    answer_text, headers = split_headers(match["answer"])
    try:
        body = loose_json(body_text, sending=True)
        answer = loose_json(answer_text)
    except (ValueError, IndexError):
        return None
    path = match["path"]
    names = [next(g for g in m.groups() if g) for m in _PLACEHOLDER.finditer(path)]
    return RouteCheck(route.strip(), match["method"].upper(), path, body, int(match["status"]), answer, names, form, headers)


_HEADER = re.compile(r"\s*([A-Za-z][A-Za-z0-9-]*):\s*([^;]+?)\s*(?:;|$)")


def split_headers(text: str) -> tuple[str, dict[str, str]]:
    """An answer's JSON and the headers written after it: ``{id} Location: /books/1; Content-Type: json``."""
    text = text.strip()
    end = _json_end(text)
    rest = text[end:].strip()
    headers: dict[str, str] = {}
    at = 0
    while at < len(rest):
        match = _HEADER.match(rest, at)
        if not match:
            return text, {}  # not headers after all: the whole text is the answer
        headers[match.group(1).lower()] = match.group(2)
        at = match.end()
    return text[:end], headers


def _json_end(text: str) -> int:
    """Where a leading {...} or [...] ends (0 when the text does not start with one)."""
    if not text or text[0] not in "{[":
        return 0
    depth, quote = 0, ""
    for i, char in enumerate(text):
        if quote:
            quote = "" if char == quote and text[i - 1] != "\\" else quote
        elif char in "\"'":
            quote = char
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)


def route_checks(routes: list[str]) -> list[RouteCheck]:
    return [check for route in routes if (check := parse_route(route))]


def mismatch(expect: Any, actual: Any, where: str = "body") -> str | None:
    """Why ``actual`` (the parsed JSON answer) does not match ``expect``, or None."""
    if expect is None or expect is PRESENT:
        return None
    if isinstance(expect, TypeOf):
        wanted = TYPES[expect.name]
        ok = isinstance(actual, wanted) and not (isinstance(actual, bool) and wanted in (int, (int, float)))
        return None if ok else f"{where} should be {expect.name}, is {json.dumps(actual)[:80]}"
    if isinstance(expect, dict):
        if not isinstance(actual, dict):
            return f"{where} should be an object, is {json.dumps(actual)[:80]}"
        for key, value in expect.items():
            if key not in actual:
                return f"{where} has no field {key!r} (it has {', '.join(map(repr, actual)) or 'none'})"
            why = mismatch(value, actual[key], f"{where}.{key}")
            if why:
                return why
        return None
    if isinstance(expect, list):
        if not isinstance(actual, list):
            return f"{where} should be a list, is {json.dumps(actual)[:80]}"
        if not expect:
            return None  # "[]" in a route says "a list": what is in it depends on the calls before
        if len(actual) < len(expect):
            return f"{where} should have at least {len(expect)} item(s), has {len(actual)}"
        for i, item in enumerate(expect):
            why = mismatch(item, actual[i], f"{where}[{i}]")
            if why:
                return why
        return None
    if isinstance(expect, str) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        return None if expect == str(actual) else f"{where} should be {expect!r}, is {actual!r}"
    return None if expect == actual else f"{where} should be {json.dumps(expect)}, is {json.dumps(actual)[:120]}"


def judge(check: RouteCheck, answer: dict[str, Any]) -> str | None:
    """Why the server's answer (status, headers, body text) fails the route, or None."""
    if answer.get("error"):
        return f"no answer: {answer['error']}"
    if answer["status"] != check.status:
        text = answer.get("body", "")
        return f"status {answer['status']}, expected {check.status}" + (f"; body: {text[:200]}" if text else "")
    got = answer.get("headers", {})
    for name, wanted in check.headers.items():
        if wanted.lower() not in got.get(name, "").lower():
            return f"header {name} should contain {wanted!r}, is {got.get(name, '(none)')!r}"
    if check.expect is None:
        return None
    if isinstance(check.expect, str):  # "-> 200 OK": words the body must hold, JSON or not
        text = answer.get("body") or ""
        return None if check.expect.lower() in text.lower() else f"the body should contain {check.expect!r}: {text[:200]!r}"
    try:
        actual = json.loads(answer.get("body") or "")
    except ValueError:
        return f"the body is not JSON: {answer.get('body', '')[:200]!r}"
    return mismatch(check.expect, actual)
