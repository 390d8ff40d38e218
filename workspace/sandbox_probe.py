"""Does bubblewrap work here? One real run of `true` with the sandbox's own flags, and a
plain-language reason when it does not."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from crewmux.workspace.sandbox_bwrap import SystemView, bwrap_argv

# Files whose value explains a failure to create a user namespace.
USERNS_SYSCTLS = (
    "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
    "/proc/sys/kernel/unprivileged_userns_clone",
    "/proc/sys/user/max_user_namespaces",
)


def read_sysctls() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in USERNS_SYSCTLS:
        try:
            found[path] = Path(path).read_text().strip()
        except OSError:
            continue
    return found


def explain_failure(stderr: str, sysctls: dict[str, str]) -> str:
    """Turn bwrap's error and the user-namespace settings into one sentence."""
    first = next((line.strip() for line in stderr.splitlines() if line.strip()), "no error output")
    if sysctls.get("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1":
        why = ("AppArmor restricts unprivileged user namespaces "
               "(kernel.apparmor_restrict_unprivileged_userns=1, Ubuntu 24.04+)")
    elif sysctls.get("/proc/sys/kernel/unprivileged_userns_clone") == "0":
        why = "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone=0)"
    elif sysctls.get("/proc/sys/user/max_user_namespaces") == "0":
        why = "user namespaces are disabled (user.max_user_namespaces=0)"
    elif "Operation not permitted" in first or "Permission denied" in first:
        why = "user namespaces are blocked (a container's seccomp profile or a security module)"
    else:
        why = "bubblewrap cannot set up a sandbox here"
    return f"{why}: bwrap said {first!r}"


def probe_bwrap(bwrap: str | None, view: SystemView, timeout: float = 15.0) -> tuple[bool, str]:
    """(works, reason). ``reason`` is empty when it works."""
    if not bwrap:
        return False, "bubblewrap (bwrap) is not installed"
    with tempfile.TemporaryDirectory(prefix="crewmux-probe-") as tmp:
        argv = [*bwrap_argv(bwrap, view, cwd=Path(tmp), env={"PATH": "/usr/bin:/bin"}), "true"]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, f"bubblewrap could not be started: {exc}"
    if done.returncode == 0:
        return True, ""
    return False, explain_failure(done.stderr, read_sysctls())
