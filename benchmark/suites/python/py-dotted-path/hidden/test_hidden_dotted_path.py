import unittest

from lookup import pick


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(pick({"a": {"b": [10, {"c": 5}]}}, "a.b.1.c"), 5)

    def test_02(self):
        self.assertEqual(pick({"a": 1}, "b"), None)

    def test_03(self):
        self.assertEqual(pick({"a": 1}, "b", 7), 7)

    def test_04(self):
        self.assertEqual(pick({"a": [1, 2]}, "a.5"), None)

    def test_05(self):
        self.assertEqual(pick({"a": [1, 2]}, "a.0"), 1)

    def test_06(self):
        self.assertEqual(pick({"a": 3}, "a.x", "no"), "no")

    def test_07(self):
        self.assertEqual(pick({"k": 1}, ""), {"k": 1})


if __name__ == "__main__":
    unittest.main()
