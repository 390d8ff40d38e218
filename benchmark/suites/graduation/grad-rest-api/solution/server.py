"""A reading-list JSON API on the standard library's http.server."""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BOOKS: list[dict] = []
NEXT_ID = [1]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def reply(self, status: int, payload=None) -> None:
        body = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        if payload is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def book(self):
        parts = self.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "books" and parts[1].isdigit():
            return next((b for b in BOOKS if b["id"] == int(parts[1])), None)
        return None

    def do_GET(self):
        if self.path == "/books":
            return self.reply(200, BOOKS)
        found = self.book()
        self.reply(200, found) if found else self.reply(404, {"error": "not found"})

    def do_POST(self):
        if self.path != "/books":
            return self.reply(404, {"error": "not found"})
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not data.get("title") or not data.get("author"):
            return self.reply(400, {"error": "title and author are required"})
        new = {"id": NEXT_ID[0], "title": data["title"], "author": data["author"]}
        NEXT_ID[0] += 1
        BOOKS.append(new)
        self.reply(201, new)

    def do_DELETE(self):
        found = self.book()
        if not found:
            return self.reply(404, {"error": "not found"})
        BOOKS.remove(found)
        self.reply(204)


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
