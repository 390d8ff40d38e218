import unittest

from matrix import transpose


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(transpose([[1, 2, 3], [4, 5, 6]]), [[1, 4], [2, 5], [3, 6]])

    def test_02(self):
        self.assertEqual(transpose([]), [])

    def test_03(self):
        self.assertEqual(transpose([[7]]), [[7]])

    def test_04(self):
        self.assertEqual(transpose([[1], [2], [3]]), [[1, 2, 3]])

    def test_05(self):
        self.assertEqual(transpose([[1, 2], [3, 4]]), [[1, 3], [2, 4]])


if __name__ == "__main__":
    unittest.main()
