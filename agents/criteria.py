"""Acceptance criteria that name a command, read as commands to run.

Pure. "python3 cli.py words.txt prints 'the: 2'" is run as that command (its input files
set up), its output and exit code compared, instead of a model guessing a unit test from
it. Expected output is compared only when QA knows the input: an input file QA had to
make up is only run, never judged by what it prints.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

PROGRAMS = ("python3", "python", "node", "php", "bash", "sh", "go")
_VERB = r"(?:prints|print|outputs|output|shows|displays|writes|lists|returns|gives|produces|exits|exit|should|must|succeeds|fails|reports|echoes|then|and|with|->|=>|→)"
_PLAIN = re.compile(rf"\b((?:{'|'.join(PROGRAMS)})\s+[^\s,;:'\"`()]+(?:\s+(?!{_VERB}\b)[^\s,;:'\"`()]+)*)")
TICKED = re.compile(r"`([^`]+)`")  # a backticked span of a brief or criterion
_QUOTED = re.compile(r"'([^']+)'|\"([^\"]+)\"")
_CONTENT = re.compile(r"\b(?:containing|contains|with (?:the )?(?:content|text|lines?))\s+(?:'([^']*)'|\"([^\"]*)\")", re.IGNORECASE)
# "given the input lines `b`, `a`, `b`": the lines a command reads on standard input.
STDIN_LINES = re.compile(r"\bgiven the input lines\s+((?:`[^`\n]*`(?:\s*,\s*|\s+and\s+)?)+)", re.IGNORECASE)
_THEN = re.compile(r"`\s*,?\s+then\s+`")
_EXIT = re.compile(r"\bexit(?:s)?(?: with)?(?: (?:code|status))? (\d+)|\bexit code (\d+)", re.IGNORECASE)
_FAILS = re.compile(r"\b(?:fails|non-?zero|errors? out|exits? with an error)\b", re.IGNORECASE)
_PRINTS = re.compile(r"\b(?:prints|outputs|shows|displays|lists|echoes|writes)\b", re.IGNORECASE)
INPUT_SUFFIXES = {".txt", ".csv", ".json", ".md", ".log", ".tsv", ".dat", ".in"}
PLACEHOLDERS = {"FILE", "PATH", "INPUT", "FILENAME", "TEXTFILE", "FILE_PATH", "<file>", "<path>", "<filename>", "[file]"}
SAMPLE_TEXT = "the cat sat on the mat\nthe end\n"
# An argument that names what goes there instead of being it: "A OP B", "[-i]", "<n>", "...".
USAGE_WORD = re.compile(r"^(?:[A-Z][A-Z0-9_]*|<[^>]+>|\[[^\]]+\]|\.\.\.)$")


def is_usage_line(argv: list[str]) -> bool:
    """Whether a command's arguments are placeholders other than an input file ("calc.py A
    OP B", "find.py [-i] TEXT FILE"): run as written it tests nothing the brief states."""
    return any(USAGE_WORD.match(arg) and arg not in PLACEHOLDERS and arg.upper() not in PLACEHOLDERS for arg in argv[2:])


@dataclass
class CommandCriterion:
    """One command a criterion names, and what it must do."""

    criterion: str
    argv: list[str]
    fixtures: dict[str, str] = field(default_factory=dict)  # input files to set up: path -> content
    known_input: bool = True  # False: an input file was made up, so its output cannot be judged
    exit_code: int | None = 0  # None: any non-zero
    expected: list[str] = field(default_factory=list)  # strings the output must hold
    prints: bool = False  # the criterion says it prints something
    stdin: str | None = None  # what the command reads on standard input ("given the input lines `b`, `a`")
    ordered: bool = False  # the expected strings come in this order ("prints `2 b` then `1 a`")

    @property
    def command(self) -> str:
        return " ".join(shlex.quote(a) for a in self.argv)


def command_of(criterion: str) -> CommandCriterion | None:
    """The command a criterion names, or None when it names none."""
    text = None
    for ticked in TICKED.findall(criterion):
        if ticked.split()[:1] and ticked.split()[0] in PROGRAMS:
            text = ticked
            break
    if text is None:
        match = _PLAIN.search(criterion)
        if match is None:
            return None
        text = match.group(1)
    try:
        argv = shlex.split(text)
    except ValueError:
        return None
    if len(argv) < 2 or argv[0] not in PROGRAMS or is_usage_line(argv):
        return None
    rest = criterion.replace(text, " ", 1)
    found = CommandCriterion(criterion=criterion, argv=argv)
    content = _CONTENT.search(rest)
    given = None
    if content:
        given = (content.group(1) if content.group(1) is not None else content.group(2)).replace("\\n", "\n")
        rest = rest.replace(content.group(0), " ")
    for i, arg in enumerate(argv[2:], start=2):
        if arg in PLACEHOLDERS or arg.upper() in PLACEHOLDERS:
            argv[i] = "input.txt"
            arg = "input.txt"
        if PurePosixPath(arg).suffix.lower() in INPUT_SUFFIXES and not arg.startswith("-"):
            found.fixtures[arg] = given if given is not None else SAMPLE_TEXT
            found.known_input = found.known_input and given is not None
    lines = STDIN_LINES.search(rest)
    if lines:
        found.stdin = "".join(line + "\n" for line in TICKED.findall(lines.group(1)))
        rest = rest.replace(lines.group(0), " ")
    exit_match = _EXIT.search(rest)
    if exit_match:
        found.exit_code = int(exit_match.group(1) or exit_match.group(2))
    elif _FAILS.search(rest):
        found.exit_code = None
    prints = _PRINTS.search(rest)
    found.prints = prints is not None
    if prints is not None:
        after = rest[prints.end():]
        found.expected = [a if a is not None and a != "" else b for a, b in _QUOTED.findall(after)]
        found.expected += [t for t in TICKED.findall(after) if t.split()[:1] and t.split()[0] not in PROGRAMS]
        found.expected = [e.replace("\\n", "\n") for e in found.expected if e]
        found.ordered = bool(_THEN.search(after)) and len(found.expected) > 1
    return found


@dataclass
class Outcome:
    passed: bool
    why: str


def judge(check: CommandCriterion, exit_code: int, stdout: str, stderr: str) -> Outcome:
    """Did the command do what the criterion says? Only what QA can know is compared."""
    if check.exit_code is None:
        if exit_code == 0:
            return Outcome(False, "it should fail (exit non-zero) but exited 0")
    elif exit_code != check.exit_code:
        tail = (stderr or stdout).strip().splitlines()[-5:]
        return Outcome(False, f"exit code {exit_code}, expected {check.exit_code}" + (":\n" + "\n".join(tail) if tail else ""))
    if check.prints and check.exit_code == 0 and not stdout.strip():
        return Outcome(False, "it printed nothing")
    if check.known_input:
        missing = [e for e in check.expected if e not in stdout and _loose(e) not in _loose(stdout)]
        if missing:
            return Outcome(False, "its output lacks " + ", ".join(repr(m) for m in missing) + ":\n" + "\n".join(stdout.splitlines()[:15]))
        if check.ordered and not _in_order(check.expected, stdout) and not _in_order([_loose(e) for e in check.expected], _loose(stdout)):
            return Outcome(False, "its output holds " + " then ".join(repr(e) for e in check.expected) + " but not in that order:\n"
                           + "\n".join(stdout.splitlines()[:15]))
    return Outcome(True, f"exit {exit_code}" + (f", output holds {', '.join(repr(e) for e in check.expected)}" if check.expected and check.known_input else ""))


def _in_order(expected: list[str], stdout: str) -> bool:
    at = 0
    for text in expected:
        found = stdout.find(text, at)
        if found < 0:
            return False
        at = found + len(text)
    return True


def _loose(text: str) -> str:
    """Spacing aside: 'the: 2' matches 'the:2' and 'the : 2'."""
    return re.sub(r"\s+", "", text).lower()


def runs_anything(script: Path) -> bool:
    """Whether running a Python file does something beyond defining names: a main guard,
    a call, a loop at the top level. A file that does not parse runs (and fails) too."""
    try:
        tree = ast.parse(script.read_text(errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return True
    quiet = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)
    for node in tree.body:
        if isinstance(node, quiet):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring
        return True
    return False


_CALL = re.compile(r"\b([A-Za-z_][\w.]*)\(([^()]*)\)\s*(?:returns|return|==|->|=>|gives|is|equals|should return|must return|raises)")


def named_calls(criteria: list[str]) -> dict[str, int]:
    """Calls the criteria spell out with their result ("slug('Hello World') returns
    'hello-world'"): name -> how many arguments the criterion gives it."""
    found: dict[str, int] = {}
    for criterion in criteria:
        for name, args in _CALL.findall(criterion):
            short = name.split(".")[-1]
            found[short] = max(found.get(short, 0), len([a for a in args.split(",") if a.strip()]))
    return found
