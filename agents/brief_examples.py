"""The examples a brief spells out, read as checks that cannot be wrong.

Pure. A brief that says "`rle_decode("3a1b2c")` returns `"aaabcc"`" or "`python3 calc.py
3 x 4` prints `12`" has stated a fact about every right answer. QA runs such examples as
written (a call compared with its literal result, a command with the output it must hold)
instead of asking a model to guess tests: a small model's guessed test can reject a right
answer, the brief's own example cannot. Only what is certain is taken: a call whose
arguments and result are Python literals, a command whose arguments are all concrete
(no placeholder such as FILE or A OP B, which is a usage line, not an example).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from crewmux.agents.criteria import PROGRAMS, TICKED, USAGE_WORD

# Words between a call and its result: "`f(1)` returns `2`", "`f(1)` is `2`", "`f(1)` -> `2`".
_RESULT_VERB = re.compile(r"^\s*(?:returns|return|is|gives|give|yields|equals|==|->|=>|→|should return|must return)\s*$",
                          re.IGNORECASE)
_RAISES_VERB = re.compile(r"^\s*(?:raises|should raise|must raise)\s*$", re.IGNORECASE)
_PRINTS_VERB = re.compile(r"^\s*(?:prints|outputs|shows|writes|should print|must print)\s*$", re.IGNORECASE)
MAX_CRITERION = 300  # a plan's criterion is at most this long
HINT = Path(__file__).with_name("example_hint.py")  # copied into each generated test file


@dataclass(frozen=True)
class CallExample:
    """``call`` evaluates to ``expected`` (a literal's source), or raises ``raises``."""

    function: str
    call: str
    expected: str = ""
    raises: str = ""

    @property
    def criterion(self) -> str:
        if self.raises:
            return f"`{self.call}` raises `{self.raises}`"
        return f"`{self.call}` returns `{self.expected}`"


@dataclass(frozen=True)
class CommandExample:
    """Running ``command`` exits 0 and prints ``prints``."""

    command: str
    prints: str

    @property
    def criterion(self) -> str:
        return f"`{self.command}` prints `{self.prints}`"


Example = CallExample | CommandExample


def examples_of(text: str) -> list[Example]:
    """Every example ``text`` states, in order, each once."""
    spans = [(m.group(1), m.start(), m.end()) for m in TICKED.finditer(text)]
    found: list[Example] = []
    for i, (code, _start, end) in enumerate(spans):
        inline = _inline_call(code)
        if inline is not None:
            found.append(inline)
            continue
        if i + 1 >= len(spans):
            continue
        between = text[end:spans[i + 1][1]]
        nxt = spans[i + 1][0]
        example: Example | None = None
        if _RESULT_VERB.match(between):
            example = _call_example(code, expected=nxt)
        elif _RAISES_VERB.match(between) and nxt.isidentifier():
            example = _call_example(code, raises=nxt)
        elif _PRINTS_VERB.match(between):
            example = _command_example(code, nxt)
        if example is not None:
            found.append(example)
    unique: list[Example] = []
    for example in found:
        if example not in unique and len(example.criterion) <= MAX_CRITERION:
            unique.append(example)
    return unique


def literal_examples(text: str, function: str) -> list[CallExample]:
    """A one-parameter function's examples written without the call: "An empty matrix `[]`
    gives `[]`", "`"apple"` -> `"appleay"`". Only a pair that is not part of a chain
    ("`"pig"` -> `"igp"` -> `"igpay"`" shows steps, not the result) is taken."""
    spans = [(m.group(1), m.start(), m.end()) for m in TICKED.finditer(text)]
    found: list[CallExample] = []
    for i in range(len(spans) - 1):
        (code, _, end), (result, start, after) = spans[i], spans[i + 1]
        before = text[spans[i - 1][2]:spans[i][1]] if i > 0 else ""
        then = text[after:spans[i + 2][1]] if i + 2 < len(spans) else ""
        if not _RESULT_VERB.match(text[end:start]) or _RESULT_VERB.match(before) or _RESULT_VERB.match(then):
            continue
        if _inline_call(code) is not None or _call_example(code) is not None:
            continue  # a call: examples_of reads it
        try:
            argument = ast.parse(code.strip(), mode="eval").body
        except SyntaxError:
            continue
        if _is_literal(argument) and not isinstance(argument, ast.Tuple):  # a tuple would be several arguments
            example = _call_example(f"{function}({ast.unparse(argument)})", expected=result)
            if example is not None and example not in found and len(example.criterion) <= MAX_CRITERION:
                found.append(example)
    return found


# "for the input lines `b`, `a`, `b` it prints `2 b` then `1 a`"
_STDIN_EXAMPLE = re.compile(r"\binput lines\s+((?:`[^`\n]*`(?:\s*,\s*|\s+and\s+)?)+)[^`]{0,40}?\bprints\s+"
                            r"((?:`[^`\n]*`(?:\s*,\s*|\s*,?\s+then\s+|\s+and\s+)?)+)", re.IGNORECASE)


def stdin_example_criteria(text: str, script: str) -> list[str]:
    """The brief's examples of a program that reads standard input, as criteria QA runs:
    "`python3 uniqcount.py` given the input lines `b`, `a`, `b` prints `2 b` then `1 a`"."""
    found = []
    for match in _STDIN_EXAMPLE.finditer(text):
        lines, prints = (" ".join(group.split()) for group in match.groups())
        criterion = f"`python3 {script}` given the input lines {lines.rstrip(' ,')} prints {prints.rstrip(' ,')}"
        if len(criterion) <= MAX_CRITERION and criterion not in found:
            found.append(criterion)
    return found


def example_of(criterion: str) -> Example | None:
    """The one example a criterion states (as ``criterion`` writes it), else None."""
    found = examples_of(criterion)
    return found[0] if len(found) == 1 else None


def _inline_call(code: str) -> CallExample | None:
    """"`f(1) == 2`" in one span."""
    try:
        tree = ast.parse(code.strip(), mode="eval").body
    except SyntaxError:
        return None
    if not (isinstance(tree, ast.Compare) and len(tree.ops) == 1 and isinstance(tree.ops[0], ast.Eq)):
        return None
    left, right = tree.left, tree.comparators[0]
    return _call_example(ast.unparse(left), expected=ast.unparse(right))


def _call_example(code: str, expected: str = "", raises: str = "") -> CallExample | None:
    try:
        call = ast.parse(code.strip(), mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
        return None
    if not all(_is_literal(arg) for arg in [*call.args, *(k.value for k in call.keywords)]) or any(k.arg is None for k in call.keywords):
        return None
    if expected:
        try:
            value = ast.parse(expected.strip(), mode="eval").body
        except SyntaxError:
            return None
        if not _is_literal(value):
            return None
        expected = ast.unparse(value)
    return CallExample(function=call.func.id, call=ast.unparse(call), expected=expected, raises=raises)


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _command_example(code: str, prints: str) -> CommandExample | None:
    words = code.split()
    if len(words) < 2 or words[0] not in PROGRAMS or not prints.strip():
        return None
    if any(USAGE_WORD.match(word) for word in words[2:]):
        return None  # a usage line ("python3 calc.py A OP B", "wc.py FILE"), not a run of it
    return CommandExample(command=" ".join(words), prints=prints.strip())


# "The `inventory` argument must not be changed", "returns a NEW list": the call leaves its arguments as they were.
_UNCHANGED = re.compile(r"\b(?:must|should|does|do|is|are|will) not (?:be )?(?:changed|modified|mutated|change|modify|mutate)\b"
                        r"|\bwithout (?:changing|modifying|mutating)\b|\b(?:a|returns?) new (?:list|dict|dictionary|set|matrix)\b",
                        re.IGNORECASE)


def keeps_arguments(brief: str) -> bool:
    """Whether the brief says a call must leave its arguments unchanged."""
    return bool(_UNCHANGED.search(brief))


def python_example_tests(examples: list[CallExample], module: str, unchanged: bool = False) -> str:
    """A pytest file that runs each call example as written, importing from ``module``.
    ``unchanged``: the brief says the arguments must not be changed, so each test also
    compares them after the call with a copy taken before it."""
    names = sorted({e.function for e in examples})
    lines = [
        '"""The brief\'s own examples, run as written (crewmux QA; not written by a model)."""',
        "",
        "import copy",
        "",
        "import pytest",
        "",
        f"from {module} import {', '.join(names)}",
        "",
        "",
        *HINT.read_text().split('"""', 2)[2].strip().splitlines(),  # how_it_differs, without its module docstring
        "",
    ]
    for number, example in enumerate(examples, start=1):
        lines += ["", f"def test_brief_example_{number}():"]
        if example.raises:
            lines += [f"    with pytest.raises({example.raises}):", f"        {example.call}"]
            continue
        # The message is what the coder's model reads on a retry: the call, what it gave,
        # what the brief says, in one sentence a small model can act on.
        expected = f"pytest.approx({example.expected})" if _has_float(example.expected) else example.expected
        said = (f'{example.call + " returned "!r} + repr(actual) + {"; the brief says it returns " + example.expected!r}'
                f' + how_it_differs(actual, {example.expected})')
        arguments = _arguments(example.call) if unchanged else None
        if arguments:
            # The arguments as objects of the test, so what the call does to them can be seen.
            lines += [f"    arguments = [{arguments}]", "    before = copy.deepcopy(arguments)",
                      f"    actual = {example.function}(*arguments)",
                      f"    assert arguments == before, {example.call + ' changed its argument: it became '!r} + repr(arguments)"
                      f" + {'; the brief says the arguments must not be changed (work on a copy)'!r}"]
        else:
            lines += [f"    actual = {example.call}"]
        lines += [f"    assert actual == {expected}, {said}"]
    return "\n".join(lines) + "\n"


def _arguments(call: str) -> str:
    """The positional arguments of a call without keywords, as source ('' otherwise)."""
    node = ast.parse(call, mode="eval").body
    if not isinstance(node, ast.Call) or node.keywords or not node.args:
        return ""
    return ", ".join(ast.unparse(a) for a in node.args)


def _has_float(source: str) -> bool:
    value = ast.literal_eval(source)
    if isinstance(value, float):
        return True
    return isinstance(value, (list, tuple)) and any(isinstance(v, float) for v in value) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)


@dataclass(frozen=True)
class Signature:
    """A call signature the brief spells out: "`deposit(amount: int) -> int`"."""

    name: str
    params: tuple[tuple[str, str], ...]  # (name, its annotation's source or "")
    returns: str = ""


@dataclass(frozen=True)
class DeclaredClass:
    """The one class a brief declares, how it is made, and its methods."""

    name: str
    init: Signature | None
    methods: tuple[Signature, ...]


def _signatures(text: str) -> list[Signature]:
    """Every backticked span that reads as a signature, each name once, in order."""
    found: dict[str, Signature] = {}
    for code in TICKED.findall(text):
        try:
            node = ast.parse(f"def {code.strip()}:\n    pass\n").body[0]
        except SyntaxError:
            continue
        if isinstance(node, ast.FunctionDef) and node.name not in found:
            args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            params = tuple((a.arg, ast.unparse(a.annotation) if a.annotation else "") for a in args)
            found[node.name] = Signature(node.name, params, ast.unparse(node.returns) if node.returns else "")
    return list(found.values())


def declared_class(text: str) -> DeclaredClass | None:
    """The class a brief about one class declares ("a class `Account`. `Account(owner: str)`
    ... Methods: `deposit(amount: int) -> int`"), or None."""
    names = list(dict.fromkeys(a or b for a, b in re.findall(r"\bclass\s+`(\w+)`|`class\s+(\w+)", text)))
    if len(names) != 1:
        return None
    signatures = _signatures(text)
    init = next((s for s in signatures if s.name == names[0]), None)
    methods = tuple(s for s in signatures if s.name != names[0] and not s.name[0].isupper() and not s.name.startswith("_"))
    return DeclaredClass(names[0], init, methods) if methods else None


def declared_functions(text: str) -> list[tuple[str, list[str]]]:
    """The functions a brief declares by signature ("`rle_encode(text: str) -> str`"):
    (name, parameter names), each name once, in order. A brief about a class with methods
    declares methods, not functions: none are taken from it."""
    return [(s.name, [p for p, _ in s.params]) for s in function_signatures(text)]


def function_signatures(text: str) -> list[Signature]:
    """The functions a brief declares by signature (none from a brief about a class's methods)."""
    if re.search(r"\bclass\b", text) and re.search(r"\bmethods?\b", text, re.IGNORECASE):
        return []
    return [s for s in _signatures(text) if not s.name[0].isupper()]
