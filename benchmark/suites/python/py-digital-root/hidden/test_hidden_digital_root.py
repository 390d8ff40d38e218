import unittest

from digits import digital_root


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(digital_root(942), 6)

    def test_02(self):
        self.assertEqual(digital_root(7), 7)

    def test_03(self):
        self.assertEqual(digital_root(0), 0)

    def test_04(self):
        self.assertEqual(digital_root(10), 1)

    def test_05(self):
        self.assertEqual(digital_root(99999999), 9)

    def test_06(self):
        self.assertEqual(digital_root(123456), 3)


if __name__ == "__main__":
    unittest.main()
