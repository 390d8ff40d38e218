import csv
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cwd, *args):
    return subprocess.run([sys.executable, os.path.join(HERE, "expenses.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=30)


class HiddenTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def test_add_prints_the_row_and_stores_it(self):
        result = run(self.tmp, "add", "12.5", "food", "lunch with Sam")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "added 1: 12.50 food")
        with open(os.path.join(self.tmp, "expenses.csv"), newline="") as handle:
            rows = list(csv.reader(handle))
        self.assertEqual(rows[0], ["id", "amount", "category", "note"])
        self.assertEqual(rows[1], ["1", "12.50", "food", "lunch with Sam"])

    def test_list(self):
        run(self.tmp, "add", "3", "coffee")
        run(self.tmp, "add", "40", "books", "two novels")
        result = run(self.tmp, "list")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip().splitlines(), ["1  3.00  coffee", "2  40.00  books  two novels"])

    def test_list_empty(self):
        result = run(self.tmp, "list")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "no expenses")

    def test_summary(self):
        for args in (("5", "coffee"), ("12.25", "food"), ("2.5", "coffee"), ("30", "books")):
            run(self.tmp, "add", *args)
        result = run(self.tmp, "summary")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip().splitlines(), ["books: 30.00", "coffee: 7.50", "food: 12.25", "total: 49.75"])

    def test_delete(self):
        run(self.tmp, "add", "1", "a")
        run(self.tmp, "add", "2", "b")
        result = run(self.tmp, "delete", "1")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "deleted 1")
        self.assertEqual(run(self.tmp, "list").stdout.strip().splitlines(), ["2  2.00  b"])
        self.assertEqual(run(self.tmp, "add", "3", "c").stdout.strip(), "added 3: 3.00 c")

    def test_errors(self):
        bad = run(self.tmp, "add", "lots", "food")
        self.assertEqual(bad.returncode, 1)
        self.assertIn("error: amount must be a positive number", bad.stderr)
        negative = run(self.tmp, "add", "-4", "food")
        self.assertEqual(negative.returncode, 1)
        missing = run(self.tmp, "delete", "9")
        self.assertEqual(missing.returncode, 1)
        self.assertIn("error: no expense 9", missing.stderr)
        unknown = run(self.tmp, "fly")
        self.assertEqual(unknown.returncode, 2)
        self.assertIn("usage:", unknown.stderr)


if __name__ == "__main__":
    unittest.main()
