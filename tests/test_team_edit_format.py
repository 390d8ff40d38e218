"""Parsing coder replies: whole files in their common small-model variants, and edit blocks."""

from __future__ import annotations

import pytest

from crewmux.agents.edit_format import Edit, EditError, apply_edit, clean_path, parse_reply

F = "```"


def test_whole_files_canonical():
    reply = f"Here you go.\n\napp/main.py\n{F}python\nprint('hi')\n{F}\n\nREADME.md\n{F}\n# Title\n{F}\n"
    parsed = parse_reply(reply)
    assert parsed.files == [("app/main.py", "print('hi')\n"), ("README.md", "# Title\n")]
    assert not parsed.problems


@pytest.mark.parametrize("header", ["**app.py**", "`app.py`", "# app.py", "### File: app.py", "app.py:", "File: `app.py`", "Here is app.py:", "./app.py", "**app.py** (updated)"])
def test_header_variants(header):
    parsed = parse_reply(f"{header}\n\n{F}python\nx = 1\n{F}\n")
    assert parsed.files == [("app.py", "x = 1\n")]


@pytest.mark.parametrize("info", ["python app.py", "app.py", "python title=app.py", "py {app.py}"])
def test_path_in_info_string(info):
    parsed = parse_reply(f"Some prose here.\n{F}{info}\nx = 1\n{F}\n")
    assert parsed.files == [("app.py", "x = 1\n")]


def test_path_in_first_line_comment():
    parsed = parse_reply(f"{F}javascript\n// src/util.js\nexport const a = 1;\n{F}\n")
    assert parsed.files == [("src/util.js", "// src/util.js\nexport const a = 1;\n")]


def test_blocks_without_paths_are_ignored():
    parsed = parse_reply(f"Run it with:\n{F}bash\npython app.py\n{F}\n")
    assert parsed.empty


def test_prose_is_not_a_path():
    assert clean_path("Here is the code") is None
    assert clean_path("python") is None
    assert clean_path("Makefile") == "Makefile"


def test_unclosed_block_is_taken_with_a_problem():
    parsed = parse_reply(f"app.py\n{F}python\nx = 1\n")
    assert parsed.files == [("app.py", "x = 1\n")]
    assert "not closed" in parsed.problems[0]


def test_longer_fence_holds_inner_fences():
    parsed = parse_reply(f"docs.md\n````markdown\n{F}\ncode\n{F}\n````\n")
    assert parsed.files == [("docs.md", f"{F}\ncode\n{F}\n")]


def test_last_version_of_a_file_wins():
    parsed = parse_reply(f"a.py\n{F}\nx = 1\n{F}\na.py\n{F}\nx = 2\n{F}\n")
    assert parsed.files == [("a.py", "x = 2\n")]


def test_search_replace_blocks():
    reply = f"calc.py\n{F}python\n<<<<<<< SEARCH\ndef add(a, b):\n    return a - b\n=======\ndef add(a, b):\n    return a + b\n>>>>>>> REPLACE\n{F}\n"
    parsed = parse_reply(reply)
    assert parsed.edits == [Edit("calc.py", "def add(a, b):\n    return a - b\n", "def add(a, b):\n    return a + b\n")]
    original = "import os\n\ndef add(a, b):\n    return a - b\n"
    assert apply_edit(original, parsed.edits[0]) == "import os\n\ndef add(a, b):\n    return a + b\n"


def test_search_replace_without_fence_and_reindented():
    parsed = parse_reply("calc.py\n<<<<<<< SEARCH\n  return a - b\n=======\n  return a + b\n>>>>>>> REPLACE\n")
    assert len(parsed.edits) == 1
    assert apply_edit("def add(a, b):\n    return a - b\n", parsed.edits[0]) == "def add(a, b):\n    return a + b\n"


def test_search_missing_is_an_error_that_says_what_to_do():
    with pytest.raises(EditError, match="whole file"):
        apply_edit("x = 1\n", Edit("a.py", "y = 2\n", "y = 3\n"))
    assert apply_edit(None, Edit("new.py", "", "x = 1\n")) == "x = 1\n"


def test_broken_edit_block_is_a_problem():
    parsed = parse_reply(f"calc.py\n{F}\n<<<<<<< SEARCH\nx\n{F}\n")
    assert parsed.edits == [] and "missing" in parsed.problems[0]


def test_the_sole_unnamed_block_is_offered_only_when_it_is_the_only_one_that_fits() -> None:
    from crewmux.agents.edit_format import parse_reply

    code = "```python\ndef f():\n    return 1\n```\n"
    assert parse_reply(code).empty and parse_reply(code).sole_block(".py") == "def f():\n    return 1\n"
    assert parse_reply(code + "```bash\npython3 f.py\n```\n").sole_block(".py") is not None  # a shell line is not a candidate
    assert parse_reply(code + code.replace("1", "2")).sole_block(".py") is None  # two drafts: which one?
    assert parse_reply(code).sole_block(".go") is None  # a Python block is not a Go file
