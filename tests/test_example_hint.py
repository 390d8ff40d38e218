"""The hint QA's example tests add to a failed example: how the value differs, in words."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crewmux.agents.brief_examples import CallExample, examples_of, python_example_tests
from crewmux.agents.example_hint import how_it_differs


def test_the_hint_names_how_a_value_differs() -> None:
    assert how_it_differs([["bat"], ["nat", "tan"]], [["nat", "tan"], ["bat"]]) == \
        " (the same items, in another order: put them in the brief's order)"
    assert how_it_differs([1, 2], [1, 2, 3]) == " (2 items; the brief's value has 3)"
    assert how_it_differs([1, 5, 3], [1, 2, 3]) == " (item 1 is 5; the brief's is 2)"
    assert how_it_differs("a.k.l.", "A.K.L.") == " (only upper and lower case differ)"
    assert how_it_differs("a  b", "a b") == " (only the spaces differ)"
    assert how_it_differs(None, 3) == " (it returned None: return the result, do not print it)"
    assert how_it_differs((1, 2), [1, 2]) == " (it returned a tuple; the brief's value is a list)"
    assert how_it_differs({"a": 1, "b": 2}, {"a": 6, "c": 1}) == " (keys missing: 'c'; keys not in the brief: 'b'; other values at: 'a')"


def test_no_hint_where_there_is_nothing_plain_to_say_and_never_an_error() -> None:
    assert how_it_differs(3.5, 3) == ""  # numbers: the values say it
    assert how_it_differs("A..K..L.", "A.K.L.") == ""

    class Odd:
        def __eq__(self, other):
            raise RuntimeError("no comparing me")

    assert how_it_differs([Odd()], [1]) == ""  # a hint never turns a failed example into an error


def test_a_generated_example_test_says_the_hint_where_the_model_reads_it(tmp_path: Path) -> None:
    (tmp_path / "groups.py").write_text("def groups(words):\n    return [['bat'], ['nat', 'tan']]\n")
    (example,) = [e for e in examples_of("`groups(['tan', 'bat', 'nat'])` returns `[['nat', 'tan'], ['bat']]`")
                  if isinstance(e, CallExample)]
    (tmp_path / "test_examples.py").write_text(python_example_tests([example], "groups"))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_examples.py"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert "the brief says it returns [['nat', 'tan'], ['bat']] (the same items, in another order" in run.stdout
