"""Pages driven like a person, with the app's backend running in the sandbox: Chromium
(through Playwright) fills the form, submits it and reads the page; console errors, page
errors and failed requests are findings; a screenshot goes to the artifacts; the tree's
SQLite files are read back for what the form sent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crewmux.workspace.sandbox import Sandbox
from crewmux.workspace.validators import Context, review_checks, server, web
from crewmux.workspace.validators.server import database_results, page_results

pytestmark = pytest.mark.timeout(180)
GUESTBOOK = Path(__file__).parent.parent / "benchmark" / "suites" / "graduation" / "grad-guestbook-app" / "solution" / "app.py"
GUESTBOOK_ROUTES = ("GET / -> 200", "POST /entries form {name, message} -> 303", "POST /entries form {message} -> 400")

# A page whose script posts JSON to the backend and lists what it answers.
SHOP = '''import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Items</title></head><body>
<form id="add"><input id="item" name="item"><button>Add</button></form><ul id="items"></ul>
<script>
document.getElementById("add").addEventListener("submit", async (e) => {
  e.preventDefault();
  const r = await fetch("/api/items", {method: "POST", headers: {"Content-Type": "application/json"},
                                       body: JSON.stringify({name: document.getElementById("item").value})});
  const item = await r.json();
  const li = document.createElement("li"); li.textContent = item.name;
  document.getElementById("items").appendChild(li);
});
</script></body></html>"""
ITEMS = []


class Handler(BaseHTTPRequestHandler):
    def send(self, code, body, kind="application/json"):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/":
            return self.send(200, PAGE, "text/html; charset=utf-8")
        if self.path == "/api/items":
            return self.send(200, json.dumps(ITEMS))
        self.send(404, json.dumps({"error": "not found"}))

    def do_POST(self):
        data = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        item = {"id": len(ITEMS) + 1, "name": data.get("name", "")}
        ITEMS.append(item)
        self.send(STATUS, json.dumps(item))

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
'''
SHOP_ROUTES = ("GET / -> 200", "GET /api/items -> 200 []")


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return Sandbox()


@pytest.fixture(autouse=True)
def _chromium() -> None:
    if not (Path(web.CHROMIUM).exists() or shutil.which("chromium")):
        pytest.skip("chromium is not installed")
    pytest.importorskip("playwright")


def tree(root: Path, files: dict[str, str]) -> list[str]:
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        (root / rel).write_text(text)
    return list(files)


def test_the_guestbook_form_is_filled_submitted_shown_and_stored(tmp_path, sandbox):
    files = tree(tmp_path / "w", {"app.py": GUESTBOOK.read_text()})
    ctx = Context(tmp_path / "w", files, sandbox, timeout=90, artifacts=tmp_path / "artifacts", routes=GUESTBOOK_ROUTES)
    results = {r.name: r for r in review_checks(ctx, files, label="t1-a1")}
    page = results["page: fill and submit the form"]
    assert page.status == "passed", (page.detail, page.findings)
    assert "filled name, message and submitted; the page shows Name " in page.detail
    assert (tmp_path / "artifacts" / "t1-a1-server-page.png").stat().st_size > 1000
    assert results["database"].status == "passed" and "guestbook.db (table entries)" in results["database"].detail
    assert not (tmp_path / "w" / "guestbook.db").exists(), "what the app wrote while checked is not left in the worktree"
    assert "chromium index.html" not in results  # not also served as static files


def test_a_form_whose_values_are_not_stored_fails_the_database_check(tmp_path, sandbox):
    forgetful = GUESTBOOK.read_text().replace('db.execute("INSERT INTO entries (name, message) VALUES (?, ?)", (name, message))',
                                              'db.execute("SELECT ?, ?", (name, message))')
    assert forgetful != GUESTBOOK.read_text()
    files = tree(tmp_path / "w", {"app.py": forgetful})
    results = {r.name: r for r in server.check(Context(tmp_path / "w", files, sandbox, timeout=90, artifacts=tmp_path / "a"),
                                               list(GUESTBOOK_ROUTES))}
    assert results["database"].status == "failed" and "is in none of guestbook.db" in results["database"].detail
    page = results["page: fill and submit the form"]
    assert page.status == "failed" and "changed nothing on the page" in page.findings[-1].message


def test_a_script_page_talking_to_its_backend_passes(tmp_path, sandbox):
    files = tree(tmp_path / "w", {"server.py": SHOP.replace("STATUS", "201")})
    results = {r.name: r for r in server.check(Context(tmp_path / "w", files, sandbox, timeout=90, artifacts=tmp_path / "a"),
                                               list(SHOP_ROUTES))}
    page = results["page: fill and submit the form"]
    assert page.status == "passed", (page.detail, page.findings)
    assert "the page shows Item " in page.detail


def test_failed_requests_and_page_errors_are_findings(tmp_path, sandbox):
    files = tree(tmp_path / "w", {"server.py": SHOP.replace("STATUS", "500").replace("li.textContent = item.name;",
                                                                                         "li.textContent = item.name.missing.x;")})
    results = {r.name: r for r in server.check(Context(tmp_path / "w", files, sandbox, timeout=90, artifacts=tmp_path / "a"),
                                               list(SHOP_ROUTES))}
    page = results["page: fill and submit the form"]
    assert page.status == "failed"
    messages = " | ".join(f.message for f in page.findings)
    assert "request failed: /api/items (HTTP 500)" in messages
    assert "uncaught error: Cannot read properties of undefined" in messages, messages


def test_page_results_pure():
    report = {"form": True, "submitted": True, "changed": True, "filled": {"name": "Name x1"}, "shows": ["Name x1"],
              "console_errors": [], "page_errors": [], "failed_requests": [], "origin": "http://127.0.0.1:1", "screenshot": "/a.png"}
    (page,) = page_results(report)
    assert page.status == "passed" and page.detail == "filled name and submitted; the page shows Name x1; screenshot /a.png"
    assert page_results({**report, "changed": False})[0].status == "failed"
    assert page_results({"missing": "playwright"})[0].status == "not_checked"
    assert database_results({"databases": ["app.db"], "stored_in": [], "sent": ["Name x1"]})[0].detail == \
        "what was sent (Name x1) is in none of app.db"
    assert database_results({"databases": [], "stored_in": []}) == [] and database_results(None) == []
