"""How a structured request's schema reaches each kind of server. Pure: no I/O.

Servers accept a JSON Schema in different ways, and some refuse a way with an error that
is not a 400 (llama-cpp-python answers ``response_format: json_schema`` with HTTP 500,
"Input should be 'text' or 'json_object'", and constrains output by grammar only for
``{"type": "json_object", "schema": ...}``). The client tries an endpoint's forms (each wire's ``schema_forms``) in order,
steps to the next one when the server refuses the current one, and remembers the form that
worked for that endpoint. The last form, ``prompt``, puts the schema in the prompt alone:
no grammar, so bounds (a plan's task count) are only asked for, not enforced.
"""

from __future__ import annotations

JSON_SCHEMA = "json_schema"  # OpenAI, vLLM, llama.cpp's llama-server
JSON_OBJECT_SCHEMA = "json_object_schema"  # llama-cpp-python's server: grammar from the schema
NATIVE = "native"  # Ollama's `format`, Anthropic's output_config: the provider's one way
PROMPT = "prompt"  # the schema in a system message, no constraint

# Words a refusal of the structured-output parameter names (status 400, 422 or, from
# llama-cpp-python, 500).
REFUSAL_WORDS = ("response_format", "json_schema", "json_object", "output_config", "output_format", "format", "schema", "grammar")


def next_form(forms: tuple[str, ...], form: str) -> str | None:
    """The form to try after ``form`` was refused (``forms``: the wire's, in order); None
    when there is none left."""
    index = forms.index(form) if form in forms else -1
    return forms[index + 1] if index + 1 < len(forms) else None


def is_refusal(status: int | None, detail: str) -> bool:
    """Whether an HTTP error is the server refusing the way the schema was sent.

    A 5xx counts only when its text is about the parameter: a plain 500 stays a server
    failure worth retrying.
    """
    if status is None or status not in (400, 422, 500):
        return False
    text = detail.lower()
    return any(word in text for word in REFUSAL_WORDS)
