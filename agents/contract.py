"""A task's interface contract as prompts show it, and the names and arities it allows.

Pure. The coder builds to the contract, QA's tests may call only what it names, and the
tasks depending on it are shown it instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crewmux.protocol.plan import Contract


def render_contract(contract: Contract) -> str:
    """The contract in a few plain lines; empty when it promises nothing."""
    lines: list[str] = []
    for fn in contract.functions:
        where = f"  (in {fn.module})" if fn.module else ""
        returns = f" -> {fn.returns}" if fn.returns else ""
        lines.append(f"- function {fn.name}({', '.join(fn.params)}){returns}{where}")
    if contract.cli:
        lines.append(f"- command line: {contract.cli}")
    if contract.element_ids:
        lines.append("- page element ids: " + ", ".join(f"#{e.lstrip('#')}" for e in contract.element_ids))
    for route in contract.routes:
        lines.append(f"- HTTP: {route}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Callable_:
    """A name tests may call, and how many positional arguments it takes."""

    name: str
    params: int
    module: str = ""
    returns_nothing: bool = False  # the contract says it returns None (it prints, or writes)


def allowed_calls(contract: Contract) -> dict[str, Callable_]:
    """The contract's functions by their last name part (``Stack.push`` -> ``push``)."""
    found: dict[str, Callable_] = {}
    for fn in contract.functions:
        short = fn.name.split(".")[-1].split("(")[0].strip()
        found[short] = Callable_(short, len(fn.params), fn.module, bool(_NOTHING.match(fn.returns)))
    return found


_NOTHING = re.compile(r"^\s*(none|nothing|null|no return|prints?\b|writes?\b|-)", re.IGNORECASE)
