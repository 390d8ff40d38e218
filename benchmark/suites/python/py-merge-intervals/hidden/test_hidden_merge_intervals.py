import unittest

from intervals import merge_intervals


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(merge_intervals([(5, 8), (1, 3), (2, 4), (8, 9)]), [(1, 4), (5, 9)])

    def test_02(self):
        self.assertEqual(merge_intervals([]), [])

    def test_03(self):
        self.assertEqual(merge_intervals([(1, 10), (2, 3)]), [(1, 10)])

    def test_04(self):
        self.assertEqual(merge_intervals([(3, 4), (1, 2)]), [(1, 2), (3, 4)])

    def test_05(self):
        self.assertEqual(merge_intervals([(1, 2), (2, 3), (3, 4)]), [(1, 4)])

    def test_06(self):
        self.assertEqual(merge_intervals([(0, 0)]), [(0, 0)])


if __name__ == "__main__":
    unittest.main()
