import unittest

from averages import moving_average


class HiddenTests(unittest.TestCase):
    def test_01(self):
        got = moving_average([1, 2, 3, 4], 2)
        want = [1.5, 2.5, 3.5]
        self.assertEqual(len(got), len(want))
        for g, w in zip(got, want):
            self.assertAlmostEqual(g, w, places=6)

    def test_02(self):
        got = moving_average([5, 5, 5], 3)
        want = [5.0]
        self.assertEqual(len(got), len(want))
        for g, w in zip(got, want):
            self.assertAlmostEqual(g, w, places=6)

    def test_03(self):
        got = moving_average([1, 2], 3)
        want = []
        self.assertEqual(len(got), len(want))
        for g, w in zip(got, want):
            self.assertAlmostEqual(g, w, places=6)

    def test_04(self):
        got = moving_average([0.1, 0.2, 0.3], 1)
        want = [0.1, 0.2, 0.3]
        self.assertEqual(len(got), len(want))
        for g, w in zip(got, want):
            self.assertAlmostEqual(g, w, places=6)

    def test_05(self):
        with self.assertRaises(ValueError):
            moving_average([1], 0)


if __name__ == "__main__":
    unittest.main()
