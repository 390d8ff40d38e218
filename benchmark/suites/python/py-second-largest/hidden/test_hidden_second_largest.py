import unittest

from ranking import second_largest


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(second_largest([4, 1, 9, 7]), 7)

    def test_02(self):
        self.assertEqual(second_largest([5, 5, 3]), 3)

    def test_03(self):
        self.assertEqual(second_largest([2, 2]), None)

    def test_04(self):
        self.assertEqual(second_largest([]), None)

    def test_05(self):
        self.assertEqual(second_largest([-1, -8, -3]), -3)

    def test_06(self):
        self.assertEqual(second_largest([9, 9, 9, 8, 8]), 8)


if __name__ == "__main__":
    unittest.main()
