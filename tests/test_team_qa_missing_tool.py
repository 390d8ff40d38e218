"""A tool missing on this machine is not the coder's failure (issue 15: the scripted demo,
installed without playwright, burned 4 attempts and 2 escalations on a landing page)."""

from __future__ import annotations

from crewmux.agents.qa import verdict
from crewmux.workspace.validators.base import CheckResult


def test_nothing_checkable_for_a_missing_tool_passes_unchecked_and_says_what_to_install() -> None:
    checks = [CheckResult("webcheck", "not_checked", "not checked: playwright not installed")]
    outcome, why = verdict(checks)
    assert outcome == "pass"  # not sent back: a model cannot install playwright
    assert why.startswith("NOT CHECKED") and "playwright not installed" in why
    assert "pip install 'crewmux[web]'" in why


def test_a_real_failure_beside_a_missing_tool_still_fails() -> None:
    checks = [CheckResult("webcheck", "not_checked", "not checked: playwright not installed"),
              CheckResult("html", "failed", "index.html:3: unclosed tag")]
    assert verdict(checks)[0] == "fail"
