import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerCase(unittest.TestCase):
    """Starts `python3 SCRIPT PORT` in a fresh copy of the tree and stops it after the test."""

    script = ""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        with open(os.path.join(HERE, self.script)) as src, open(os.path.join(self.dir, self.script), "w") as dst:
            dst.write(src.read())
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, self.script, str(self.port)], cwd=self.dir,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.fail("the server exited: " + self.proc.stdout.read().decode(errors="replace")[-2000:])
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.fail(f"nothing listens on port {self.port} after 15 s")

    def tearDown(self):
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response, data

    def json_request(self, method, path, payload=None):
        body = None if payload is None else json.dumps(payload).encode()
        response, data = self.request(method, path, body, {"Content-Type": "application/json"} if body else {})
        return response.status, (json.loads(data) if data else None), response

import re
import sqlite3
from urllib.parse import urlencode


class HiddenTests(ServerCase):
    script = "app.py"

    def post_form(self, fields):
        return self.request("POST", "/entries", urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def page(self):
        response, data = self.request("GET", "/")
        self.assertEqual(response.status, 200)
        self.assertIn("text/html", response.getheader("Content-Type", ""))
        return data.decode()

    def items(self, html):
        match = re.search(r'<ul id="entries">(.*?)</ul>', html, re.S)
        self.assertIsNotNone(match, 'the page has no <ul id="entries">...</ul>')
        return [item.strip() for item in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)]

    def test_form_is_on_the_page(self):
        html = self.page()
        self.assertRegex(html, r'<form[^>]*id="entry-form"')
        self.assertRegex(html, r'<form[^>]*method="post"')
        self.assertRegex(html, r'<form[^>]*action="/entries"')
        self.assertRegex(html, r'<input[^>]*name="name"')
        self.assertRegex(html, r'<textarea[^>]*name="message"')
        self.assertEqual(self.items(html), [])

    def test_submit_stores_and_lists(self):
        response, _ = self.post_form({"name": "Ada", "message": "Hello there"})
        self.assertEqual(response.status, 303)
        self.assertEqual(response.getheader("Location"), "/")
        self.post_form({"name": "Bob", "message": "<b>bold</b> & more"})
        self.assertEqual(self.items(self.page()), ["Ada: Hello there", "Bob: &lt;b&gt;bold&lt;/b&gt; &amp; more"])
        db = sqlite3.connect(os.path.join(self.dir, "guestbook.db"))
        rows = db.execute("SELECT id, name, message FROM entries ORDER BY id").fetchall()
        db.close()
        self.assertEqual(rows, [(1, "Ada", "Hello there"), (2, "Bob", "<b>bold</b> & more")])

    def test_empty_name_is_refused(self):
        response, _ = self.post_form({"name": "  ", "message": "anonymous"})
        self.assertEqual(response.status, 400)
        self.assertEqual(self.items(self.page()), [])

    def test_entries_survive_a_restart(self):
        self.post_form({"name": "Cy", "message": "still here"})
        self.tearDown()
        self.setUp_again()
        self.assertEqual(self.items(self.page()), ["Cy: still here"])

    def setUp_again(self):
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, self.script, str(self.port)], cwd=self.dir,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.fail("the restarted server does not listen")


if __name__ == "__main__":
    unittest.main()
