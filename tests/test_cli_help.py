"""Every --help reads the same way (issue 15): a description that is a sentence saying
what the command does (capital first, a full stop last, no RST backticks), and a help
text for every flag."""

from __future__ import annotations

import argparse

from crewmux.cli import build_parser


def subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_description_is_a_sentence() -> None:
    bad = {}
    for name, parser in subparsers().items():
        text = (parser.description or "").strip()
        if not text[:1].isupper() or not text.endswith((".", ".)")) or "``" in text:
            bad[name] = text[:70]
    assert not bad, bad


def test_every_flag_says_what_it_does() -> None:
    silent = {name: [a.option_strings for a in parser._actions if a.option_strings and not a.help]
              for name, parser in subparsers().items()}
    assert not {k: v for k, v in silent.items() if v}
