"""The brief's declared interface as tests: a right answer passes them, the 1.5B's
attribute-hides-the-method answer and a wrong signature fail them (pure generation, real pytest)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crewmux.agents.brief_examples import declared_class, function_signatures
from crewmux.agents.interface_tests import python_interface_tests

BANK = ("Write `bank.py` with a class `Account`. `Account(owner: str)` starts with a balance of 0. Methods: "
        "`deposit(amount: int) -> int` adds the amount; `withdraw(amount: int) -> int` subtracts it; `balance() -> int` "
        "returns the balance. `withdraw` raises `ValueError` when the amount is more than the balance.")
RIGHT = ("class Account:\n    def __init__(self, owner):\n        self.owner, self._balance = owner, 0\n"
         "    def deposit(self, amount):\n        self._balance += amount\n        return self._balance\n"
         "    def withdraw(self, amount):\n        raise ValueError('no')\n"
         "    def balance(self):\n        return self._balance\n")
# What the 1.5B wrote: the attribute `balance` hides the method of the same name.
HIDDEN = RIGHT.replace("self._balance", "self.balance").replace("    def balance(self):\n        return self.balance\n", "")
STRING = RIGHT.replace("    def balance(self):\n        return self._balance\n",
                                                                  "    def balance(self):\n        return str(self._balance)\n")


def run_tests(tmp_path: Path, brief: str, module: str, source: str, defined: set[str]) -> subprocess.CompletedProcess:
    (tmp_path / f"{module}.py").write_text(source)
    content = python_interface_tests(module, defined, function_signatures(brief), declared_class(brief))
    assert content, "a declared name is defined: there are tests"
    (tmp_path / "test_interface.py").write_text(content)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_interface.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)


def test_a_class_is_checked_as_the_brief_declares_it(tmp_path: Path):
    names = {"Account"}
    assert run_tests(tmp_path, BANK, "bank", RIGHT, names).returncode == 0
    hidden = run_tests(tmp_path, BANK, "bank", HIDDEN, names)
    assert hidden.returncode == 1
    assert "Account(...).balance is 0, not a method" in hidden.stdout and "self.balance = ...) hides it" in hidden.stdout
    wrong_type = run_tests(tmp_path, BANK, "bank", STRING, names)
    assert wrong_type.returncode == 1 and "balance() returned '0'; the brief says it returns int" in wrong_type.stdout


def test_a_function_takes_its_declared_parameters(tmp_path: Path):
    brief = "Write `rle.py` with `rle_encode(text: str) -> str` and `rle_decode(encoded: str) -> str`."
    right = "def rle_encode(text):\n    return text\n\ndef rle_decode(encoded, sep=''):\n    return encoded\n"
    assert run_tests(tmp_path, brief, "rle", right, {"rle_encode", "rle_decode"}).returncode == 0
    wrong = run_tests(tmp_path, brief, "rle", right.replace("def rle_encode(text)", "def rle_encode(text, width)"),
                      {"rle_encode", "rle_decode"})
    assert wrong.returncode == 1 and "the brief declares rle_encode(text); the code defines rle_encode(text, width)" in wrong.stdout


def test_nothing_is_checked_where_the_module_defines_none_of_the_names_or_values_cannot_settle_it(tmp_path: Path):
    # Another task of the plan builds the class: this module is not judged by it.
    assert python_interface_tests("util", {"helper"}, function_signatures(BANK), declared_class(BANK)) == ""
    # A stack whose methods raise on a new object, made from no arguments: skipped, not failed.
    stack = ("Write `minstack.py` with a class `MinStack`. `MinStack()` is empty. Methods: `push(value: int) -> None`; "
             "`pop() -> int` removes the top item and raises `IndexError` on an empty stack.")
    source = "class MinStack:\n    def __init__(self):\n        self.items = []\n    def push(self, value):\n" \
             "        self.items.append(value)\n    def pop(self):\n        return self.items.pop()\n"
    assert run_tests(tmp_path, stack, "minstack", source, {"MinStack"}).returncode == 0
    # A constructor that refuses the made-up value: skipped.
    picky = RIGHT.replace("self.owner, self._balance = owner, 0", "raise TypeError('owner must be a Person')")
    result = run_tests(tmp_path, BANK, "bank", picky, {"Account"})
    assert result.returncode == 0 and "skipped" in result.stdout
