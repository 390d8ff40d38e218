import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def run(*args, stdin="", cwd=None):
    return subprocess.run([sys.executable, os.path.join(HERE, "calc.py"), *args], input=stdin,
                          capture_output=True, text=True, cwd=cwd or HERE, timeout=30)


class HiddenTests(unittest.TestCase):
    def test_division_by_zero(self):
        result = run("5", "/", "0")
        self.assertEqual(result.returncode, 1)
        self.assertIn("error: division by zero", result.stderr)

    def test_unknown_operator(self):
        result = run("5", "%", "2")
        self.assertEqual(result.returncode, 1)
        self.assertIn("error: unknown operator", result.stderr)


if __name__ == "__main__":
    unittest.main()
