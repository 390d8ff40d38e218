import unittest

from unique import unique


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(unique([3, 1, 3, 2, 1]), [3, 1, 2])

    def test_02(self):
        self.assertEqual(unique([]), [])

    def test_03(self):
        self.assertEqual(unique(["b", "a", "b"]), ["b", "a"])

    def test_04(self):
        self.assertEqual(unique([1, 2, 3]), [1, 2, 3])

    def test_05(self):
        self.assertEqual(unique([0, 0, 0]), [0])


if __name__ == "__main__":
    unittest.main()
