"""`crewmux doctor`, the pure part: decide each component's status from what the probes
found, say how to install what is missing, and format the table. No I/O here
(doctor_probe.py does the looking)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Status = Literal["ready", "missing"]
Manager = Literal["apt-get", "dnf", "pacman", "brew"]

# Package per tool and package manager; a str value is a command used everywhere.
PACKAGES: dict[str, dict[str, str] | str] = {
    "tmux": {"apt-get": "tmux", "dnf": "tmux", "pacman": "tmux", "brew": "tmux"},
    "git": {"apt-get": "git", "dnf": "git", "pacman": "git", "brew": "git"},
    "bubblewrap": {"apt-get": "bubblewrap", "dnf": "bubblewrap", "pacman": "bubblewrap"},
    "prlimit": {"apt-get": "util-linux", "dnf": "util-linux", "pacman": "util-linux"},
    "python3": {"apt-get": "python3", "dnf": "python3", "pacman": "python", "brew": "python"},
    "node": {"apt-get": "nodejs npm", "dnf": "nodejs npm", "pacman": "nodejs npm", "brew": "node"},
    "php": {"apt-get": "php-cli", "dnf": "php-cli", "pacman": "php", "brew": "php"},
    "go": {"apt-get": "golang-go", "dnf": "golang", "pacman": "go", "brew": "go"},
    "chromium": {"apt-get": "chromium", "dnf": "chromium", "pacman": "chromium"},
    "tsc": "npm install -g typescript",
}
INSTALL_VERB = {"apt-get": "sudo apt-get install -y", "dnf": "sudo dnf install -y",
                "pacman": "sudo pacman -S --needed", "brew": "brew install"}
# Lowest versions crewmux is built against (libtmux needs tmux 3.2a).
MINIMUM = {"tmux": (3, 2), "git": (2, 20), "python3": (3, 9), "node": (18,)}
ESSENTIAL = ("tmux", "git", "python3")


@dataclass(frozen=True)
class DoctorCheck:
    name: str
    status: Status
    detail: str
    fix: str = ""
    essential: bool = False


@dataclass(frozen=True)
class ToolProbe:
    """What running ``tool --version`` (or the tool's own smoke test) showed."""

    found: bool
    output: str = ""
    error: str = ""


@dataclass(frozen=True)
class EndpointReply:
    """One GET of an LLM server's model list (and Ollama's context sizes)."""

    reachable: bool
    error: str = ""
    models: tuple[str, ...] = ()
    contexts: dict[str, int] = field(default_factory=dict)


def install_command(tool: str, manager: Manager | None) -> str:
    entry = PACKAGES.get(tool)
    if isinstance(entry, str):
        return entry
    if not entry:
        return ""
    manager = manager or "apt-get"
    package = entry.get(manager) or entry["apt-get"]
    return f"{INSTALL_VERB.get(manager, 'sudo apt-get install -y')} {package}"


def parse_version(text: str) -> tuple[int, ...] | None:
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not match:
        return None
    return tuple(int(g) for g in match.groups() if g is not None)


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def tool_check(tool: str, probe: ToolProbe, manager: Manager | None, *, label: str | None = None) -> DoctorCheck:
    name = label or tool
    essential = tool in ESSENTIAL
    fix = install_command(tool, manager)
    if not probe.found:
        return DoctorCheck(name, "missing", probe.error or "not found", fix, essential)
    version = parse_version(probe.output)
    minimum = MINIMUM.get(tool)
    if minimum and version and version < minimum:
        wanted = ".".join(map(str, minimum))
        return DoctorCheck(name, "missing", f"{first_line(probe.output)} is too old (need {wanted}+)", fix, essential)
    return DoctorCheck(name, "ready", first_line(probe.output) or "works", "", essential)


def bwrap_fix(reason: str, manager: Manager | None) -> str:
    if "not installed" in reason:
        return install_command("bubblewrap", manager)
    if "AppArmor" in reason:
        return "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (or give bwrap an AppArmor profile)"
    if "unprivileged_userns_clone" in reason:
        return "sudo sysctl -w kernel.unprivileged_userns_clone=1"
    if "max_user_namespaces" in reason:
        return "sudo sysctl -w user.max_user_namespaces=10000"
    return ("enable user namespaces (in Docker: --security-opt seccomp=unconfined, or run crewmux "
            "in a VM); set sandbox.require = true in crewmux.toml to refuse to run without it")


def sandbox_check(works: bool, reason: str, manager: Manager | None) -> DoctorCheck:
    if works:
        return DoctorCheck("bubblewrap", "ready", "works: no network, read-only system, only the worktree writable")
    return DoctorCheck("bubblewrap", "missing", f"{reason}; generated code would run UNSANDBOXED",
                 bwrap_fix(reason, manager))


def model_present(provider: str, wanted: str, served: tuple[str, ...]) -> bool:
    if wanted in served:
        return True
    if provider == "ollama" and ":" not in wanted:
        return f"{wanted}:latest" in served
    if provider == "anthropic":
        # The list has dated ids (claude-x-4-5-20250929); configs often use the alias.
        return any(name.startswith(wanted + "-") for name in served)
    return False


def llm_check(provider: str, url: str, wanted: dict[str, list[str]], reply: EndpointReply,
              num_ctx: dict[str, int]) -> DoctorCheck:
    """One endpoint. ``wanted``: model -> roles using it; ``num_ctx``: model -> configured window."""
    name = f"LLM {provider} {url}"
    if not reply.reachable:
        hint = {"ollama": "start it: ollama serve (or set OLLAMA_HOST / base_urls in crewmux.toml)",
                "openai": "start the server (vLLM, llama.cpp) or set OPENAI_BASE_URL / base_urls",
                "anthropic": "set ANTHROPIC_API_KEY and check the network"}[provider]
        return DoctorCheck(name, "missing", f"not reachable: {reply.error}", hint)
    absent = [m for m in wanted if not model_present(provider, m, reply.models)]
    notes = []
    for model, roles in wanted.items():
        if model in absent:
            continue
        context = reply.contexts.get(model)
        line = f"{model} ({', '.join(roles)})"
        if context:
            line += f" context {context}"
            if num_ctx.get(model, 0) > context:
                line += f" < num_ctx {num_ctx[model]}: lower num_ctx"
        notes.append(line)
    if absent:
        fix = ("ollama pull " + " && ollama pull ".join(absent)) if provider == "ollama" else \
            "serve the model or change the model name in crewmux.toml"
        served = ", ".join(reply.models[:8]) or "none"
        return DoctorCheck(name, "missing", f"model(s) not served: {', '.join(absent)} (served: {served})", fix)
    return DoctorCheck(name, "ready", "; ".join(notes) or "reachable")


GPU_NOTE = ("with a GPU, rebuild it with its backend: CMAKE_ARGS=\"-DGGML_CUDA=on\" pip install --force-reinstall "
            "--no-cache-dir 'llama-cpp-python[server]' (Metal: -DGGML_METAL=on), then gpu_layers = -1 (crewmux serve --gpu-layers -1)")


def engine_check(missing: str | None, version: str, pulled: list[str], wanted: list[str]) -> DoctorCheck:
    """crewmux's embedded engine: installed or not, the pulled models, and the configured
    local models that are not pulled. ``missing``: why the engine cannot run, or None."""
    name = "embedded engine (llama.cpp)"
    if missing:
        return DoctorCheck(name, "missing", missing.split(":")[0], "pip install 'crewmux[local]' (about 8 minutes on 2 cores); " + GPU_NOTE)
    absent = [m for m in wanted if m not in pulled]
    if absent:
        return DoctorCheck(name, "missing", f"llama-cpp-python {version}; not pulled: {', '.join(absent)}",
                     "crewmux models pull " + " && crewmux models pull ".join(absent))
    if not pulled:
        return DoctorCheck(name, "missing", f"llama-cpp-python {version}; no model pulled", "crewmux models pull qwen2.5-coder:1.5b")
    return DoctorCheck(name, "ready", f"llama-cpp-python {version}; models: {', '.join(pulled)} (a GPU: README, \"A GPU\")")


def config_check(project_file: Path, project_found: bool, user_file: Path | None, user_found: bool) -> DoctorCheck:
    """Which config files a run reads (the project's over the user's), found or not."""
    def where(path: Path | None, found: bool) -> str:
        return "no home directory" if path is None else f"{path} ({'read' if found else 'none there'})"
    return DoctorCheck("config", "ready", f"project: {where(project_file, project_found)}; user: {where(user_file, user_found)}")


def exit_code(checks: list[DoctorCheck]) -> int:
    """0 when every essential component (tmux, git, python3) is ready."""
    return 0 if all(c.status == "ready" for c in checks if c.essential) else 1


def format_table(checks: list[DoctorCheck]) -> str:
    width = max((len(c.name) for c in checks), default=0)
    lines = []
    for c in checks:
        mark = "ready  " if c.status == "ready" else "MISSING"
        tag = " (essential)" if c.essential and c.status != "ready" else ""
        lines.append(f"{c.name.ljust(width)}  {mark}  {c.detail}{tag}")
        if c.fix:
            lines.append(f"{' ' * width}           fix: {c.fix}")
    missing = [c.name for c in checks if c.status != "ready"]
    essentials = [c.name for c in checks if c.essential and c.status != "ready"]
    if essentials:
        lines.append(f"\nNot ready: crewmux needs {', '.join(essentials)}.")
    elif missing:
        lines.append(f"\nReady. Optional parts missing: {', '.join(missing)}.")
    else:
        lines.append("\nEverything is ready.")
    return "\n".join(lines)
