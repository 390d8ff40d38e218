"""Before a team starts: is the project writable, and does every model server answer?

A team whose model server is down can only fail, one task after another; a read-only
project ends in a traceback after the whole banner. Both are said before anything starts,
with what to do. Servers the run starts itself (the embedded engine, the scripted model)
are not asked: they do not exist yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from crewmux.config import Config, model_api_key, model_endpoints
from crewmux.workspace.doctor import DoctorCheck, llm_check
from crewmux.workspace.writable import project_problem

__all__ = ["preflight_lines", "project_problem", "server_checks"]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def server_groups(config: Config, own: Iterable[str] = ()) -> dict[tuple[str, str], dict]:
    """(provider, url) -> the models wanted there and by whom, their key and num_ctx; the
    run's own servers (``own``: their URLs) and local engines it starts are left out."""
    from crewmux.workspace.doctor_probe import configured_models

    skip = {_origin(url) for url in own}
    groups: dict[tuple[str, str], dict] = {}
    for label, model in configured_models(config):
        if model.provider == "local" and not model.base_urls:
            continue
        for url in model_endpoints(model):
            if _origin(url) in skip:
                continue
            group = groups.setdefault((model.provider, url), {"key": None, "wanted": {}, "num_ctx": {}})
            group["key"] = group["key"] or model_api_key(model)
            group["wanted"].setdefault(model.model, []).append(label)
            group["num_ctx"][model.model] = max(group["num_ctx"].get(model.model, 0), model.num_ctx)
    return groups


def server_checks(config: Config, own: Iterable[str] = ()) -> list[DoctorCheck]:
    """One check per model server the run will talk to but does not start itself."""
    from crewmux.workspace.doctor_probe import endpoint_reply

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
