"""Wake a waiting thread when files change in some directories.

File events are only hints (queues overflow, nothing is seen while a watcher is down),
so a waiter also wakes on a periodic timer, and callers always rescan.

On Linux this blocks in ``select`` on an inotify descriptor of its own: no thread, no
hand-off, wake-up in microseconds. watchdog is the fallback elsewhere. We do not use
watchdog on Linux because its inotify emitter holds every IN_MOVED_FROM for 0.5 s to
pair it with a move target, and a mailbox reader's own claim (a rename out of ``new/``)
is such an event: the next delivery would wait behind it (docs/decisions.md).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import select
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from watchdog.observers.api import BaseObserver

IN_MODIFY = 0x00000002
IN_CLOSE_WRITE = 0x00000008
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000

DEFAULT_MASK = IN_MOVED_TO | IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE


def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.inotify_init1  # noqa: B018 - raises AttributeError where missing
        return libc
    except (OSError, AttributeError):
        return None


class Wakeup:
    """``wait()`` returns when a watched directory changed, ``poke()`` was called, or
    ``interval`` seconds passed, whichever comes first."""

    def __init__(self, directories: list[Path], interval: float = 1.0, mask: int = DEFAULT_MASK) -> None:
        self.interval = interval
        for directory in directories:
            directory.mkdir(parents=True, exist_ok=True)
        self._poke_r, self._poke_w = os.pipe()
        os.set_blocking(self._poke_r, False)
        os.set_blocking(self._poke_w, False)
        self._closed = False
        self._fd = -1
        self._observer: BaseObserver | None = None
        libc = _libc()
        if libc is not None:
            self._fd = libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if self._fd >= 0:
            for directory in directories:
                if libc.inotify_add_watch(self._fd, os.fsencode(directory), mask) < 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"inotify_add_watch({directory}): {os.strerror(err)}")
        else:
            self._start_watchdog(directories)

    def _start_watchdog(self, directories: list[Path]) -> None:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        wake = self.poke

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event) -> None:  # runs on watchdog's thread
                wake()

        observer = Observer()
        observer.daemon = True
        for directory in directories:
            observer.schedule(Handler(), str(directory), recursive=False)
        observer.start()
        self._observer = observer

    def wait(self, timeout: float | None = None) -> bool:
        """True when woken by a change or a poke, False on the timer."""
        if self._closed:
            return False
        fds = [self._poke_r] + ([self._fd] if self._fd >= 0 else [])
        try:
            ready, _, _ = select.select(fds, [], [], self.interval if timeout is None else timeout)
        except (OSError, ValueError):
            return False  # closed from another thread
        for fd in ready:
            self._drain(fd)
        return bool(ready)

    @staticmethod
    def _drain(fd: int) -> None:
        while True:
            try:
                if not os.read(fd, 65536):
                    return
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno in (errno.EBADF, errno.EAGAIN):
                    return
                raise

    def poke(self) -> None:
        try:
            os.write(self._poke_w, b"x")
        except (BlockingIOError, OSError):
            pass  # already poked (pipe full) or closed

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._observer is not None:
            self._observer.stop()
        self.poke()
        for fd in (self._fd, self._poke_r, self._poke_w):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass

    def __enter__(self) -> "Wakeup":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
