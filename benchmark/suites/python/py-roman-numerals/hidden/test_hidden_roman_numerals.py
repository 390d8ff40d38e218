import unittest

from roman import to_roman


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(to_roman(1), "I")

    def test_02(self):
        self.assertEqual(to_roman(4), "IV")

    def test_03(self):
        self.assertEqual(to_roman(9), "IX")

    def test_04(self):
        self.assertEqual(to_roman(14), "XIV")

    def test_05(self):
        self.assertEqual(to_roman(40), "XL")

    def test_06(self):
        self.assertEqual(to_roman(1994), "MCMXCIV")

    def test_07(self):
        self.assertEqual(to_roman(2024), "MMXXIV")

    def test_08(self):
        self.assertEqual(to_roman(3999), "MMMCMXCIX")

    def test_09(self):
        with self.assertRaises(ValueError):
            to_roman(0)

    def test_10(self):
        with self.assertRaises(ValueError):
            to_roman(4000)


if __name__ == "__main__":
    unittest.main()
