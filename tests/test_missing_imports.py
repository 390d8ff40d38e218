"""The imports the coder adds to a reply that uses a name it did not import (pure)."""

from __future__ import annotations

from crewmux.agents.missing_imports import add_missing_imports


def test_a_module_used_by_attribute_and_well_known_names_are_imported_after_the_docstring():
    source = '"""Doc."""\nfrom __future__ import annotations\nimport os\n\ndef f(x: List[int]):\n    return Counter(x), sys.argv, os.sep\n'
    added = add_missing_imports(source)
    assert added.imports == ("from collections import Counter", "from typing import List", "import sys")
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
        assert added == add_missing_imports(source) and added.imports == () and added.source == source
