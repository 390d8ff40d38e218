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


class HiddenTests(ServerCase):
    script = "server.py"

    def test_empty_list(self):
        status, body, response = self.json_request("GET", "/books")
        self.assertEqual(status, 200)
        self.assertEqual(body, [])
        self.assertIn("application/json", response.getheader("Content-Type", ""))

    def test_create_get_list_delete(self):
        status, created, _ = self.json_request("POST", "/books", {"title": "Dune", "author": "Frank Herbert"})
        self.assertEqual(status, 201)
        self.assertEqual(created, {"id": 1, "title": "Dune", "author": "Frank Herbert"})
        status, second, _ = self.json_request("POST", "/books", {"title": "Emma", "author": "Jane Austen"})
        self.assertEqual((status, second["id"]), (201, 2))
        status, one, _ = self.json_request("GET", "/books/1")
        self.assertEqual((status, one), (200, created))
        status, listing, _ = self.json_request("GET", "/books")
        self.assertEqual(listing, [created, second])
        status, _, _ = self.json_request("DELETE", "/books/1")
        self.assertEqual(status, 204)
        status, gone, _ = self.json_request("GET", "/books/1")
        self.assertEqual((status, gone), (404, {"error": "not found"}))
        status, listing, _ = self.json_request("GET", "/books")
        self.assertEqual(listing, [second])

    def test_bad_requests(self):
        status, body, _ = self.json_request("POST", "/books", {"title": "No author"})
        self.assertEqual((status, body), (400, {"error": "title and author are required"}))
        status, body, _ = self.json_request("POST", "/books", {"title": "", "author": "X"})
        self.assertEqual(status, 400)
        response, _ = self.request("POST", "/books", b"not json", {"Content-Type": "application/json"})
        self.assertEqual(response.status, 400)
        status, body, _ = self.json_request("DELETE", "/books/99")
        self.assertEqual((status, body), (404, {"error": "not found"}))
        status, body, _ = self.json_request("GET", "/nothing-here")
        self.assertEqual((status, body), (404, {"error": "not found"}))


if __name__ == "__main__":
    unittest.main()
