import unittest

from chunks import chunk


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]])

    def test_02(self):
        self.assertEqual(chunk([], 3), [])

    def test_03(self):
        self.assertEqual(chunk([1, 2, 3], 3), [[1, 2, 3]])

    def test_04(self):
        self.assertEqual(chunk(['a', 'b'], 5), [['a', 'b']])

    def test_05(self):
        self.assertEqual(chunk([1, 2, 3], 1), [[1], [2], [3]])

    def test_06(self):
        with self.assertRaises(ValueError):
            chunk([1], 0)

    def test_07(self):
        with self.assertRaises(ValueError):
            chunk([1], -2)


if __name__ == "__main__":
    unittest.main()
