"""Servers in the sandbox: a contract's HTTP routes checked against the real server,
started inside bubblewrap (its own loopback, no way out), stopped with its process group."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from crewmux.workspace.sandbox import Sandbox
from crewmux.workspace.validators import Context, review_checks, server
from crewmux.workspace.validators.routes import PRESENT, TypeOf, judge, mismatch, parse_route

pytestmark = pytest.mark.timeout(120)

BOOKS = '''import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BOOKS = []


class Handler(BaseHTTPRequestHandler):
    def reply(self, code, data=None):
        body = b"" if data is None else json.dumps(data).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/books":
            return self.reply(200, BOOKS)
        for book in BOOKS:
            if self.path == f"/books/{book['id']}":
                return self.reply(200, book)
        self.reply(404, {"error": "not found"})

    def do_POST(self):
        data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if not data.get("title"):
            return self.reply(400, {"error": "title is required"})
        book = {"id": len(BOOKS) + 1, "title": data["title"], "author": data.get("author", "")}
        BOOKS.append(book)
        self.reply(201, book)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
'''
ROUTES = ["GET /books -> 200 []", 'POST /books {"title": "Dune", author} -> 201 {id: int, title: "Dune"}',
          "GET /books/{id} -> 200 {id, title, author}", "GET /nowhere -> 404 {error: \"not found\"}"]


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return Sandbox()


def _bwrap(sandbox: Sandbox) -> None:
    if not sandbox.bwrap_ok:
        pytest.skip(f"bubblewrap does not work here: {sandbox.bwrap_reason}")


def tree(root: Path, files: dict[str, str]) -> list[str]:
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        (root / rel).write_text(text)
    return list(files)


# -- pure ---------------------------------------------------------------------------------
def test_routes_parse_as_the_cto_writes_them():
    check = parse_route("POST /api/contact {name, email} -> 200 {ok: true}")
    assert (check.method, check.path, check.status) == ("POST", "/api/contact", 200)
    assert check.body == {"name": "test name", "email": "ada@example.com"} and check.expect == {"ok": True}
    check = parse_route("GET /books/:id → 200 {id: int, title}")
    assert check.placeholders == ["id"] and check.expect == {"id": TypeOf("int"), "title": PRESENT}
    assert parse_route("DELETE /books/{id} -> 204").expect is None
    assert parse_route("the page lists the books") is None


def test_answers_are_judged_by_status_and_fields():
    check = parse_route("POST /books {title} -> 201 {id: int, title}")
    assert judge(check, {"status": 201, "body": '{"id": 1, "title": "x"}'}) is None
    assert judge(check, {"status": 200, "body": "{}"}).startswith("status 200, expected 201")
    assert "no field 'id'" in judge(check, {"status": 201, "body": '{"title": "x"}'})
    assert "should be int" in judge(check, {"status": 201, "body": '{"id": "1", "title": "x"}'})
    assert "not JSON" in judge(check, {"status": 201, "body": "<html>"})
    assert mismatch([{"id": PRESENT}], [{"id": 2}, {"id": 3}]) is None


def test_headers_and_words_after_the_status():
    check = parse_route("POST /entries form {name} -> 303 Location: /")
    assert check.form and check.headers == {"location": "/"} and check.expect is None
    assert judge(check, {"status": 303, "headers": {"location": "/"}, "body": ""}) is None
    assert judge(check, {"status": 303, "headers": {}, "body": ""}) == "header location should contain '/', is '(none)'"
    check = parse_route("GET /books -> 200 [] Content-Type: application/json; X-Total: 0")
    assert check.expect == [] and check.headers == {"content-type": "application/json", "x-total": "0"}
    assert "content-type" in judge(check, {"status": 200, "headers": {"content-type": "text/html"}, "body": "[]"})
    check = parse_route("GET /health -> 200 OK")
    assert judge(check, {"status": 200, "headers": {}, "body": "ok\n"}) is None
    assert "should contain 'OK'" in judge(check, {"status": 200, "headers": {}, "body": "down"})


def test_the_server_command_comes_from_the_files(tmp_path):
    tree(tmp_path / "a", {"server.py": BOOKS})
    assert server.server_command(tmp_path / "a", ["server.py"])[1:] == ["server.py", "{port}"]
    tree(tmp_path / "b", {"app.py": "from flask import Flask\napp = Flask(__name__)\n"})
    assert server.server_command(tmp_path / "b", ["app.py"])[1:] == ["-m", "flask", "--app", "app:app", "run", "--port", "{port}"]
    tree(tmp_path / "c", {"main.py": "from fastapi import FastAPI\napi = FastAPI()\n"})
    assert server.server_command(tmp_path / "c", ["main.py"])[1:] == ["-m", "uvicorn", "main:api", "--port", "{port}"]
    tree(tmp_path / "d", {"server.js": "require('http').createServer(() => {}).listen(process.env.PORT)\n"})
    assert server.server_command(tmp_path / "d", ["server.js"]) == ["node", "server.js", "{port}"]
    tree(tmp_path / "e", {"calc.py": "def add(a, b):\n    return a + b\n"})
    assert server.server_command(tmp_path / "e", ["calc.py"]) is None


# -- with the real sandbox ----------------------------------------------------------------
def test_a_stdlib_server_passes_its_routes(tmp_path, sandbox):
    files = tree(tmp_path / "w", {"server.py": BOOKS})
    ctx = Context(tmp_path / "w", files, sandbox, timeout=60, routes=tuple(ROUTES))
    results = {r.name: r for r in review_checks(ctx, files)}
    assert results["server"].status == "passed", results["server"].detail
    for name in ("HTTP GET /books", "HTTP POST /books", "HTTP GET /books/{id}", "HTTP GET /nowhere"):
        assert results[name].status == "passed", results[name].detail


def test_a_wrong_answer_is_a_finding_naming_the_route(tmp_path, sandbox):
    files = tree(tmp_path / "w", {"server.py": BOOKS.replace('"title": data["title"]', '"name": data["title"]')})
    results = {r.name: r for r in server.check(Context(tmp_path / "w", files, sandbox, timeout=60), ROUTES)}
    assert results["HTTP POST /books"].status == "failed"
    assert "no field 'title'" in results["HTTP POST /books"].detail
    assert results["HTTP POST /books"].findings[0].path == "server.py"


def test_a_server_that_never_listens_is_reported_within_its_timeout_with_its_output(tmp_path, sandbox):
    files = tree(tmp_path / "w", {"server.py": "import sys, time\nfrom http.server import HTTPServer\n"
                                  "if __name__ == '__main__':\n    print('warming up the cache', flush=True)\n    time.sleep(600)\n"})
    started = time.monotonic()
    results = server.check(Context(tmp_path / "w", files, sandbox, timeout=60), ROUTES, wait=3)
    elapsed = time.monotonic() - started
    assert elapsed < 15, elapsed
    assert [r.name for r in results] == ["server"] and results[0].status == "failed"
    assert "did not listen within 3 s" in results[0].detail and "warming up the cache" in results[0].detail


def test_a_server_that_crashes_at_start_shows_its_traceback(tmp_path, sandbox):
    files = tree(tmp_path / "w", {"server.py": "from http.server import HTTPServer\nif __name__ == '__main__':\n    raise SystemExit(undefined_name)\n"})
    results = server.check(Context(tmp_path / "w", files, sandbox, timeout=60), ROUTES, wait=10)
    assert results[0].status == "failed"
    assert "exited with code 1" in results[0].detail and "NameError" in results[0].detail


def test_a_server_cannot_reach_outside(tmp_path, sandbox):
    _bwrap(sandbox)
    probe = BOOKS.replace("if __name__ == \"__main__\":", '''def outside():
    import socket
    tried = []
    for host, port in (("1.1.1.1", 80), ("8.8.8.8", 53), ("pypi.org", 443)):
        try:
            socket.create_connection((host, port), timeout=3).close()
            tried.append(f"{host} reached")
        except OSError as exc:
            tried.append(f"{host} refused: {type(exc).__name__}")
    return tried


if __name__ == "__main__":
    print("outside:", outside(), flush=True)''')
    files = tree(tmp_path / "w", {"server.py": probe})
    results = {r.name: r for r in server.check(Context(tmp_path / "w", files, sandbox, timeout=60), ROUTES)}
    assert results["server"].status == "passed"
    report, _ = server.serve(Context(tmp_path / "w", files, sandbox, timeout=60), server.ServerSpec(server.server_command(tmp_path / "w", files)), [])
    assert "outside:" in report["output"] and "reached" not in report["output"], report["output"]
    assert report["output"].count("refused") == 3


def test_no_process_is_left_after_the_check(tmp_path, sandbox, processes_with):
    marker = f"crewmux-leftover-{uuid.uuid4().hex[:8]}"
    spawner = BOOKS.replace("if __name__ == \"__main__\":", f'''import os, subprocess


def spawn():
    subprocess.Popen(["sh", "-c", "sleep 300; echo {marker}"])  # a child in the server's group
    if os.fork() == 0:  # and a daemon that leaves the group
        os.setsid()
        os.execvp("sh", ["sh", "-c", "sleep 301; echo {marker}"])


if __name__ == "__main__":
    spawn()''')
    files = tree(tmp_path / "w", {"server.py": spawner})
    results = server.check(Context(tmp_path / "w", files, sandbox, timeout=60), ROUTES)
    assert results[0].status == "passed", results[0].detail
    deadline = time.monotonic() + 5
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with(marker) == [], "a process of the server outlived its check"
    assert os.getpid() not in processes_with(marker)


def test_routes_whose_server_another_task_makes_are_not_checked_yet(tmp_path, sandbox):
    files = tree(tmp_path / "w", {"index.html": "<form id='f'></form>\n"})
    ctx = Context(tmp_path / "w", files, sandbox, timeout=60, pending=("server.py",))
    (result,) = server.check(ctx, ROUTES)
    assert result.status == "not_checked" and "other tasks make server.py" in result.detail
    (result,) = server.check(Context(tmp_path / "w", files, sandbox, timeout=60), ROUTES)
    assert result.status == "failed" and "no file starts a server" in result.detail


SQLITE_API = """import json, sqlite3, sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with sqlite3.connect("notes.db") as db:
            db.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT)")
            db.execute("INSERT INTO notes (text) VALUES (?)", (STORED,))
        body = json.dumps({"id": 1, "text": data["text"]}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def test_what_the_requests_send_is_read_back_from_the_apps_sqlite_file(tmp_path, sandbox):
    routes = ['POST /notes {"text": "remember the milk"} -> 201 {id: int, text: "remember the milk"}']
    files = tree(tmp_path / "good", {"server.py": SQLITE_API.replace("STORED", 'data["text"]')})
    results = {r.name: r for r in server.check(Context(tmp_path / "good", files, sandbox, timeout=60), routes)}
    assert results["database"].status == "passed" and "notes.db (table notes)" in results["database"].detail
    assert not (tmp_path / "good" / "notes.db").exists()
    files = tree(tmp_path / "bad", {"server.py": SQLITE_API.replace("STORED", '"?"')})
    results = {r.name: r for r in server.check(Context(tmp_path / "bad", files, sandbox, timeout=60), routes)}
    assert results["HTTP POST /notes"].status == "passed"
    assert results["database"].status == "failed" and "(remember the milk) is in none of notes.db" in results["database"].detail
