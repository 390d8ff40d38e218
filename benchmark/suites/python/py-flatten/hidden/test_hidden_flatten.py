import unittest

from nested import flatten


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(flatten([1, [2, [3, [4]], 5], []]), [1, 2, 3, 4, 5])

    def test_02(self):
        self.assertEqual(flatten([]), [])

    def test_03(self):
        self.assertEqual(flatten([[[]]]), [])

    def test_04(self):
        self.assertEqual(flatten(['ab', ('x', 'y'), [{'k': 1}]]), ['ab', ('x', 'y'), {'k': 1}])

    def test_05(self):
        self.assertEqual(flatten([[1], [2, 3], 4]), [1, 2, 3, 4])


if __name__ == "__main__":
    unittest.main()
