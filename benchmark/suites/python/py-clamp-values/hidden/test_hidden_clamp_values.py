import unittest

from clamp import clamp_all


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(clamp_all([1, 5, 10], 2, 8), [2, 5, 8])

    def test_02(self):
        self.assertEqual(clamp_all([], 0, 1), [])

    def test_03(self):
        self.assertEqual(clamp_all([-3.5, 0.5, 9.25], -1, 1), [-1, 0.5, 1])

    def test_04(self):
        self.assertEqual(clamp_all([4, 4], 4, 4), [4, 4])

    def test_input_not_modified(self):
        data = [0, 10]
        clamp_all(data, 2, 8)
        self.assertEqual(data, [0, 10])

if __name__ == "__main__":
    unittest.main()
