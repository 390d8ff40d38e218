"""`crewmux doctor`, the looking part: run each tool, probe the sandbox, ask each LLM
server for its models. Decisions and formatting live in doctor.py."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from crewmux.agents.llm.wire import get_wire
from crewmux.config import ROLES, Config, ModelConfig, model_api_key, model_endpoints
from crewmux.workspace.doctor import (
    DoctorCheck,
    EndpointReply,
    Manager,
    ToolProbe,
    engine_check,
    first_line,
    llm_check,
    sandbox_check,
    tool_check,
)
from crewmux.workspace.sandbox import Sandbox

HTTP_TIMEOUT = 2.0
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Playwright's own Chromium, which QA may use when no system Chromium exists.
PLAYWRIGHT_CHROMIUM = "~/.cache/ms-playwright/chromium-*/chrome-linux*/chrome"
# Toolchains generated code uses, checked *inside* the sandbox: what counts is what the
# sandbox can run, not what the user's own PATH has.
SANDBOX_TOOLS = {
    "python3": ["python3", "--version"],
    "node": ["node", "--version"],
    "php": ["php", "--version"],
    "go": ["go", "version"],
    "tsc": ["tsc", "--version"],
}
PAGE = "data:text/html,<p id=p>static</p><script>document.getElementById('p').textContent='doctor-js-ok'</script>"


def package_manager() -> Manager | None:
    for manager in ("apt-get", "dnf", "pacman", "brew"):
        if shutil.which(manager):
            return manager  # type: ignore[return-value]
    return None


def host_tool(argv: list[str]) -> ToolProbe:
    if not shutil.which(argv[0]):
        return ToolProbe(False, error=f"{argv[0]} not found on PATH")
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return ToolProbe(False, error=str(exc))
    if done.returncode != 0:
        return ToolProbe(False, error=first_line(done.stderr) or f"exit code {done.returncode}")
    return ToolProbe(True, done.stdout or done.stderr)


def sandbox_tool(sandbox: Sandbox, argv: list[str], workdir: Path,
                 readable: list[Path] | None = None, timeout: float = 30.0) -> ToolProbe:
    result = sandbox.run(argv, workdir, timeout=timeout, readable=readable)
    if result.ok:
        return ToolProbe(True, result.stdout or result.stderr)
    if result.exit_code in (126, 127) or "No such file" in result.stderr:
        return ToolProbe(False, error=f"{argv[0]} not found in the sandbox's PATH")
    return ToolProbe(False, error=f"{result.summary()}: {first_line(result.stderr)}")


def find_chromium() -> Path | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    bundled = sorted(glob.glob(os.path.expanduser(PLAYWRIGHT_CHROMIUM)))
    return Path(bundled[-1]) if bundled else None


def chromium_probe(sandbox: Sandbox, workdir: Path) -> ToolProbe:
    binary = find_chromium()
    if binary is None:
        return ToolProbe(False, error="no chromium, chromium-browser or google-chrome found")
    # A Chromium outside /usr (Playwright's) must be made visible inside the sandbox.
    readable = [] if str(binary.resolve()).startswith("/usr/") else [binary.resolve().parent]
    page = sandbox_tool(sandbox, [str(binary), "--headless", "--no-sandbox", "--disable-gpu",
                                  "--dump-dom", PAGE], workdir, readable, timeout=60)
    if not page.found:
        return page
    if "doctor-js-ok" not in page.output:
        return ToolProbe(False, error="headless Chromium started but did not run the test page's script")
    version = host_tool([str(binary), "--version"])
    return ToolProbe(True, (version.output if version.found else str(binary)) + " (headless page check passed)")


def endpoint_reply(provider: str, url: str, api_key: str | None, models: list[str]) -> EndpointReply:
    """The server's model list, asked once as the agents' client asks it (one implementation
    of listing a server's models), and Ollama's context sizes."""
    from crewmux.agents.llm.client import LLMClient
    from crewmux.agents.llm.retry import RetryPolicy
    from crewmux.agents.llm.types import LLMError

    probe = ModelConfig(provider=provider, model=models[0] if models else "", base_urls=[url], api_key=api_key,  # type: ignore[arg-type]
                        timeout_connect=HTTP_TIMEOUT, timeout_first_token=HTTP_TIMEOUT, timeout_total=HTTP_TIMEOUT)
    with LLMClient(probe, retry=RetryPolicy(max_attempts=1), environ={}) as client:
        try:
            served = tuple(m.name for m in client.list_models())
        except LLMError as exc:
            return EndpointReply(False, error=str(exc))
    contexts = ollama_contexts(url, get_wire(provider).headers(api_key), models) if provider == "ollama" else {}
    return EndpointReply(True, models=served, contexts=contexts)


def ollama_contexts(url: str, headers: dict[str, str], models: list[str]) -> dict[str, int]:
    """The trained context length of each model, from /api/show (absent when unknown)."""
    found: dict[str, int] = {}
    for model in models:
        try:
            response = httpx.post(url.rstrip("/") + "/api/show", json={"model": model},
                                  headers=headers, timeout=HTTP_TIMEOUT)
            info = response.json().get("model_info") or {} if response.status_code == 200 else {}
        except (httpx.HTTPError, ValueError, AttributeError):
            continue
        for key, value in info.items():
            if key.endswith(".context_length") and isinstance(value, int):
                found[model] = value
    return found


def configured_models(config: Config) -> list[tuple[str, ModelConfig]]:
    """(label, model) for every role and the escalation model."""
    found = [(role, config.for_role(role)) for role in ROLES]
    if config.escalation is not None:
        found.append(("escalation", config.escalation))
    return found


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def server_groups(config: Config, own: Iterable[str] = ()) -> dict[tuple[str, str], dict]:
    """(provider, url) -> the models wanted there and by whom, their key and num_ctx, so each
    server is asked once; the run's own servers (``own``: their URLs) and the local engines
    a run starts itself (engine_probe checks those) are left out."""
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


def llm_checks(config: Config) -> list[DoctorCheck]:
    checks = []
    for (provider, url), group in server_groups(config).items():
        reply = endpoint_reply(provider, url, group["key"], list(group["wanted"]))
        checks.append(llm_check(provider, url, group["wanted"], reply, group["num_ctx"]))
    return checks


def run_doctor(config: Config | None, *, llm: bool = True) -> list[DoctorCheck]:
    manager = package_manager()
    checks = [
        tool_check("tmux", host_tool(["tmux", "-V"]), manager),
        tool_check("git", host_tool(["git", "--version"]), manager),
    ]
    sandbox = Sandbox()
    checks.append(sandbox_check(sandbox.bwrap_ok, sandbox.bwrap_reason, manager))
    checks.append(tool_check("prlimit", host_tool(["prlimit", "--version"]), manager))
    if sandbox.prlimit:
        with tempfile.TemporaryDirectory(prefix="crewmux-doctor-") as tmp:
            for tool, argv in SANDBOX_TOOLS.items():
                checks.append(tool_check(tool, sandbox_tool(sandbox, argv, Path(tmp)), manager))
            checks.append(tool_check("chromium", chromium_probe(sandbox, Path(tmp)), manager,
                                     label="chromium (headless)"))
    checks.append(engine_probe(config))
    if llm and config is not None:
        checks += llm_checks(config)
    return checks


def engine_probe(config: Config | None) -> DoctorCheck:
    """Whether the embedded engine is installed, which models are pulled, and whether the
    configured local models are among them."""
    from importlib.metadata import PackageNotFoundError, version

    from crewmux.engine.server import engine_missing
    from crewmux.engine.store import ModelStore

    try:
        installed = version("llama-cpp-python")
    except PackageNotFoundError:
        installed = ""
    pulled = [m.name for m in ModelStore.default().list()]
    wanted = sorted({m.model for _, m in configured_models(config) if m.provider == "local"}) if config else []
    return engine_check(engine_missing(), installed, pulled, wanted)
