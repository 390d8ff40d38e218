import unittest

from quadsept import quad_sept


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(quad_sept(8), ["1", "2", "3", "Quad", "5", "6", "Sept", "Quad"])

    def test_02(self):
        self.assertEqual(quad_sept(0), [])

    def test_03(self):
        self.assertEqual(quad_sept(28)[27], "QuadSept")

    def test_04(self):
        self.assertEqual(quad_sept(28)[13], "Sept")

    def test_05(self):
        self.assertEqual(len(quad_sept(100)), 100)

    def test_06(self):
        self.assertEqual(quad_sept(56)[55], "QuadSept")


if __name__ == "__main__":
    unittest.main()
