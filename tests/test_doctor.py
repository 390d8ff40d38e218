"""`crewmux doctor`, the pure part: statuses, install commands, the table, the exit code."""

from __future__ import annotations

from crewmux.workspace.doctor import (
    DoctorCheck,
    EndpointReply,
    ToolProbe,
    bwrap_fix,
    exit_code,
    format_table,
    install_command,
    llm_check,
    model_present,
    parse_version,
    sandbox_check,
    tool_check,
)


def test_install_commands() -> None:
    assert install_command("php", "apt-get") == "sudo apt-get install -y php-cli"
    assert install_command("go", "dnf") == "sudo dnf install -y golang"
    assert install_command("tsc", "pacman") == "npm install -g typescript"
    assert install_command("tmux", None) == "sudo apt-get install -y tmux"
    assert install_command("bubblewrap", "brew") == "brew install bubblewrap"  # falls back to the apt name


def test_parse_version() -> None:
    assert parse_version("tmux 3.3a") == (3, 3)
    assert parse_version("git version 2.39.5") == (2, 39, 5)
    assert parse_version("v20.20.2") == (20, 20, 2)
    assert parse_version("no digits") is None


def test_tool_check_statuses() -> None:
    ready = tool_check("tmux", ToolProbe(True, "tmux 3.4\n"), "apt-get")
    assert ready == DoctorCheck("tmux", "ready", "tmux 3.4", "", essential=True)
    old = tool_check("tmux", ToolProbe(True, "tmux 2.9"), "apt-get")
    assert old.status == "missing" and "too old (need 3.2+)" in old.detail and old.fix.endswith("tmux")
    gone = tool_check("go", ToolProbe(False, error="go not found in the sandbox's PATH"), "apt-get")
    assert gone.status == "missing" and not gone.essential and gone.fix == "sudo apt-get install -y golang-go"


def test_sandbox_check_gives_the_fix_for_the_reason() -> None:
    assert sandbox_check(True, "", "apt-get").status == "ready"
    broken = sandbox_check(False, "AppArmor restricts unprivileged user namespaces: ...", "apt-get")
    assert broken.status == "missing" and "UNSANDBOXED" in broken.detail
    assert "apparmor_restrict_unprivileged_userns=0" in broken.fix
    assert bwrap_fix("bubblewrap (bwrap) is not installed", "apt-get") == "sudo apt-get install -y bubblewrap"
    assert "seccomp=unconfined" in bwrap_fix("user namespaces are blocked", None)


def test_model_present() -> None:
    assert model_present("ollama", "llama3", ("llama3:latest",))
    assert not model_present("ollama", "llama3:8b", ("llama3:latest",))
    assert model_present("anthropic", "claude-sonnet-4-5", ("claude-sonnet-4-5-20250929",))
    assert not model_present("openai", "gpt-x", ("gpt-x-mini",))


def test_llm_check() -> None:
    wanted = {"qwen:7b": ["coder", "qa"], "big:32b": ["cto"]}
    down = llm_check("ollama", "http://h:11434", wanted, EndpointReply(False, error="refused"), {})
    assert down.status == "missing" and "ollama serve" in down.fix
    partial = llm_check("ollama", "http://h:11434", wanted, EndpointReply(True, models=("qwen:7b",)), {})
    assert partial.status == "missing" and "big:32b" in partial.detail
    assert partial.fix == "ollama pull big:32b"
    ok = llm_check("ollama", "http://h:11434", {"qwen:7b": ["coder"]},
                   EndpointReply(True, models=("qwen:7b",), contexts={"qwen:7b": 8192}), {"qwen:7b": 16384})
    assert ok.status == "ready" and "context 8192 < num_ctx 16384" in ok.detail


def test_exit_code_depends_only_on_essentials() -> None:
    essential_ok = [DoctorCheck("tmux", "ready", "", essential=True), DoctorCheck("go", "missing", "", "x")]
    assert exit_code(essential_ok) == 0
    assert exit_code([DoctorCheck("git", "missing", "", "x", essential=True)]) == 1


def test_format_table() -> None:
    table = format_table([DoctorCheck("tmux", "ready", "tmux 3.4", essential=True),
                          DoctorCheck("php", "missing", "not found", "sudo apt-get install -y php-cli")])
    lines = table.splitlines()
    assert lines[0].split()[:2] == ["tmux", "ready"]
    assert lines[1].split()[:2] == ["php", "MISSING"]
    assert lines[2].strip() == "fix: sudo apt-get install -y php-cli"
    assert "Optional parts missing: php" in table
    assert "needs git" in format_table([DoctorCheck("git", "missing", "x", "y", essential=True)])


def test_engine_check_says_what_to_install_or_pull() -> None:
    from crewmux.workspace.doctor import engine_check

    missing = engine_check("the embedded engine is not installed (llama_cpp): install ...", "", [], [])
    assert missing.status == "missing" and "crewmux[local]" in missing.fix and "GGML_CUDA" in missing.fix
    nothing = engine_check(None, "0.3.36", [], [])
    assert nothing.status == "missing" and nothing.fix == "crewmux models pull qwen2.5-coder:1.5b"
    absent = engine_check(None, "0.3.36", ["qwen2.5-coder:0.5b"], ["qwen2.5-coder:1.5b"])
    assert absent.status == "missing" and absent.fix == "crewmux models pull qwen2.5-coder:1.5b"
    ready = engine_check(None, "0.3.36", ["qwen2.5-coder:0.5b", "qwen2.5-coder:1.5b"], ["qwen2.5-coder:1.5b"])
    assert ready.status == "ready" and "qwen2.5-coder:1.5b" in ready.detail and "0.3.36" in ready.detail
