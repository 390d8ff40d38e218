"""The brief's usage lines, run with made-up arguments: does the program crash?

Pure. A brief that says "`python3 findlines.py [-i] TEXT FILE` prints ..." states how
the program is called, not what a given call prints, so its output cannot be judged. But
a Python traceback from a call that follows the usage line, on input that fits it (a
text file for FILE, a word of that file for TEXT, a header of the CSV for COLUMN), is
a crash no brief asks for. Only placeholders whose fitting value is certain are filled;
a line with any other (``A OP B``, ``VALUE``, a JSON file of unknown shape) is not run.
Where the brief's sentence says the call prints, printing nothing on that input is a
fault too; so is refusing the call with a usage message, and so is a line that fits none
of the brief's output formats when the sentence gives one with placeholders (`added N`,
`NUMBER:LINE`).

Such a check is soft: the input is QA's, so a crash buys the coder another try with the
traceback in front of it, and never fails a task on its own (the coordinator keeps the
attempt if no later one does better).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field, replace

from crewmux.agents.criteria import PLACEHOLDERS, TICKED, USAGE_WORD

PYTHONS = ("python3", "python")
MAX_RUNS = 4  # calls per task: every optional flag with and without, in the brief's order
_OPTIONAL = re.compile(r"^\[(.+)\]$")
TRACEBACK = "Traceback (most recent call last)"
_USAGE = re.compile(r"\busage\b", re.IGNORECASE)
# The rest of a usage line's sentence (up to ". ", a blank line or the next call) saying it prints.
_SENTENCE_END = re.compile(r"\.\s|\n\s*\n|`python")
_PRINTS = re.compile(r"^[^.]*?\b(?:prints|outputs|shows|lists|displays|writes)\b", re.IGNORECASE | re.DOTALL)

SAMPLE_TEXT = "the cat sat on the mat\nThe dog saw the cat\nthe end\n"
SAMPLE_CSV = "name,price,qty\napple,1.50,2\npear,3.25,1\nfig,0.75,4\n"
SAMPLE_NUMBERS = "3 1.5\n4 10\n"
_STDIN = re.compile(r"\bstandard input\b|\bstdin\b", re.IGNORECASE)
_PRINTS_ANYWHERE = re.compile(r"\b(?:prints|outputs|writes)\b", re.IGNORECASE)
SAMPLE_DIR = {"sample_dir/a.txt": "alpha\n", "sample_dir/sub/b.txt": "beta beta\n"}
WORD = "the"  # in SAMPLE_TEXT, both cases
COLUMN = "price"
NUMBER = "1"

FILES = {p.strip("<>[]").upper() for p in PLACEHOLDERS} | {"CSV", "CSVFILE", "TEXT_FILE", "LOGFILE", "SOURCE"}
DIRS = {"DIR", "DIRECTORY", "FOLDER", "ROOT"}
WORDS = {"TEXT", "WORD", "PATTERN", "STRING", "QUERY", "TERM", "NEEDLE", "SEARCH", "MESSAGE", "ITEM", "TITLE"}
COLUMNS = {"COLUMN", "COL", "FIELD", "HEADER"}
NUMBERS = {"N", "NUMBER", "NUM", "COUNT", "INDEX", "ID", "K", "LINES", "WIDTH", "LIMIT", "SIZE"}
NUMERIC = {"TOTAL", "SUM", "BYTES", "AMOUNT"}  # placeholders of output formats that stand for a number
_PLACEHOLDER = re.compile(r"\b[A-Z][A-Z0-9_]*\b")


@dataclass(frozen=True)
class UsageRun:
    """One call of ``usage`` with made-up arguments, and the files it needs. ``prints``:
    the brief's sentence says the call prints something (on input that fits, it must)."""

    usage: str
    argv: tuple[str, ...]
    fixtures: dict[str, str] = field(default_factory=dict)
    prints: bool = False
    formats: tuple[str, ...] = ()  # the brief's output lines with placeholders ("added N"): each line printed fits one
    stdin: str = ""  # what the call reads on standard input (a program the brief says reads it)

    @property
    def command(self) -> str:
        return " ".join(shlex.quote(a) for a in self.argv) + (" < input" if self.stdin else "")


@dataclass(frozen=True)
class UsageLine:
    usage: str
    prints: bool  # the rest of its sentence says it prints
    formats: tuple[str, ...]  # when that sentence gives a format with placeholders: every such format of the brief


def usage_lines(brief: str, scripts: list[str]) -> list[UsageLine]:
    """The brief's backticked Python calls of one of ``scripts``, each once, in order."""
    found: list[UsageLine] = []
    every_format = _formats(brief)
    # Sentences end outside backticks: "`N. [ ] TEXT`" is one format, not a full stop.
    masked = TICKED.sub(lambda m: "`" + re.sub(r"[.\n]", "_", m.group(1)) + "`", brief)
    for match in TICKED.finditer(brief):
        span = match.group(1)
        try:
            words = shlex.split(span)
        except ValueError:
            continue
        if len(words) >= 2 and words[0] in PYTHONS and words[1] in scripts and span not in [f.usage for f in found]:
            length = len(_SENTENCE_END.split(masked[match.end():], maxsplit=1)[0])
            sentence = brief[match.end():match.end() + length]
            prints = bool(_PRINTS.match(sentence))
            formats = every_format if prints and any(_is_format(f) for f in TICKED.findall(sentence)) else ()
            found.append(UsageLine(span, prints, formats))
    return found


def _formats(brief: str) -> tuple[str, ...]:
    """Every output format of the brief with placeholders, each once, in order."""
    return tuple(dict.fromkeys(f for f in TICKED.findall(brief) if _is_format(f)))


def _is_format(span: str) -> bool:
    """An output line with placeholders ("added N", "NUMBER:LINE"), not a call or a literal."""
    words = span.split()
    return bool(words) and words[0] not in PYTHONS and bool(_PLACEHOLDER.search(span))


def _format_regex(template: str) -> re.Pattern[str]:
    parts = []
    for piece in re.split(rf"({_PLACEHOLDER.pattern}|\s+)", template):
        if not piece:
            continue
        if piece.isspace():
            parts.append(r"\s+")
        elif _PLACEHOLDER.fullmatch(piece):
            parts.append(r"-?\d+(?:\.\d+)?" if piece in NUMBERS | NUMERIC else r".+?")
        else:
            parts.append(re.escape(piece))
    return re.compile("".join(parts))


def unfitting_line(formats: tuple[str, ...], stdout: str) -> str | None:
    """The first line printed that fits none of ``formats``, if one does not."""
    if not formats:
        return None
    patterns = [_format_regex(f) for f in formats]
    for line in stdout.splitlines():
        if line.strip() and not any(p.fullmatch(line.strip()) for p in patterns):
            return line.strip()
    return None


def usage_runs(brief: str, scripts: list[str]) -> list[UsageRun]:
    """The calls to make for ``scripts``: every usage line of the brief whose placeholders
    can all be filled, each optional part with and without, at most MAX_RUNS in all."""
    csv = "csv" in brief.lower()
    json = "json" in brief.lower()
    stdin = _stdin_sample(brief)
    runs: list[UsageRun] = []
    lines = usage_lines(brief, scripts)
    for line in lines:
        for argv in _variants(shlex.split(line.usage)):
            run = _filled(line, argv, csv=csv, json=json)
            if run is not None and run not in runs:
                runs.append(replace(run, stdin=stdin) if stdin and not run.fixtures else run)
    if stdin and len(scripts) == 1 and not lines:
        # "reads lines from standard input and prints ...": no usage line, but how it is called is plain.
        runs.append(UsageRun(usage=f"python3 {scripts[0]}", argv=("python3", scripts[0]), prints=bool(_PRINTS_ANYWHERE.search(brief)),
                             formats=_formats(brief), stdin=stdin))
    return runs[:MAX_RUNS]


def _stdin_sample(brief: str) -> str:
    """What to feed a program the brief says reads standard input ('' when it says not):
    numbers when it reads numbers, else lines of text."""
    if not _STDIN.search(brief):
        return ""
    return SAMPLE_NUMBERS if re.search(r"\bnumbers?\b", brief, re.IGNORECASE) else SAMPLE_TEXT


def _variants(argv: list[str]) -> list[list[str]]:
    """The call without its optional parts, then with each of them ("[-i]": both)."""
    def without(keep: int | None) -> list[str]:
        out: list[str] = []
        for i, arg in enumerate(argv):
            inner = _OPTIONAL.match(arg)
            if i == keep and inner:
                out += inner.group(1).split()
            elif not inner and arg != "...":
                out.append(arg)
        return out
    return [without(None), *(without(i) for i, arg in enumerate(argv) if _OPTIONAL.match(arg))]


def _filled(line: UsageLine, argv: list[str], csv: bool, json: bool) -> UsageRun | None:
    """``argv`` with each placeholder given a value that fits it, or None when one has none."""
    out = list(argv[:2])
    fixtures: dict[str, str] = {}
    for arg in argv[2:]:
        word = arg.strip("<>").upper()
        if not USAGE_WORD.match(arg):  # optional parts and "..." are gone (_variants): a NAME or a <name>
            out.append(arg)
        elif word in FILES:
            if json:
                return None  # a JSON file of what shape? a wrong guess would crash a right answer
            name = "input.csv" if csv else "input.txt"
            fixtures[name] = SAMPLE_CSV if csv else SAMPLE_TEXT
            out.append(name)
        elif word in DIRS:
            fixtures.update(SAMPLE_DIR)
            out.append("sample_dir")
        elif word in WORDS:
            out.append(WORD)
        elif word in COLUMNS and csv:
            out.append(COLUMN)
        elif word in NUMBERS:
            out.append(NUMBER)
        else:
            return None
    return UsageRun(usage=line.usage, argv=tuple(out), fixtures=fixtures, prints=line.prints, formats=line.formats)


def crash_of(exit_code: int, stderr: str) -> str | None:
    """The end of the Python traceback when the call crashed, else None."""
    if exit_code == 0 or TRACEBACK not in stderr:
        return None
    tail = stderr[stderr.rindex(TRACEBACK):].strip().splitlines()
    return "\n".join(tail[-6:])


def fault_of(run: UsageRun, exit_code: int, stdout: str, stderr: str) -> str | None:
    """What the call did wrong, if it did: crashed, answered with its usage message,
    printed nothing where the brief says it prints, or printed a line that fits none of
    the brief's formats (an exit with an error of its own is the program's right on QA's input)."""
    crash = crash_of(exit_code, stderr)
    if crash is not None:
        return "crashed:\n" + crash
    if exit_code != 0 and _USAGE.search(stdout + stderr):
        # The call follows the brief's usage, on input that fits it: refusing it with a
        # usage message is the program reading its arguments wrong ("list" takes none).
        said = next(line.strip() for line in (stdout + "\n" + stderr).splitlines() if _USAGE.search(line))
        return f"answered with its usage message (exit {exit_code}: `{said[:120]}`), but the call follows that usage"
    if run.prints and exit_code == 0 and not stdout.strip():
        return "printed nothing, and the brief says it prints"
    unfit = unfitting_line(run.formats, stdout) if exit_code == 0 else None
    if unfit is not None:
        return f"printed `{unfit}`, which fits none of the brief's formats " + ", ".join(f"`{f}`" for f in run.formats)
    return None
