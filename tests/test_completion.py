"""`crewmux completion bash|zsh|fish` (issue 15): the bash script run by a real bash
completes subcommands, their flags and the project's run ids; zsh and fish scripts parse
in their shells when those are installed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(60)


def script(shell: str) -> str:
    done = subprocess.run([sys.executable, "-m", "crewmux", "completion", shell], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def bash_complete(tmp_path: Path, line: str, cwd: Path) -> list[str]:
    (tmp_path / "completion.bash").write_text(script("bash"))
    words = line.split(" ")
    program = (f'source {tmp_path / "completion.bash"}; COMP_WORDS=({" ".join(repr(w) for w in words)}); '
               f'COMP_CWORD={len(words) - 1}; _crewmux; printf "%s\\n" "${{COMPREPLY[@]}}"')
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True, text=True, timeout=30, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_bash_completes_commands_flags_and_run_ids(tmp_path: Path) -> None:
    project = tmp_path / "project"
    for run_id in ("20260101-aaaa", "20260102-bbbb"):
        (project / ".crewmux" / "runs" / run_id).mkdir(parents=True)
    assert bash_complete(tmp_path, "crewmux da", project) == ["dashboard"]
    assert set(bash_complete(tmp_path, "crewmux c", project)) == {"clean", "completion"}
    assert bash_complete(tmp_path, "crewmux run --hea", project) == ["--headless"]
    assert "--scripted" in bash_complete(tmp_path, "crewmux run --", project)
    assert bash_complete(tmp_path, "crewmux attach 2026", project) == ["20260101-aaaa", "20260102-bbbb"]
    assert bash_complete(tmp_path, "crewmux completion f", project) == ["fish"]
    assert bash_complete(tmp_path, "crewmux models p", project) == ["pull"]


def test_every_command_is_in_every_script() -> None:
    from crewmux.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for shell in ("bash", "zsh", "fish"):
        text = script(shell)
        missing = [name for name in sub.choices if name not in text]
        assert not missing, (shell, missing)
        assert "--headless" in text or "headless" in text


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_the_script_parses_in_its_shell(tmp_path: Path, shell: str) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed here")
    path = tmp_path / f"crewmux.{shell}"
    path.write_text(script(shell))
    argv = [shell, "-n", str(path)] if shell == "zsh" else [shell, "--no-execute", str(path)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


def test_an_unknown_shell_is_refused_with_the_choices() -> None:
    done = subprocess.run([sys.executable, "-m", "crewmux", "completion", "tcsh"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "bash" in done.stderr and "fish" in done.stderr


def test_fish_completes_commands_flags_and_run_ids(tmp_path: Path) -> None:
    if shutil.which("fish") is None:
        pytest.skip("fish is not installed here")
    path = tmp_path / "crewmux.fish"
    path.write_text(script("fish"))
    (tmp_path / ".crewmux" / "runs" / "20260101-aaaa").mkdir(parents=True)

    def complete(line: str) -> list[str]:
        done = subprocess.run(["fish", "--no-config", "-c", f"source {path}; complete -C '{line}'"], capture_output=True, text=True,
                              timeout=30, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        return [row.split("\t")[0] for row in done.stdout.splitlines()]

    assert complete("crewmux da") == ["dashboard"]
    assert complete("crewmux run --hea") == ["--headless"]
    assert complete("crewmux attach 2026") == ["20260101-aaaa"]
