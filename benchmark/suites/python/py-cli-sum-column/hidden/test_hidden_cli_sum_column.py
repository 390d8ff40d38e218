import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def run(*args, stdin="", cwd=None):
    return subprocess.run([sys.executable, os.path.join(HERE, "sumcol.py"), *args], input=stdin,
                          capture_output=True, text=True, cwd=cwd or HERE, timeout=30)


class HiddenTests(unittest.TestCase):
    def test_missing_column_message(self):
        result = run("prices.csv", "colour")
        self.assertEqual(result.returncode, 2)
        self.assertIn("error: no column colour", result.stderr)


if __name__ == "__main__":
    unittest.main()
