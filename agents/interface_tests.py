"""The interface a brief declares, as a pytest file QA runs against the built module.

Pure (it writes test source). A brief that declares `deposit(amount: int) -> int` and
`balance() -> int` as methods of `Account(owner: str)` has fixed what every right answer
looks like from outside: the class is made that way, each method is a method. The 1.5B
wrote `self.balance = 0` in `__init__`, which hides the method `balance()`; no check of
the team saw it and the hidden tests failed (py-bank-account, stop 22). Only what the
brief states is checked, on a module that defines the names (another task may build the
rest): each declared function takes its declared parameters, the class is made from
made-up values of the declared types, each declared method is callable on it, and a
method without parameters that returns returns its declared type. Whatever made-up values
cannot settle (the constructor refuses them, a method raises on a new object) is skipped.
"""

from __future__ import annotations

from crewmux.agents.brief_examples import DeclaredClass, Signature

# A made-up value of each simple annotation; a parameter of another type means no instance.
SAMPLES = {"str": '"x"', "int": "1", "float": "1.0", "bool": "True", "list": "[]", "dict": "{}"}
# The return annotations whose type a value can be checked against (int also passes for float).
RETURNS = {"int": "int", "str": "str", "float": "(int, float)", "bool": "bool", "list": "list", "dict": "dict"}


def python_interface_tests(module: str, defined: set[str], functions: list[Signature], cls: DeclaredClass | None) -> str:
    """The test file, or '' when the module defines none of the declared names."""
    functions = [f for f in functions if f.name in defined]
    cls = cls if cls is not None and cls.name in defined else None
    if not functions and cls is None:
        return ""
    lines = ['"""The interface the brief declares (crewmux QA; not written by a model)."""', "", "import inspect", "",
             "import pytest", "", f"import {module} as built", ""]
    for number, function in enumerate(functions, start=1):
        params = ", ".join(p for p, _ in function.params)
        lines += ["", f"def test_brief_signature_{number}():",
                  f"    function = built.{function.name}",
                  f"    assert callable(function), {f'{function.name} is not a function; the brief declares {function.name}({params})'!r}",
                  "    try:",
                  f"        inspect.signature(function).bind(*[None] * {len(function.params)})",
                  "    except TypeError:",
                  f"        raise AssertionError({f'the brief declares {function.name}({params}); the code defines {function.name}'!r}"
                  " + str(inspect.signature(function))) from None",
                  "    except ValueError:",
                  "        pass  # no signature to read (a builtin): nothing to say"]
    if cls is not None:
        lines += _class_tests(cls)
    return "\n".join(lines) + "\n"


def _class_tests(cls: DeclaredClass) -> list[str]:
    made = _construction(cls)
    lines = ["", "", "def _made():",
             f'    """A {cls.name} made as the brief says, from made-up values; the test is skipped if it refuses them."""']
    if made is None:
        lines += [f"    pytest.skip('the brief does not say how {cls.name} is made from simple values')"]
    else:
        lines += ["    try:", f"        return built.{made}", "    except Exception as exc:",
                  f"        pytest.skip(f'{made} raised {{exc!r}} on made-up values')"]
    for number, method in enumerate(cls.methods, start=1):
        declared = f"{method.name}({', '.join(p for p, _ in method.params)})"
        lines += ["", "", f"def test_brief_method_{number}():", "    made = _made()",
                  f"    member = getattr(made, {method.name!r}, None)",
                  f"    assert callable(member), f'{cls.name}(...).{method.name} is {{member!r}}, not a method: the brief declares "
                  f"the method {declared}; an attribute of the same name (self.{method.name} = ...) hides it'"]
        check = RETURNS.get(method.returns)
        if not method.params and check is not None:
            lines += ["    try:", "        value = member()", "    except Exception:",
                      "        return  # a new object may refuse it (an empty stack): nothing to say",
                      f"    assert isinstance(value, {check}), f'{cls.name}(...).{method.name}() returned {{value!r}}; the brief "
                      f"says it returns {method.returns}'"]
    return lines


def _construction(cls: DeclaredClass) -> str | None:
    """``Account("x")``: the class called with a made-up value per declared parameter."""
    if cls.init is None:
        return f"{cls.name}()"
    values = [SAMPLES.get(annotation) for _, annotation in cls.init.params]
    if any(v is None for v in values):
        return None
    return f"{cls.name}({', '.join(v for v in values if v is not None)})"
