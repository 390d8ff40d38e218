"""Downloads against a real HTTP server on loopback: whole, cut and resumed, a server that
ignores Range, a wrong sha256, an unreachable hub, a disk too small; and the progress shown."""

from __future__ import annotations

import hashlib
import json
import io
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from crewmux.engine.catalog import CatalogEntry
from crewmux.engine.download import ChecksumMismatch, DiskFull, PullError, Unreachable, download
from crewmux.engine.progress import Progress, render_bar
from crewmux.engine.pull import pull
from crewmux.engine.store import ModelStore

pytestmark = pytest.mark.timeout(60)

DATA = os.urandom(3 * (1 << 20) + 12345)  # a few chunks, not a round number
SHA = hashlib.sha256(DATA).hexdigest()


class FileServer(ThreadingHTTPServer):
    """Serves ``data`` at any path. ``cut_after``: the next ``cuts`` replies stop after that
    many body bytes (the socket is shut); ``honour_range`` False sends the whole file always."""

    daemon_threads = True

    def __init__(self, data: bytes) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.data = data
        self.cut_after: int | None = None
        self.cuts = 0
        self.honour_range = True
        self.status: int | None = None
        self.hold: threading.Event | None = None  # replies wait for it before their body
        self.ranges: list[str | None] = []
        self.paths: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: FileServer

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        srv = self.server
        srv.paths.append(self.path)
        header = self.headers.get("Range")
        srv.ranges.append(header)
        if srv.status:
            self.send_error(srv.status)
            return
        start = 0
        if header and srv.honour_range:
            start = int(header.removeprefix("bytes=").split("-")[0])
            if start >= len(srv.data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(srv.data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(srv.data) - 1}/{len(srv.data)}")
        else:
            self.send_response(200)
        body = srv.data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if srv.hold is not None:
            srv.hold.wait(20)
        if srv.cut_after is not None and srv.cuts > 0:
            srv.cuts -= 1
            self.wfile.write(body[: srv.cut_after])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[FileServer]:
    srv = FileServer(DATA)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def quiet() -> tuple[Progress, io.StringIO]:
    out = io.StringIO()
    return Progress(out, tty=False), out


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_a_whole_download_is_verified_and_renamed_into_place(server: FileServer, tmp_path: Path) -> None:
    progress, out = quiet()
    final = tmp_path / "m.gguf"
    digest = download(f"{server.url}/m.gguf", final, progress=progress, size=len(DATA), sha256=SHA)
    assert digest == SHA and final.read_bytes() == DATA
    assert leftovers(tmp_path) == ["m.gguf"]
    assert server.ranges == [None]
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("m.gguf: 0%") and lines[-1].startswith("m.gguf: 100%"), lines


def test_a_cut_connection_resumes_with_a_range_request(server: FileServer, tmp_path: Path) -> None:
    server.cut_after, server.cuts = 1_000_000, 1
    progress, out = quiet()
    final = tmp_path / "m.gguf"
    digest = download(f"{server.url}/m.gguf", final, progress=progress, size=len(DATA), sha256=SHA, retry_pause=0)
    assert digest == SHA and final.read_bytes() == DATA
    assert server.ranges == [None, "bytes=1000000-"]
    assert "connection cut at 1.0 MB" in out.getvalue() and "resuming" in out.getvalue()
    assert leftovers(tmp_path) == ["m.gguf"]


def test_a_failed_download_keeps_its_part_and_the_next_pull_resumes_it(server: FileServer, tmp_path: Path) -> None:
    server.cut_after, server.cuts = 700_000, 2
    final = tmp_path / "m.gguf"
    with pytest.raises(PullError, match="failed 2 times .*resumes from"):
        download(f"{server.url}/m.gguf", final, progress=quiet()[0], size=len(DATA), sha256=SHA, attempts=2, retry_pause=0)
    part = tmp_path / "m.gguf.part"
    assert not final.exists() and part.stat().st_size == 1_400_000
    assert part.read_bytes() == DATA[:1_400_000]  # a prefix a resume can trust
    assert download(f"{server.url}/m.gguf", final, progress=quiet()[0], size=len(DATA), sha256=SHA) == SHA
    assert server.ranges[-1] == "bytes=1400000-"
    assert final.read_bytes() == DATA and leftovers(tmp_path) == ["m.gguf"]


def test_a_server_that_ignores_range_restarts_from_zero(server: FileServer, tmp_path: Path) -> None:
    server.honour_range = False
    (tmp_path / "m.gguf.part").write_bytes(b"X" * 500_000)  # not even this file's bytes
    progress, out = quiet()
    final = tmp_path / "m.gguf"
    assert download(f"{server.url}/m.gguf", final, progress=progress, size=len(DATA), sha256=SHA) == SHA
    assert server.ranges == ["bytes=500000-"]
    assert "starting again from 0" in out.getvalue()
    assert final.read_bytes() == DATA and leftovers(tmp_path) == ["m.gguf"]


def test_a_complete_part_is_verified_without_downloading_again(server: FileServer, tmp_path: Path) -> None:
    (tmp_path / "m.gguf.part").write_bytes(DATA)
    assert download(f"{server.url}/m.gguf", tmp_path / "m.gguf", progress=quiet()[0], size=len(DATA), sha256=SHA) == SHA
    assert server.ranges == []


def test_a_wrong_sha256_is_refused_and_nothing_is_left(server: FileServer, tmp_path: Path) -> None:
    final = tmp_path / "m.gguf"
    with pytest.raises(ChecksumMismatch, match=f"sha256 {SHA}, expected 0000.*deleted"):
        download(f"{server.url}/m.gguf", final, progress=quiet()[0], size=len(DATA), sha256="0" * 64)
    assert leftovers(tmp_path) == []


def test_a_wrong_size_is_refused(server: FileServer, tmp_path: Path) -> None:
    with pytest.raises(ChecksumMismatch, match="bytes, expected"):
        download(f"{server.url}/m.gguf", tmp_path / "m.gguf", progress=quiet()[0], size=len(DATA) + 1, sha256=SHA)
    assert leftovers(tmp_path) == []


def test_http_errors_say_what_to_check(server: FileServer, tmp_path: Path) -> None:
    server.status = 404
    with pytest.raises(PullError, match="HTTP 404: the file is not there"):
        download(f"{server.url}/m.gguf", tmp_path / "m.gguf", progress=quiet()[0], size=len(DATA), sha256=SHA)
    assert not (tmp_path / "m.gguf").exists()


def test_an_unreachable_server_is_known_at_once(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(Unreachable, match="cannot reach 127.0.0.1"):
        download(f"http://127.0.0.1:{port}/m.gguf", tmp_path / "m.gguf", progress=quiet()[0], size=len(DATA), sha256=SHA)
    assert time.monotonic() - started < 3
    assert leftovers(tmp_path) == []


def test_a_disk_too_small_says_how_much_to_free_before_downloading(server: FileServer, tmp_path: Path) -> None:
    with pytest.raises(DiskFull, match=rf"the disk is full: free \d[\d,]* MB in {tmp_path}"):
        download(f"{server.url}/m.gguf", tmp_path / "m.gguf", progress=quiet()[0], size=1 << 60, sha256=SHA)
    assert server.ranges == [] and leftovers(tmp_path) == []


def test_the_terminal_bar_and_the_plain_lines() -> None:
    assert render_bar("m", 50, 100, 0.0, width=10) == "m [#####.....]  50%  0/0 MB"
    assert render_bar("m", 250_000_000, 500_000_000, 12_300_000, width=4).endswith("[##..]  50%  250/500 MB  12.3 MB/s")
    out = io.StringIO()
    bar = Progress(out, tty=True)
    bar.start("m.gguf", 1000)
    bar.update(1000)
    bar.finish()
    assert out.getvalue().startswith("\rm.gguf [") and "100%" in out.getvalue() and out.getvalue().endswith("\n")
    out = io.StringIO()
    plain = Progress(out, tty=False)
    plain.start("m", 1000)
    for done in range(0, 1001, 10):
        plain.update(done)
    plain.finish()
    assert [line.split(":")[1].split("%")[0].strip() for line in out.getvalue().splitlines()] == [str(p) for p in range(0, 101, 10)]
    assert "\r" not in out.getvalue()


TINY = CatalogEntry(name="tiny:1", file_name="tiny-1.gguf", size_bytes=len(DATA), sha256=SHA, params=1000,
                    hf_repo="someone/tiny-GGUF", summary="test")


def test_pull_downloads_from_the_hub_named_by_crewmux_hf_endpoint(server: FileServer, tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    progress, out = quiet()
    lookup = {"tiny:1": TINY}.get
    path = pull("tiny:1", store, progress=progress, environ={"CREWMUX_HF_ENDPOINT": server.url}, lookup=lookup)
    assert path == store.root / "tiny-1.gguf" and path.read_bytes() == DATA
    assert server.paths == ["/someone/tiny-GGUF/resolve/main/tiny-1.gguf"]
    [pulled] = store.list()
    assert (pulled.name, pulled.sha256, pulled.size_bytes, pulled.source) == ("tiny:1", SHA, len(DATA), f"{server.url}{server.paths[0]}")
    progress, out = quiet()
    assert pull("tiny:1", store, progress=progress, environ={"CREWMUX_HF_ENDPOINT": server.url}, lookup=lookup) == path
    assert "already pulled and verified" in out.getvalue() and len(server.paths) == 1


def test_a_disk_that_fills_during_the_download_keeps_a_resumable_prefix(tmp_path: Path) -> None:
    """For real: in the sandbox, whose /tmp is a 4 MB tmpfs."""
    import sys

    import crewmux
    from crewmux.workspace.sandbox import Limits, Sandbox
    from crewmux.workspace.validators.base import python_env, python_readable

    probe = Sandbox()
    if not probe.bwrap_ok:
        pytest.skip(f"bubblewrap does not work here: {probe.bwrap_reason}")
    worker = Path(__file__).with_name("engine_disk_full_worker.py")
    package = Path(crewmux.__file__).resolve().parent
    result = Sandbox(require=True, limits=Limits(tmp_mb=4)).run(
        [sys.executable, str(worker)], cwd=tmp_path, timeout=60, env=python_env(),
        readable=[*python_readable(), str(package), str(worker.parent)])
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, result.stdout[-2000:] + result.stderr[-2000:]
    found = json.loads(lines[0].removeprefix("RESULT "))
    assert found["error"] and found["error"].startswith("the disk is full: free ") and " MB in /tmp/models and run the pull again" in found["error"]
    assert "are kept and the pull resumes from there" in found["error"]
    assert found["final_exists"] is False
    assert 1 << 20 < found["kept"] < 4 << 20 and found["prefix"] is True


def test_a_second_pull_of_the_same_model_waits_for_the_first(server: FileServer, tmp_path: Path) -> None:
    server.hold = threading.Event()
    store = ModelStore(tmp_path / "models")
    lookup = {"tiny:1": TINY}.get
    env = {"CREWMUX_HF_ENDPOINT": server.url}
    (first, _), (second, second_out) = quiet(), quiet()
    results: dict[str, Path] = {}
    one = threading.Thread(target=lambda: results.update(one=pull("tiny:1", store, progress=first, environ=env, lookup=lookup)))
    one.start()
    deadline = time.monotonic() + 10
    while not server.paths and time.monotonic() < deadline:
        time.sleep(0.02)
    two = threading.Thread(target=lambda: results.update(two=pull("tiny:1", store, progress=second, environ=env, lookup=lookup)))
    two.start()
    while "waiting for it" not in second_out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert f"another pull is writing to {store.root}; waiting for it" in second_out.getvalue()
    server.hold.set()
    one.join(20)
    two.join(20)
    assert results["one"] == results["two"] and results["one"].read_bytes() == DATA
    assert "already pulled and verified" in second_out.getvalue() and len(server.paths) == 1
