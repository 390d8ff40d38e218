"""The pure parts of the sandbox: command lines, stop classification, output capping."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from crewmux.workspace.sandbox_bwrap import SANDBOX_HOME, SystemView, bwrap_argv, system_view
from crewmux.workspace.sandbox_limits import MB, Limits, prlimit_argv
from crewmux.workspace.sandbox_output import CappedOutput
from crewmux.workspace.sandbox_probe import explain_failure
from crewmux.workspace.sandbox_result import SandboxResult, classify

VIEW = SystemView(dirs=("/usr",), symlinks=(("/bin", "usr/bin"),), etc=("passwd", "resolv.conf", "ssl"))


def _mounts(argv: list[str], flag: str) -> list[str]:
    return [argv[i + 2] for i, a in enumerate(argv) if a == flag]


def test_bwrap_argv_exposes_only_system_dirs_and_the_worktree() -> None:
    argv = bwrap_argv("bwrap", VIEW, cwd=Path("/work/wt"), env={"PATH": "/usr/bin"})
    assert _mounts(argv, "--ro-bind") == ["/usr", "/etc/passwd", "/etc/ssl"]
    assert _mounts(argv, "--bind") == ["/work/wt"]
    assert "/" not in _mounts(argv, "--ro-bind") + _mounts(argv, "--bind")
    for flag in ("--unshare-all", "--die-with-parent", "--new-session", "--clearenv", "--disable-userns"):
        assert flag in argv
    assert "--share-net" not in argv
    assert argv[argv.index("--chdir") + 1] == "/work/wt"
    assert ["--dir", SANDBOX_HOME] == argv[argv.index("--dir"):argv.index("--dir") + 2]
    # the private /tmp is mounted before the worktree, which may live under /tmp
    assert argv.index("/tmp") < argv.index("/work/wt")


def test_bwrap_argv_network_extras_and_env() -> None:
    argv = bwrap_argv("bwrap", VIEW, cwd=Path("/w"), env={"A": "1"}, network=True,
                      readable=[Path("/opt/chrome")], writable=[Path("/cache")], tmp_bytes=8 * MB)
    assert "--share-net" in argv
    assert "/etc/resolv.conf" in _mounts(argv, "--ro-bind")
    assert "/opt/chrome" in _mounts(argv, "--ro-bind")
    assert _mounts(argv, "--bind") == ["/cache", "/w"]
    assert ["--setenv", "A", "1"] == argv[argv.index("--setenv"):argv.index("--setenv") + 3]
    assert str(8 * MB) in argv


def test_system_view_copies_symlinks_and_skips_secrets(tmp_path: Path) -> None:
    (tmp_path / "usr" / "bin").mkdir(parents=True)
    (tmp_path / "bin").symlink_to("usr/bin")
    (tmp_path / "etc" / "ssh").mkdir(parents=True)
    for name in ("passwd", "shadow", "npmrc", "hosts"):
        (tmp_path / "etc" / name).write_text("x")
    view = system_view(tmp_path)
    assert view.dirs == ("/usr",)
    assert view.symlinks == (("/bin", "usr/bin"),)
    assert set(view.etc) == {"passwd", "hosts"}


def test_prlimit_argv() -> None:
    argv = prlimit_argv("/usr/bin/prlimit", Limits(cpu_seconds=5, memory_mb=100, file_size_mb=2, processes=9))
    assert argv == ["/usr/bin/prlimit", "--cpu=5:7", f"--data={100 * MB}", f"--fsize={2 * MB}",
                    "--nproc=9", "--core=0", "--"]
    assert "--nproc=500" in prlimit_argv("prlimit", Limits(), processes=500)


def test_limits_reject_nonsense() -> None:
    with pytest.raises(ValueError, match="memory_mb"):
        Limits(memory_mb=0)


@pytest.mark.parametrize(
    ("rc", "bwrap", "flags", "stderr", "expected"),
    [
        (0, True, {}, "", (0, None)),
        (2, True, {}, "", (2, None)),
        (-9, False, {"timed_out": True}, "", (None, "timeout")),
        (137, True, {"output_limited": True}, "", (None, "output_limit")),
        (137, True, {"oom_killed": True}, "", (None, "memory")),
        (128 + signal.SIGXCPU, True, {}, "", (None, "cpu")),
        (-signal.SIGXCPU, False, {}, "", (None, "cpu")),
        (-signal.SIGXFSZ, False, {}, "", (None, "file_size")),
        (-signal.SIGSEGV, False, {}, "", (None, f"signal:{signal.SIGSEGV}")),
        (137, False, {}, "", (137, None)),  # a plain exit 137 outside bwrap is an exit code
        (1, True, {}, "Traceback...\nMemoryError\n", (1, "memory")),
        (128 + signal.SIGABRT, True, {}, "FATAL ERROR: ... JavaScript heap out of memory", (None, "memory")),
        (1, True, {}, "AssertionError: 1 != 2", (1, None)),
    ],
)
def test_classify(rc: int, bwrap: bool, flags: dict[str, bool], stderr: str,
                  expected: tuple[int | None, str | None]) -> None:
    args = {"timed_out": False, "output_limited": False, "oom_killed": False, **flags}
    assert classify(rc, bwrap=bwrap, stderr_tail=stderr, **args) == expected


def test_result_ok_and_summary() -> None:
    good = SandboxResult(0, "", "", 1.0, None, False, True)
    assert good.ok and "exit code 0" in good.summary()
    stopped = SandboxResult(None, "", "", 2.0, "timeout", True, False)
    assert not stopped.ok
    assert "stopped: timeout" in stopped.summary() and "UNSANDBOXED" in stopped.summary()


def test_capped_output_keeps_everything_under_the_cap() -> None:
    out = CappedOutput(100)
    out.feed(b"a" * 40)
    out.feed(b"b" * 60)
    assert not out.truncated and out.text() == "a" * 40 + "b" * 60


def test_capped_output_keeps_head_and_tail() -> None:
    out = CappedOutput(100)
    out.feed(b"HEAD" + b"x" * 10_000)
    for _ in range(1000):
        out.feed(b"y" * 997)
    out.feed(b"TAIL")
    text = out.text()
    assert out.truncated and text.startswith("HEAD") and text.endswith("TAIL")
    assert "bytes of output cut here" in text
    assert len(out.head) + len(out.tail) <= 3 * 100  # bounded memory however much is fed
    assert out.total == 4 + 10_000 + 997_000 + 4


def test_explain_failure_names_the_cause() -> None:
    err = "bwrap: setting up uid map: Permission denied\n"
    assert "AppArmor" in explain_failure(err, {"/proc/sys/kernel/apparmor_restrict_unprivileged_userns": "1"})
    assert "max_user_namespaces=0" in explain_failure(err, {"/proc/sys/user/max_user_namespaces": "0"})
    assert "seccomp" in explain_failure("bwrap: No permissions to creating new namespace, "
                                        "likely because the kernel does not allow non-privileged user "
                                        "namespaces. Operation not permitted", {})
    assert "uid map" in explain_failure(err, {})


def test_home_and_root_are_never_writable(tmp_path: Path) -> None:
    from crewmux.workspace.sandbox import Sandbox, writable_refusal

    home = tmp_path / "home" / "me"
    assert writable_refusal(Path("/"), home) == "it is the root directory"
    assert "home directory" in (writable_refusal(tmp_path / "home", home) or "")
    assert "home directory" in (writable_refusal(home, home) or "")
    assert writable_refusal(home / "project", home) is None
    with pytest.raises(ValueError, match="refusing to make / writable"):
        Sandbox(force_unsandboxed=True).run(["true"], Path("/"))


def test_stale_jails_of_dead_processes_are_swept(tmp_path: Path) -> None:
    from crewmux.workspace.sandbox_cgroup import PREFIX, _sweep_stale

    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp_path / f"{PREFIX}{dead.pid}-abc"
    live = tmp_path / f"{PREFIX}{os.getpid()}-def"
    busy = tmp_path / f"{PREFIX}{dead.pid}-ghi"
    for d in (stale, live, busy):
        d.mkdir()
    (busy / "cgroup.procs").write_text("123")  # a plain dir stands in for a non-empty cgroup
    _sweep_stale(tmp_path)
    assert not stale.exists() and live.exists() and busy.exists()
