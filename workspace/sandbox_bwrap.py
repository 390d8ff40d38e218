"""The bubblewrap command line for one sandboxed run (pure: no I/O but `system_view`).

What is visible inside: the system directories toolchains need, read-only (never `/`,
which would expose the user's home, SSH keys and config files), an allow-list of `/etc`
entries without secrets, a fresh `/proc` and `/dev`, a private size-capped `/tmp`, the
worktree (the only writable host path), and whatever extra paths the caller names.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# /bin, /lib, ... are symlinks into /usr on merged-/usr systems and real directories elsewhere.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")

# /etc entries toolchains read. Not on the list on purpose: shadow, ssh/ (host keys),
# npmrc and pip.conf (may carry registry tokens), anything with credentials.
ETC_ALLOW: tuple[str, ...] = (
    "alternatives", "ca-certificates", "ca-certificates.conf", "chromium", "chromium.d",
    "debian_version", "fonts", "group", "host.conf", "hosts", "ld.so.cache", "ld.so.conf",
    "ld.so.conf.d", "locale.alias", "localtime", "mime.types", "nsswitch.conf", "os-release",
    "passwd", "php", "pki", "protocols", "python3", "services", "ssl", "timezone", "xdg",
)
ETC_ALLOW = (*ETC_ALLOW, *(f"python3.{minor}" for minor in range(9, 16)))

# Network mode additionally needs the resolver configuration.
ETC_NETWORK = ("resolv.conf", "gai.conf")

# Every flag that is not a mount. --unshare-user is explicit (not just "try") because
# --disable-userns needs it; the probe runs with exactly these flags.
ISOLATION_FLAGS = (
    "--unshare-all",
    "--unshare-user",
    "--disable-userns",
    "--cap-drop", "ALL",
    "--die-with-parent",
    "--new-session",
    "--clearenv",
)

SANDBOX_HOME = "/tmp/home"
SHM_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class SystemView:
    """How the host's system directories look: real directories to bind, symlinks to copy."""

    dirs: tuple[str, ...] = ()
    symlinks: tuple[tuple[str, str], ...] = ()  # (path, target)
    etc: tuple[str, ...] = ()  # existing /etc entries from ETC_ALLOW + ETC_NETWORK


def system_view(root: Path = Path("/")) -> SystemView:
    """Look at the host once (called at Sandbox construction)."""
    dirs: list[str] = []
    links: list[tuple[str, str]] = []
    for name in SYSTEM_DIRS:
        path = root / name.lstrip("/")
        if path.is_symlink():
            links.append((name, os.readlink(path)))
        elif path.is_dir():
            dirs.append(name)
    etc = tuple(e for e in ETC_ALLOW + ETC_NETWORK if (root / "etc" / e).exists())
    return SystemView(tuple(dirs), tuple(links), etc)


def bwrap_argv(
    bwrap: str,
    view: SystemView,
    *,
    cwd: Path,
    env: dict[str, str],
    writable: Sequence[Path] = (),
    readable: Sequence[Path] = (),
    network: bool = False,
    tmp_bytes: int = 512 * 1024 * 1024,
    protect: Sequence[Path] = (),
    cwd_writable: bool = True,
) -> list[str]:
    """The full bwrap prefix; the command (with its limits prefix) follows it.

    ``protect``: paths inside the writable places that stay read-only, above all the
    worktree's ``.git``: a planted hook, ``core.fsmonitor`` or a rewritten ``gitdir:``
    line would run code on the host the next time crewmux runs git there.
    """
    argv = [bwrap, *ISOLATION_FLAGS]
    if network:
        argv.append("--share-net")
    for d in view.dirs:
        argv += ["--ro-bind", d, d]
    for link, target in view.symlinks:
        argv += ["--symlink", target, link]
    for entry in view.etc:
        if entry in ETC_NETWORK and not network:
            continue
        argv += ["--ro-bind", f"/etc/{entry}", f"/etc/{entry}"]
    argv += ["--proc", "/proc", "--dev", "/dev"]
    argv += ["--size", str(SHM_BYTES), "--tmpfs", "/dev/shm"]
    argv += ["--size", str(tmp_bytes), "--tmpfs", "/tmp", "--dir", SANDBOX_HOME]
    for path in readable:
        argv += ["--ro-bind", str(path), str(path)]
    for path in writable:
        argv += ["--bind", str(path), str(path)]
    argv += ["--bind" if cwd_writable else "--ro-bind", str(cwd), str(cwd)]
    for path in protect:
        argv += ["--ro-bind", str(path), str(path)]
    # The root itself is bwrap's own tmpfs; read-only so it cannot be filled.
    argv += ["--remount-ro", "/", "--chdir", str(cwd)]
    for key, value in sorted(env.items()):
        argv += ["--setenv", key, value]
    return argv
