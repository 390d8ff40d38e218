"""The coder's mechanical repairs of a reply: a forgotten import, an attribute that hides a method (pure)."""

from __future__ import annotations

from crewmux.agents.python_repairs import Repaired, add_missing_imports, repair, unshadow_methods


def test_a_module_used_by_attribute_and_well_known_names_are_imported_after_the_docstring():
    source = '"""Doc."""\nfrom __future__ import annotations\nimport os\n\ndef f(x: List[int]):\n    return Counter(x), sys.argv, os.sep\n'
    added = add_missing_imports(source)
    assert added.notes == ("from collections import Counter", "from typing import List", "import sys")
    assert added.source.startswith('"""Doc."""\nfrom __future__ import annotations\nfrom collections import Counter\n'
                                   "from typing import List\nimport sys\nimport os\n")
    compile(added.source, "f.py", "exec")


def test_names_without_one_right_import_are_left_for_the_model():
    for source in ("print(json(1))\n",  # called, not a module's attribute: not the json module
                   "print(datetime.now())\n",  # the module or its class: two answers
                   "print(helper(1))\n",  # not a standard name at all
                   "def f(:\n",  # does not parse: the syntax check says why
                   "import sys\nprint(sys.argv)\n"):  # nothing missing
        added = add_missing_imports(source)
        assert added == add_missing_imports(source) and added.notes == () and added.source == source


HIDING = """class Account:
    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.balance = 0

    def deposit(self, amount: int) -> int:
        self.balance += amount  # the 1.5B's answer: the int hides the method
        return self.balance

    def balance(self) -> int:
        return self.balance

    def report(self) -> str:
        return f"Größe {self.balance()}"
"""


def test_an_attribute_that_hides_a_method_is_renamed_where_it_is_not_called():
    fixed = unshadow_methods(HIDING)
    assert fixed.notes == ("self.balance (it hid the method balance()) is now self._balance",)
    namespace: dict = {}
    exec(compile(fixed.source, "bank.py", "exec"), namespace)
    account = namespace["Account"]("ann")
    assert account.deposit(5) == 5 and account.balance() == 5 and account.report() == "Größe 5"
    assert "self.balance()" in fixed.source and "def balance(self)" in fixed.source
    # No method of that name, or its private name taken already: nothing is renamed.
    for source in ("class A:\n    def __init__(self):\n        self.total = 0\n",
                   HIDING.replace("self.owner = owner", "self.owner = self._balance = owner")):
        assert unshadow_methods(source) == Repaired(source, ())
    assert repair(HIDING).source == fixed.source
    in_fstring = unshadow_methods(HIDING.replace("{self.balance()}", "{self.balance}"))
    compile(in_fstring.source, "bank.py", "exec")  # renamed right, or not at all: never broken
