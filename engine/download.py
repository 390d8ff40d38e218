"""Fetch a file over HTTP into the model store: resumable, verified, never half-written.

The bytes go to ``FILE.part`` (kept across failures so the next attempt resumes with a
Range request); only once size and sha256 match is it renamed to ``FILE``. A server that
ignores Range gets a clean restart from byte 0. The writer here (hashing as it writes,
turning a full disk into a clear error) is shared by the other sources.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from pathlib import Path

import httpx

from crewmux.engine.progress import MB, Progress, megabytes
from crewmux.protocol.fsutil import disk_full, fsync_dir

CHUNK = 1 << 20
SPACE_MARGIN = 16 * MB  # the manifest, the filesystem's own needs


class PullError(Exception):
    """A pull that failed; the message says what to do."""


class Unreachable(PullError):
    """The source could not be reached at all: try the next one."""


class ChecksumMismatch(PullError):
    """What arrived is not the file expected (wrong size or sha256); it was deleted."""


class DiskFull(PullError):
    """No space left; the partial file is kept so the pull resumes once there is room."""


def disk_full_error(directory: Path, need: int, kept: Path | None) -> DiskFull:
    free = shutil.disk_usage(directory).free if directory.exists() else 0
    short = max(need - free, 0) + SPACE_MARGIN
    kept_note = f"; the {megabytes(kept.stat().st_size)} already in {kept.name} are kept and the pull resumes from there" if kept and kept.exists() and kept.stat().st_size else ""
    return DiskFull(f"the disk is full: free {-(-short // MB)} MB in {directory} and run the pull again{kept_note}")


def check_space(directory: Path, remaining: int, part: Path | None) -> None:
    """Refuse up front a transfer that cannot fit, instead of failing at 90%."""
    directory.mkdir(parents=True, exist_ok=True)
    if remaining + SPACE_MARGIN > shutil.disk_usage(directory).free:
        raise disk_full_error(directory, remaining, part)


class PartWriter:
    """Appends to a ``.part`` file while hashing; on resume it first hashes what is there."""

    def __init__(self, path: Path, *, resume: bool = True, total: int | None = None) -> None:
        self.path = path
        self.total = total  # the whole file's size when known: a full disk then says how much is missing
        path.parent.mkdir(parents=True, exist_ok=True)
        self._hash = hashlib.sha256()
        self.size = 0
        if resume and path.exists():
            with open(path, "rb") as existing:
                while chunk := existing.read(CHUNK):
                    self._hash.update(chunk)
                    self.size += len(chunk)
            self._file = open(path, "ab")
        else:
            self._file = open(path, "wb")

    def write(self, data: bytes) -> None:
        try:
            self._file.write(data)
        except OSError as exc:
            if disk_full(exc):
                self._drop_unwritten()
                raise disk_full_error(self.path.parent, self._still_needed(len(data)), self.path) from None
            raise
        self._hash.update(data)
        self.size += len(data)

    def _still_needed(self, at_least: int) -> int:
        return max(self.total - self.size, at_least) if self.total else at_least

    def _drop_unwritten(self) -> None:
        # What the buffer could not flush is lost; cut the file back to what was hashed so
        # the kept part is exactly a prefix a resume can trust.
        try:
            self._file.close()
        except OSError:
            pass
        with open(self.path, "r+b") as handle:
            handle.truncate(self.size)
        self._file = open(self.path, "ab")

    def truncate(self) -> None:
        """Start again from byte 0 (a server that ignored Range)."""
        self._file.close()
        self._file = open(self.path, "wb")
        self._hash = hashlib.sha256()
        self.size = 0

    def hexdigest(self) -> str:
        return self._hash.hexdigest()

    def sync(self) -> None:
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as exc:
            if disk_full(exc):
                self._drop_unwritten()
                raise disk_full_error(self.path.parent, self._still_needed(0), self.path) from None
            raise

    def close(self) -> None:
        if self._file.closed:
            return
        try:
            self.sync()
        finally:
            self._file.close()


def verify_and_place(part: Path, final: Path, *, size: int, digest: str, expected_size: int | None,
                     expected_sha256: str | None, what: str) -> str:
    """Rename ``part`` to ``final`` if it is the expected file; otherwise delete it and refuse."""
    problem = None
    if expected_size is not None and size != expected_size:
        problem = f"{size:,} bytes, expected {expected_size:,}"
    elif expected_sha256 is not None and digest != expected_sha256.lower():
        problem = f"sha256 {digest}, expected {expected_sha256}"
    if problem:
        part.unlink(missing_ok=True)
        raise ChecksumMismatch(f"{what} is not the expected file ({problem}); it was deleted. The source may be corrupt or changed: try another source (--source) or report it")
    os.replace(part, final)
    fsync_dir(final.parent)
    return digest


_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


def _resumed_at(response: httpx.Response) -> int | None:
    """The offset a 206 reply starts at, or None if the server sent the whole file."""
    if response.status_code != 206:
        return None
    found = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
    return int(found.group(1)) if found else None


def _total_of(response: httpx.Response, start: int) -> int | None:
    found = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
    if found and found.group(3) != "*":
        return int(found.group(3))
    length = response.headers.get("content-length")
    return start + int(length) if length and length.isdigit() else None


def download(url: str, final: Path, *, progress: Progress, size: int | None = None, sha256: str | None = None,
             label: str | None = None, connect_timeout: float = 5.0, read_timeout: float = 60.0,
             attempts: int = 5, retry_pause: float = 1.0) -> str:
    """Download ``url`` to ``final`` (resuming ``final.part``), verify it, return its sha256.

    Raises Unreachable when the server cannot be reached at all (nothing was fetched: the
    caller tries its next source), ChecksumMismatch, DiskFull, or PullError.
    """
    part = final.with_name(final.name + ".part")
    label = label or final.name
    final.parent.mkdir(parents=True, exist_ok=True)
    if size is not None:
        check_space(final.parent, size - min(part.stat().st_size if part.exists() else 0, size), part)
    writer = PartWriter(part, resume=True, total=size)
    if size is not None and writer.size > size:
        writer.truncate()
    timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
    reached = False
    last_error = ""
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True) as client:
            for attempt in range(attempts):
                if size is not None and writer.size == size:
                    break
                headers = {"Range": f"bytes={writer.size}-"} if writer.size else {}
                try:
                    with client.stream("GET", url, headers=headers) as response:
                        reached = True
                        if response.status_code == 416 and writer.size:
                            # Nothing after our end: either we have it all, or the part is not this file.
                            if size is None or writer.size == size:
                                break
                            writer.truncate()
                            continue
                        if response.status_code >= 400:
                            hint = "the file is not there (check the model's Hugging Face page)" if response.status_code == 404 else "try again later, or another source (--source)"
                            raise PullError(f"{url} answered HTTP {response.status_code}: {hint}")
                        start = _resumed_at(response)
                        if start != writer.size:
                            if writer.size:
                                progress.note(f"{label}: the server sent the whole file instead of resuming; starting again from 0")
                            writer.truncate()
                        total = size if size is not None else _total_of(response, writer.size)
                        writer.total = total
                        if total is not None and size is None:
                            check_space(final.parent, total - writer.size, part)
                        progress.start(label, total, writer.size)
                        # No chunk size: httpx would hold back up to a chunk, lost if the line is cut.
                        for chunk in response.iter_bytes():
                            writer.write(chunk)
                            progress.update(writer.size)
                        progress.finish()
                        break
                except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                    if not reached:
                        raise Unreachable(f"cannot reach {httpx.URL(url).host}: {exc or type(exc).__name__}") from None
                    last_error = f"cannot reconnect: {exc or type(exc).__name__}"
                except (httpx.ReadError, httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.WriteError) as exc:
                    last_error = f"connection cut at {megabytes(writer.size)}: {exc or type(exc).__name__}"
                progress.finish()
                if attempt + 1 < attempts:
                    progress.note(f"{label}: {last_error}; resuming")
                    time.sleep(retry_pause * (attempt + 1))
            else:
                raise PullError(f"downloading {url} failed {attempts} times ({last_error}); run the pull again: it resumes from {megabytes(writer.size)}")
    except BaseException:
        writer.close()
        if writer.size == 0:
            part.unlink(missing_ok=True)  # nothing to resume: leave no empty file behind
        raise
    writer.close()
    return verify_and_place(part, final, size=writer.size, digest=writer.hexdigest(), expected_size=size,
                            expected_sha256=sha256, what=f"the download of {url}")
