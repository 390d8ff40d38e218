"""Maildir-style mailboxes: one directory per agent, no locks, no lost messages.

    mail/<agent>/tmp/              a sender writes here first
    mail/<agent>/new/              ... then renames in: readers never see half a file
    mail/<agent>/cur/<reader>/     a reader claims a file by renaming it here (one winner)
    mail/<agent>/done/             handled messages, kept for the record
    mail/<agent>/failed/           rejected files, each with a ``.err`` saying why

Delivery is at least once: a reader that dies between claiming and finishing gets its
claimed files back when it starts again (``recover``). Handlers are idempotent by message
id; a message whose id is already in ``done/`` is never handed over again.
"""

from __future__ import annotations

import itertools
import logging
import os
import stat
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from crewmux.protocol.fsutil import disk_full, fsync_dir
from crewmux.protocol.messages import Envelope, Message, dump_message, parse_message
from crewmux.protocol.validation import error_lines
from crewmux.protocol.wakeup import Wakeup

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 1_000_000
SUBDIRS = ("tmp", "new", "cur", "done", "failed")


class MailboxError(Exception):
    def __init__(self, text: str, *, disk_full: bool = False) -> None:
        super().__init__(text)
        self.disk_full = disk_full  # nothing was delivered; sending again later may work


def _write_failed(box: Path, exc: OSError) -> MailboxError:
    if disk_full(exc):
        return MailboxError(f"could not write a message to {box}: the disk is full ({exc.strerror}); "
                            "free some space: nothing was delivered", disk_full=True)
    return MailboxError(f"could not write a message to {box}: {exc}")


def ensure_mailbox(path: Path) -> Path:
    for sub in SUBDIRS:
        (path / sub).mkdir(parents=True, exist_ok=True)
    return path


def deliver(mail_root: Path, message: Envelope, *, fsync: bool = True) -> Path:
    """Put ``message`` into ``mail_root/<recipient>/new/``; return its final path.

    The whole file is written in ``tmp/`` and renamed into ``new/`` (readers never see a
    partial file), then the file and ``new/`` are fsynced: once this returns the message
    survives a crash. Renaming before the file's fsync lets that one fsync commit the data
    and the rename together, so the directory's fsync finds nothing left to commit: one
    journal commit per message instead of two (docs/decisions.md).
    """
    box = mail_root / message.recipient
    name = f"{message.id}.json"
    tmp_path = box / "tmp" / name
    new_path = box / "new" / name
    data = dump_message(message)
    try:
        fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileNotFoundError:
        raise MailboxError(
            f"no mailbox for {message.recipient!r} under {mail_root}: is the agent name right and the run created?"
        ) from None
    except OSError as exc:
        raise _write_failed(box, exc) from exc
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        except OSError as exc:
            tmp_path.unlink(missing_ok=True)
            raise _write_failed(box, exc) from exc
        os.rename(tmp_path, new_path)
        try:
            if fsync:
                os.fsync(fd)
                fsync_dir(new_path.parent)
        except OSError as exc:
            # Not known to be on disk: take it back unless the reader already has it (then
            # sending it again is harmless: readers are idempotent by message id).
            new_path.unlink(missing_ok=True)
            raise _write_failed(box, exc) from exc
    finally:
        os.close(fd)
    return new_path


@dataclass
class Rejection:
    name: str
    reason: str


@dataclass
class Claimed:
    """A file this reader owns until it is marked done or failed."""

    path: Path
    message: Message


@dataclass
class Mailbox:
    """The reading side of one agent's mailbox.

    ``owner`` and ``run_id`` are checked against each message's envelope. ``reader``
    names this reader: a restarted reader with the same name takes back what it had
    claimed. Several readers with different names may compete for one mailbox.
    """

    path: Path
    owner: str
    run_id: str
    reader: str = "main"
    max_bytes: int = MAX_MESSAGE_BYTES
    on_reject: Callable[[Rejection], None] | None = None
    rejected: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        ensure_mailbox(self.path)
        self.claim_dir = self.path / "cur" / self.reader
        self.claim_dir.mkdir(exist_ok=True)

    # -- claiming ---------------------------------------------------------------

    def recover(self) -> Iterator[Claimed]:
        """Messages this reader claimed before it died, oldest first."""
        for name in sorted(os.listdir(self.claim_dir)):
            claimed = self._load(self.claim_dir / name)
            if claimed is not None:
                yield claimed

    def claim_new(self) -> Iterator[Claimed]:
        """Claim and validate every file now in ``new/``, oldest first."""
        new_dir = self.path / "new"
        try:
            names = sorted(os.listdir(new_dir))
        except FileNotFoundError:
            return
        for name in names:
            target = self.claim_dir / name
            try:
                os.rename(new_dir / name, target)
            except FileNotFoundError:
                continue  # another reader won it
            claimed = self._load(target)
            if claimed is not None:
                yield claimed

    def _load(self, path: Path) -> Claimed | None:
        reason = self._check_file(path)
        if reason is not None:
            self.fail(path, reason)
            return None
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self.fail(path, f"unreadable: {exc}")
            return None
        reason = self._check_bytes(raw)
        if reason is not None:
            self.fail(path, reason)
            return None
        try:
            message = parse_message(raw)
        except ValidationError as exc:
            self.fail(path, "does not match the message schema:\n" + _short_errors(exc))
            return None
        if message.recipient != self.owner:
            self.fail(path, f"addressed to {message.recipient!r}, not to this mailbox's owner {self.owner!r}")
            return None
        if message.run_id != self.run_id:
            self.fail(path, f"belongs to run {message.run_id!r}, not to this run {self.run_id!r}")
            return None
        if (self.path / "done" / f"{message.id}.json").exists():
            path.unlink(missing_ok=True)  # handled before a crash: never twice
            return None
        return Claimed(path, message)

    def _check_file(self, path: Path) -> str | None:
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return "vanished while being read"
        if stat.S_ISLNK(info.st_mode):
            return "is a symbolic link; messages must be plain files"
        if stat.S_ISDIR(info.st_mode):
            return "is a directory; messages must be plain files"
        if not stat.S_ISREG(info.st_mode):
            return "is not a regular file"
        if info.st_size > self.max_bytes:
            return f"is {info.st_size} bytes, over the {self.max_bytes}-byte limit for one message"
        return None

    def _check_bytes(self, raw: bytes) -> str | None:
        if not raw.strip():
            return "is empty"
        if b"\x00" in raw:
            return "is binary (holds NUL bytes), not JSON text"
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return f"is not UTF-8 text ({exc.reason} at byte {exc.start})"
        return None

    # -- finishing ----------------------------------------------------------------

    def done(self, claimed: Claimed) -> None:
        os.rename(claimed.path, self.path / "done" / claimed.path.name)

    def fail(self, path: Path, reason: str) -> None:
        """Move ``path`` to ``failed/`` with a ``.err`` beside it. Never raises."""
        failed = self.path / "failed"
        target = failed / path.name
        n = 1
        while target.exists() or target.with_name(target.name + ".err").exists():
            target = failed / f"{path.name}.{n}"
            n += 1
        try:
            os.rename(path, target)
        except FileNotFoundError:
            return
        except OSError as exc:
            log.error("could not move %s to failed/: %s", path, exc)
            return
        try:
            target.with_name(target.name + ".err").write_text(
                f"{path.name} {reason}\nThe agent kept running; fix the sender and send the message again.\n"
            )
        except OSError as exc:
            log.error("could not write the .err for %s: %s", target, exc)
        self.rejected += 1
        if self.on_reject is not None:
            self.on_reject(Rejection(path.name, reason))

    # -- the loop -----------------------------------------------------------------

    def serve(
        self,
        handle: Callable[[Claimed], bool | None],
        stop: threading.Event,
        *,
        interval: float = 1.0,
        wakeup: Wakeup | None = None,
    ) -> None:
        """Hand every message to ``handle`` until ``stop`` is set.

        Wakes on file events in ``new/`` (hints only), on a timer, and rescans each time.
        ``handle`` returning False keeps the message claimed: the caller finishes it
        later with :meth:`done`. A handler that raises sends its message to
        ``failed/`` with the traceback.
        """
        own = wakeup is None
        wakeup = wakeup or Wakeup([self.path / "new"], interval=interval)
        try:
            # Start-up: what this reader had claimed before a crash, then all that waits.
            pending: Iterator[Claimed] = itertools.chain(self.recover(), self.claim_new())
            while not stop.is_set():
                for claimed in pending:
                    self.dispatch(claimed, handle)
                    if stop.is_set():
                        return
                wakeup.wait()
                pending = self.claim_new()
        finally:
            if own:
                wakeup.close()

    def dispatch(self, claimed: Claimed, handle: Callable[[Claimed], bool | None]) -> None:
        try:
            keep = handle(claimed) is False
        except Exception:
            self.fail(claimed.path, "made the handler raise:\n" + traceback.format_exc(limit=8))
            return
        if not keep:
            self.done(claimed)


def _short_errors(exc: ValidationError, limit: int = 8) -> str:
    lines = [f"  {line}" for line in error_lines(exc, limit, top="(message)")]
    if exc.error_count() > limit:
        lines.append(f"  ... and {exc.error_count() - limit} more")
    return "\n".join(lines)
