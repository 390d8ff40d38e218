"""Before a team starts: is the project writable, and does every model server answer?

A team whose model server is down can only fail, one task after another; a read-only
project ends in a traceback after the whole banner. Both are said before anything starts,
with what to do. Servers the run starts itself (the embedded engine, the scripted model)
are not asked: they do not exist yet.
"""

from __future__ import annotations

from collections.abc import Iterable

from crewmux.config import Config
from crewmux.workspace.doctor import DoctorCheck, llm_check
from crewmux.workspace.writable import project_problem

__all__ = ["preflight_lines", "project_problem", "server_checks"]


def server_checks(config: Config, own: Iterable[str] = ()) -> list[DoctorCheck]:
    """One check per model server the run will talk to but does not start itself."""
    from crewmux.workspace.doctor_probe import endpoint_reply, server_groups

    checks = []
    for (provider, url), group in server_groups(config, own).items():
        reply = endpoint_reply(provider, url, group["key"], list(group["wanted"]))
        check = llm_check(provider, url, group["wanted"], reply, group["num_ctx"])
        checks.append(DoctorCheck(check.name, check.status, check.detail, check.fix, essential=not reply.reachable))
    return checks


def preflight_lines(checks: list[DoctorCheck]) -> tuple[list[str], bool]:
    """What to print, and whether the run can start: an unreachable server stops it; a
    model the server does not list is a warning (some servers list none)."""
    lines, ok = [], True
    for check in checks:
        if check.status == "ready":
            continue
        if check.essential:
            ok = False
            lines.append(f"{check.name}: {check.detail}")
        else:
            lines.append(f"warning: {check.name}: {check.detail}")
        if check.fix:
            lines.append(f"  fix: {check.fix}")
    if not ok:
        lines.append("  or: crewmux run --scripted \"...\" shows the team on the built-in demo model; "
                     "--no-check starts the team anyway")
    return lines, ok
