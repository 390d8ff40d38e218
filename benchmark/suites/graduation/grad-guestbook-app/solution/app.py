"""A guestbook: a form, a handler that stores entries in SQLite, and a page listing them."""

import html
import sqlite3
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

DB = "guestbook.db"
SCHEMA = "CREATE TABLE IF NOT EXISTS entries (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, message TEXT NOT NULL)"
PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Guestbook</title></head>
<body>
<h1>Guestbook</h1>
<form id="entry-form" method="post" action="/entries">
<label>Name <input name="name"></label>
<label>Message <textarea name="message"></textarea></label>
<button type="submit">Sign</button>
</form>
<ul id="entries">{items}</ul>
</body>
</html>
"""


def connect() -> sqlite3.Connection:
    db = sqlite3.connect(DB)
    db.execute(SCHEMA)
    return db


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def send(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != "/":
            return self.send(404, b"not found", {"Content-Type": "text/plain"})
        with connect() as db:
            rows = db.execute("SELECT name, message FROM entries ORDER BY id").fetchall()
        items = "".join(f"<li>{html.escape(name)}: {html.escape(message)}</li>" for name, message in rows)
        self.send(200, PAGE.format(items=items).encode(), {"Content-Type": "text/html; charset=utf-8"})

    def do_POST(self):
        if self.path != "/entries":
            return self.send(404, b"not found", {"Content-Type": "text/plain"})
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        fields = parse_qs(raw, keep_blank_values=True)
        name = fields.get("name", [""])[0].strip()
        message = fields.get("message", [""])[0]
        if not name:
            return self.send(400, b"a name is required", {"Content-Type": "text/plain"})
        with connect() as db:
            db.execute("INSERT INTO entries (name, message) VALUES (?, ?)", (name, message))
        self.send(303, b"", {"Location": "/"})


if __name__ == "__main__":
    connect().close()
    HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
