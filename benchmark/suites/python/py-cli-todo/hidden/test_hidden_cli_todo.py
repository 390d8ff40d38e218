import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def run(*args, stdin="", cwd=None):
    return subprocess.run([sys.executable, os.path.join(HERE, "todo.py"), *args], input=stdin,
                          capture_output=True, text=True, cwd=cwd or HERE, timeout=30)


class HiddenTests(unittest.TestCase):
    def test_add_list_done(self):
        with tempfile.TemporaryDirectory() as tmp:
            self.assertEqual(run("list", cwd=tmp).stdout.strip(), "")
            self.assertEqual(run("add", "buy milk", cwd=tmp).stdout.strip(), "added 1")
            self.assertEqual(run("add", "call bob", cwd=tmp).stdout.strip(), "added 2")
            self.assertEqual(run("done", "2", cwd=tmp).stdout.strip(), "done 2")
            listing = run("list", cwd=tmp).stdout.strip().splitlines()
            self.assertEqual(listing, ["1. [ ] buy milk", "2. [x] call bob"])
            self.assertTrue(os.path.exists(os.path.join(tmp, "todo.json")))

    def test_done_unknown_item(self):
        with tempfile.TemporaryDirectory() as tmp:
            run("add", "one", cwd=tmp)
            result = run("done", "5", cwd=tmp)
            self.assertEqual(result.returncode, 1)
            self.assertIn("error: no item 5", result.stderr)

    def test_store_format(self):
        import json
        with tempfile.TemporaryDirectory() as tmp:
            run("add", "water plants", cwd=tmp)
            run("done", "1", cwd=tmp)
            with open(os.path.join(tmp, "todo.json")) as handle:
                self.assertEqual(json.load(handle), [{"text": "water plants", "done": True}])


if __name__ == "__main__":
    unittest.main()
