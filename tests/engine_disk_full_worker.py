"""Run inside the sandbox, whose /tmp is a tiny tmpfs: download more than fits.

A loopback server in the sandbox sends 8 MB with no Content-Length (so nothing can be
checked up front) and the download fills /tmp. Prints ``RESULT {json}`` for
tests/test_engine_download.py to check.
"""

from __future__ import annotations

import io
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from crewmux.engine.download import DiskFull, download
from crewmux.engine.progress import Progress

DATA = os.urandom(8 << 20)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # the body ends when the connection closes

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        try:
            self.wfile.write(DATA)
        except OSError:
            pass


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    final = Path("/tmp/models/m.gguf")
    result: dict[str, object] = {}
    try:
        download(f"http://127.0.0.1:{server.server_address[1]}/m.gguf", final, progress=Progress(io.StringIO(), tty=False))
        result["error"] = None
    except DiskFull as exc:
        result["error"] = str(exc)
    part = final.with_name(final.name + ".part")
    kept = part.read_bytes() if part.exists() else b""
    result.update(final_exists=final.exists(), kept=len(kept), prefix=DATA.startswith(kept))
    print("RESULT " + json.dumps(result), flush=True)
    server.shutdown()


if __name__ == "__main__":
    main()
