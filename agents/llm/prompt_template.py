"""The one prompt template syntax: ``$name`` (``$$`` for a dollar sign), filled strictly.

A name the template uses and the caller did not give, a name given that the template does
not use, and a ``$`` that starts no name are errors, so a typo in a template or a call
fails the first time it runs instead of sending the model a literal ``$name`` (what
``safe_substitute`` did). Braces are plain text: code in a prompt needs no escaping.
"""

from __future__ import annotations

from pathlib import Path
from string import Template


class PromptError(ValueError):
    """A template and its values do not match; says which names and which file."""


def fill(text: str, values: dict[str, object], where: str) -> str:
    template = Template(text)
    if not template.is_valid():
        raise PromptError(f"{where}: a '$' starts no name (write '$$' for a dollar sign)")
    used = set(template.get_identifiers())
    missing, unused = sorted(used - values.keys()), sorted(values.keys() - used)
    if missing or unused:
        problems = ([f"no value for {', '.join('$' + n for n in missing)}"] if missing else []) + (
            [f"{', '.join(unused)} given but not in the template"] if unused else [])
        raise PromptError(f"{where}: {'; '.join(problems)}")
    return template.substitute({name: str(value) for name, value in values.items()})


def fill_file(path: Path, **values: object) -> str:
    """The template file ``path`` filled with ``values``."""
    return fill(path.read_text(), values, str(path))
