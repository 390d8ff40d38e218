"""Reading a coder's reply: whole files, or SEARCH/REPLACE edit blocks.

Whole files are the relative path alone on a line, then a fenced block with the file.
Small models drift from that, so the parser also takes ``**path**``, `` `path` ``,
``# path``, ``File: path``, the path in the fence's info string (```` ```python app.py ````)
and, as a last resort, a first-line comment inside the block naming the file. Pure logic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# The info strings a fenced block of a file with this suffix may carry.
BLOCK_TAGS = {".py": ("python", "py", "python3"), ".js": ("javascript", "js"), ".ts": ("typescript", "ts"),
              ".go": ("go", "golang"), ".php": ("php",), ".html": ("html",), ".css": ("css",), ".rs": ("rust", "rs"),
              ".sh": ("bash", "sh", "shell")}
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_PATH_CHARS = re.compile(r"^[A-Za-z0-9_./@+-][A-Za-z0-9_./@+ -]*$")
_BARE_NAMES = {"Makefile", "Dockerfile", "Procfile", "LICENSE", "Gemfile", "Rakefile"}
_LANG_WORDS = {
    "python", "py", "javascript", "js", "typescript", "ts", "html", "css", "php", "go", "json",
    "bash", "sh", "shell", "text", "txt", "markdown", "md", "toml", "yaml", "yml", "sql", "jsx",
    "tsx", "xml", "ini", "diff", "console", "plaintext", "golang", "scss", "vue", "svelte",
}
_PREFIXES = re.compile(r"^(?:#{1,6}\s*|//\s*|--\s*|<!--\s*|/\*\s*)?(?:(?:file|filename|path|new file|create)\s*[:=]\s*)?", re.I)
_DECORATION = "*`'\"[]:"

SEARCH = re.compile(r"^\s*<{5,}\s*SEARCH\s*$")
DIVIDER = re.compile(r"^\s*={5,}\s*$")
REPLACE = re.compile(r"^\s*>{5,}\s*REPLACE\s*$")


@dataclass
class Edit:
    path: str
    search: str
    replace: str


@dataclass
class ParsedReply:
    files: list[tuple[str, str]] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unnamed: list[tuple[str, str]] = field(default_factory=list)  # (info string, content) of blocks with no path

    @property
    def empty(self) -> bool:
        return not self.files and not self.edits

    def sole_block(self, suffix: str) -> str | None:
        """The one unnamed block that can be a file ending in ``suffix`` (tagged with no
        language, or with that file's), when there is exactly one: a small model often
        sends a task's one file as a bare code block."""
        fits = [content for info, content in self.unnamed if info.strip().lower() in ("", *BLOCK_TAGS.get(suffix, ()))]
        return fits[0] if len(fits) == 1 and fits[0].strip() else None


def clean_path(text: str) -> str | None:
    """The path a header line names, or None when the line is prose, not a path."""
    line = text.strip()
    if not line or len(line) > 200:
        return None
    line = line.removesuffix("-->").removesuffix("*/").strip()
    line = _PREFIXES.sub("", line, count=1).strip()
    line = line.strip(_DECORATION).strip()
    line = re.sub(r"\s*\((?:new|updated|modified|complete|full)[^)]*\)$", "", line, flags=re.I).strip(_DECORATION).strip()
    if line.startswith("./"):
        line = line[2:]
    if not line or " " in line or not _PATH_CHARS.match(line):
        return None
    name = line.rsplit("/", 1)[-1]
    if "." not in name and name not in _BARE_NAMES:
        return None
    if line.lower() in _LANG_WORDS or name.endswith("."):
        return None
    return line


def _path_from_info(info: str) -> str | None:
    for token in info.split():
        token = token.strip("{}")
        if "=" in token:
            token = token.split("=", 1)[1]
        if token.lower() in _LANG_WORDS:
            continue
        path = clean_path(token)
        if path:
            return path
    return None


def _blocks(lines: list[str]) -> list[tuple[int, int, int, str]]:
    """(open line, first content line, end line exclusive, info) of each fenced block."""
    found = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence = match.group("fence")
        info = match.group("info").strip()
        j = i + 1
        while j < len(lines):
            close = _FENCE.match(lines[j])
            if close and close.group("fence")[0] == fence[0] and len(close.group("fence")) >= len(fence) and not close.group("info").strip():
                break
            j += 1
        found.append((i, i + 1, j, info))
        i = j + 1
    return found


def _header_path(lines: list[str], open_line: int, floor: int) -> str | None:
    """The path named on the line(s) just above a fence (blank lines skipped)."""
    k = open_line - 1
    seen = 0
    while k >= floor and seen < 2:
        if lines[k].strip():
            path = clean_path(lines[k])
            if path:
                return path
            seen += 1
            # A prose line like "Here is app.py:" still names the file.
            words = [clean_path(w) for w in lines[k].split()]
            named = [w for w in words if w]
            if len(named) == 1:
                return named[0]
            return None
        k -= 1
    return None


def parse_reply(text: str) -> ParsedReply:
    result = ParsedReply()
    lines = text.replace("\r\n", "\n").split("\n")
    floor = 0
    for open_line, start, end, info in _blocks(lines):
        body = lines[start:end]
        path = _header_path(lines, open_line, floor) or _path_from_info(info)
        if path is None and body:
            path = clean_path(body[0]) if re.match(r"^\s*(#|//|<!--|/\*|--)", body[0]) else None
        floor = end + 1
        if any(SEARCH.match(b) for b in body):
            if path is None:
                result.problems.append(f"an edit block at line {open_line + 1} has no file path above it")
                continue
            edits, problems = _parse_edits(path, body)
            result.edits.extend(edits)
            result.problems.extend(problems)
            continue
        if path is None:
            result.unnamed.append((info, "\n".join(body).rstrip("\n") + "\n"))
            continue  # an example or a shell command, not a file
        content = "\n".join(body)
        if end >= len(lines):
            result.problems.append(f"the block for {path} is not closed; took everything after its opening fence")
        result.files.append((path, content.rstrip("\n") + "\n" if content.strip() else ""))
    if not result.files and not result.edits:
        result.edits.extend(_bare_edits(lines, result.problems))
    # The last version of a file wins when a reply repeats it.
    merged: dict[str, str] = {}
    for path, content in result.files:
        merged[path] = content
    result.files = list(merged.items())
    return result


def _parse_edits(path: str, body: list[str]) -> tuple[list[Edit], list[str]]:
    edits: list[Edit] = []
    problems: list[str] = []
    i = 0
    while i < len(body):
        if not SEARCH.match(body[i]):
            i += 1
            continue
        search: list[str] = []
        replace: list[str] = []
        j = i + 1
        while j < len(body) and not DIVIDER.match(body[j]):
            search.append(body[j])
            j += 1
        k = j + 1
        while k < len(body) and not REPLACE.match(body[k]):
            replace.append(body[k])
            k += 1
        if j >= len(body) or k >= len(body):
            problems.append(f"an edit block for {path} is missing its ======= or >>>>>>> REPLACE line")
            break
        edits.append(Edit(path, _joined(search), _joined(replace)))
        i = k + 1
    return edits, problems


def _bare_edits(lines: list[str], problems: list[str]) -> list[Edit]:
    """SEARCH/REPLACE blocks written without a fence: the path is the line above each."""
    edits: list[Edit] = []
    for i, line in enumerate(lines):
        if SEARCH.match(line):
            path = _header_path(lines, i, 0)
            if path is None:
                problems.append(f"an edit block at line {i + 1} has no file path above it")
                continue
            found, more = _parse_edits(path, lines[i:])
            if found:
                edits.append(found[0])
            problems.extend(more[:1])
    return edits


def _joined(lines: list[str]) -> str:
    return "\n".join(lines) + "\n" if lines else ""


class EditError(Exception):
    pass


def apply_edit(original: str | None, edit: Edit) -> str:
    """The file after one SEARCH/REPLACE edit. An empty SEARCH creates or appends.

    Exact match first, then a match that ignores each line's leading and trailing
    whitespace (small models re-indent what they quote).
    """
    if not edit.search.strip():
        return (original or "") + edit.replace
    if original is None:
        raise EditError(f"{edit.path} does not exist, so there is nothing to SEARCH in; send the whole file instead")
    if edit.search in original:
        return original.replace(edit.search, edit.replace, 1)
    have = original.split("\n")
    want = [line.strip() for line in edit.search.rstrip("\n").split("\n")]
    for start in range(len(have) - len(want) + 1):
        if [line.strip() for line in have[start:start + len(want)]] == want:
            replacement = edit.replace.rstrip("\n").split("\n") if edit.replace else []
            shift = _indent(have[start]) - _indent(edit.search.split("\n")[0])
            replacement = [(" " * shift + line) if shift > 0 and line.strip() else line[-shift:] if shift < 0 and line[:-shift].strip() == "" else line
                           for line in replacement]
            return "\n".join(have[:start] + replacement + have[start + len(want):])
    first = edit.search.strip().splitlines()[0]
    raise EditError(f"the SEARCH text for {edit.path} (starting {first!r}) is not in the file; copy it exactly or send the whole file")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))
