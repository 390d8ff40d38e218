"""How a value differs from the one the brief states, said in words a small model acts on.

Standalone (the standard library only): python_example_tests copies this file's functions
into each generated test file, which runs in the sandbox without crewmux. "returned
[['bat'], ['tan', 'nat']]" leaves the model to spot what is wrong; "the same items, in
another order" tells it.
"""


def how_it_differs(actual, expected):
    """A short parenthesis on how ``actual`` differs from ``expected``, or ''. Never raises:
    the hint must not turn a failed example into an error of the test."""
    try:
        return _differs(actual, expected)
    except Exception:
        return ""


def _differs(actual, expected):
    if actual is None and expected is not None:
        return " (it returned None: return the result, do not print it)"
    numbers = (int, float)
    if isinstance(actual, numbers) and isinstance(expected, numbers) and not isinstance(actual, bool):
        return ""
    if type(actual) is not type(expected):
        return f" (it returned a {type(actual).__name__}; the brief's value is a {type(expected).__name__})"
    if isinstance(actual, str):
        if actual.lower() == expected.lower():
            return " (only upper and lower case differ)"
        if actual.split() == expected.split():
            return " (only the spaces differ)"
        if actual.strip() == expected.strip():
            return " (only spaces at the ends differ)"
        return ""
    if isinstance(actual, (list, tuple)):
        if len(actual) != len(expected):
            return f" ({len(actual)} items; the brief's value has {len(expected)})"
        if sorted(map(repr, actual)) == sorted(map(repr, expected)):
            return " (the same items, in another order: put them in the brief's order)"
        wrong = [i for i, (a, e) in enumerate(zip(actual, expected)) if a != e]
        return f" (item {wrong[0]} is {actual[wrong[0]]!r}; the brief's is {expected[wrong[0]]!r})" if wrong else ""
    if isinstance(actual, dict):
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        wrong = [k for k in expected if k in actual and actual[k] != expected[k]]
        parts = [f"{label}: {', '.join(map(repr, keys))}" for label, keys in
                 (("keys missing", missing), ("keys not in the brief", extra), ("other values at", wrong)) if keys]
        return f" ({'; '.join(parts)})" if parts else ""
    return ""
